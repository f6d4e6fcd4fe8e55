//! The handshake between our two sides, a scripted version 5 initiator, and
//! peers that close or send garbage at every step.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use ei::dist::handshake::{self, digest, Local};
use ei::dist::{flags, Error, TcpTransport};

fn local<'a>(name: &'a str, cookie: &'a [u8]) -> Local<'a> {
    Local {
        name,
        host: "localhost",
        cookie,
        creation: 0x1234_5678,
        flags: flags::ADVERTISED,
    }
}

fn pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, b)
}

fn soon() -> Option<Instant> {
    Some(Instant::now() + Duration::from_secs(5))
}

#[test]
fn both_sides_agree() {
    let (a, b) = pair();
    let acceptor = thread::spawn(move || {
        let mut t = TcpTransport::new(b).unwrap();
        handshake::accept(&mut t, &local("b@localhost", b"secret"), soon())
    });
    let mut t = TcpTransport::new(a).unwrap();
    let peer = handshake::initiate(&mut t, &local("a@localhost", b"secret"), soon()).unwrap();
    assert_eq!(peer.name, "b@localhost");
    assert_eq!(peer.creation, 0x1234_5678);
    assert!(flags::acceptable(peer.flags));
    let other = acceptor.join().unwrap().unwrap();
    assert_eq!(other.name, "a@localhost");
}

#[test]
fn different_cookies_fail_on_both_sides() {
    let (a, b) = pair();
    let acceptor = thread::spawn(move || {
        let mut t = TcpTransport::new(b).unwrap();
        handshake::accept(&mut t, &local("b@localhost", b"one"), soon())
    });
    let mut t = TcpTransport::new(a).unwrap();
    let r = handshake::initiate(&mut t, &local("a@localhost", b"two"), soon());
    assert!(matches!(acceptor.join().unwrap(), Err(Error::BadDigest)));
    drop(t); // the acceptor's side is gone: the initiator sees it close
    assert!(r.is_err());
}

/// A handshake message with its 2-byte length.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut m = (body.len() as u16).to_be_bytes().to_vec();
    m.extend_from_slice(body);
    m
}

fn put(s: &mut TcpStream, body: &[u8]) {
    s.write_all(&framed(body)).unwrap();
}

/// A version 6 name message from `name` (creation 1).
fn name_msg(name: &[u8]) -> Vec<u8> {
    let mut m = vec![b'N'];
    m.extend_from_slice(&flags::ADVERTISED.to_be_bytes());
    m.extend_from_slice(&1u32.to_be_bytes());
    m.extend_from_slice(&(name.len() as u16).to_be_bytes());
    m.extend_from_slice(name);
    m
}

/// A version 6 challenge message from `old@localhost` (creation 5).
fn old_challenge(challenge: u32) -> Vec<u8> {
    let mut ch = vec![b'N'];
    ch.extend_from_slice(&flags::ADVERTISED.to_be_bytes());
    ch.extend_from_slice(&challenge.to_be_bytes());
    ch.extend_from_slice(&5u32.to_be_bytes());
    ch.extend_from_slice(&13u16.to_be_bytes());
    ch.extend_from_slice(b"old@localhost");
    ch
}

fn get(s: &mut TcpStream) -> Vec<u8> {
    let mut l = [0u8; 2];
    s.read_exact(&mut l).unwrap();
    let mut b = vec![0u8; u16::from_be_bytes(l) as usize];
    s.read_exact(&mut b).unwrap();
    b
}

#[test]
fn accepts_a_version_5_initiator_with_complement() {
    let (mut a, b) = pair();
    let acceptor = thread::spawn(move || {
        let mut t = TcpTransport::new(b).unwrap();
        handshake::accept(&mut t, &local("b@localhost", b"secret"), soon())
    });
    // 'n', version 5, the low flag word, name.
    let mut name = vec![b'n', 0, 5];
    name.extend_from_slice(&((flags::ADVERTISED & 0xffff_ffff) as u32).to_be_bytes());
    name.extend_from_slice(b"old@localhost");
    put(&mut a, &name);
    assert_eq!(get(&mut a), b"sok");
    let ch = get(&mut a);
    assert_eq!(ch[0], b'N');
    let her_challenge = u32::from_be_bytes(ch[9..13].try_into().unwrap());
    // Complement: high flag word and creation; then the reply.
    let mut c = vec![b'c'];
    c.extend_from_slice(&((flags::ADVERTISED >> 32) as u32).to_be_bytes());
    c.extend_from_slice(&77u32.to_be_bytes());
    put(&mut a, &c);
    let mut r = vec![b'r'];
    r.extend_from_slice(&42u32.to_be_bytes());
    r.extend_from_slice(&digest(her_challenge, b"secret"));
    put(&mut a, &r);
    let ack = get(&mut a);
    assert_eq!(ack[0], b'a');
    assert_eq!(&ack[1..], &digest(42, b"secret"));
    let peer = acceptor.join().unwrap().unwrap();
    assert_eq!(peer.name, "old@localhost");
    assert_eq!(peer.creation, 77);
    assert_eq!(peer.flags & flags::V4_NC, flags::V4_NC);
}

#[test]
fn an_alive_status_is_answered_true_and_the_handshake_goes_on() {
    // A scripted acceptor that still has a connection from our name.
    let (a, mut b) = pair();
    let acceptor = thread::spawn(move || {
        let name = get(&mut b);
        assert_eq!(name[0], b'N');
        put(&mut b, b"salive");
        assert_eq!(get(&mut b), b"strue", "the initiator did not answer true");
        put(&mut b, &old_challenge(99));
        let reply = get(&mut b);
        assert_eq!(reply[0], b'r');
        assert_eq!(&reply[5..21], &digest(99, b"secret"));
        let my_challenge = u32::from_be_bytes(reply[1..5].try_into().unwrap());
        let mut ack = vec![b'a'];
        ack.extend_from_slice(&digest(my_challenge, b"secret"));
        put(&mut b, &ack);
    });
    let mut t = TcpTransport::new(a).unwrap();
    let peer = handshake::initiate(&mut t, &local("a@localhost", b"secret"), soon()).unwrap();
    assert_eq!(peer.name, "old@localhost");
    acceptor.join().unwrap();
}

/// A scripted initiator that follows the protocol for `steps` messages and
/// then does `end`.
fn hostile_initiator(steps: usize, end: &'static [u8]) -> Result<handshake::Peer, Error> {
    let (mut a, b) = pair();
    let acceptor = thread::spawn(move || {
        let mut t = TcpTransport::new(b).unwrap();
        handshake::accept(
            &mut t,
            &local("b@localhost", b"secret"),
            Some(Instant::now() + Duration::from_millis(400)),
        )
    });
    let name = name_msg(b"bad@localhost");
    if steps >= 1 {
        put(&mut a, &name);
        let _status = get(&mut a);
        let _challenge = get(&mut a);
    }
    a.write_all(end).unwrap();
    let r = acceptor.join().unwrap();
    drop(a);
    r
}

#[test]
fn acceptor_fails_cleanly_on_garbage_and_close_at_every_step() {
    for steps in 0..2 {
        for end in [
            &b""[..],
            b"\x00\x05xxxxx",
            b"\xff\xff",
            b"\x00\x01",
            b"\x00\x15r",
        ] {
            let t0 = Instant::now();
            let r = hostile_initiator(steps, end);
            assert!(r.is_err(), "step {steps}, {end:?}: {r:?}");
            assert!(
                t0.elapsed() < Duration::from_secs(4),
                "step {steps}: took {:?}",
                t0.elapsed()
            );
        }
    }
}

#[test]
fn initiator_fails_cleanly_on_bad_status_and_stalls() {
    for reply in [
        &b"\x00\x03snok"[..],
        b"\x00\x0csnot_allowed",
        b"\x00\x03sxx",
        b"",
        b"\x00",
    ] {
        let (a, mut b) = pair();
        let peer = thread::spawn(move || {
            let _name = get(&mut b);
            b.write_all(reply).unwrap();
            // Stay silent (not closed) until the initiator gives up.
            thread::sleep(Duration::from_millis(600));
        });
        let mut t = TcpTransport::new(a).unwrap();
        let t0 = Instant::now();
        let r = handshake::initiate(
            &mut t,
            &local("a@localhost", b"secret"),
            Some(Instant::now() + Duration::from_millis(300)),
        );
        assert!(r.is_err(), "{reply:?}");
        assert!(t0.elapsed() < Duration::from_secs(3));
        peer.join().unwrap();
    }
}

#[test]
fn timeouts_are_timeouts() {
    let (a, _b) = pair();
    let mut t = TcpTransport::new(a).unwrap();
    let r = handshake::initiate(
        &mut t,
        &local("a@localhost", b"s"),
        Some(Instant::now() + Duration::from_millis(200)),
    );
    match r {
        Err(e) => assert!(e.is_timeout(), "{e:?}"),
        Ok(_) => panic!("handshake with a silent peer succeeded"),
    }
}

/// A transport that replays `input` (then reports the peer closed) and
/// records each write separately, without vectored writes, like socket
/// callbacks that have no `writev`.
struct Script {
    input: Vec<u8>,
    writes: Vec<Vec<u8>>,
}

impl ei::dist::Transport for Script {
    fn read(&mut self, buf: &mut [u8], _: ei::dist::Deadline) -> std::io::Result<usize> {
        let n = buf.len().min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input.drain(..n);
        Ok(n)
    }
    fn write(&mut self, buf: &[u8], _: ei::dist::Deadline) -> std::io::Result<usize> {
        self.writes.push(buf.to_vec());
        Ok(buf.len())
    }
}

#[test]
fn each_handshake_message_is_one_write() {
    // Initiator: name, then (after status and challenge) the reply, each in
    // one write, so that the peer gets one segment and wakes once.
    let mut input = framed(b"sok");
    input.extend_from_slice(&framed(&old_challenge(99)));
    let mut t = Script {
        input,
        writes: Vec::new(),
    };
    let r = handshake::initiate(&mut t, &local("a@localhost", b"secret"), None);
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
    assert_eq!(t.writes.len(), 2, "{:?}", t.writes);
    assert_eq!(t.writes[0].len(), 2 + 1 + 8 + 4 + 2 + 11);
    assert_eq!(&t.writes[0][..3], b"\x00\x1aN");
    assert!(t.writes[0].ends_with(b"a@localhost"));
    assert_eq!(t.writes[1].len(), 2 + 21);
    assert_eq!(&t.writes[1][..3], b"\x00\x15r");
    assert_eq!(&t.writes[1][7..], &digest(99, b"secret"));

    // Acceptor: status and challenge together in one write.
    let name = name_msg(b"new@localhost");
    let mut t = Script {
        input: framed(&name),
        writes: Vec::new(),
    };
    let r = handshake::accept(&mut t, &local("b@localhost", b"secret"), None);
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
    assert_eq!(t.writes.len(), 1, "{:?}", t.writes);
    let w = &t.writes[0];
    assert_eq!(&w[..5], b"\x00\x03sok");
    assert_eq!(&w[5..8], b"\x00\x1eN");
    assert_eq!(w.len(), 5 + 2 + 1 + 8 + 4 + 4 + 2 + 11);
    assert!(w.ends_with(b"b@localhost"));
}

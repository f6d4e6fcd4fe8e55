//! Frames on an established connection, against a scripted peer.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ei::dist::message::{self, kind, PidView, Received};
use ei::dist::{Error, TcpTransport};

fn pair() -> (TcpTransport, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (TcpTransport::new(a).unwrap(), b)
}

fn soon() -> Option<Instant> {
    Some(Instant::now() + Duration::from_secs(5))
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

const PID: PidView<'static> = PidView {
    node: b"n@h",
    num: 1,
    serial: 2,
    creation: 3,
};

#[test]
fn send_then_receive_our_own_frames() {
    let (mut t, peer) = pair();
    let mut back = TcpTransport::new(peer).unwrap();
    let payload = [131u8, 100, 0, 2, b'h', b'i'];
    message::send_to_pid(&mut t, PID, &payload, soon()).unwrap();
    message::send_to_name(&mut t, PID, "reg".as_bytes(), &payload, soon()).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    match message::receive(&mut back, &mut header, &mut buf, soon()).unwrap() {
        Received::Message {
            control,
            payload_len,
        } => {
            assert_eq!(control.kind, kind::SEND);
            assert_eq!(control.to.unwrap().node.bytes, b"n@h");
            assert_eq!(&buf[..payload_len], &payload);
        }
        Received::Tick => panic!("tick"),
    }
    let mut header = Vec::new();
    match message::receive(&mut back, &mut header, &mut buf, soon()).unwrap() {
        Received::Message {
            control,
            payload_len,
        } => {
            assert_eq!(control.kind, kind::REG_SEND);
            assert_eq!(control.to_name.unwrap().bytes, b"reg");
            assert_eq!(control.from.unwrap().num, 1);
            assert_eq!(&buf[..payload_len], &payload);
        }
        Received::Tick => panic!("tick"),
    }
}

#[test]
fn ticks_are_answered() {
    let (mut t, mut peer) = pair();
    peer.write_all(&[0, 0, 0, 0]).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    assert!(matches!(
        message::receive(&mut t, &mut header, &mut buf, soon()).unwrap(),
        Received::Tick
    ));
    let mut tock = [9u8; 4];
    peer.read_exact(&mut tock).unwrap();
    assert_eq!(tock, [0, 0, 0, 0]);
}

#[test]
fn hostile_lengths_fail_without_allocating_or_waiting() {
    let (mut t, mut peer) = pair();
    peer.write_all(&[0xff, 0xff, 0xff, 0xff, b'p']).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    let t0 = Instant::now();
    let r = message::receive(&mut t, &mut header, &mut buf, soon());
    assert!(matches!(r, Err(Error::TooLarge(_))), "{r:?}");
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(buf.capacity() < 1 << 20);
}

#[test]
fn a_claimed_length_larger_than_what_arrives_grows_only_with_the_data() {
    let (mut t, mut peer) = pair();
    // A send frame claiming 512 MiB, of which only the control arrives.
    let mut control = vec![b'p', 131, 104, 3, 97, 2, 100, 0, 0];
    control.extend_from_slice(&[
        88, 119, 3, b'n', b'@', b'h', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
    ]);
    let mut f = ((512u32 << 20) + control.len() as u32)
        .to_be_bytes()
        .to_vec();
    f.extend_from_slice(&control);
    f.extend_from_slice(&[131, 109]);
    peer.write_all(&f).unwrap();
    drop(peer);
    let mut header = Vec::new();
    let mut buf = Vec::new();
    let r = message::receive(&mut t, &mut header, &mut buf, soon());
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
    assert!(
        buf.capacity() <= 2 << 20,
        "grew to {} bytes for 2 bytes of payload",
        buf.capacity()
    );
}

#[test]
fn a_malformed_control_message_is_an_error_and_the_stream_stays_in_step() {
    let (mut t, mut peer) = pair();
    peer.write_all(&frame(b"p\x83h\x03a\x02zzzz")).unwrap();
    peer.write_all(&frame(b"x-not-pass-through")).unwrap();
    peer.write_all(&[0, 0, 0, 0]).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    let r = message::receive(&mut t, &mut header, &mut buf, soon());
    assert!(matches!(r, Err(Error::BadMessage(_))), "{r:?}");
    let r = message::receive(&mut t, &mut header, &mut buf, soon());
    assert!(matches!(r, Err(Error::BadMessage(_))), "{r:?}");
    assert!(matches!(
        message::receive(&mut t, &mut header, &mut buf, soon()),
        Ok(Received::Tick)
    ));
}

#[test]
fn a_payload_too_large_for_a_fixed_buffer_is_dropped_whole() {
    let (mut t, peer) = pair();
    let mut back = TcpTransport::new(peer).unwrap();
    let big = vec![7u8; 100_000];
    message::send_to_pid(&mut back, PID, &big, soon()).unwrap();
    message::send_tick(&mut back, soon()).unwrap();
    let mut header = Vec::new();
    let mut small = [0u8; 1000];
    let r = message::receive(&mut t, &mut header, &mut small[..], soon());
    assert!(matches!(r, Err(Error::TooLarge(_))), "{r:?}");
    assert!(matches!(
        message::receive(&mut t, &mut header, &mut small[..], soon()),
        Ok(Received::Tick)
    ));
}

#[test]
fn unlink_id_is_acknowledged() {
    let (mut t, peer) = pair();
    let mut back = TcpTransport::new(peer).unwrap();
    // {35, Id, From, To}: a control-only frame.
    let mut c = vec![131u8, 104, 4, 97, 35, 97, 9];
    for num in [1u32, 2] {
        c.extend_from_slice(&[88, 119, 3, b'n', b'@', b'h']);
        c.extend_from_slice(&num.to_be_bytes());
        c.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    }
    message::send_frame(&mut back, &c, &[], soon()).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    match message::receive(&mut t, &mut header, &mut buf, soon()).unwrap() {
        Received::Message {
            control,
            payload_len,
        } => {
            assert_eq!(control.reported_kind(), kind::UNLINK);
            assert_eq!(payload_len, 0);
        }
        Received::Tick => panic!("tick"),
    }
    // {36, Id, To, From}: the pids swapped back.
    let mut raw = [0u8; 256];
    let n = message::receive_raw(&mut back, &mut raw, soon())
        .unwrap()
        .unwrap();
    assert_eq!(n, c.len() + 1);
    assert_eq!(&raw[..8], &[b'p', 131, 104, 4, 97, 36, 97, 9]);
    assert_eq!(&raw[8 + 6..8 + 10], &2u32.to_be_bytes());
}

/// The body of a pass-through `SEND` frame to [`PID`] carrying `payload`.
fn send_body(payload: &[u8]) -> Vec<u8> {
    let mut b = vec![b'p', 131, 104, 3, 97, 2, 100, 0, 0];
    b.extend_from_slice(&[
        88, 119, 3, b'n', b'@', b'h', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
    ]);
    b.extend_from_slice(payload);
    b
}

/// The body of a pass-through frame `{Kind, From, To}` plus `extra`, which
/// should hold the rest of the control tuple and any message.
fn pids_body(kind: u8, arity: u8, extra: &[u8]) -> Vec<u8> {
    let mut b = vec![b'p', 131, 104, arity, 97, kind];
    for num in [1u32, 2] {
        b.extend_from_slice(&[88, 119, 3, b'n', b'@', b'h']);
        b.extend_from_slice(&num.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    }
    b.extend_from_slice(extra);
    b
}

#[test]
fn only_well_formed_messages_are_handed_over() {
    let hi: &[u8] = &[131, 100, 0, 2, b'h', b'i'];
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("no message", send_body(&[])),
        ("message without version byte", send_body(&hi[1..])),
        ("truncated message", send_body(&hi[..5])),
        (
            "list claiming more elements",
            send_body(&[131, 108, 0, 0, 0, 5, 97, 1, 106]),
        ),
        (
            "bytes after the message",
            send_body(&[hi, &[97, 1]].concat()),
        ),
        ("two messages", send_body(&[hi, hi].concat())),
        (
            "atom longer than 255 characters",
            send_body(&[&[131, 100, 1, 0][..], &[b'a'; 256]].concat()),
        ),
        ("SEND tuple with an extra element", {
            let mut b = send_body(hi);
            b[4] = 4;
            b
        }),
        ("LINK with a message", pids_body(1, 3, hi)),
        ("EXIT without its reason", pids_body(3, 4, &[])),
        (
            "EXIT reason then a message",
            pids_body(3, 4, &[&[97, 1][..], hi].concat()),
        ),
        ("unknown kind whose tuple is cut", pids_body(99, 9, &[])),
    ];
    for (what, body) in &malformed {
        let (mut t, mut peer) = pair();
        peer.write_all(&frame(body)).unwrap();
        peer.write_all(&frame(&send_body(hi))).unwrap();
        let mut header = Vec::new();
        let mut buf = Vec::new();
        let r = message::receive(&mut t, &mut header, &mut buf, soon());
        assert!(matches!(r, Err(Error::BadMessage(_))), "{what}: {r:?}");
        // The stream stays in step: the next message arrives whole.
        match message::receive(&mut t, &mut header, &mut buf, soon()) {
            Ok(Received::Message { payload_len, .. }) => {
                assert_eq!(&buf[..payload_len], hi, "{what}")
            }
            r => panic!("{what}: then {r:?}"),
        }
        // The raw receive checks the same.
        peer.write_all(&frame(body)).unwrap();
        let mut raw = [0u8; 512];
        let r = message::receive_raw(&mut t, &mut raw, soon());
        assert!(matches!(r, Err(Error::BadMessage(_))), "{what}, raw: {r:?}");
    }

    // What the kinds carry, accepted.
    // (An unknown kind's payload is all that follows the kind, as in libei.)
    let unknown_with = pids_body(99, 3, hi);
    let unknown_without = pids_body(99, 4, &[97, 7]);
    let well_formed: Vec<(&str, Vec<u8>, &[u8])> = vec![
        ("SEND", send_body(hi), hi),
        ("LINK", pids_body(1, 3, &[]), &[]),
        ("EXIT with its reason", pids_body(3, 4, &[97, 7]), &[97, 7]),
        (
            "unknown kind with a message",
            unknown_with.clone(),
            &unknown_with[6..],
        ),
        (
            "unknown kind without one",
            unknown_without.clone(),
            &unknown_without[6..],
        ),
    ];
    for (what, body, payload) in &well_formed {
        let (mut t, mut peer) = pair();
        peer.write_all(&frame(body)).unwrap();
        peer.write_all(&frame(body)).unwrap();
        let mut header = Vec::new();
        let mut buf = Vec::new();
        match message::receive(&mut t, &mut header, &mut buf, soon()) {
            Ok(Received::Message { payload_len, .. }) => {
                assert_eq!(&buf[..payload_len], *payload, "{what}")
            }
            r => panic!("{what}: {r:?}"),
        }
        let mut raw = [0u8; 512];
        let n = message::receive_raw(&mut t, &mut raw, soon()).unwrap();
        assert_eq!(n, Some(body.len()), "{what}, raw");
    }
}

#[test]
fn a_large_exit_reason_is_not_limited_by_the_control_message_cap() {
    // exit(Pid, Reason) puts Reason in the control tuple; 200 KB of it.
    let mut reason = vec![109];
    reason.extend_from_slice(&200_000u32.to_be_bytes());
    reason.resize(5 + 200_000, b'r');
    let (mut t, mut peer) = pair();
    let body = pids_body(3, 4, &reason);
    let writer = std::thread::spawn(move || peer.write_all(&frame(&body)).map(|_| peer));
    let mut header = Vec::new();
    let mut buf = Vec::new();
    match message::receive(&mut t, &mut header, &mut buf, soon()) {
        Ok(Received::Message {
            control,
            payload_len,
        }) => {
            assert_eq!(control.kind, kind::EXIT);
            assert_eq!(&buf[..payload_len], &reason[..]);
        }
        r => panic!("{r:?}"),
    }
    writer.join().unwrap().unwrap();
}

#[test]
fn long_names_are_sent_whole() {
    // Node and registered names of 255 characters (1020 bytes of UTF-8):
    // the control message no longer fits the stack buffer.
    let node = format!("{}@{}", "λ".repeat(100), "h".repeat(55));
    let name = "ü".repeat(255);
    let from = PidView {
        node: node.as_bytes(),
        num: 7,
        serial: 8,
        creation: 9,
    };
    let (mut t, peer) = pair();
    let mut back = TcpTransport::new(peer).unwrap();
    let payload = [131u8, 97, 42];
    message::send_to_name(&mut t, from, name.as_bytes(), &payload, soon()).unwrap();
    message::send_signal(&mut t, kind::LINK, from, from, None, soon()).unwrap();
    let mut header = Vec::new();
    let mut buf = Vec::new();
    match message::receive(&mut back, &mut header, &mut buf, soon()).unwrap() {
        Received::Message {
            control,
            payload_len,
        } => {
            assert_eq!(control.kind, kind::REG_SEND);
            assert_eq!(control.to_name.unwrap().bytes, name.as_bytes());
            assert_eq!(control.from.unwrap().node.bytes, node.as_bytes());
            assert_eq!(&buf[..payload_len], &payload);
        }
        Received::Tick => panic!("tick"),
    }
    let mut header = Vec::new();
    match message::receive(&mut back, &mut header, &mut buf, soon()).unwrap() {
        Received::Message { control, .. } => {
            assert_eq!(control.kind, kind::LINK);
            assert_eq!(control.to.unwrap().num, 7);
        }
        Received::Tick => panic!("tick"),
    }
}

/// What the in-place receive (the C API's way into an `ei_x_buff`) made
/// of one frame: the control message's kind, pids and name, and the
/// payload, which must start the buffer.
#[derive(Debug, PartialEq)]
struct Got {
    kind: i64,
    from: Option<u32>,
    to: Option<u32>,
    to_name: Option<Vec<u8>>,
    payload: Vec<u8>,
}

/// Receives one frame as the C API does: in place when the buffer holds
/// it or may grow to, else the general way. `Ok(None)` for a tick.
fn receive_in_place<B: message::PayloadBuf + ?Sized>(
    t: &mut TcpTransport,
    buf: &mut B,
) -> Result<Option<Got>, Error> {
    let Some(len) = message::read_frame_length(t, soon())? else {
        return Ok(None);
    };
    let got = |c: &message::Control<'_>, n: usize| Got {
        kind: c.kind,
        from: c.from.map(|p| p.num),
        to: c.to.map(|p| p.num),
        to_name: c.to_name.map(|a| a.bytes.to_vec()),
        payload: vec![0; n],
    };
    let mut g = if message::fits_in_place(buf, len)? {
        message::receive_frame_in_place(t, len, buf, soon(), got)?
    } else {
        let mut header = Vec::new();
        message::receive_frame_with(t, len, &mut header, buf, soon(), got)?
    };
    let n = g.payload.len();
    g.payload.copy_from_slice(&buf.bytes_mut()[..n]);
    Ok(Some(g))
}

/// A pid (`NEW_PID_EXT`) on node `node` with number `num`.
fn pid_bytes(node: &[u8], num: u32) -> Vec<u8> {
    let mut b = vec![88, 119, node.len() as u8];
    b.extend_from_slice(node);
    b.extend_from_slice(&num.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    b
}

/// `<<n bytes>>` as an encoded message, with its version byte.
fn binary_message(n: usize) -> Vec<u8> {
    let mut m = vec![131, 109];
    m.extend_from_slice(&(n as u32).to_be_bytes());
    m.extend((0..n).map(|i| i as u8));
    m
}

#[test]
fn in_place_receive_delivers_what_the_general_one_does() {
    let hi: &[u8] = &[131, 100, 0, 2, b'h', b'i'];
    let long_node = [b'n'; 250];
    // REG_SEND from a pid on a 250-byte node name: a control message
    // longer than the first chunk a long frame is read in.
    let mut long_control = vec![b'p', 131, 104, 4, 97, 6];
    long_control.extend_from_slice(&pid_bytes(&long_node, 5));
    long_control.extend_from_slice(&[100, 0, 0, 119, 3, b'r', b'e', b'g']);
    // MONITOR_P_EXIT {21, From, To, Ref, Reason} with long node names and
    // a long reason: From and To are read from the payload.
    let mut monitor_exit = vec![b'p', 131, 104, 5, 97, 21];
    monitor_exit.extend_from_slice(&pid_bytes(&long_node, 1));
    monitor_exit.extend_from_slice(&pid_bytes(&long_node, 2));
    monitor_exit.extend_from_slice(&[90, 0, 1, 119, 1, b'n', 0, 0, 0, 1, 0, 0, 0, 9]);
    monitor_exit.extend_from_slice(&binary_message(5000)[1..]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("short SEND", send_body(hi)),
        ("SEND of 1 KB", send_body(&binary_message(1000))),
        ("SEND of 100 KB", send_body(&binary_message(100_000))),
        ("LINK", pids_body(1, 3, &[])),
        (
            "EXIT of 10 KB",
            pids_body(3, 4, &binary_message(10_000)[1..]),
        ),
        (
            "short REG_SEND, long node",
            [&long_control[..], hi].concat(),
        ),
        (
            "REG_SEND of 10 KB, long node",
            [&long_control[..], &binary_message(10_000)].concat(),
        ),
        ("MONITOR_P_EXIT, long names", monitor_exit),
    ];
    for (what, body) in &cases {
        let (mut t, mut peer) = pair();
        let data = [frame(body), frame(body)].concat();
        let writer = std::thread::spawn(move || peer.write_all(&data).map(|_| peer));
        let mut header = Vec::new();
        let mut general = Vec::new();
        let want = match message::receive(&mut t, &mut header, &mut general, soon()) {
            Ok(Received::Message {
                control,
                payload_len,
            }) => Got {
                kind: control.kind,
                from: control.from.map(|p| p.num),
                to: control.to.map(|p| p.num),
                to_name: control.to_name.map(|a| a.bytes.to_vec()),
                payload: general[..payload_len].to_vec(),
            },
            r => panic!("{what}: {r:?}"),
        };
        let mut buf = Vec::new();
        let got = receive_in_place(&mut t, &mut buf).unwrap();
        assert_eq!(got.as_ref(), Some(&want), "{what}");
        writer.join().unwrap().unwrap();
    }
    // The pids of a MONITOR_P_EXIT with long node names are found.
    let (mut t, mut peer) = pair();
    peer.write_all(&frame(&cases[7].1)).unwrap();
    let got = receive_in_place(&mut t, &mut Vec::new()).unwrap().unwrap();
    assert_eq!((got.kind, got.from, got.to), (21, Some(1), Some(2)));
}

#[test]
fn in_place_receive_checks_short_and_long_frames_and_stays_in_step() {
    let hi: &[u8] = &[131, 100, 0, 2, b'h', b'i'];
    let big = binary_message(50_000);
    let long_node = [b'n'; 250];
    let mut long_control = vec![b'p', 131, 104, 3, 97, 2, 100, 0, 0];
    long_control.extend_from_slice(&pid_bytes(&long_node, 5));
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        (
            "short, bytes after the message",
            send_body(&[hi, &[97, 1]].concat()),
        ),
        (
            "long, bytes after the message",
            send_body(&[&big[..], &[97, 1]].concat()),
        ),
        ("long, two messages", send_body(&[&big[..], hi].concat())),
        ("long, binary cut short", send_body(&big[..40_000])),
        ("long, no version byte", send_body(&big[1..])),
        ("long, not pass-through", {
            let mut b = send_body(&big);
            b[0] = b'x';
            b
        }),
        ("long, malformed control", {
            let mut b = send_body(&big);
            b[2] = 120;
            b
        }),
        ("long control, bytes after", {
            [&long_control[..], &big, &[97, 1]].concat()
        }),
        ("long, a control message that never ends", {
            // SEND_TT whose trace token, a list, runs past the frame.
            let mut b = vec![b'p', 131, 104, 4, 97, 12, 100, 0, 0];
            b.extend_from_slice(&pid_bytes(b"n@h", 1));
            b.extend_from_slice(&[108, 0, 1, 0, 0]);
            b.resize(70_000, 97);
            b
        }),
    ];
    for (what, body) in &malformed {
        let (mut t, mut peer) = pair();
        let data = [frame(body), frame(&send_body(&big)), frame(&send_body(hi))].concat();
        let writer = std::thread::spawn(move || peer.write_all(&data).map(|_| peer));
        let mut buf = Vec::new();
        let r = receive_in_place(&mut t, &mut buf);
        assert!(matches!(r, Err(Error::BadMessage(_))), "{what}: {r:?}");
        // The stream stays in step: the next messages arrive whole.
        for want in [&big[..], hi] {
            match receive_in_place(&mut t, &mut buf) {
                Ok(Some(g)) => assert_eq!(g.payload, want, "{what}"),
                r => panic!("{what}: then {r:?}"),
            }
        }
        writer.join().unwrap().unwrap();
    }
}

#[test]
fn in_place_receive_into_a_fixed_buffer() {
    let big = binary_message(3000);
    let (mut t, mut peer) = pair();
    for _ in 0..3 {
        peer.write_all(&frame(&send_body(&big))).unwrap();
    }
    peer.write_all(&[0, 0, 0, 0]).unwrap();
    // Large enough for the frame: in place.
    let mut roomy = [0u8; 4000];
    let g = receive_in_place(&mut t, &mut roomy[..]).unwrap().unwrap();
    assert_eq!(g.payload, big);
    // Large enough for the payload but not the frame: the general way.
    let mut snug = vec![0u8; big.len()];
    let g = receive_in_place(&mut t, &mut snug[..]).unwrap().unwrap();
    assert_eq!(g.payload, big);
    // Too small: dropped whole.
    let mut small = [0u8; 100];
    let r = receive_in_place(&mut t, &mut small[..]);
    assert!(matches!(r, Err(Error::TooLarge(_))), "{r:?}");
    assert!(matches!(receive_in_place(&mut t, &mut small[..]), Ok(None)));
}

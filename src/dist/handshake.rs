//! The distribution handshake, both sides.
//!
//! We initiate with version 6 (`'N'` name message) and accept version 6
//! and version 5 (`'n'` name message followed by the `'c'` complement).
//! Challenges come from the OS's random source; digests are
//! `MD5(Cookie ++ decimal(Challenge))` and are compared in constant time.

use md5::{Digest, Md5};

use super::error::{Error, Result};
use super::flags;
use super::trace;
use super::transport::{read_exact, write_all_vectored, Deadline, Transport};

/// Longest handshake message accepted: a name message with a 255-character
/// UTF-8 node name is about 1,040 bytes.
pub const MAX_HANDSHAKE_MESSAGE: usize = 4096;

/// Longest node name (`alive@host`) in bytes.
pub const MAX_NODE_NAME: usize = 256;

/// Who we are, for a handshake.
#[derive(Debug, Clone, Copy)]
pub struct Local<'a> {
    /// Our full node name, or empty to ask the peer for one (NAME_ME).
    pub name: &'a str,
    /// Our host name, sent instead of the name when `name` is empty.
    pub host: &'a str,
    /// The cookie; it never leaves this module except inside digests.
    pub cookie: &'a [u8],
    /// Our creation.
    pub creation: u32,
    /// Capability flags to advertise (normally [`flags::ADVERTISED`]).
    pub flags: u64,
}

/// What a handshake learned about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The peer's node name.
    pub name: String,
    /// The peer's capability flags (digest flag expanded).
    pub flags: u64,
    /// The peer's creation (0 when a version 5 peer did not send one).
    pub creation: u32,
    /// With NAME_ME: the node name and creation the peer gave us.
    pub assigned: Option<(String, u32)>,
}

/// `MD5(cookie ++ decimal(challenge))`.
pub fn digest(challenge: u32, cookie: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(cookie);
    h.update(challenge.to_string().as_bytes());
    h.finalize().into()
}

/// Compares two digests in time independent of where they differ.
pub fn digests_equal(a: &[u8; 16], b: &[u8; 16]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A challenge from the OS's random source (`getrandom(2)` on Linux: one
/// system call, no file descriptor, works without `/dev`).
pub fn new_challenge() -> Result<u32> {
    getrandom::u32().map_err(|e| Error::Io(e.into()))
}

/// Reads one handshake message (its length prefix is `hdr` bytes) into
/// `buf`, returning its length.
fn recv_msg<T: Transport + ?Sized>(
    t: &mut T,
    hdr: usize,
    buf: &mut Vec<u8>,
    deadline: Deadline,
) -> Result<usize> {
    let mut len_bytes = [0u8; 4];
    read_exact(t, &mut len_bytes[..hdr], deadline)?;
    let len = if hdr == 2 {
        u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize
    } else {
        u32::from_be_bytes(len_bytes) as usize
    };
    if len == 0 {
        return Err(Error::Handshake("empty handshake message"));
    }
    if len > MAX_HANDSHAKE_MESSAGE {
        return Err(Error::Handshake("handshake message too long"));
    }
    buf.clear();
    buf.resize(len, 0);
    read_exact(t, buf, deadline)?;
    Ok(len)
}

/// Appends one handshake message (length prefix of `hdr` bytes, tag byte,
/// body) to `out`.
fn frame(out: &mut Vec<u8>, hdr: usize, tag: u8, body: &[&[u8]]) -> Result<()> {
    let len = 1 + body.iter().map(|b| b.len()).sum::<usize>();
    if hdr == 2 {
        let len16 = u16::try_from(len).map_err(|_| Error::InvalidArgument("name too long"))?;
        out.extend_from_slice(&len16.to_be_bytes());
    } else {
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.push(tag);
    for b in body {
        out.extend_from_slice(b);
    }
    Ok(())
}

/// Writes one handshake message: tag byte plus body, assembled in `buf`
/// (whose contents it replaces) and sent with one write, so that the peer
/// gets one segment and wakes once, not once per field.
fn send_msg<T: Transport + ?Sized>(
    t: &mut T,
    hdr: usize,
    tag: u8,
    body: &[&[u8]],
    buf: &mut Vec<u8>,
    deadline: Deadline,
) -> Result<()> {
    buf.clear();
    frame(buf, hdr, tag, body)?;
    write_all_vectored(t, &[buf], deadline)
}

fn header_size<T: Transport + ?Sized>(t: &mut T) -> Result<usize> {
    match t.handshake_header_size()? {
        n @ (2 | 4) => Ok(n),
        _ => Err(Error::InvalidArgument(
            "handshake packet header size must be 2 or 4",
        )),
    }
}

/// Bounds-checked reader over one handshake message.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(Error::Handshake("handshake message too short"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }
    fn digest(&mut self) -> Result<[u8; 16]> {
        let mut d = [0u8; 16];
        d.copy_from_slice(self.take(16)?);
        Ok(d)
    }
    fn name(&mut self, len: usize) -> Result<String> {
        if len > MAX_NODE_NAME {
            return Err(Error::Handshake("node name too long"));
        }
        let b = self.take(len)?;
        node_name(b)
    }
    fn rest_name(&mut self) -> Result<String> {
        let len = self.0.len();
        self.name(len)
    }
}

fn node_name(b: &[u8]) -> Result<String> {
    let s = std::str::from_utf8(b).map_err(|_| Error::Handshake("node name is not UTF-8"))?;
    // A node name is an atom, and C programs read it as a string.
    if s.chars().count() > crate::etf::atom::MAX_ATOM_CHARS {
        return Err(Error::Handshake("node name longer than 255 characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::Handshake("node name with a control character"));
    }
    match s.split_once('@') {
        Some((alive, host)) if !alive.is_empty() && !host.is_empty() => Ok(s.to_owned()),
        _ => Err(Error::Handshake("node name is not alive@host")),
    }
}

/// Runs the initiating side of a handshake on a connected transport.
pub fn initiate<T: Transport + ?Sized>(
    t: &mut T,
    me: &Local<'_>,
    deadline: Deadline,
) -> Result<Peer> {
    let hdr = header_size(t)?;
    let mut buf = Vec::with_capacity(64);
    let dynamic = me.name.is_empty();
    let our_flags = if dynamic {
        me.flags | flags::NAME_ME
    } else {
        me.flags
    };
    let sent_name = if dynamic { me.host } else { me.name };
    let name_len =
        u16::try_from(sent_name.len()).map_err(|_| Error::InvalidArgument("node name too long"))?;
    send_msg(
        t,
        hdr,
        b'N',
        &[
            &our_flags.to_be_bytes(),
            &me.creation.to_be_bytes(),
            &name_len.to_be_bytes(),
            sent_name.as_bytes(),
        ],
        &mut buf,
        deadline,
    )?;
    trace::log(
        3,
        format_args!("-> SEND_NAME (N) {sent_name} flags={our_flags:#x}"),
    );

    // Status.
    let n = recv_msg(t, hdr, &mut buf, deadline)?;
    let msg = &buf[..n];
    if msg[0] != b's' {
        return Err(Error::Handshake("expected a status message"));
    }
    let status = &msg[1..];
    trace::log(
        3,
        format_args!(
            "<- RECV_STATUS {}",
            String::from_utf8_lossy(&status[..status.len().min(20)])
        ),
    );
    let mut assigned = None;
    if dynamic {
        let rest = status
            .strip_prefix(b"named:")
            .ok_or_else(|| Error::Refused(String::from_utf8_lossy(status).into_owned()))?;
        let mut f = Fields(rest);
        let len = f.u16()? as usize;
        let name = f.name(len)?;
        let creation = f.u32()?;
        assigned = Some((name, creation));
    } else if status == b"alive" {
        // The peer still has a connection from a node of our name: one that
        // broke without the peer noticing yet, as when a C node reconnects
        // at once. Tell it to drop that one and go on (distribution
        // protocol, step 3B); libei gives up here instead.
        trace::log(
            3,
            format_args!("-> SEND_STATUS true (replacing the old connection)"),
        );
        send_msg(t, hdr, b's', &[b"true"], &mut buf, deadline)?;
    } else if status != b"ok" && status != b"ok_simultaneous" {
        return Err(Error::Refused(String::from_utf8_lossy(status).into_owned()));
    }

    // Challenge.
    let n = recv_msg(t, hdr, &mut buf, deadline)?;
    let mut f = Fields(&buf[1..n]);
    let (peer_flags, her_challenge, peer_creation, peer_name) = match buf[0] {
        b'N' => {
            let fl = f.u64()?;
            let ch = f.u32()?;
            let cr = f.u32()?;
            let len = f.u16()? as usize;
            (fl, ch, cr, f.name(len)?)
        }
        b'n' => {
            let _version = f.u16()?;
            let fl = u64::from(f.u32()?);
            let ch = f.u32()?;
            (fl, ch, 0, f.rest_name()?)
        }
        _ => return Err(Error::Handshake("expected a challenge message")),
    };
    if !flags::acceptable(peer_flags) {
        return Err(Error::MissingFlags);
    }
    trace::log(
        3,
        format_args!("<- RECV_CHALLENGE from {peer_name} flags={peer_flags:#x}"),
    );

    // Reply, then the peer's acknowledgement.
    let our_challenge = new_challenge()?;
    let reply = digest(her_challenge, me.cookie);
    send_msg(
        t,
        hdr,
        b'r',
        &[&our_challenge.to_be_bytes(), &reply],
        &mut buf,
        deadline,
    )?;
    trace::log(3, format_args!("-> SEND_CHALLENGE_REPLY"));
    let n = recv_msg(t, hdr, &mut buf, deadline)?;
    if buf[0] != b'a' || n != 17 {
        return Err(Error::Handshake("expected a challenge acknowledgement"));
    }
    let her_digest = Fields(&buf[1..n]).digest()?;
    if !digests_equal(&her_digest, &digest(our_challenge, me.cookie)) {
        return Err(Error::BadDigest);
    }
    trace::log(
        3,
        format_args!("<- RECV_CHALLENGE_ACK: handshake with {peer_name} complete"),
    );
    Ok(Peer {
        name: peer_name,
        flags: flags::expand(peer_flags),
        creation: peer_creation,
        assigned,
    })
}

/// Runs the accepting side of a handshake on a connected transport.
pub fn accept<T: Transport + ?Sized>(
    t: &mut T,
    me: &Local<'_>,
    deadline: Deadline,
) -> Result<Peer> {
    if me.name.is_empty() {
        return Err(Error::InvalidArgument(
            "a node without a name cannot accept connections",
        ));
    }
    let hdr = header_size(t)?;
    let mut buf = Vec::with_capacity(64);

    // Name: version 6 ('N') or version 5 ('n', complement follows).
    let n = recv_msg(t, hdr, &mut buf, deadline)?;
    let mut f = Fields(&buf[1..n]);
    let (mut peer_flags, mut peer_creation, peer_name, v5) = match buf[0] {
        b'N' => {
            let fl = f.u64()?;
            let cr = f.u32()?;
            let len = f.u16()? as usize;
            if fl & flags::NAME_ME != 0 {
                let _ = send_msg(t, hdr, b's', &[b"not_allowed"], &mut buf, deadline);
                return Err(Error::Handshake("peer asked for a dynamic name"));
            }
            (fl, cr, f.name(len)?, false)
        }
        b'n' => {
            let _version = f.u16()?;
            let fl = u64::from(f.u32()?);
            (fl, 0, f.rest_name()?, true)
        }
        _ => return Err(Error::Handshake("expected a name message")),
    };
    if !flags::acceptable(peer_flags) {
        let _ = send_msg(t, hdr, b's', &[b"not_allowed"], &mut buf, deadline);
        return Err(Error::MissingFlags);
    }
    trace::log(
        3,
        format_args!(
            "<- RECV_NAME ({}) {peer_name} flags={peer_flags:#x}",
            if v5 { 'n' } else { 'N' }
        ),
    );

    // Status and challenge in one write: the peer reads both before it
    // answers, so it wakes once.
    let our_challenge = new_challenge()?;
    let name_len =
        u16::try_from(me.name.len()).map_err(|_| Error::InvalidArgument("node name too long"))?;
    buf.clear();
    frame(&mut buf, hdr, b's', &[b"ok"])?;
    frame(
        &mut buf,
        hdr,
        b'N',
        &[
            &me.flags.to_be_bytes(),
            &our_challenge.to_be_bytes(),
            &me.creation.to_be_bytes(),
            &name_len.to_be_bytes(),
            me.name.as_bytes(),
        ],
    )?;
    write_all_vectored(t, &[&buf], deadline)?;
    trace::log(3, format_args!("-> SEND_STATUS ok, SEND_CHALLENGE"));

    if v5 {
        let n = recv_msg(t, hdr, &mut buf, deadline)?;
        if buf[0] != b'c' {
            return Err(Error::Handshake("expected a complement message"));
        }
        let mut f = Fields(&buf[1..n]);
        peer_flags |= u64::from(f.u32()?) << 32;
        peer_creation = f.u32()?;
    }

    let n = recv_msg(t, hdr, &mut buf, deadline)?;
    if buf[0] != b'r' || n != 21 {
        return Err(Error::Handshake("expected a challenge reply"));
    }
    let mut f = Fields(&buf[1..n]);
    let her_challenge = f.u32()?;
    let her_digest = f.digest()?;
    if !digests_equal(&her_digest, &digest(our_challenge, me.cookie)) {
        return Err(Error::BadDigest);
    }
    let ack = digest(her_challenge, me.cookie);
    send_msg(t, hdr, b'a', &[&ack], &mut buf, deadline)?;
    trace::log(
        3,
        format_args!("-> SEND_CHALLENGE_ACK: handshake with {peer_name} complete"),
    );
    Ok(Peer {
        name: peer_name,
        flags: flags::expand(peer_flags),
        creation: peer_creation,
        assigned: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_erlang() {
        // erlang:md5(["cookie", integer_to_list(12345)])
        let d = digest(12345, b"cookie");
        let want = Md5::digest(b"cookie12345");
        assert_eq!(&d[..], &want[..]);
        assert!(digests_equal(&d, &d));
        let mut e = d;
        e[15] ^= 1;
        assert!(!digests_equal(&d, &e));
    }

    #[test]
    fn node_names_are_checked() {
        assert!(node_name(b"a@b").is_ok());
        assert!(node_name(b"@b").is_err());
        assert!(node_name(b"a@").is_err());
        assert!(node_name(b"ab").is_err());
        assert!(node_name(&[0xff, b'@', b'b']).is_err());
        assert!(node_name(b"a\0x@b").is_err());
        assert!(node_name(b"a@b\n").is_err());
        assert!(node_name(format!("a@{}", "λ".repeat(253)).as_bytes()).is_ok());
        assert!(node_name(format!("a@{}", "λ".repeat(254)).as_bytes()).is_err());
    }
}

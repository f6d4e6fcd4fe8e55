//! Frames on an established connection: ticks, control messages and
//! payloads.
//!
//! Every frame is a 4-byte big-endian length and that many bytes; a zero
//! length is a tick. We never advertise the atom cache or fragments, so
//! every other frame is a pass-through frame: `'p'`, the control message
//! (a tuple, with its own version byte) and, for messages that carry one,
//! the payload term (with its own version byte).
//!
//! Reading never goes past the current frame, so a program that polls the
//! socket sees exactly the bytes it has not yet received.

use crate::etf::atom::AtomRef;
use crate::etf::decode::{Decoder, PidRef};
use crate::etf::encode::{self, SliceSink};
use crate::etf::tag::VERSION_MAGIC;

use super::error::{Error, Result};
use super::trace;
use super::transport::{read_exact, write_all_vectored, Deadline, Transport};

/// Control message kinds (libei's `ERL_*` numbering).
pub mod kind {
    pub const LINK: i64 = 1;
    pub const SEND: i64 = 2;
    pub const EXIT: i64 = 3;
    pub const UNLINK: i64 = 4;
    pub const NODE_LINK: i64 = 5;
    pub const REG_SEND: i64 = 6;
    pub const GROUP_LEADER: i64 = 7;
    pub const EXIT2: i64 = 8;
    pub const SEND_TT: i64 = 12;
    pub const EXIT_TT: i64 = 13;
    pub const REG_SEND_TT: i64 = 16;
    pub const EXIT2_TT: i64 = 18;
    pub const MONITOR_P: i64 = 19;
    pub const DEMONITOR_P: i64 = 20;
    pub const MONITOR_P_EXIT: i64 = 21;
    pub const UNLINK_ID: i64 = 35;
    pub const UNLINK_ID_ACK: i64 = 36;
}

/// Longest frame accepted (1 GiB); longer frames are
/// [`Error::TooLarge`]. The C API's buffer sizes are `int`, so no frame
/// beyond 2 GiB could be delivered anyway.
pub const MAX_FRAME: usize = 1 << 30;

/// Longest control message accepted (64 KiB; real ones are under 3 KiB).
pub const MAX_CONTROL: usize = 64 << 10;

/// Bytes of a frame read before its control message is parsed.
const FIRST_CHUNK: usize = 2048;

/// Payloads longer than this grow the caller's buffer as bytes arrive, so
/// that a length alone cannot make us allocate a gigabyte.
const GROW_STEP: usize = 1 << 20;

const PASS_THROUGH: u8 = b'p';

/// A pid to send to: node name (UTF-8) and numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidView<'a> {
    pub node: &'a [u8],
    pub num: u32,
    pub serial: u32,
    pub creation: u32,
}

impl<'a> From<PidRef<'a>> for PidView<'a> {
    fn from(p: PidRef<'a>) -> Self {
        PidView {
            node: p.node.bytes,
            num: p.num,
            serial: p.serial,
            creation: p.creation,
        }
    }
}

/// A received control message; fields borrow the frame's header bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Control<'a> {
    /// The kind as received (`kind::*`).
    pub kind: i64,
    pub from: Option<PidRef<'a>>,
    pub to: Option<PidRef<'a>>,
    /// The registered name of `REG_SEND` (or a monitored name).
    pub to_name: Option<AtomRef<'a>>,
    pub cookie: Option<AtomRef<'a>>,
    /// The encoded sequential trace token of the `_TT` kinds.
    pub token: Option<&'a [u8]>,
    /// The encoded id of `UNLINK_ID`.
    pub unlink_id: Option<&'a [u8]>,
}

impl Control<'_> {
    /// The kind as libei reports it: the `_TT` kinds fold onto their plain
    /// kinds and `UNLINK_ID` is `UNLINK`.
    pub fn reported_kind(&self) -> i64 {
        match self.kind {
            kind::SEND_TT | kind::EXIT_TT | kind::REG_SEND_TT | kind::EXIT2_TT => self.kind - 10,
            kind::UNLINK_ID => kind::UNLINK,
            k => k,
        }
    }
}

/// What [`receive`] got.
#[derive(Debug)]
pub enum Received<'h> {
    /// A tick (already answered).
    Tick,
    /// A message; its payload (`payload_len` bytes) is in the caller's
    /// buffer.
    Message {
        control: Control<'h>,
        payload_len: usize,
    },
}

/// Where [`receive`] puts a payload.
pub trait PayloadBuf {
    /// Makes the buffer at least `len` bytes long; false if it cannot grow
    /// (a fixed buffer).
    fn grow(&mut self, len: usize) -> Result<bool>;
    /// The buffer.
    fn bytes_mut(&mut self) -> &mut [u8];
}

impl PayloadBuf for Vec<u8> {
    fn grow(&mut self, len: usize) -> Result<bool> {
        if self.len() < len {
            self.try_reserve(len - self.len())
                .map_err(|_| Error::Io(std::io::ErrorKind::OutOfMemory.into()))?;
            self.resize(len, 0);
        }
        Ok(true)
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// A fixed buffer.
impl PayloadBuf for [u8] {
    fn grow(&mut self, len: usize) -> Result<bool> {
        Ok(self.len() >= len)
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// What must follow a control message's decoded fields in its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Where the payload libei hands to the program begins: right after
    /// the fields decoded into [`Control`].
    pub payload_start: usize,
    /// Elements of the control tuple that the payload begins with (an exit
    /// reason, a monitor's fields, an unknown message's fields).
    pub elements: u32,
    /// Whether a message term (with its version byte) follows the control
    /// tuple.
    pub message: Presence,
}

/// Whether a frame carries a message term after its control tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Absent,
    /// Messages of kinds we do not know.
    Optional,
}

/// Parses a control message (after `'p'`) from `hdr`: its fields and what
/// must follow them. A known kind must have its exact arity.
pub fn parse_control(hdr: &[u8]) -> std::result::Result<(Control<'_>, Layout), crate::etf::Error> {
    use crate::etf::Error::Malformed;
    let mut d = Decoder::new(hdr);
    if d.version()? != VERSION_MAGIC {
        return Err(Malformed("bad version"));
    }
    let arity = d.tuple_header()?;
    if arity == 0 {
        return Err(Malformed("empty control tuple"));
    }
    let mut c = Control {
        kind: d.long()?,
        ..Control::default()
    };
    fn token<'a>(d: &mut Decoder<'a, [u8]>) -> crate::etf::Result<&'a [u8]> {
        let start = d.position();
        d.skip()?;
        d.slice_from(start)
    }
    fn pid_or_name<'a>(p: &mut Decoder<'a, [u8]>) -> (Option<PidRef<'a>>, Option<AtomRef<'a>>) {
        match p.pid() {
            Ok(pid) => (Some(pid), None),
            Err(_) => (None, p.atom().ok()),
        }
    }
    // (arity the kind must have, elements left for the payload, message)
    let (want, elements, message) = match c.kind {
        kind::SEND | kind::SEND_TT => {
            c.cookie = Some(d.atom()?);
            c.to = Some(d.pid()?);
            if c.kind == kind::SEND_TT {
                c.token = Some(token(&mut d)?);
            }
            (3 + u32::from(c.token.is_some()), 0, Presence::Required)
        }
        kind::REG_SEND | kind::REG_SEND_TT => {
            c.from = Some(d.pid()?);
            c.cookie = Some(d.atom()?);
            c.to_name = Some(d.atom()?);
            if c.kind == kind::REG_SEND_TT {
                c.token = Some(token(&mut d)?);
            }
            (4 + u32::from(c.token.is_some()), 0, Presence::Required)
        }
        kind::LINK | kind::UNLINK | kind::GROUP_LEADER => {
            c.from = Some(d.pid()?);
            c.to = Some(d.pid()?);
            (3, 0, Presence::Absent)
        }
        kind::EXIT | kind::EXIT2 | kind::EXIT_TT | kind::EXIT2_TT => {
            // {Kind, From, To[, Token], Reason}: the reason is the payload.
            c.from = Some(d.pid()?);
            c.to = Some(d.pid()?);
            let traced = matches!(c.kind, kind::EXIT_TT | kind::EXIT2_TT);
            if traced {
                c.token = Some(token(&mut d)?);
            }
            (4 + u32::from(traced), 1, Presence::Absent)
        }
        kind::UNLINK_ID | kind::UNLINK_ID_ACK => {
            c.unlink_id = Some(token(&mut d)?);
            c.from = Some(d.pid()?);
            c.to = Some(d.pid()?);
            (4, 0, Presence::Absent)
        }
        kind::MONITOR_P | kind::DEMONITOR_P | kind::MONITOR_P_EXIT => {
            // {Kind, From, To, Ref[, Reason]}: From and To are pids or, for
            // a monitored name, an atom. They stay in the payload too, as
            // libei leaves them.
            let mut peek = Decoder::at(hdr, d.position());
            let (from, _) = pid_or_name(&mut peek);
            let (to, to_name) = pid_or_name(&mut peek);
            c.from = from;
            c.to = to;
            c.to_name = to_name;
            let want = if c.kind == kind::MONITOR_P_EXIT { 5 } else { 4 };
            (want, want - 1, Presence::Absent)
        }
        _ => (arity, arity - 1, Presence::Optional),
    };
    if arity != want {
        return Err(Malformed("control tuple of the wrong arity"));
    }
    let layout = Layout {
        payload_start: d.position(),
        elements,
        message,
    };
    Ok((c, layout))
}

/// Checks that `payload` (the frame's bytes from
/// [`Layout::payload_start`]) is what `layout` says: the rest of the
/// control tuple, then exactly one message term or nothing.
pub fn check_payload(
    payload: &[u8],
    layout: &Layout,
) -> std::result::Result<(), crate::etf::Error> {
    use crate::etf::Error::Malformed;
    let mut d = Decoder::new(payload);
    for _ in 0..layout.elements {
        d.skip()?;
    }
    let rest = payload.len() - d.position();
    match (layout.message, rest) {
        (Presence::Absent | Presence::Optional, 0) => Ok(()),
        (Presence::Absent, _) => Err(Malformed("bytes after the control message")),
        (Presence::Required, 0) => Err(Malformed("no message after the control message")),
        (Presence::Required | Presence::Optional, _) => {
            if d.version()? != VERSION_MAGIC {
                return Err(Malformed("message without its version byte"));
            }
            d.skip()?;
            if d.position() != payload.len() {
                return Err(Malformed("bytes after the message"));
            }
            Ok(())
        }
    }
}

/// Checks one whole pass-through frame as [`receive_raw`] returns it.
pub fn check_frame(frame: &[u8]) -> std::result::Result<(), crate::etf::Error> {
    match frame.split_first() {
        Some((&PASS_THROUGH, rest)) => {
            let (_, layout) = parse_control(rest)?;
            check_payload(&rest[layout.payload_start..], &layout)
        }
        _ => Err(crate::etf::Error::Malformed("not a pass-through frame")),
    }
}

/// Reads one frame: answers a tick, or parses the control message into
/// `header` (reused between calls) and the payload into `payload`.
/// `UNLINK_ID` is acknowledged here. A payload too long for a fixed buffer
/// is read and dropped, and is [`Error::TooLarge`]. A frame that is not a
/// well-formed control message followed by exactly what its kind carries
/// (see [`check_payload`]) is read whole and is [`Error::BadMessage`].
pub fn receive<'h, T: Transport + ?Sized, B: PayloadBuf + ?Sized>(
    t: &mut T,
    header: &'h mut Vec<u8>,
    payload: &mut B,
    deadline: Deadline,
) -> Result<Received<'h>> {
    let mut len_bytes = [0u8; 4];
    read_exact(t, &mut len_bytes, deadline)?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len == 0 {
        trace::log(5, format_args!("<- TICK"));
        send_tick(t, deadline)?;
        return Ok(Received::Tick);
    }
    if len > MAX_FRAME {
        return Err(Error::TooLarge(len as u64));
    }

    // Read the start of the frame and parse the control message, reading
    // more while it is cut short.
    header.clear();
    let mut have = len.min(FIRST_CHUNK);
    header.resize(have, 0);
    read_exact(t, header, deadline)?;
    if header[0] != PASS_THROUGH {
        drain(t, len - have, deadline)?;
        return Err(Error::BadMessage("not a pass-through frame"));
    }
    // (A frame that fits the first chunk is parsed once, below.)
    while have < len
        && have < MAX_CONTROL
        && matches!(
            parse_control(&header[1..]),
            Err(crate::etf::Error::Truncated)
        )
    {
        let more = (len - have).min(have).min(MAX_CONTROL - have);
        header.resize(have + more, 0);
        read_exact(t, &mut header[have..], deadline)?;
        have += more;
    }
    let header: &'h [u8] = header;
    let (control, layout) = match parse_control(&header[1..]) {
        Ok(parsed) => parsed,
        Err(_) => {
            drain(t, len - have, deadline)?;
            return Err(Error::BadMessage("malformed control message"));
        }
    };
    let payload_start = layout.payload_start + 1;

    // The payload: what is left of the header chunk, then the rest of the
    // frame, straight into the caller's buffer.
    let payload_len = len - payload_start;
    let in_header = have - payload_start;
    let mut filled = 0;
    let mut target = payload_len.min(in_header.max(GROW_STEP));
    if !payload.grow(target)? {
        drain(t, len - have, deadline)?;
        return Err(Error::TooLarge(payload_len as u64));
    }
    payload.bytes_mut()[..in_header].copy_from_slice(&header[payload_start..have]);
    filled += in_header;
    while filled < payload_len {
        if filled == target {
            target = payload_len.min(target.saturating_mul(2));
            if !payload.grow(target)? {
                drain(t, payload_len - filled, deadline)?;
                return Err(Error::TooLarge(payload_len as u64));
            }
        }
        read_exact(t, &mut payload.bytes_mut()[filled..target], deadline)?;
        filled = target;
    }

    // The whole frame is read, so a malformed one leaves the stream in step.
    if check_payload(&payload.bytes_mut()[..payload_len], &layout).is_err() {
        return Err(Error::BadMessage("malformed message"));
    }
    if control.kind == kind::UNLINK_ID_ACK {
        // We never send UNLINK_ID, so no ack is due to us.
        return Err(Error::BadMessage("unexpected UNLINK_ID_ACK"));
    }
    if trace::enabled(4) {
        trace::log(
            4,
            format_args!(
                "<- {} ({} bytes of payload)",
                kind_name(control.kind),
                payload_len
            ),
        );
    }
    if control.kind == kind::UNLINK_ID {
        if let (Some(id), Some(from), Some(to)) = (control.unlink_id, control.from, control.to) {
            send_unlink_id_ack(t, id, to.into(), from.into(), deadline)?;
        }
    }
    Ok(Received::Message {
        control,
        payload_len,
    })
}

/// Reads one frame as it is (pass-through byte, control message and
/// payload) into `buf`: `Ok(None)` for a tick (answered). A frame longer
/// than `buf` is read and dropped, and is [`Error::TooLarge`]; a malformed
/// one (see [`check_frame`]) is [`Error::BadMessage`].
pub fn receive_raw<T: Transport + ?Sized>(
    t: &mut T,
    buf: &mut [u8],
    deadline: Deadline,
) -> Result<Option<usize>> {
    let mut len_bytes = [0u8; 4];
    read_exact(t, &mut len_bytes, deadline)?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len == 0 {
        send_tick(t, deadline)?;
        return Ok(None);
    }
    if len > buf.len() {
        if len <= MAX_FRAME {
            drain(t, len, deadline)?;
        }
        return Err(Error::TooLarge(len as u64));
    }
    read_exact(t, &mut buf[..len], deadline)?;
    if check_frame(&buf[..len]).is_err() {
        return Err(Error::BadMessage("malformed frame"));
    }
    Ok(Some(len))
}

/// Reads and drops `n` bytes.
fn drain<T: Transport + ?Sized>(t: &mut T, mut n: usize, deadline: Deadline) -> Result<()> {
    let mut scratch = [0u8; 4096];
    while n > 0 {
        let k = n.min(scratch.len());
        read_exact(t, &mut scratch[..k], deadline)?;
        n -= k;
    }
    Ok(())
}

/// Sends a tick (an empty frame).
pub fn send_tick<T: Transport + ?Sized>(t: &mut T, deadline: Deadline) -> Result<()> {
    write_all_vectored(t, &[&[0, 0, 0, 0]], deadline)
}

/// Sends one pass-through frame: the encoded control message (with its
/// version byte) and the payload, in one vectored write.
pub fn send_frame<T: Transport + ?Sized>(
    t: &mut T,
    control: &[u8],
    payload: &[u8],
    deadline: Deadline,
) -> Result<()> {
    let mut head = [0u8; 5];
    head[..4].copy_from_slice(&frame_len(1 + control.len() + payload.len())?.to_be_bytes());
    head[4] = PASS_THROUGH;
    write_all_vectored(t, &[&head, control, payload], deadline)
}

/// A frame's length field for `total` bytes after it.
fn frame_len(total: usize) -> Result<u32> {
    u32::try_from(total)
        .ok()
        .filter(|&l| l as usize <= MAX_FRAME)
        .ok_or(Error::TooLarge(total as u64))
}

/// Frame heads (length, `'p'` and control message) of ordinary names fit
/// on the stack; longer ones (node names run to 1020 bytes) go on the heap.
const SMALL_HEAD: usize = 256;

/// Bytes of a pid's encoding: `NEW_PID_EXT`, the node atom, 12 bytes.
fn pid_size(p: PidView<'_>) -> usize {
    1 + 3 + p.node.len() + 12
}

/// Bytes before the elements of a control tuple of small `kind`: frame
/// length, `'p'`, version, tuple header and kind.
const HEAD_START: usize = 4 + 1 + 1 + 2 + 2;

/// Sends a frame whose control message `f` encodes (after the version
/// byte) in at most `bound` bytes, then `payload`: the length, `'p'` and
/// the control message are built in one buffer, and go out with the
/// payload in one vectored write. Nothing is allocated for heads of up to
/// [`SMALL_HEAD`] bytes.
fn send_with_control<T: Transport + ?Sized>(
    t: &mut T,
    bound: usize,
    payload: &[u8],
    deadline: Deadline,
    f: impl FnOnce(&mut SliceSink<'_>) -> crate::etf::Result<()>,
) -> Result<()> {
    let mut small = [0u8; SMALL_HEAD];
    let mut large = Vec::new();
    let buf: &mut [u8] = if bound <= SMALL_HEAD {
        &mut small
    } else {
        large.resize(bound, 0);
        &mut large
    };
    let mut s = SliceSink::new(buf, 5);
    encode::version(&mut s)?;
    f(&mut s)?;
    let end = s.position();
    buf[..4].copy_from_slice(&frame_len(end - 4 + payload.len())?.to_be_bytes());
    buf[4] = PASS_THROUGH;
    write_all_vectored(t, &[&buf[..end], payload], deadline)
}

fn pid(s: &mut SliceSink<'_>, p: PidView<'_>) -> crate::etf::Result<()> {
    encode::pid(s, p.node, p.num, p.serial, p.creation)
}

/// Sends `payload` (an encoded term with its version byte) to `to`.
pub fn send_to_pid<T: Transport + ?Sized>(
    t: &mut T,
    to: PidView<'_>,
    payload: &[u8],
    deadline: Deadline,
) -> Result<()> {
    trace::log(4, format_args!("-> SEND ({} bytes)", payload.len()));
    let bound = HEAD_START + 3 + pid_size(to);
    send_with_control(t, bound, payload, deadline, |s| {
        encode::tuple_header(s, 3)?;
        encode::long(s, kind::SEND)?;
        encode::atom(s, b"", crate::etf::atom::enc::LATIN1)?;
        pid(s, to)
    })
}

/// Sends `payload` from `from` to the process registered as `name` (UTF-8)
/// on the peer.
pub fn send_to_name<T: Transport + ?Sized>(
    t: &mut T,
    from: PidView<'_>,
    name: &[u8],
    payload: &[u8],
    deadline: Deadline,
) -> Result<()> {
    if trace::enabled(4) {
        trace::log(
            4,
            format_args!(
                "-> REG_SEND to {} ({} bytes)",
                String::from_utf8_lossy(name),
                payload.len()
            ),
        );
    }
    let bound = HEAD_START + pid_size(from) + 3 + 3 + name.len();
    send_with_control(t, bound, payload, deadline, |s| {
        encode::tuple_header(s, 4)?;
        encode::long(s, kind::REG_SEND)?;
        pid(s, from)?;
        encode::atom(s, b"", crate::etf::atom::enc::LATIN1)?;
        encode::atom(s, name, crate::etf::atom::enc::UTF8)
    })
}

/// Sends a control message without payload whose elements after the kind
/// are pids: LINK, UNLINK, ... `{Kind, From, To}`, and EXIT2 with an
/// encoded reason (without version byte) appended as the last element.
pub fn send_signal<T: Transport + ?Sized>(
    t: &mut T,
    k: i64,
    from: PidView<'_>,
    to: PidView<'_>,
    reason: Option<&[u8]>,
    deadline: Deadline,
) -> Result<()> {
    trace::log(4, format_args!("-> {}", kind_name(k)));
    let bound = HEAD_START + pid_size(from) + pid_size(to);
    send_with_control(t, bound, reason.unwrap_or(&[]), deadline, |s| {
        encode::tuple_header(s, if reason.is_some() { 4 } else { 3 })?;
        encode::long(s, k)?;
        pid(s, from)?;
        pid(s, to)
    })
}

fn send_unlink_id_ack<T: Transport + ?Sized>(
    t: &mut T,
    id: &[u8],
    from: PidView<'_>,
    to: PidView<'_>,
    deadline: Deadline,
) -> Result<()> {
    trace::log(4, format_args!("-> UNLINK_ID_ACK"));
    let bound = HEAD_START + id.len() + pid_size(from) + pid_size(to);
    send_with_control(t, bound, &[], deadline, |s| {
        encode::tuple_header(s, 4)?;
        encode::long(s, kind::UNLINK_ID_ACK)?;
        encode::Sink::put(s, id)?;
        pid(s, from)?;
        pid(s, to)
    })
}

/// A control kind's name, for traces.
pub fn kind_name(k: i64) -> &'static str {
    match k {
        kind::LINK => "LINK",
        kind::SEND => "SEND",
        kind::EXIT => "EXIT",
        kind::UNLINK => "UNLINK",
        kind::NODE_LINK => "NODE_LINK",
        kind::REG_SEND => "REG_SEND",
        kind::GROUP_LEADER => "GROUP_LEADER",
        kind::EXIT2 => "EXIT2",
        kind::SEND_TT => "SEND_TT",
        kind::EXIT_TT => "EXIT_TT",
        kind::REG_SEND_TT => "REG_SEND_TT",
        kind::EXIT2_TT => "EXIT2_TT",
        kind::MONITOR_P => "MONITOR_P",
        kind::DEMONITOR_P => "DEMONITOR_P",
        kind::MONITOR_P_EXIT => "MONITOR_P_EXIT",
        kind::UNLINK_ID => "UNLINK_ID",
        kind::UNLINK_ID_ACK => "UNLINK_ID_ACK",
        _ => "unknown control message",
    }
}

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
use crate::etf::tag::{
    BINARY_EXT, INTEGER_EXT, LIST_EXT, NEW_PID_EXT, NIL_EXT, SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT,
    SMALL_INTEGER_EXT, SMALL_TUPLE_EXT, VERSION_MAGIC,
};

use super::error::{Error, Result};
use super::trace;
use super::transport::{read_exact, write_all, write_all_vectored, Deadline, Transport};

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

/// Frames up to this long are read whole before their control message is
/// parsed.
const FIRST_CHUNK: usize = 2048;

/// Bytes of a frame longer than [`FIRST_CHUNK`] read before its control
/// message is parsed (those of `SEND` and `REG_SEND` are under 150), so
/// that most of its payload is read where it stays.
const CONTROL_CHUNK: usize = 256;

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
#[inline]
pub fn parse_control(hdr: &[u8]) -> std::result::Result<(Control<'_>, Layout), crate::etf::Error> {
    if let Some(parsed) = parse_plain_send(hdr) {
        return Ok(parsed);
    }
    parse_control_general(hdr)
}

/// [`parse_control`] into `c` (which must be `Control::default()`), so
/// that the common control messages are parsed where they are kept.
#[inline(always)]
fn parse_control_into<'a>(
    hdr: &'a [u8],
    c: &mut Control<'a>,
) -> std::result::Result<Layout, crate::etf::Error> {
    if let Some(layout) = parse_plain_send_into(hdr, c) {
        return Ok(layout);
    }
    let (general, layout) = parse_control_general(hdr)?;
    *c = general;
    Ok(layout)
}

/// The short atom (`SMALL_ATOM_UTF8_EXT` or `SMALL_ATOM_EXT`) at `pos`
/// and the position after it; `None` for anything else or a cut one. No
/// atom of at most 255 bytes is too long, so it needs no other check.
#[inline(always)]
fn short_atom_at(b: &[u8], pos: usize) -> Option<(AtomRef<'_>, usize)> {
    let (&tag, &len) = (b.get(pos)?, b.get(pos + 1)?);
    let utf8 = match tag {
        SMALL_ATOM_UTF8_EXT => true,
        SMALL_ATOM_EXT => false,
        _ => return None,
    };
    let end = pos + 2 + len as usize;
    let bytes = b.get(pos + 2..end)?;
    Some((AtomRef { bytes, utf8 }, end))
}

/// The `NEW_PID_EXT` with a short node atom at `pos` and the position
/// after it; `None` for anything else or a cut one.
#[inline(always)]
fn new_pid_at(b: &[u8], pos: usize) -> Option<(PidRef<'_>, usize)> {
    if *b.get(pos)? != NEW_PID_EXT {
        return None;
    }
    let (node, at) = short_atom_at(b, pos + 1)?;
    let n: &[u8; 12] = b.get(at..at + 12)?.try_into().ok()?;
    let word = |i: usize| u32::from_be_bytes([n[i], n[i + 1], n[i + 2], n[i + 3]]);
    let pid = PidRef {
        node,
        num: word(0),
        serial: word(4),
        creation: word(8),
    };
    Some((pid, at + 12))
}

/// The control messages of almost every message, `{SEND, Cookie, To}`
/// and `{REG_SEND, From, Cookie, Name}` with short atoms and `NEW_PID_EXT`
/// pids, parsed straight from their bytes: exactly what
/// [`parse_control_general`] makes of them. `None` for everything else
/// (which the general parser then parses or rejects).
#[inline]
fn parse_plain_send(hdr: &[u8]) -> Option<(Control<'_>, Layout)> {
    let mut c = Control::default();
    parse_plain_send_into(hdr, &mut c).map(|layout| (c, layout))
}

/// [`parse_plain_send`] into `c` (which must be all `None`), where it is
/// kept; `c` is unspecified after `None`.
#[inline(always)]
fn parse_plain_send_into<'a>(hdr: &'a [u8], c: &mut Control<'a>) -> Option<Layout> {
    let head: &[u8; 5] = hdr.get(..5)?.try_into().ok()?;
    if head[0] != VERSION_MAGIC || head[1] != SMALL_TUPLE_EXT || head[3] != SMALL_INTEGER_EXT {
        return None;
    }
    c.kind = i64::from(head[4]);
    let end = match (c.kind, head[2]) {
        (kind::SEND, 3) => {
            let (cookie, at) = short_atom_at(hdr, 5)?;
            let (to, at) = new_pid_at(hdr, at)?;
            c.cookie = Some(cookie);
            c.to = Some(to);
            at
        }
        (kind::REG_SEND, 4) => {
            let (from, at) = new_pid_at(hdr, 5)?;
            let (cookie, at) = short_atom_at(hdr, at)?;
            let (name, at) = short_atom_at(hdr, at)?;
            c.from = Some(from);
            c.cookie = Some(cookie);
            c.to_name = Some(name);
            at
        }
        _ => return None,
    };
    Some(Layout {
        payload_start: end,
        elements: 0,
        message: Presence::Required,
    })
}

/// [`parse_control`] for every control message.
#[inline(never)]
fn parse_control_general(
    hdr: &[u8],
) -> std::result::Result<(Control<'_>, Layout), crate::etf::Error> {
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
    // A pid, an atom or neither; cut short is `Truncated`, so that the
    // caller reads more of the frame.
    type PidOrName<'a> = (Option<PidRef<'a>>, Option<AtomRef<'a>>);
    fn pid_or_name<'a>(p: &mut Decoder<'a, [u8]>) -> crate::etf::Result<PidOrName<'a>> {
        use crate::etf::Error::Truncated;
        match p.pid() {
            Ok(pid) => Ok((Some(pid), None)),
            Err(Truncated) => Err(Truncated),
            Err(_) => match p.atom() {
                Ok(name) => Ok((None, Some(name))),
                Err(Truncated) => Err(Truncated),
                Err(_) => Ok((None, None)),
            },
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
            let (from, _) = pid_or_name(&mut peek)?;
            let (to, to_name) = pid_or_name(&mut peek)?;
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
    if layout.elements == 0 && layout.message == Presence::Required {
        // SEND and REG_SEND: the message term, and nothing else.
        return match payload.first() {
            None => Err(Malformed("no message after the control message")),
            Some(&VERSION_MAGIC) => match skip_term(payload, 1)? == payload.len() {
                true => Ok(()),
                false => Err(Malformed("bytes after the message")),
            },
            Some(&v) => Err(crate::etf::Error::UnexpectedTag(v)),
        };
    }
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
            if skip_term(payload, d.position())? != payload.len() {
                return Err(Malformed("bytes after the message"));
            }
            Ok(())
        }
    }
}

/// Steps over the term at `pos` of `b`, checked as [`Decoder::skip`]
/// checks it, and returns the position after it. The common items (small
/// integers, short atoms, `[]`, binaries, small tuples, lists, new pids
/// with short node atoms) are stepped over here; every other item is left
/// to [`Decoder::skip`].
fn skip_term(b: &[u8], mut pos: usize) -> std::result::Result<usize, crate::etf::Error> {
    use crate::etf::Error::Truncated;
    let u8_at = |i: usize| b.get(i).copied().ok_or(Truncated);
    let u32_at = |i: usize| {
        b.get(i..i + 4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .ok_or(Truncated)
    };
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let size = match u8_at(pos)? {
            SMALL_INTEGER_EXT => 2,
            INTEGER_EXT => 5,
            NIL_EXT => 1,
            SMALL_ATOM_UTF8_EXT | SMALL_ATOM_EXT => 2 + u8_at(pos + 1)? as usize,
            BINARY_EXT => (u32_at(pos + 1)? as usize).saturating_add(5),
            SMALL_TUPLE_EXT => {
                pending += u64::from(u8_at(pos + 1)?);
                2
            }
            LIST_EXT => {
                pending += u64::from(u32_at(pos + 1)?) + 1;
                5
            }
            NEW_PID_EXT if matches!(u8_at(pos + 1)?, SMALL_ATOM_UTF8_EXT | SMALL_ATOM_EXT) => {
                1 + 2 + u8_at(pos + 2)? as usize + 12
            }
            _ => {
                pos = skip_other(b, pos)?;
                continue;
            }
        };
        // (pos <= b.len() here.)
        if size > b.len() - pos {
            return Err(Truncated);
        }
        pos += size;
    }
    Ok(pos)
}

/// [`skip_term`] of an item it does not step over itself.
#[cold]
#[inline(never)]
fn skip_other(b: &[u8], pos: usize) -> std::result::Result<usize, crate::etf::Error> {
    let mut d = Decoder::at(b, pos);
    d.skip()?;
    Ok(d.position())
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
    let got = receive_with(t, header, payload, deadline, |control, payload_len| {
        Received::Message {
            control: *control,
            payload_len,
        }
    })?;
    Ok(got.unwrap_or(Received::Tick))
}

/// [`receive`], handing a message's control message and payload length to
/// `f` (where it is built, not copied around): `Ok(None)` for a tick.
#[inline]
pub fn receive_with<'h, T: Transport + ?Sized, B: PayloadBuf + ?Sized, R>(
    t: &mut T,
    header: &'h mut Vec<u8>,
    payload: &mut B,
    deadline: Deadline,
    f: impl FnOnce(&Control<'h>, usize) -> R,
) -> Result<Option<R>> {
    match read_frame_length(t, deadline)? {
        None => Ok(None),
        Some(len) => receive_frame_with(t, len, header, payload, deadline, f).map(Some),
    }
}

/// Reads the length of the next frame: `Ok(None)` for a tick (answered).
/// Lengths over [`MAX_FRAME`] are [`Error::TooLarge`].
#[inline(always)]
pub fn read_frame_length<T: Transport + ?Sized>(
    t: &mut T,
    deadline: Deadline,
) -> Result<Option<usize>> {
    let mut len_bytes = [0u8; 4];
    read_exact(t, &mut len_bytes, deadline)?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len == 0 {
        trace::log(5, format_args!("<- TICK"));
        send_tick(t, deadline)?;
        return Ok(None);
    }
    if len > MAX_FRAME {
        return Err(Error::TooLarge(len as u64));
    }
    Ok(Some(len))
}

/// The rest of [`receive_with`], once [`read_frame_length`] has read the
/// frame's length `len`: the control message goes into `header`, the
/// payload into `payload`.
#[inline]
pub fn receive_frame_with<'h, T: Transport + ?Sized, B: PayloadBuf + ?Sized, R>(
    t: &mut T,
    len: usize,
    header: &'h mut Vec<u8>,
    payload: &mut B,
    deadline: Deadline,
    f: impl FnOnce(&Control<'h>, usize) -> R,
) -> Result<R> {
    receive_frame_after(t, len, &[], header, payload, deadline, f)
}

/// [`receive_frame_with`] once the frame's first bytes, `prefix` (at most
/// its length), are read.
fn receive_frame_after<'h, T: Transport + ?Sized, B: PayloadBuf + ?Sized, R>(
    t: &mut T,
    len: usize,
    prefix: &[u8],
    header: &'h mut Vec<u8>,
    payload: &mut B,
    deadline: Deadline,
    f: impl FnOnce(&Control<'h>, usize) -> R,
) -> Result<R> {
    // Read the start of the frame and parse the control message, reading
    // more while it is cut short.
    // (`header` keeps the length it grew to; only its first `have` bytes
    // are this frame's.)
    let mut have = if len <= FIRST_CHUNK {
        len
    } else {
        CONTROL_CHUNK.max(prefix.len())
    };
    if header.len() < have {
        header.resize(have, 0);
    }
    header[..prefix.len()].copy_from_slice(prefix);
    read_exact(t, &mut header[prefix.len()..have], deadline)?;
    if header[0] != PASS_THROUGH {
        drain(t, len - have, deadline)?;
        return Err(Error::BadMessage("not a pass-through frame"));
    }
    // (A frame that fits the first chunk is parsed once, below.)
    while have < len
        && have < MAX_CONTROL
        && matches!(
            parse_control(&header[1..have]),
            Err(crate::etf::Error::Truncated)
        )
    {
        let more = (len - have).min(have).min(MAX_CONTROL - have);
        if header.len() < have + more {
            header.resize(have + more, 0);
        }
        read_exact(t, &mut header[have..have + more], deadline)?;
        have += more;
    }
    let header: &'h [u8] = &header[..have];
    let mut control = Control::default();
    let layout = match parse_control_into(&header[1..], &mut control) {
        Ok(layout) => layout,
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
    deliver(
        t,
        &control,
        &layout,
        &payload.bytes_mut()[..payload_len],
        deadline,
        f,
    )
}

/// Whether [`receive_frame_in_place`] can take a frame of `len` bytes into
/// `payload`: the buffer holds them, or grows to hold them by at most
/// [`GROW_STEP`] (so that a length alone cannot make us allocate much).
#[inline]
pub fn fits_in_place<B: PayloadBuf + ?Sized>(payload: &mut B, len: usize) -> Result<bool> {
    if len <= GROW_STEP || payload.bytes_mut().len() >= len {
        payload.grow(len)
    } else {
        Ok(false)
    }
}

/// The rest of a frame of `len` bytes, once [`read_frame_length`] has
/// read its length, when [`fits_in_place`], without a header buffer. What
/// it delivers, and the errors, are those of [`receive_frame_with`]; on an
/// error the buffer's contents are unspecified.
///
/// A frame of up to [`FIRST_CHUNK`] bytes is read whole into `payload`,
/// then its payload moved to the buffer's start (a short move). A longer
/// one has its first [`CONTROL_CHUNK`] bytes read aside and its control
/// message parsed there; the payload's start is copied to the buffer and
/// the rest read after it, where it stays.
#[inline]
pub fn receive_frame_in_place<T: Transport + ?Sized, B: PayloadBuf + ?Sized, R>(
    t: &mut T,
    len: usize,
    payload: &mut B,
    deadline: Deadline,
    f: impl FnOnce(&Control<'_>, usize) -> R,
) -> Result<R> {
    if len > FIRST_CHUNK {
        return receive_long_frame_in_place(t, len, payload, deadline, f);
    }
    let buf = &mut payload.bytes_mut()[..len];
    read_exact(t, buf, deadline)?;
    let frame: &[u8] = buf;
    if frame[0] != PASS_THROUGH {
        return Err(Error::BadMessage("not a pass-through frame"));
    }
    let mut control = Control::default();
    let Ok(layout) = parse_control_into(&frame[1..], &mut control) else {
        return Err(Error::BadMessage("malformed control message"));
    };
    let payload_start = layout.payload_start + 1;
    let r = deliver(t, &control, &layout, &frame[payload_start..], deadline, f)?;
    buf.copy_within(payload_start.., 0);
    Ok(r)
}

/// [`receive_frame_in_place`] of a frame longer than [`FIRST_CHUNK`].
#[inline(never)]
fn receive_long_frame_in_place<T: Transport + ?Sized, B: PayloadBuf + ?Sized, R>(
    t: &mut T,
    len: usize,
    payload: &mut B,
    deadline: Deadline,
    f: impl FnOnce(&Control<'_>, usize) -> R,
) -> Result<R> {
    let mut chunk = [0u8; CONTROL_CHUNK];
    read_exact(t, &mut chunk, deadline)?;
    if chunk[0] != PASS_THROUGH {
        drain(t, len - CONTROL_CHUNK, deadline)?;
        return Err(Error::BadMessage("not a pass-through frame"));
    }
    let mut control = Control::default();
    let layout = match parse_control_into(&chunk[1..], &mut control) {
        Ok(layout) => layout,
        Err(crate::etf::Error::Truncated) => {
            // A control message longer than the chunk (long atoms, a trace
            // token): the general way, with a header buffer of its own.
            return receive_frame_after(t, len, &chunk, &mut Vec::new(), payload, deadline, f);
        }
        Err(_) => {
            drain(t, len - CONTROL_CHUNK, deadline)?;
            return Err(Error::BadMessage("malformed control message"));
        }
    };
    let payload_start = layout.payload_start + 1;
    let in_chunk = CONTROL_CHUNK - payload_start;
    let buf = &mut payload.bytes_mut()[..len - payload_start];
    buf[..in_chunk].copy_from_slice(&chunk[payload_start..]);
    read_exact(t, &mut buf[in_chunk..], deadline)?;
    deliver(t, &control, &layout, buf, deadline, f)
}

/// The end of a frame's receipt, once all of it is read: checks the
/// payload against the control message (see [`check_payload`]), answers
/// `UNLINK_ID`, and hands the message to `f`.
#[inline(always)]
fn deliver<'c, T: Transport + ?Sized, R>(
    t: &mut T,
    control: &Control<'c>,
    layout: &Layout,
    payload: &[u8],
    deadline: Deadline,
    f: impl FnOnce(&Control<'c>, usize) -> R,
) -> Result<R> {
    // The whole frame is read, so a malformed one leaves the stream in step.
    if check_payload(payload, layout).is_err() {
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
                payload.len()
            ),
        );
    }
    if control.kind == kind::UNLINK_ID {
        if let (Some(id), Some(from), Some(to)) = (control.unlink_id, control.from, control.to) {
            send_unlink_id_ack(t, id, to.into(), from.into(), deadline)?;
        }
    }
    Ok(f(control, payload.len()))
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

/// Frames of up to this many bytes are sent from one buffer, the payload
/// copied after a cached control message: one buffer costs the kernel
/// less than a vectored write (about a fifth of the system time of
/// sending a short message).
const GATHER_MAX: usize = 512;

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
    trace_send(payload.len());
    let bound = HEAD_START + 3 + pid_size(to);
    send_with_control(t, bound, payload, deadline, |s| send_control(s, to))
}

fn send_control(s: &mut SliceSink<'_>, to: PidView<'_>) -> crate::etf::Result<()> {
    encode::tuple_header(s, 3)?;
    encode::long(s, kind::SEND)?;
    encode::atom(s, b"", crate::etf::atom::enc::LATIN1)?;
    pid(s, to)
}

/// Traces a `SEND`.
fn trace_send(len: usize) {
    if trace::enabled(4) {
        trace::log(4, format_args!("-> SEND ({len} bytes)"));
    }
}

/// Traces a `REG_SEND` (the name's text is built only when tracing).
fn trace_reg_send(name: &[u8], len: usize) {
    if trace::enabled(4) {
        trace::log(
            4,
            format_args!(
                "-> REG_SEND to {} ({len} bytes)",
                String::from_utf8_lossy(name)
            ),
        );
    }
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
    trace_reg_send(name, payload.len());
    let bound = HEAD_START + pid_size(from) + 3 + 3 + name.len();
    send_with_control(t, bound, payload, deadline, |s| {
        reg_send_control(s, from, name)
    })
}

/// The last `REG_SEND` and the last `SEND` control message encoded for a
/// connection, kept under its write lock: a program sends from the same
/// pid to the same name, or to the same pid, again and again, and the
/// same pids and name give the same bytes.
#[derive(Debug, Default)]
pub struct SendCache {
    reg_send: CachedControl,
    send: CachedControl,
}

/// One control message of a [`SendCache`].
#[derive(Debug, Default)]
struct CachedControl {
    /// Room for the frame's length, then `'p'` and the control message
    /// (with its version byte); empty while nothing valid is cached.
    control: Vec<u8>,
    /// The pid's node name and then the registered name it was made for.
    key: Vec<u8>,
    node_len: usize,
    num: u32,
    serial: u32,
    creation: u32,
}

impl CachedControl {
    fn holds(&self, pid: PidView<'_>, name: &[u8]) -> bool {
        !self.control.is_empty()
            && self.num == pid.num
            && self.serial == pid.serial
            && self.creation == pid.creation
            && self.node_len == pid.node.len()
            && self.key.len() == pid.node.len() + name.len()
            && self.key[..self.node_len] == *pid.node
            && self.key[self.node_len..] == *name
    }

    /// Encodes the control message `encode` makes of `pid` and `name` (in
    /// at most `bound` bytes after the version byte), or fails as it fails
    /// (leaving the cache empty).
    fn fill(
        &mut self,
        pid: PidView<'_>,
        name: &[u8],
        bound: usize,
        encode: impl FnOnce(&mut SliceSink<'_>) -> crate::etf::Result<()>,
    ) -> Result<()> {
        self.control.clear();
        self.key.clear();
        let mut control = std::mem::take(&mut self.control);
        control.resize(4 + 2 + bound, 0);
        control[4] = PASS_THROUGH;
        let mut s = SliceSink::new(&mut control, 5);
        let encoded = encode::version(&mut s)
            .and_then(|()| encode(&mut s))
            .map(|()| s.position());
        match encoded {
            Ok(end) => {
                control.truncate(end);
                self.control = control;
            }
            Err(e) => {
                control.clear();
                self.control = control;
                return Err(e.into());
            }
        }
        self.key.extend_from_slice(pid.node);
        self.key.extend_from_slice(name);
        self.node_len = pid.node.len();
        self.num = pid.num;
        self.serial = pid.serial;
        self.creation = pid.creation;
        Ok(())
    }

    /// Sends `payload` after the cached control message.
    #[inline(always)]
    fn send<T: Transport + ?Sized>(
        &mut self,
        t: &mut T,
        payload: &[u8],
        deadline: Deadline,
    ) -> Result<()> {
        let len = frame_len(self.control.len() - 4 + payload.len())?;
        self.control[..4].copy_from_slice(&len.to_be_bytes());
        let head = self.control.len();
        if head + payload.len() <= GATHER_MAX {
            // The payload after the control message, for the time of the
            // write (the capacity stays).
            self.control.extend_from_slice(payload);
            let sent = write_all(t, &self.control, deadline);
            self.control.truncate(head);
            return sent;
        }
        write_all_vectored(t, &[&self.control, payload], deadline)
    }
}

fn reg_send_control(
    s: &mut SliceSink<'_>,
    from: PidView<'_>,
    name: &[u8],
) -> crate::etf::Result<()> {
    encode::tuple_header(s, 4)?;
    encode::long(s, kind::REG_SEND)?;
    pid(s, from)?;
    encode::atom(s, b"", crate::etf::atom::enc::LATIN1)?;
    encode::atom(s, name, crate::etf::atom::enc::UTF8)
}

/// [`send_to_name`] through the connection's [`SendCache`] (whose lock
/// the caller holds): the same bytes on the wire, the same errors.
pub fn send_to_name_cached<T: Transport + ?Sized>(
    t: &mut T,
    cache: &mut SendCache,
    from: PidView<'_>,
    name: &[u8],
    payload: &[u8],
    deadline: Deadline,
) -> Result<()> {
    trace_reg_send(name, payload.len());
    let c = &mut cache.reg_send;
    if !c.holds(from, name) {
        let bound = 2 + 2 + pid_size(from) + 3 + 3 + name.len();
        c.fill(from, name, bound, |s| reg_send_control(s, from, name))?;
    }
    c.send(t, payload, deadline)
}

/// [`send_to_pid`] through the connection's [`SendCache`] (whose lock
/// the caller holds): the same bytes on the wire, the same errors.
pub fn send_to_pid_cached<T: Transport + ?Sized>(
    t: &mut T,
    cache: &mut SendCache,
    to: PidView<'_>,
    payload: &[u8],
    deadline: Deadline,
) -> Result<()> {
    trace_send(payload.len());
    let c = &mut cache.send;
    if !c.holds(to, b"") {
        let bound = 2 + 2 + 3 + pid_size(to);
        c.fill(to, b"", bound, |s| send_control(s, to))?;
    }
    c.send(t, payload, deadline)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reg_send_frame(node: &[u8], name: &[u8]) -> Vec<u8> {
        let from = PidView {
            node,
            num: 7,
            serial: 1,
            creation: 0x1234_5678,
        };
        let mut c = CachedControl::default();
        let bound = 4 + pid_size(from) + 6 + name.len();
        c.fill(from, name, bound, |s| reg_send_control(s, from, name))
            .unwrap();
        c.control.split_off(4)
    }

    /// Bytes written, one slice per call (so that vectored writes are
    /// partial).
    #[derive(Default)]
    struct Written(Vec<u8>);

    impl Transport for Written {
        fn read(&mut self, _: &mut [u8], _: Deadline) -> std::io::Result<usize> {
            Ok(0)
        }
        fn write(&mut self, buf: &[u8], _: Deadline) -> std::io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
    }

    /// Sends through the cache write what sends without it write, as pids,
    /// names and kinds change between sends.
    #[test]
    fn cached_sends_match_uncached() {
        let pid = |node: &'static [u8], num| PidView {
            node,
            num,
            serial: 2,
            creation: 3,
        };
        let (a, b) = (pid(b"a@h", 1), pid(b"bb@h", 1));
        let sends: [(bool, PidView<'_>, &[u8]); 8] = [
            (true, a, b"reg"),
            (true, a, b"reg"),
            (false, a, b""),
            (true, a, b"other"),
            (false, b, b""),
            (false, pid(b"bb@h", 9), b""),
            (true, b, b"other"),
            (false, pid(b"bb@h", 9), b""),
        ];
        let mut cache = SendCache::default();
        for (i, (reg, p, name)) in sends.into_iter().enumerate() {
            // Short payloads go out gathered, long ones vectored.
            let mut payload = vec![131, 109, 0, 0, 0, 0];
            payload.resize(if i % 3 == 1 { GATHER_MAX } else { 6 + i }, i as u8);
            let n = (payload.len() - 6) as u32;
            payload[2..6].copy_from_slice(&n.to_be_bytes());
            let (mut cached, mut plain) = (Written::default(), Written::default());
            if reg {
                send_to_name_cached(&mut cached, &mut cache, p, name, &payload, None).unwrap();
                send_to_name(&mut plain, p, name, &payload, None).unwrap();
            } else {
                send_to_pid_cached(&mut cached, &mut cache, p, &payload, None).unwrap();
                send_to_pid(&mut plain, p, &payload, None).unwrap();
            }
            assert_eq!(cached.0, plain.0, "send {i}");
            assert_eq!(check_frame(&cached.0[4..]), Ok(()), "send {i}");
        }
    }

    fn send_frame_bytes(node: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 64 + node.len()];
        let mut s = SliceSink::new(&mut buf, 0);
        encode::version(&mut s).unwrap();
        encode::tuple_header(&mut s, 3).unwrap();
        encode::long(&mut s, kind::SEND).unwrap();
        encode::atom(&mut s, b"", crate::etf::atom::enc::LATIN1).unwrap();
        encode::pid(&mut s, node, 1, 2, 3).unwrap();
        let end = s.position();
        buf.truncate(end);
        buf
    }

    /// The fast parser agrees with the general one on every prefix and
    /// every one-byte change of the control messages it handles.
    #[test]
    fn plain_send_matches_general() {
        let mut inputs = vec![
            reg_send_frame(b"a@b", b"reg")[1..].to_vec(),
            reg_send_frame(b"n\xc3\xa9@h", b"")[1..].to_vec(),
            send_frame_bytes(b"x@y"),
        ];
        for base in inputs.clone() {
            for i in 0..base.len() {
                for v in [0u8, 1, 3, 4, 6, 0x58, 0x61, 0x64, 0x73, 0x77, 0xff] {
                    let mut b = base.clone();
                    b[i] = v;
                    inputs.push(b);
                }
            }
        }
        for input in inputs {
            for n in 0..=input.len() {
                let hdr = &input[..n];
                let general = parse_control_general(hdr);
                match parse_plain_send(hdr) {
                    Some((c, l)) => {
                        let (gc, gl) = general.expect("general parser rejects");
                        assert_eq!(l, gl);
                        assert_eq!(format!("{c:?}"), format!("{gc:?}"));
                    }
                    None => {
                        // Only kinds the fast path does not take, or errors.
                        if let Ok((gc, _)) = general {
                            assert!(
                                !matches!(gc.kind, kind::SEND | kind::REG_SEND)
                                    || gc.cookie.is_some_and(|a| a.bytes.len() > 255)
                                    || hdr.contains(&crate::etf::tag::PID_EXT)
                                    || hdr.contains(&crate::etf::tag::ATOM_EXT)
                                    || hdr.contains(&crate::etf::tag::ATOM_UTF8_EXT)
                                    || hdr.contains(&crate::etf::tag::INTEGER_EXT),
                                "fast path missed {hdr:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// skip_term accepts and rejects exactly what Decoder::skip does.
    #[test]
    fn skip_term_matches_decoder() {
        let pid = [&[NEW_PID_EXT, SMALL_ATOM_UTF8_EXT, 3][..], b"a@b", &[0; 12]].concat();
        let terms: Vec<Vec<u8>> = vec![
            [
                &[SMALL_TUPLE_EXT, 2][..],
                &pid,
                &[BINARY_EXT, 0, 0, 0, 3, 1, 2, 3],
            ]
            .concat(),
            [
                &[LIST_EXT, 0, 0, 0, 2, SMALL_INTEGER_EXT, 1][..],
                &[INTEGER_EXT, 0, 0, 0, 1],
            ]
            .concat()
            .into_iter()
            .chain([NIL_EXT, NIL_EXT])
            .collect(),
            [
                &[SMALL_TUPLE_EXT, 3, SMALL_ATOM_EXT, 1, b'x'][..],
                b"F",
                &[0; 8],
                &[NIL_EXT],
            ]
            .concat(),
            [&[BINARY_EXT, 0xff, 0xff, 0xff, 0xff][..], &[0; 4]].concat(),
            [
                &[NEW_PID_EXT, SMALL_ATOM_EXT, 200][..],
                &[b'a'; 200],
                &[0; 12],
            ]
            .concat(),
        ];
        for base in terms {
            let mut inputs = vec![base.clone()];
            for i in 0..base.len() {
                for v in [0u8, 1, 2, 0x58, 0x61, 0x6a, 0x6c, 0x6d, 0x77, 0xff] {
                    let mut b = base.clone();
                    b[i] = v;
                    inputs.push(b);
                }
            }
            for input in inputs {
                for n in 0..=input.len() {
                    let b = &input[..n];
                    let mut d = Decoder::new(b);
                    let want = d.skip().map(|()| d.position()).ok();
                    assert_eq!(skip_term(b, 0).ok(), want, "{b:?}");
                }
            }
        }
    }
}

//! The encoder: one implementation, generic over where the bytes go.
//!
//! A [`Sink`] takes bytes. [`Counter`] only counts them (libei's
//! `buf == NULL` size pass), `Vec<u8>` grows, [`SliceSink`] fills a fixed
//! buffer and fails when it is full. The C layer adds an unchecked sink for
//! libei's fixed buffers and one for `ei_x_buff`.
//!
//! The encoders of one term are `#[inline(always)]`: each C export is one of
//! them between its argument checks, and a call (with its `Result` returned
//! through memory) would cost as much as the encoding itself.
//!
//! Every function produces the same bytes as OTP 25's libei for the same call.
//! On error the sink may hold part of the encoding: the C layer moves its
//! index only on success, and Rust callers should discard the output.

use super::atom::{self, enc};
use super::tag::*;
use super::{Error, Result};

/// Where an encoder writes.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<()>;

    /// Appends one byte.
    #[inline]
    fn put_u8(&mut self, b: u8) -> Result<()> {
        self.put_array([b])
    }

    /// Appends `N` bytes, a length known when compiling: tags and length
    /// fields. Sinks that write through a pointer store them as values,
    /// where [`put`](Self::put) of a short temporary would read it back
    /// from the stack with loads wider than the stores that filled it (a
    /// failed store-to-load forwarding, ~10 cycles each on x86).
    #[inline]
    fn put_array<const N: usize>(&mut self, b: [u8; N]) -> Result<()> {
        self.put(&b)
    }

    /// Appends a tag byte and `N` bytes after it: as [`put_array`]
    /// of the `N + 1` bytes, but stored as a byte and a value of `N` bytes
    /// rather than a value built by shifting the tag into it.
    ///
    /// [`put_array`]: Self::put_array
    #[inline]
    fn put_tagged<const N: usize>(&mut self, tag: u8, body: [u8; N]) -> Result<()> {
        self.put_u8(tag)?;
        self.put_array(body)
    }

    /// [`put_tagged`](Self::put_tagged), then `tail`: a header and the
    /// bytes it announces, with one check for room in sinks that check.
    #[inline]
    fn put_tagged_then<const N: usize>(
        &mut self,
        tag: u8,
        body: [u8; N],
        tail: &[u8],
    ) -> Result<()> {
        self.put_tagged(tag, body)?;
        self.put(tail)
    }

    /// A hint that `n` more bytes follow.
    #[inline]
    fn reserve(&mut self, _n: usize) -> Result<()> {
        Ok(())
    }
}

/// Counts bytes without storing them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counter(pub usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.0 += bytes.len();
        Ok(())
    }

    #[inline]
    fn put_array<const N: usize>(&mut self, _: [u8; N]) -> Result<()> {
        self.0 += N;
        Ok(())
    }

    #[inline]
    fn put_tagged<const N: usize>(&mut self, _: u8, _: [u8; N]) -> Result<()> {
        self.0 += 1 + N;
        Ok(())
    }

    #[inline]
    fn put_tagged_then<const N: usize>(&mut self, _: u8, _: [u8; N], tail: &[u8]) -> Result<()> {
        self.0 += 1 + N + tail.len();
        Ok(())
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn put_u8(&mut self, b: u8) -> Result<()> {
        self.push(b);
        Ok(())
    }

    #[inline]
    fn reserve(&mut self, n: usize) -> Result<()> {
        self.try_reserve(n).map_err(|_| Error::NoMemory)
    }
}

/// A fixed buffer; writing past its end is [`Error::TooLarge`].
#[derive(Debug)]
pub struct SliceSink<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> SliceSink<'a> {
    /// Writes into `buf` from offset `pos`.
    pub fn new(buf: &'a mut [u8], pos: usize) -> Self {
        SliceSink { buf, pos }
    }

    /// The offset of the next byte.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.pos + bytes.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::TooLarge("buffer full"))?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }
}

/// Bytes `f` would write.
pub fn size_of(f: impl FnOnce(&mut Counter) -> Result<()>) -> Result<usize> {
    let mut c = Counter(0);
    f(&mut c)?;
    Ok(c.0)
}

/// The version byte, 131.
#[inline(always)]
pub fn version<S: Sink + ?Sized>(s: &mut S) -> Result<()> {
    s.put_u8(VERSION_MAGIC)
}

/// A signed integer, in the smallest of libei's encodings.
#[inline(always)]
pub fn long<S: Sink + ?Sized>(s: &mut S, v: i64) -> Result<()> {
    if (0..256).contains(&v) {
        s.put_tagged(SMALL_INTEGER_EXT, [v as u8])
    } else if (ERL_MIN..=ERL_MAX).contains(&v) {
        let b = (v as i32).to_be_bytes();
        s.put_tagged(INTEGER_EXT, b)
    } else {
        small_big(s, v < 0, v.unsigned_abs())
    }
}

/// An unsigned integer, in the smallest of libei's encodings.
#[inline(always)]
pub fn ulong<S: Sink + ?Sized>(s: &mut S, v: u64) -> Result<()> {
    if v <= ERL_MAX as u64 {
        long(s, v as i64)
    } else {
        small_big(s, false, v)
    }
}

#[inline(always)]
fn small_big<S: Sink + ?Sized>(s: &mut S, negative: bool, mag: u64) -> Result<()> {
    let n = (8 - mag.leading_zeros() as usize / 8).max(1);
    s.put_tagged_then(
        SMALL_BIG_EXT,
        [n as u8, negative as u8],
        &mag.to_le_bytes()[..n],
    )
}

/// A float as `NEW_FLOAT_EXT`. NaN and infinities are refused, as Erlang
/// cannot represent them.
#[inline(always)]
pub fn double<S: Sink + ?Sized>(s: &mut S, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::InvalidArgument("float is not finite"));
    }
    let b = v.to_bits().to_be_bytes();
    s.put_tagged(NEW_FLOAT_EXT, b)
}

/// `true` or `false`.
#[inline(always)]
pub fn boolean<S: Sink + ?Sized>(s: &mut S, v: bool) -> Result<()> {
    if v {
        s.put_array([SMALL_ATOM_UTF8_EXT, 4, b't', b'r', b'u', b'e'])
    } else {
        s.put_array([SMALL_ATOM_UTF8_EXT, 5, b'f', b'a', b'l', b's', b'e'])
    }
}

/// A byte as a small integer.
#[inline(always)]
pub fn char<S: Sink + ?Sized>(s: &mut S, v: u8) -> Result<()> {
    s.put_tagged(SMALL_INTEGER_EXT, [v])
}

/// A string (list of bytes): `NIL_EXT` when empty, `STRING_EXT` up to 65535
/// bytes, a `LIST_EXT` of small integers beyond.
#[inline]
pub fn string<S: Sink + ?Sized>(s: &mut S, v: &[u8]) -> Result<()> {
    match v.len() {
        0 => s.put_u8(NIL_EXT),
        n if n <= 0xffff => s.put_tagged_then(STRING_EXT, (n as u16).to_be_bytes(), v),
        n => {
            let n32 = u32::try_from(n).map_err(|_| Error::TooLarge("string"))?;
            s.reserve(6 + 2 * n)?;
            list_header(s, n32)?;
            for chunk in v.chunks(512) {
                let mut tmp = [0u8; 1024];
                for (i, &c) in chunk.iter().enumerate() {
                    tmp[2 * i] = SMALL_INTEGER_EXT;
                    tmp[2 * i + 1] = c;
                }
                s.put(&tmp[..2 * chunk.len()])?;
            }
            s.put_u8(NIL_EXT)
        }
    }
}

/// An atom whose text is in `from` (one of `enc::LATIN1`, `enc::ASCII`,
/// `enc::UTF8`). Always written as UTF-8, as libei does since OTP 20;
/// Latin-1 text of 128 characters or more gets the long `ATOM_UTF8_EXT` form,
/// exactly as libei chooses it.
#[inline(always)]
pub fn atom<S: Sink + ?Sized>(s: &mut S, text: &[u8], from: i32) -> Result<()> {
    // Fast path, most atoms: ASCII text under 128 bytes is the same in all
    // three encodings, valid, within every limit, and gets the short form.
    if text.len() < 128
        && matches!(from, enc::LATIN1 | enc::ASCII | enc::UTF8)
        && atom::is_ascii(text)
    {
        return verified_utf8_atom(s, text);
    }
    // Other UTF-8 text of at most 255 bytes has at most 255 characters: it
    // needs only validating.
    if from == enc::UTF8 && text.len() <= atom::MAX_ATOM_CHARS {
        if !atom::is_utf8(text) {
            return Err(Error::InvalidArgument("atom is not UTF-8"));
        }
        return verified_utf8_atom(s, text);
    }
    atom_general(s, text, from)
}

/// [`atom`] for any text: conversion from Latin-1, validation of UTF-8,
/// and the errors.
#[inline(never)]
fn atom_general<S: Sink + ?Sized>(s: &mut S, text: &[u8], from: i32) -> Result<()> {
    let len = text.len();
    if len > atom::MAX_ATOM_CHARS && (from & (enc::LATIN1 | enc::ASCII)) != 0 {
        return Err(Error::TooLarge("atom longer than 255 characters"));
    }
    match from {
        enc::LATIN1 => {
            let high = atom::count_high_bytes(text);
            atom_header(s, len + high, len >= 128)?;
            if high == 0 {
                // ASCII: the same bytes in UTF-8.
                s.put(text)
            } else {
                // At most 255 characters of at most two bytes each.
                let mut tmp = [0u8; 2 * atom::MAX_ATOM_CHARS];
                let n = atom::latin1_to_utf8_slice(text, &mut tmp);
                s.put(&tmp[..n])
            }
        }
        enc::ASCII => {
            if !atom::is_ascii(text) {
                return Err(Error::InvalidArgument("atom is not ASCII"));
            }
            atom_header(s, len, false)?;
            s.put(text)
        }
        enc::UTF8 => {
            atom::verify_utf8_atom(text)?;
            verified_utf8_atom(s, text)
        }
        _ => Err(Error::InvalidArgument("unknown character encoding")),
    }
}

/// A UTF-8 atom whose text [`atom::verify_utf8_atom`] has accepted.
#[inline(always)]
fn verified_utf8_atom<S: Sink + ?Sized>(s: &mut S, text: &[u8]) -> Result<()> {
    let len = text.len();
    if len >= 256 {
        s.put_tagged_then(ATOM_UTF8_EXT, (len as u16).to_be_bytes(), text)
    } else {
        s.put_tagged_then(SMALL_ATOM_UTF8_EXT, [len as u8], text)
    }
}

#[inline(always)]
fn atom_header<S: Sink + ?Sized>(s: &mut S, len: usize, long_form: bool) -> Result<()> {
    s.reserve(3 + len)?;
    if long_form {
        s.put_tagged(ATOM_UTF8_EXT, (len as u16).to_be_bytes())
    } else {
        s.put_tagged(SMALL_ATOM_UTF8_EXT, [len as u8])
    }
}

/// A UTF-8 atom.
#[inline]
pub fn atom_utf8<S: Sink + ?Sized>(s: &mut S, text: &str) -> Result<()> {
    atom(s, text.as_bytes(), enc::UTF8)
}

/// A binary.
#[inline(always)]
pub fn binary<S: Sink + ?Sized>(s: &mut S, v: &[u8]) -> Result<()> {
    let n = u32::try_from(v.len()).map_err(|_| Error::TooLarge("binary over 4 GiB"))?;
    s.put_tagged_then(BINARY_EXT, n.to_be_bytes(), v)
}

/// `bits` bits of `src` starting `bit_offset` bits in (most significant bit
/// first): a `BINARY_EXT` when whole bytes, else a `BIT_BINARY_EXT`.
/// `src` must hold them all.
pub fn bitstring<S: Sink + ?Sized>(
    s: &mut S,
    src: &[u8],
    bit_offset: usize,
    bits: usize,
) -> Result<()> {
    let needed = bit_offset
        .checked_add(bits)
        .map(|b| b.div_ceil(8))
        .ok_or(Error::TooLarge("bitstring"))?;
    if needed > src.len() {
        return Err(Error::InvalidArgument("bitstring runs past its source"));
    }
    let nbytes = bits.div_ceil(8);
    let n = u32::try_from(nbytes).map_err(|_| Error::TooLarge("bitstring over 4 GiB"))?;
    let last_bits = (bits % 8) as u8;
    s.reserve(6 + nbytes)?;
    let b = n.to_be_bytes();
    if last_bits != 0 {
        s.put_tagged(BIT_BINARY_EXT, [b[0], b[1], b[2], b[3], last_bits])?;
    } else {
        s.put_tagged(BINARY_EXT, b)?;
    }
    let mask = if last_bits != 0 {
        0xFFu8 << (8 - last_bits)
    } else {
        0xFF
    };
    let first = bit_offset / 8;
    let shift = (bit_offset % 8) as u32;
    if shift == 0 {
        let body = &src[first..first + nbytes];
        if let Some((&last, init)) = body.split_last() {
            s.put(init)?;
            s.put_u8(last & mask)?;
        }
        return Ok(());
    }
    let mut tmp = [0u8; 512];
    let mut filled = 0;
    for i in 0..nbytes {
        let hi = src[first + i] << shift;
        let lo = src.get(first + i + 1).map_or(0, |&b| b >> (8 - shift));
        let mut byte = hi | lo;
        if i + 1 == nbytes {
            byte &= mask;
        }
        tmp[filled] = byte;
        filled += 1;
        if filled == tmp.len() {
            s.put(&tmp)?;
            filled = 0;
        }
    }
    s.put(&tmp[..filled])
}

/// A pid as `NEW_PID_EXT`; `node` is UTF-8.
#[inline(always)]
pub fn pid<S: Sink + ?Sized>(
    s: &mut S,
    node: &[u8],
    num: u32,
    serial: u32,
    creation: u32,
) -> Result<()> {
    atom::verify_utf8_atom(node)?;
    let len = node.len();
    if len >= 256 {
        s.put_u8(NEW_PID_EXT)?;
        verified_utf8_atom(s, node)?;
    } else {
        // The common case: the tag and the short atom header in one write.
        s.reserve(3 + len + 12)?;
        s.put_tagged_then(NEW_PID_EXT, [SMALL_ATOM_UTF8_EXT, len as u8], node)?;
    }
    s.put_array(pid_numbers(num, serial, creation))
}

/// A pid's number, serial and creation, big-endian, built from two
/// values rather than three, so that a sink that stores them makes two
/// stores.
#[inline(always)]
pub(crate) fn pid_numbers(num: u32, serial: u32, creation: u32) -> [u8; 12] {
    let mut b = [0u8; 12];
    b[0..8].copy_from_slice(&((u64::from(num) << 32) | u64::from(serial)).to_be_bytes());
    b[8..12].copy_from_slice(&creation.to_be_bytes());
    b
}

/// A port: `V4_PORT_EXT` when the id needs more than 28 bits, else
/// `NEW_PORT_EXT`; `node` is UTF-8.
#[inline]
pub fn port<S: Sink + ?Sized>(s: &mut S, node: &[u8], id: u64, creation: u32) -> Result<()> {
    atom::verify_utf8_atom(node)?;
    if id > 0x0fff_ffff {
        s.put_u8(V4_PORT_EXT)?;
        verified_utf8_atom(s, node)?;
        s.put_array(id.to_be_bytes())?;
    } else {
        s.put_u8(NEW_PORT_EXT)?;
        verified_utf8_atom(s, node)?;
        s.put_array((id as u32).to_be_bytes())?;
    }
    s.put_array(creation.to_be_bytes())
}

/// A reference as `NEWER_REFERENCE_EXT` with `words` (at most 5); `node` is
/// UTF-8.
#[inline(always)]
pub fn reference<S: Sink + ?Sized>(
    s: &mut S,
    node: &[u8],
    words: &[u32],
    creation: u32,
) -> Result<()> {
    if words.len() > super::decode::MAX_REF_WORDS {
        return Err(Error::InvalidArgument("reference has more than 5 words"));
    }
    atom::verify_utf8_atom(node)?;
    let len = node.len();
    if len >= 256 {
        s.put_tagged(NEWER_REFERENCE_EXT, [0, words.len() as u8])?;
        verified_utf8_atom(s, node)?;
    } else {
        // The common case: the tag, the length and the short atom header
        // in one write.
        s.reserve(5 + len + 4 + 4 * words.len())?;
        s.put_tagged_then(
            NEWER_REFERENCE_EXT,
            [0, words.len() as u8, SMALL_ATOM_UTF8_EXT, len as u8],
            node,
        )?;
    }
    // The creation and the words stored as values: the common three words
    // as two of 8 bytes, others one by one.
    if let [a, b, c] = *words {
        let mut v = [0u8; 16];
        v[..8].copy_from_slice(&((u64::from(creation) << 32) | u64::from(a)).to_be_bytes());
        v[8..].copy_from_slice(&((u64::from(b) << 32) | u64::from(c)).to_be_bytes());
        return s.put_array(v);
    }
    s.put_array(creation.to_be_bytes())?;
    for w in words {
        s.put_array(w.to_be_bytes())?;
    }
    Ok(())
}

/// A tuple header (`SMALL_TUPLE_EXT` up to 255 elements).
#[inline(always)]
pub fn tuple_header<S: Sink + ?Sized>(s: &mut S, arity: u32) -> Result<()> {
    if arity <= 0xff {
        s.put_tagged(SMALL_TUPLE_EXT, [arity as u8])
    } else {
        let b = arity.to_be_bytes();
        s.put_tagged(LARGE_TUPLE_EXT, b)
    }
}

/// A list header; arity 0 writes `NIL_EXT` (the empty list), otherwise the
/// caller writes `arity` elements and a tail.
#[inline(always)]
pub fn list_header<S: Sink + ?Sized>(s: &mut S, arity: u32) -> Result<()> {
    if arity == 0 {
        s.put_u8(NIL_EXT)
    } else {
        let b = arity.to_be_bytes();
        s.put_tagged(LIST_EXT, b)
    }
}

/// The empty list.
#[inline(always)]
pub fn empty_list<S: Sink + ?Sized>(s: &mut S) -> Result<()> {
    s.put_u8(NIL_EXT)
}

/// A map header; the caller writes `arity` key/value pairs.
#[inline(always)]
pub fn map_header<S: Sink + ?Sized>(s: &mut S, arity: u32) -> Result<()> {
    let b = arity.to_be_bytes();
    s.put_tagged(MAP_EXT, b)
}

/// A bignum from its sign and little-endian magnitude bytes, written with
/// exactly those bytes (`ei_encode_big`).
pub fn big<S: Sink + ?Sized>(s: &mut S, negative: bool, digits: &[u8]) -> Result<()> {
    let n = u32::try_from(digits.len()).map_err(|_| Error::TooLarge("bignum"))?;
    s.reserve(6 + digits.len())?;
    if n < 256 {
        s.put_tagged(SMALL_BIG_EXT, [n as u8, negative as u8])?;
    } else {
        let b = n.to_be_bytes();
        s.put_tagged(LARGE_BIG_EXT, [b[0], b[1], b[2], b[3], negative as u8])?;
    }
    s.put(digits)
}

/// A sequential trace token `{Flags, Label, Serial, FromPid, Prev}`.
#[allow(clippy::too_many_arguments)]
pub fn trace<S: Sink + ?Sized>(
    s: &mut S,
    flags: i64,
    label: i64,
    serial: i64,
    from: (&[u8], u32, u32, u32),
    prev: i64,
) -> Result<()> {
    tuple_header(s, 5)?;
    long(s, flags)?;
    long(s, label)?;
    long(s, serial)?;
    pid(s, from.0, from.1, from.2, from.3)?;
    long(s, prev)
}

/// The parts of a closure for [`fun_closure`]; strings are UTF-8.
#[derive(Debug, Clone, Copy)]
pub struct Closure<'a> {
    /// -1 for the old `FUN_EXT`, else the arity (`NEW_FUN_EXT`).
    pub arity: i64,
    pub module: &'a [u8],
    pub md5: [u8; 16],
    pub index: i64,
    pub old_index: i64,
    pub uniq: i64,
    pub n_free_vars: u32,
    /// The pid: node, num, serial, creation.
    pub pid: (&'a [u8], u32, u32, u32),
    /// The free variables, already encoded back to back.
    pub free_vars: &'a [u8],
}

/// A closure: `NEW_FUN_EXT`, or `FUN_EXT` when `arity` is -1.
pub fn fun_closure<S: Sink + ?Sized>(s: &mut S, f: &Closure) -> Result<()> {
    let (node, num, serial, creation) = f.pid;
    if f.arity == -1 {
        s.put_u8(FUN_EXT)?;
        s.put_array(f.n_free_vars.to_be_bytes())?;
        pid(s, node, num, serial, creation)?;
        atom(s, f.module, enc::UTF8)?;
        long(s, f.index)?;
        long(s, f.uniq)?;
        return s.put(f.free_vars);
    }
    let arity = u8::try_from(f.arity).map_err(|_| Error::InvalidArgument("fun arity"))?;
    let tail = |c: &mut Counter| -> Result<()> {
        atom(c, f.module, enc::UTF8)?;
        long(c, f.old_index)?;
        long(c, f.uniq)?;
        pid(c, node, num, serial, creation)
    };
    let size = 4 + 1 + 16 + 4 + 4 + size_of(tail)? + f.free_vars.len();
    let size = u32::try_from(size).map_err(|_| Error::TooLarge("fun"))?;
    s.put_u8(NEW_FUN_EXT)?;
    s.put_array(size.to_be_bytes())?;
    s.put_u8(arity)?;
    s.put_array(f.md5)?;
    s.put_array((f.index as u32).to_be_bytes())?;
    s.put_array(f.n_free_vars.to_be_bytes())?;
    atom(s, f.module, enc::UTF8)?;
    long(s, f.old_index)?;
    long(s, f.uniq)?;
    pid(s, node, num, serial, creation)?;
    s.put(f.free_vars)
}

/// An external fun `fun Module:Function/Arity` (`EXPORT_EXT`); UTF-8 names.
pub fn fun_export<S: Sink + ?Sized>(
    s: &mut S,
    module: &[u8],
    function: &[u8],
    arity: i64,
) -> Result<()> {
    atom::verify_utf8_atom(module)?;
    atom::verify_utf8_atom(function)?;
    s.put_u8(EXPORT_EXT)?;
    verified_utf8_atom(s, module)?;
    verified_utf8_atom(s, function)?;
    long(s, arity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        v
    }

    #[test]
    fn integers_match_libei() {
        assert_eq!(enc(|s| long(s, 255)), [97, 255]);
        assert_eq!(enc(|s| long(s, -1)), [98, 255, 255, 255, 255]);
        assert_eq!(enc(|s| long(s, ERL_MAX + 1)), [110, 4, 0, 0, 0, 0, 8]);
        assert_eq!(
            enc(|s| long(s, i64::MIN)),
            [110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128]
        );
        assert_eq!(
            enc(|s| ulong(s, u64::MAX)),
            [110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255]
        );
        assert_eq!(enc(|s| ulong(s, 256)), [98, 0, 0, 1, 0]);
    }

    #[test]
    fn latin1_atoms_become_utf8() {
        assert_eq!(enc(|s| atom(s, b"ok", enc::LATIN1)), [119, 2, b'o', b'k']);
        assert_eq!(enc(|s| atom(s, &[0xe9], enc::LATIN1)), [119, 2, 0xc3, 0xa9]);
        let long_latin1 = [b'a'; 128];
        assert_eq!(
            enc(|s| atom(s, &long_latin1, enc::LATIN1))[..3],
            [118, 0, 128]
        );
        assert!(atom(&mut Vec::new(), &[b'a'; 256], enc::LATIN1).is_err());
        assert!(atom(&mut Vec::new(), "λ".as_bytes(), enc::ASCII).is_err());
    }

    #[test]
    fn atom_fast_paths_agree_with_the_general_one() {
        let mut texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"ok".to_vec(),
            "héllo".as_bytes().to_vec(),
            vec![0xe9, b'a'],
            vec![0xc3],
            vec![0xed, 0xa0, 0x80],
        ];
        for n in [7, 8, 16, 17, 127, 128, 255, 256, 300] {
            texts.push(vec![b'a'; n]);
            texts.push("é".repeat(n / 2).into_bytes());
            let mut v = vec![b'a'; n];
            v[n / 2] = 0xe9;
            texts.push(v);
        }
        for t in &texts {
            for from in [
                0,
                enc::ASCII,
                enc::LATIN1,
                enc::UTF8,
                enc::ASCII | enc::LATIN1,
            ] {
                let mut fast = Vec::new();
                let mut general = Vec::new();
                let r_fast = atom(&mut fast, t, from);
                let r_general = atom_general(&mut general, t, from);
                assert_eq!(r_fast, r_general, "{t:x?} from {from}");
                if r_fast.is_ok() {
                    assert_eq!(fast, general, "{t:x?} from {from}");
                }
            }
        }
    }

    #[test]
    fn long_strings_are_lists() {
        let v = enc(|s| string(s, &[7u8; 70000]));
        assert_eq!(v.len(), 5 + 2 * 70000 + 1);
        assert_eq!(v[..7], [108, 0, 1, 17, 112, 97, 7]);
        assert_eq!(*v.last().unwrap(), 106);
    }

    #[test]
    fn bitstrings_shift_and_mask() {
        assert_eq!(
            enc(|s| bitstring(s, &[0xff, 0xff], 0, 12)),
            [77, 0, 0, 0, 2, 4, 0xff, 0xf0]
        );
        assert_eq!(
            enc(|s| bitstring(s, &[0x0f, 0xf0], 4, 8)),
            [109, 0, 0, 0, 1, 0xff]
        );
        assert_eq!(
            enc(|s| bitstring(s, &[0x12, 0x34], 4, 4)),
            [77, 0, 0, 0, 1, 4, 0x20]
        );
        assert!(bitstring(&mut Vec::new(), &[0], 4, 8).is_err());
    }

    #[test]
    fn counter_agrees_with_writer() {
        let v = enc(|s| pid(s, b"a@b", 1, 2, 3));
        assert_eq!(size_of(|c| pid(c, b"a@b", 1, 2, 3)), Ok(v.len()));
    }
}

//! The decoder: one implementation, generic over where the bytes come from.
//!
//! A [`Source`] hands out byte ranges. `[u8]` is the bounded source of the
//! safe API: every read is checked and a short buffer is [`Error::Truncated`].
//! The C layer implements `Source` for a raw pointer whose extent the C caller
//! vouches for (libei's decoders take no length), so the logic exists once.
//!
//! Every `Decoder` method either succeeds and advances the position, or fails
//! and leaves the position where it was: this is libei's rule that a failed
//! decode leaves `*index` untouched.

use super::atom::{AtomRef, MAX_ATOM_CHARS, MAX_ATOM_UTF8_BYTES};
use super::tag::*;
use super::{Error, Result};

/// Where a [`Decoder`] reads from.
pub trait Source {
    /// The `n` bytes at `pos`, or `None` when they are not all available.
    fn bytes(&self, pos: usize, n: usize) -> Option<&[u8]>;
}

impl Source for [u8] {
    #[inline]
    fn bytes(&self, pos: usize, n: usize) -> Option<&[u8]> {
        self.get(pos..pos.checked_add(n)?)
    }
}

/// A process identifier as encoded; the node name borrows the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidRef<'a> {
    pub node: AtomRef<'a>,
    pub num: u32,
    pub serial: u32,
    pub creation: u32,
}

/// A port identifier as encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRef<'a> {
    pub node: AtomRef<'a>,
    pub id: u64,
    pub creation: u32,
}

/// Most words a reference can carry (the size of `erlang_ref.n`).
pub const MAX_REF_WORDS: usize = 5;

/// A reference as encoded: `len` words of `n` are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefRef<'a> {
    pub node: AtomRef<'a>,
    pub len: usize,
    pub n: [u32; MAX_REF_WORDS],
    pub creation: u32,
}

/// A bignum as encoded: sign and little-endian magnitude bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigRef<'a> {
    pub negative: bool,
    /// Magnitude, least significant byte first (may have high zero bytes).
    pub digits: &'a [u8],
}

/// A fun as encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunRef<'a> {
    /// `NEW_FUN_EXT` (arity >= 0) or the old `FUN_EXT` (arity -1).
    Closure {
        arity: i64,
        module: AtomRef<'a>,
        md5: [u8; 16],
        index: i64,
        old_index: i64,
        uniq: i64,
        n_free_vars: u32,
        pid: PidRef<'a>,
        /// The encoded free variables, back to back.
        free_vars: &'a [u8],
    },
    /// `EXPORT_EXT`: `fun Module:Function/Arity`.
    Export {
        module: AtomRef<'a>,
        function: AtomRef<'a>,
        arity: i64,
    },
}

/// A string as `ei_decode_string` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrRef<'a> {
    /// `STRING_EXT` or `NIL_EXT`: the bytes themselves.
    Bytes(&'a [u8]),
    /// `LIST_EXT` of small integers: the list elements, two bytes each
    /// (`SMALL_INTEGER_EXT`, value); every second byte is a character.
    IntList(&'a [u8]),
}

impl StrRef<'_> {
    /// Number of characters.
    pub fn len(&self) -> usize {
        match self {
            StrRef::Bytes(b) => b.len(),
            StrRef::IntList(b) => b.len() / 2,
        }
    }

    /// True when the string has no characters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the characters into `out`, which must be `len()` long.
    pub fn copy_to(&self, out: &mut [u8]) {
        match self {
            StrRef::Bytes(b) => out.copy_from_slice(b),
            StrRef::IntList(b) => {
                for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
                    *o = pair[1];
                }
            }
        }
    }

    /// The characters as a vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0; self.len()];
        self.copy_to(&mut v);
        v
    }
}

/// The kind and size `ei_get_type` reports for the term at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// The tag, normalised as libei does (all atoms `ATOM_EXT`, floats
    /// `FLOAT_EXT`, pids `PID_EXT`, ports `PORT_EXT`, newer references
    /// `NEW_REFERENCE_EXT`).
    pub tag: u8,
    /// Arity of tuples, lists and maps; length of atoms, strings, binaries;
    /// digit bytes of bignums; 0 otherwise.
    pub size: u32,
}

/// A cursor over encoded terms.
pub struct Decoder<'a, S: Source + ?Sized> {
    src: &'a S,
    pos: usize,
}

impl<'a> Decoder<'a, [u8]> {
    /// A decoder over a bounded slice, starting at offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Decoder { src: buf, pos: 0 }
    }
}

macro_rules! transactional {
    ($self:ident, $body:block) => {{
        let start = $self.pos;
        let r = (|| $body)();
        if r.is_err() {
            $self.pos = start;
        }
        r
    }};
}

impl<'a, S: Source + ?Sized> Decoder<'a, S> {
    /// A decoder over `src`, starting at `pos`.
    pub fn at(src: &'a S, pos: usize) -> Self {
        Decoder { src, pos }
    }

    /// The current position.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves to `pos` (no check: the next read checks).
    #[inline]
    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos;
    }

    // ---- primitive reads: each advances only on success --------------------

    /// The next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let b = self.src.bytes(self.pos, n).ok_or(Error::Truncated)?;
        self.pos += n;
        Ok(b)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// The tag at the current position, without consuming it.
    #[inline]
    pub fn peek_tag(&self) -> Result<u8> {
        self.src
            .bytes(self.pos, 1)
            .map(|b| b[0])
            .ok_or(Error::Truncated)
    }

    // ---- reads ahead of the position, which they do not move ----------------
    //
    // The hot decoders read a whole item at offsets from the position and
    // move it once, at the end, when nothing can fail any more: that keeps
    // the rule that a failed decode does not move, without the closure of
    // `transactional!` (which the compiler does not always inline).

    /// The `n` bytes `off` bytes ahead.
    #[inline]
    fn bytes_at(&self, off: usize, n: usize) -> Result<&'a [u8]> {
        self.src.bytes(self.pos + off, n).ok_or(Error::Truncated)
    }

    #[inline]
    fn array_at<const N: usize>(&self, off: usize) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes_at(off, N)?);
        Ok(a)
    }

    #[inline]
    fn u8_at(&self, off: usize) -> Result<u8> {
        Ok(self.array_at::<1>(off)?[0])
    }

    #[inline]
    fn u16_at(&self, off: usize) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array_at(off)?))
    }

    #[inline]
    fn u32_at(&self, off: usize) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array_at(off)?))
    }

    /// The header of the atom `off` bytes ahead: its length in bytes,
    /// whether it is UTF-8, and the size of the header (tag included).
    #[inline]
    fn atom_header_at(&self, off: usize) -> Result<(usize, bool, usize)> {
        Ok(match self.u8_at(off)? {
            SMALL_ATOM_UTF8_EXT => (self.u8_at(off + 1)? as usize, true, 2),
            ATOM_UTF8_EXT => (self.u16_at(off + 1)? as usize, true, 3),
            SMALL_ATOM_EXT => (self.u8_at(off + 1)? as usize, false, 2),
            ATOM_EXT => (self.u16_at(off + 1)? as usize, false, 3),
            t => return Err(Error::UnexpectedTag(t)),
        })
    }

    /// The atom `off` bytes ahead and its encoded size (tag included).
    #[inline]
    fn atom_at(&self, off: usize) -> Result<(AtomRef<'a>, usize)> {
        let (len, utf8, head) = self.atom_header_at(off)?;
        let bytes = self.bytes_at(off + head, len)?;
        // Erlang makes no atom longer than 255 characters; a UTF-8 atom
        // of at most 255 bytes cannot have more.
        if len > MAX_ATOM_CHARS && atom_too_long(bytes, utf8) {
            return Err(Error::TooLarge("atom longer than 255 characters"));
        }
        Ok((AtomRef { bytes, utf8 }, head + len))
    }

    /// The encoded size of the pid, port or reference (tag `tag`) at the
    /// position, checked as [`pid`](Self::pid), [`port`](Self::port) and
    /// [`reference`](Self::reference) check it, in the same order, but
    /// without reading the numbers.
    #[inline]
    fn node_container_size(&self, tag: u8) -> Result<usize> {
        let (head, tail) = match tag {
            PID_EXT => (1, 9),
            NEW_PID_EXT => (1, 12),
            PORT_EXT => (1, 5),
            NEW_PORT_EXT => (1, 8),
            V4_PORT_EXT => (1, 12),
            REFERENCE_EXT => (1, 5),
            NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let len = self.u16_at(1)? as usize;
                if len > MAX_REF_WORDS {
                    return Err(Error::TooLarge("reference has more than 5 words"));
                }
                let creation = if tag == NEW_REFERENCE_EXT { 1 } else { 4 };
                (3, creation + 4 * len)
            }
            t => return Err(Error::UnexpectedTag(t)),
        };
        let (_, atom_size) = self.atom_at(head)?;
        self.bytes_at(head + atom_size, tail)?;
        Ok(head + atom_size + tail)
    }

    // ---- version, type ----------------------------------------------------

    /// Consumes the version byte (131). On a wrong byte, returns it in
    /// `Err(Error::UnexpectedTag(byte))`.
    pub fn version(&mut self) -> Result<u8> {
        transactional!(self, {
            let v = self.u8()?;
            if v != VERSION_MAGIC {
                return Err(Error::UnexpectedTag(v));
            }
            Ok(v)
        })
    }

    /// Type and size of the next term, as `ei_get_type` reports them.
    /// Does not move. Unknown tags are reported as they are, with size 0.
    #[inline]
    pub fn type_info(&self) -> Result<TypeInfo> {
        // One table look-up instead of a match: `ei_get_type` is called
        // before every decode.
        let (tag, field) = TYPE_TABLE[self.u8_at(0)? as usize];
        let size = match field {
            SizeField::None => 0,
            SizeField::U8 => self.u8_at(1)? as u32,
            SizeField::U16 => self.u16_at(1)? as u32,
            SizeField::U32 => self.u32_at(1)?,
        };
        Ok(TypeInfo { tag, size })
    }

    // ---- integers ------------------------------------------------------------

    /// Sign and magnitude of any integer encoding, with the magnitude's
    /// little-endian bytes borrowed for bignums.
    fn integer_parts(&mut self) -> Result<IntParts<'a>> {
        match self.u8()? {
            SMALL_INTEGER_EXT => Ok(IntParts::Small(self.u8()? as i64)),
            INTEGER_EXT => Ok(IntParts::Small(self.u32()? as i32 as i64)),
            SMALL_BIG_EXT => {
                let n = self.u8()? as usize;
                self.big_body(n).map(IntParts::Big)
            }
            LARGE_BIG_EXT => {
                let n = self.u32()? as usize;
                self.big_body(n).map(IntParts::Big)
            }
            t => Err(Error::UnexpectedTag(t)),
        }
    }

    fn big_body(&mut self, n: usize) -> Result<BigRef<'a>> {
        let sign = self.u8()?;
        let digits = self.take(n)?;
        Ok(BigRef {
            negative: sign != 0,
            digits,
        })
    }

    /// The integer at the position, its magnitude read only if it fits
    /// `u64` (`OutOfRange` otherwise), and its encoded size.
    #[inline(always)]
    fn int64_at(&self) -> Result<(Int64, usize)> {
        match self.u8_at(0)? {
            SMALL_INTEGER_EXT => Ok((Int64::Small(self.u8_at(1)? as i64), 2)),
            INTEGER_EXT => Ok((Int64::Small(self.u32_at(1)? as i32 as i64), 5)),
            SMALL_BIG_EXT => self.big64_at(3, self.u8_at(1)? as usize),
            LARGE_BIG_EXT => self.big64_at(6, self.u32_at(1)? as usize),
            t => Err(Error::UnexpectedTag(t)),
        }
    }

    /// [`int64_at`](Self::int64_at) of a bignum whose `n` digit bytes
    /// (least significant first) start `off` bytes ahead, after its sign.
    #[inline(always)]
    fn big64_at(&self, off: usize, n: usize) -> Result<(Int64, usize)> {
        let negative = self.u8_at(off - 1)? != 0;
        let digits = self.bytes_at(off, n)?;
        // Up to 8 digits are read with one load that ends at the last digit
        // and starts inside the term (at or after its tag: `off` >= 3), then
        // shifted down past the bytes before the digits.
        let magnitude = match n {
            0 => 0,
            1..=4 => (u32::from_le_bytes(self.array_at(off + n - 4)?) >> (8 * (4 - n))) as u64,
            5..=8 => u64::from_le_bytes(self.array_at(off + n - 8)?) >> (8 * (8 - n)),
            _ => big_magnitude_u64(digits)?,
        };
        Ok((
            Int64::Big {
                negative,
                magnitude,
            },
            off + n,
        ))
    }

    /// An integer that fits `i64` (`ei_decode_long`, `ei_decode_longlong`).
    #[inline(always)]
    pub fn long(&mut self) -> Result<i64> {
        let (v, size) = self.int64_at()?;
        let v = match v {
            Int64::Small(v) => v,
            Int64::Big {
                negative: true,
                magnitude,
            } => {
                if magnitude > 1u64 << 63 {
                    return Err(Error::OutOfRange);
                }
                (magnitude as i64).wrapping_neg()
            }
            Int64::Big { magnitude, .. } => {
                i64::try_from(magnitude).map_err(|_| Error::OutOfRange)?
            }
        };
        self.pos += size;
        Ok(v)
    }

    /// A non-negative integer that fits `u64` (`ei_decode_ulong(long)`).
    #[inline(always)]
    pub fn ulong(&mut self) -> Result<u64> {
        let (v, size) = self.int64_at()?;
        let v = match v {
            Int64::Small(v) => u64::try_from(v).map_err(|_| Error::OutOfRange)?,
            Int64::Big { negative: true, .. } => return Err(Error::OutOfRange),
            Int64::Big { magnitude, .. } => magnitude,
        };
        self.pos += size;
        Ok(v)
    }

    /// An integer in 0..=255 (`ei_decode_char`).
    pub fn char(&mut self) -> Result<u8> {
        transactional!(self, {
            match self.integer_parts()? {
                IntParts::Small(v) => u8::try_from(v).map_err(|_| Error::OutOfRange),
                IntParts::Big(b) => {
                    if b.negative || b.digits.iter().skip(1).any(|&d| d != 0) {
                        return Err(Error::OutOfRange);
                    }
                    Ok(b.digits.first().copied().unwrap_or(0))
                }
            }
        })
    }

    /// A `SMALL_BIG_EXT` or `LARGE_BIG_EXT` (`ei_decode_big`).
    pub fn big(&mut self) -> Result<BigRef<'a>> {
        transactional!(self, {
            match self.u8()? {
                SMALL_BIG_EXT => {
                    let n = self.u8()? as usize;
                    self.big_body(n)
                }
                LARGE_BIG_EXT => {
                    let n = self.u32()? as usize;
                    self.big_body(n)
                }
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// Any integer: small ones as `Ok(Ok(i64))`, bignums as `Ok(Err(BigRef))`
    /// even when they would fit `i64`.
    pub fn integer(&mut self) -> Result<std::result::Result<i64, BigRef<'a>>> {
        transactional!(self, {
            Ok(match self.integer_parts()? {
                IntParts::Small(v) => Ok(v),
                IntParts::Big(b) => Err(b),
            })
        })
    }

    // ---- floats, atoms, booleans ----------------------------------------------

    /// `NEW_FLOAT_EXT` or the old textual `FLOAT_EXT` (`ei_decode_double`).
    #[inline]
    pub fn double(&mut self) -> Result<f64> {
        let (v, size) = match self.u8_at(0)? {
            NEW_FLOAT_EXT => (f64::from_bits(u64::from_be_bytes(self.array_at(1)?)), 9),
            FLOAT_EXT => (parse_float_ext(self.bytes_at(1, 31)?)?, 32),
            t => return Err(Error::UnexpectedTag(t)),
        };
        self.pos += size;
        Ok(v)
    }

    /// An atom in any of its four encodings.
    #[inline]
    pub fn atom(&mut self) -> Result<AtomRef<'a>> {
        let (a, size) = self.atom_at(0)?;
        self.pos += size;
        Ok(a)
    }

    /// An atom of at most 255 bytes, for fast paths that leave everything
    /// else to [`atom`](Self::atom): `None` (not moving) for longer atoms,
    /// other terms and errors. No atom that short has too many characters,
    /// so it needs no check beyond its bounds.
    #[inline]
    pub fn short_atom(&mut self) -> Option<AtomRef<'a>> {
        // The encoding of every atom OTP sends and libei encodes, first.
        let (len, utf8, head) = match self.u8_at(0).ok()? {
            SMALL_ATOM_UTF8_EXT => (self.u8_at(1).ok()? as usize, true, 2),
            _ => self.atom_header_at(0).ok()?,
        };
        if len > MAX_ATOM_CHARS {
            return None;
        }
        let bytes = self.bytes_at(head, len).ok()?;
        self.pos += head + len;
        Some(AtomRef { bytes, utf8 })
    }

    /// The atoms `true` / `false` (`ei_decode_boolean`).
    pub fn boolean(&mut self) -> Result<bool> {
        transactional!(self, {
            match self.atom()?.bytes {
                b"true" => Ok(true),
                b"false" => Ok(false),
                _ => Err(Error::Malformed("atom is neither true nor false")),
            }
        })
    }

    // ---- strings and binaries ---------------------------------------------------

    /// `STRING_EXT`, `NIL_EXT`, or a proper list of small integers
    /// (`ei_decode_string`).
    pub fn string(&mut self) -> Result<StrRef<'a>> {
        transactional!(self, {
            match self.u8()? {
                STRING_EXT => {
                    let n = self.u16()? as usize;
                    Ok(StrRef::Bytes(self.take(n)?))
                }
                NIL_EXT => Ok(StrRef::Bytes(&[])),
                LIST_EXT => {
                    let n = self.u32()? as usize;
                    let start = self.pos;
                    let body = self
                        .take(n.checked_mul(2).ok_or(Error::Truncated)?)
                        .map_err(|_| Error::Truncated)?;
                    if body.chunks_exact(2).any(|p| p[0] != SMALL_INTEGER_EXT) {
                        self.pos = start;
                        return Err(Error::Malformed("list is not a string"));
                    }
                    if self.u8()? != NIL_EXT {
                        return Err(Error::Malformed("string list is not proper"));
                    }
                    Ok(StrRef::IntList(body))
                }
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// `BINARY_EXT` (`ei_decode_binary`).
    pub fn binary(&mut self) -> Result<&'a [u8]> {
        transactional!(self, {
            match self.u8()? {
                BINARY_EXT => {
                    let n = self.u32()? as usize;
                    self.take(n)
                }
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// `BINARY_EXT` or `BIT_BINARY_EXT`: the bytes and the number of bits
    /// (`ei_decode_bitstring`).
    pub fn bitstring(&mut self) -> Result<(&'a [u8], usize)> {
        transactional!(self, {
            match self.u8()? {
                BINARY_EXT => {
                    let n = self.u32()? as usize;
                    Ok((self.take(n)?, n * 8))
                }
                BIT_BINARY_EXT => {
                    let n = self.u32()? as usize;
                    let last = self.u8()? as usize;
                    if (last == 0) != (n == 0) || last > 8 {
                        return Err(Error::Malformed("bad bit count in BIT_BINARY_EXT"));
                    }
                    let bits = if n == 0 { 0 } else { (n - 1) * 8 + last };
                    Ok((self.take(n)?, bits))
                }
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    // ---- containers -------------------------------------------------------------

    /// `SMALL_TUPLE_EXT` / `LARGE_TUPLE_EXT`: the arity.
    pub fn tuple_header(&mut self) -> Result<u32> {
        transactional!(self, {
            match self.u8()? {
                SMALL_TUPLE_EXT => Ok(self.u8()? as u32),
                LARGE_TUPLE_EXT => self.u32(),
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// `LIST_EXT` (arity, not counting the tail) or `NIL_EXT` (0).
    pub fn list_header(&mut self) -> Result<u32> {
        transactional!(self, {
            match self.u8()? {
                NIL_EXT => Ok(0),
                LIST_EXT => self.u32(),
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// `MAP_EXT`: the number of key/value pairs.
    pub fn map_header(&mut self) -> Result<u32> {
        transactional!(self, {
            match self.u8()? {
                MAP_EXT => self.u32(),
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    // ---- node containers ----------------------------------------------------------

    /// `PID_EXT` / `NEW_PID_EXT`.
    #[inline]
    pub fn pid(&mut self) -> Result<PidRef<'a>> {
        let tag = self.u8_at(0)?;
        if tag != PID_EXT && tag != NEW_PID_EXT {
            return Err(Error::UnexpectedTag(tag));
        }
        let (node, atom_size) = self.atom_at(1)?;
        let at = 1 + atom_size;
        let num = self.u32_at(at)?;
        let serial = self.u32_at(at + 4)?;
        let (creation, size) = if tag == PID_EXT {
            ((self.u8_at(at + 8)? & 3) as u32, at + 9)
        } else {
            (self.u32_at(at + 8)?, at + 12)
        };
        self.pos += size;
        Ok(PidRef {
            node,
            num,
            serial,
            creation,
        })
    }

    /// `PORT_EXT` / `NEW_PORT_EXT` / `V4_PORT_EXT`.
    #[inline]
    pub fn port(&mut self) -> Result<PortRef<'a>> {
        let tag = self.u8_at(0)?;
        if !matches!(tag, PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT) {
            return Err(Error::UnexpectedTag(tag));
        }
        let (node, atom_size) = self.atom_at(1)?;
        let at = 1 + atom_size;
        let (id, creation, size) = match tag {
            V4_PORT_EXT => (
                u64::from_be_bytes(self.array_at(at)?),
                self.u32_at(at + 8)?,
                12,
            ),
            NEW_PORT_EXT => (self.u32_at(at)? as u64, self.u32_at(at + 4)?, 8),
            _ => (self.u32_at(at)? as u64, (self.u8_at(at + 4)? & 3) as u32, 5),
        };
        self.pos += at + size;
        Ok(PortRef { node, id, creation })
    }

    /// `REFERENCE_EXT` / `NEW_REFERENCE_EXT` / `NEWER_REFERENCE_EXT`, with at
    /// most [`MAX_REF_WORDS`] words.
    #[inline]
    pub fn reference(&mut self) -> Result<RefRef<'a>> {
        let tag = self.u8_at(0)?;
        let mut n = [0u32; MAX_REF_WORDS];
        let (node, len, creation, size) = match tag {
            REFERENCE_EXT => {
                let (node, atom_size) = self.atom_at(1)?;
                let at = 1 + atom_size;
                n[0] = self.u32_at(at)?;
                let creation = (self.u8_at(at + 4)? & 3) as u32;
                (node, 1, creation, at + 5)
            }
            NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let len = self.u16_at(1)? as usize;
                if len > MAX_REF_WORDS {
                    return Err(Error::TooLarge("reference has more than 5 words"));
                }
                let (node, atom_size) = self.atom_at(3)?;
                let mut at = 3 + atom_size;
                let creation = if tag == NEW_REFERENCE_EXT {
                    at += 1;
                    (self.u8_at(at - 1)? & 3) as u32
                } else {
                    at += 4;
                    self.u32_at(at - 4)?
                };
                for w in n.iter_mut().take(len) {
                    *w = self.u32_at(at)?;
                    at += 4;
                }
                (node, len, creation, at)
            }
            t => return Err(Error::UnexpectedTag(t)),
        };
        self.pos += size;
        Ok(RefRef {
            node,
            len,
            n,
            creation,
        })
    }

    /// `NEW_FUN_EXT`, `EXPORT_EXT`, or the old `FUN_EXT` (`ei_decode_fun`).
    pub fn fun(&mut self) -> Result<FunRef<'a>> {
        transactional!(self, {
            let start = self.pos;
            match self.u8()? {
                NEW_FUN_EXT => {
                    let size = self.u32()? as usize;
                    let arity = self.u8()? as i64;
                    let md5: [u8; 16] = self.array()?;
                    let index = self.u32()? as i64;
                    let n_free_vars = self.u32()?;
                    let module = self.atom()?;
                    let old_index = self.long()?;
                    let uniq = self.long()?;
                    let pid = self.pid()?;
                    // Size counts itself and what follows, not the tag.
                    let used = self.pos - start - 1;
                    let rest = size
                        .checked_sub(used)
                        .ok_or(Error::Malformed("NEW_FUN_EXT size too small"))?;
                    let free_vars = self.take(rest)?;
                    Ok(FunRef::Closure {
                        arity,
                        module,
                        md5,
                        index,
                        old_index,
                        uniq,
                        n_free_vars,
                        pid,
                        free_vars,
                    })
                }
                FUN_EXT => {
                    let n_free_vars = self.u32()?;
                    let pid = self.pid()?;
                    let module = self.atom()?;
                    let index = self.long()?;
                    let uniq = self.long()?;
                    let fv_start = self.pos;
                    for _ in 0..n_free_vars {
                        self.skip()?;
                    }
                    let free_vars = self
                        .src
                        .bytes(fv_start, self.pos - fv_start)
                        .ok_or(Error::Truncated)?;
                    Ok(FunRef::Closure {
                        arity: -1,
                        module,
                        md5: [0; 16],
                        index,
                        old_index: 0,
                        uniq,
                        n_free_vars,
                        pid,
                        free_vars,
                    })
                }
                EXPORT_EXT => {
                    let module = self.atom()?;
                    let function = self.atom()?;
                    let arity = self.long()?;
                    Ok(FunRef::Export {
                        module,
                        function,
                        arity,
                    })
                }
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    // ---- whole terms -------------------------------------------------------------

    /// Skips one complete term (`ei_skip_term`). Works without recursion: it
    /// counts the terms still to skip, so any nesting depth is fine.
    ///
    /// Each item is checked as the matching decoder checks it (atoms for
    /// their length, references for their word count, bit counts, funs),
    /// but items of known size are stepped over without reading their
    /// values: pids, ports and references by the length of their node atom.
    pub fn skip(&mut self) -> Result<()> {
        // The walk runs on a copy whose position can stay in a register;
        // the rare items parsed by other methods get a decoder of their own.
        let mut d = Decoder::at(self.src, self.pos);
        d.skip_items()?;
        self.pos = d.pos;
        Ok(())
    }

    fn skip_items(&mut self) -> Result<()> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let tag = self.u8_at(0)?;
            let size = match tag {
                SMALL_INTEGER_EXT => 2,
                INTEGER_EXT => 5,
                NEW_FLOAT_EXT => 9,
                FLOAT_EXT => 32,
                // At most 255 bytes: never more than 255 characters.
                SMALL_ATOM_UTF8_EXT | SMALL_ATOM_EXT => 2 + self.u8_at(1)? as usize,
                ATOM_EXT | ATOM_UTF8_EXT => self.atom_at(0)?.1,
                SMALL_BIG_EXT => 3 + self.u8_at(1)? as usize,
                LARGE_BIG_EXT => (self.u32_at(1)? as usize).saturating_add(6),
                NIL_EXT => 1,
                STRING_EXT => 3 + self.u16_at(1)? as usize,
                BINARY_EXT => (self.u32_at(1)? as usize).saturating_add(5),
                SMALL_TUPLE_EXT => {
                    pending += self.u8_at(1)? as u64;
                    2
                }
                LARGE_TUPLE_EXT => {
                    pending += self.u32_at(1)? as u64;
                    5
                }
                LIST_EXT => {
                    pending += self.u32_at(1)? as u64 + 1;
                    5
                }
                MAP_EXT => {
                    pending += 2 * self.u32_at(1)? as u64;
                    5
                }
                PID_EXT | NEW_PID_EXT | PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT | REFERENCE_EXT
                | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => self.node_container_size(tag)?,
                BIT_BINARY_EXT => {
                    let mut d = Decoder::at(self.src, self.pos);
                    d.bitstring()?;
                    d.pos - self.pos
                }
                NEW_FUN_EXT | EXPORT_EXT => {
                    let mut d = Decoder::at(self.src, self.pos);
                    d.fun()?;
                    d.pos - self.pos
                }
                FUN_EXT => {
                    // The old fun's free variables follow its header.
                    let mut d = Decoder::at(self.src, self.pos + 1);
                    let n = d.u32()?;
                    d.pid()?;
                    d.atom()?;
                    d.long()?;
                    d.long()?;
                    pending += n as u64;
                    d.pos - self.pos
                }
                t => return Err(Error::UnexpectedTag(t)),
            };
            // Every size above is what the tag and its length fields say;
            // the bytes must be there.
            self.bytes_at(0, size)?;
            self.pos += size;
        }
        Ok(())
    }

    /// Iodata (`ei_decode_iodata`): a binary, a string, `[]`, or a list of
    /// bytes (integers 0..=255, not as a tail), binaries, strings and such
    /// lists. Calls `out` with each piece in order and returns the total
    /// size. Works without recursion.
    pub fn iodata(&mut self, out: &mut dyn FnMut(&'a [u8])) -> Result<usize> {
        transactional!(self, {
            match self.peek_tag()? {
                BINARY_EXT | STRING_EXT | NIL_EXT => return self.iodata_piece(out),
                LIST_EXT => {}
                t => return Err(Error::UnexpectedTag(t)),
            }
            let mut total = 0usize;
            // Items left in each open list, its tail included.
            let mut stack: Vec<u64> = vec![self.list_header()? as u64 + 1];
            while let Some(rem) = stack.last_mut() {
                if *rem == 0 {
                    stack.pop();
                    continue;
                }
                *rem -= 1;
                let is_tail = *rem == 0;
                match self.peek_tag()? {
                    SMALL_INTEGER_EXT | INTEGER_EXT if !is_tail => {
                        let v = self.long()?;
                        let b = u8::try_from(v).map_err(|_| Error::OutOfRange)?;
                        out(&BYTE_TABLE[b as usize..=b as usize]);
                        total += 1;
                    }
                    LIST_EXT => stack.push(self.list_header()? as u64 + 1),
                    BINARY_EXT | STRING_EXT | NIL_EXT => total += self.iodata_piece(out)?,
                    t => return Err(Error::UnexpectedTag(t)),
                }
            }
            Ok(total)
        })
    }

    fn iodata_piece(&mut self, out: &mut dyn FnMut(&'a [u8])) -> Result<usize> {
        let b = match self.peek_tag()? {
            BINARY_EXT => self.binary()?,
            NIL_EXT => {
                self.list_header()?;
                &[]
            }
            _ => match self.string()? {
                StrRef::Bytes(b) => b,
                StrRef::IntList(_) => return Err(Error::Malformed("iodata")),
            },
        };
        out(b);
        Ok(b.len())
    }

    /// The bytes from `start` to the current position.
    pub fn slice_from(&self, start: usize) -> Result<&'a [u8]> {
        self.src
            .bytes(start, self.pos.checked_sub(start).ok_or(Error::Truncated)?)
            .ok_or(Error::Truncated)
    }
}

/// How the size `ei_get_type` reports follows a tag.
/// (The values are the field's width in bytes, one bit each.)
#[derive(Clone, Copy)]
#[repr(u8)]
pub(crate) enum SizeField {
    None = 0,
    U8 = 1,
    U16 = 2,
    U32 = 4,
}

/// For every tag byte: the type `ei_get_type` reports (normalised as libei
/// does) and where the size is. Unknown tags are reported as they are.
pub(crate) static TYPE_TABLE: [(u8, SizeField); 256] = {
    let mut t = [(0u8, SizeField::None); 256];
    let mut i = 0;
    while i < 256 {
        t[i].0 = i as u8;
        i += 1;
    }
    t[SMALL_ATOM_EXT as usize] = (ATOM_EXT, SizeField::U8);
    t[SMALL_ATOM_UTF8_EXT as usize] = (ATOM_EXT, SizeField::U8);
    t[SMALL_TUPLE_EXT as usize].1 = SizeField::U8;
    t[SMALL_BIG_EXT as usize].1 = SizeField::U8;
    t[ATOM_EXT as usize].1 = SizeField::U16;
    t[ATOM_UTF8_EXT as usize] = (ATOM_EXT, SizeField::U16);
    t[STRING_EXT as usize].1 = SizeField::U16;
    t[NEW_FLOAT_EXT as usize].0 = FLOAT_EXT;
    t[LARGE_TUPLE_EXT as usize].1 = SizeField::U32;
    t[LIST_EXT as usize].1 = SizeField::U32;
    t[MAP_EXT as usize].1 = SizeField::U32;
    t[BINARY_EXT as usize].1 = SizeField::U32;
    t[BIT_BINARY_EXT as usize].1 = SizeField::U32;
    t[LARGE_BIG_EXT as usize].1 = SizeField::U32;
    t[NEW_PID_EXT as usize].0 = PID_EXT;
    t[V4_PORT_EXT as usize].0 = PORT_EXT;
    t[NEW_PORT_EXT as usize].0 = PORT_EXT;
    t[NEWER_REFERENCE_EXT as usize].0 = NEW_REFERENCE_EXT;
    t
};

/// Every byte value, so single bytes can be handed out as `'static` slices.
static BYTE_TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    t
};

/// An integer as [`Decoder::int64_at`] reads it.
enum Int64 {
    Small(i64),
    Big { negative: bool, magnitude: u64 },
}

enum IntParts<'a> {
    Small(i64),
    Big(BigRef<'a>),
}

/// The magnitude of little-endian `digits` as `u64`, if it fits.
#[cold]
fn big_magnitude_u64(digits: &[u8]) -> Result<u64> {
    if digits.iter().skip(8).any(|&d| d != 0) {
        return Err(Error::OutOfRange);
    }
    Ok(super::big::low_u64(digits))
}

/// Parses the 31-byte text of an old `FLOAT_EXT` (`"%.20e"` padded with NULs).
#[cold]
#[inline(never)]
fn parse_float_ext(text: &[u8]) -> Result<f64> {
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    let s = std::str::from_utf8(&text[..end])
        .map_err(|_| Error::Malformed("FLOAT_EXT is not text"))?
        .trim();
    s.parse::<f64>()
        .map_err(|_| Error::Malformed("FLOAT_EXT is not a number"))
}

/// Characters in UTF-8 `bytes` (bytes that do not continue a character).
fn utf8_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

/// Whether an atom of more than 255 bytes has more than 255 characters
/// (rare: out of line).
#[cold]
#[inline(never)]
fn atom_too_long(bytes: &[u8], utf8: bool) -> bool {
    !utf8 || bytes.len() > MAX_ATOM_UTF8_BYTES || utf8_chars(bytes) > MAX_ATOM_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_width() {
        let mut d = Decoder::new(&[97, 200]);
        assert_eq!(d.long(), Ok(200));
        let mut d = Decoder::new(&[98, 255, 255, 255, 255]);
        assert_eq!(d.long(), Ok(-1));
        let mut d = Decoder::new(&[110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128]);
        assert_eq!(d.long(), Ok(i64::MIN));
        let mut d = Decoder::new(&[110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128]);
        assert_eq!(d.long(), Err(Error::OutOfRange));
        assert_eq!(d.position(), 0);
        let mut d = Decoder::new(&[110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128]);
        assert_eq!(d.ulong(), Ok(1 << 63));
        let mut d = Decoder::new(&[98, 255, 255, 255, 255]);
        assert_eq!(d.ulong(), Err(Error::OutOfRange));
    }

    #[test]
    fn failed_decode_does_not_move() {
        let buf = [104, 2, 97, 1, 100, 0, 1];
        let mut d = Decoder::new(&buf);
        assert_eq!(d.tuple_header(), Ok(2));
        assert_eq!(d.atom().map(|_| ()), Err(Error::UnexpectedTag(97)));
        assert_eq!(d.position(), 2);
        assert_eq!(d.long(), Ok(1));
        assert_eq!(d.atom(), Err(Error::Truncated));
        assert_eq!(d.position(), 4);
    }

    #[test]
    fn old_float_text() {
        let mut buf = vec![FLOAT_EXT];
        let text = b"1.50000000000000000000e+00";
        buf.extend_from_slice(text);
        buf.resize(32, 0);
        assert_eq!(Decoder::new(&buf).double(), Ok(1.5));
    }

    #[test]
    fn bignums_of_every_length() {
        // Magnitudes of 0 to 10 digit bytes, small and large encodings,
        // against a byte-by-byte reading.
        for n in 0..=10usize {
            for negative in [false, true] {
                let digits: Vec<u8> = (0..n).map(|i| 0x81u8.wrapping_mul(i as u8 + 3)).collect();
                let fits = digits.iter().skip(8).all(|&d| d == 0);
                let magnitude = super::super::big::low_u64(&digits);
                let mut small = vec![SMALL_BIG_EXT, n as u8, negative as u8];
                small.extend_from_slice(&digits);
                let mut large = vec![LARGE_BIG_EXT, 0, 0, 0, n as u8, negative as u8];
                large.extend_from_slice(&digits);
                for buf in [&small, &large] {
                    let want_long = if !fits {
                        Err(Error::OutOfRange)
                    } else if negative {
                        if magnitude > 1 << 63 {
                            Err(Error::OutOfRange)
                        } else {
                            Ok((magnitude as i64).wrapping_neg())
                        }
                    } else {
                        i64::try_from(magnitude).map_err(|_| Error::OutOfRange)
                    };
                    let want_ulong = if !fits || negative {
                        Err(Error::OutOfRange)
                    } else {
                        Ok(magnitude)
                    };
                    let mut d = Decoder::new(buf);
                    assert_eq!(d.long(), want_long, "{buf:?}");
                    let moved = if want_long.is_ok() { buf.len() } else { 0 };
                    assert_eq!(d.position(), moved);
                    let mut d = Decoder::new(buf);
                    assert_eq!(d.ulong(), want_ulong, "{buf:?}");
                    for cut in 0..buf.len() {
                        let mut d = Decoder::new(&buf[..cut]);
                        assert_eq!(d.long(), Err(Error::Truncated));
                        assert_eq!(d.position(), 0);
                    }
                }
            }
        }
    }

    #[test]
    fn skip_steps_over_node_containers() {
        let node = [SMALL_ATOM_UTF8_EXT, 3, b'a', b'@', b'b'];
        let with = |head: &[u8], tail: &[u8]| [head, &node[..], tail].concat();
        let cases = [
            with(&[PID_EXT], &[0; 9]),
            with(&[NEW_PID_EXT], &[0; 12]),
            with(&[PORT_EXT], &[0; 5]),
            with(&[NEW_PORT_EXT], &[0; 8]),
            with(&[V4_PORT_EXT], &[0; 12]),
            with(&[REFERENCE_EXT], &[0; 5]),
            with(&[NEW_REFERENCE_EXT, 0, 3], &[0; 13]),
            with(&[NEWER_REFERENCE_EXT, 0, 5], &[0; 24]),
            // Short atoms alone, which skip sizes by their length byte.
            node.to_vec(),
            [&[SMALL_ATOM_EXT, 3][..], b"a@b"].concat(),
        ];
        for buf in &cases {
            let mut d = Decoder::new(buf);
            d.skip().unwrap();
            assert_eq!(d.position(), buf.len());
            for cut in 0..buf.len() {
                let mut d = Decoder::new(&buf[..cut]);
                assert_eq!(d.skip(), Err(Error::Truncated), "{buf:?} cut at {cut}");
                assert_eq!(d.position(), 0);
            }
        }
        // Too many words, and a node that is not an atom.
        let buf = with(&[NEWER_REFERENCE_EXT, 0, 6], &[0; 28]);
        assert!(matches!(Decoder::new(&buf).skip(), Err(Error::TooLarge(_))));
        let buf = [PID_EXT, SMALL_INTEGER_EXT, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            Decoder::new(&buf).skip(),
            Err(Error::UnexpectedTag(SMALL_INTEGER_EXT))
        );
        // An atom of 256 Latin-1 characters, as a node name or alone.
        let mut long = vec![ATOM_EXT, 1, 0];
        long.resize(3 + 256, b'x');
        assert!(matches!(
            Decoder::new(&long).skip(),
            Err(Error::TooLarge(_))
        ));
        let buf = [&[PID_EXT][..], &long, &[0; 9]].concat();
        assert!(matches!(Decoder::new(&buf).skip(), Err(Error::TooLarge(_))));
    }

    #[test]
    fn skip_handles_deep_nesting() {
        let mut buf = Vec::new();
        for _ in 0..100_000 {
            buf.extend_from_slice(&[104, 1]);
        }
        buf.push(106);
        let mut d = Decoder::new(&buf);
        d.skip().unwrap();
        assert_eq!(d.position(), buf.len());
        let mut d = Decoder::new(&buf[..buf.len() - 1]);
        assert_eq!(d.skip(), Err(Error::Truncated));
        assert_eq!(d.position(), 0);
    }
}

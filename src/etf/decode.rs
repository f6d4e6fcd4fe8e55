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
    pub fn type_info(&self) -> Result<TypeInfo> {
        let mut d = Decoder::at(self.src, self.pos);
        let tag = d.u8()?;
        let (tag, size) = match tag {
            SMALL_ATOM_EXT | SMALL_ATOM_UTF8_EXT => (ATOM_EXT, d.u8()? as u32),
            SMALL_TUPLE_EXT => (tag, d.u8()? as u32),
            ATOM_UTF8_EXT | ATOM_EXT => (ATOM_EXT, d.u16()? as u32),
            STRING_EXT => (tag, d.u16()? as u32),
            FLOAT_EXT | NEW_FLOAT_EXT => (FLOAT_EXT, 0),
            LARGE_TUPLE_EXT | LIST_EXT | MAP_EXT | BINARY_EXT | BIT_BINARY_EXT => (tag, d.u32()?),
            SMALL_BIG_EXT => (tag, d.u8()? as u32),
            LARGE_BIG_EXT => (tag, d.u32()?),
            NEW_PID_EXT => (PID_EXT, 0),
            V4_PORT_EXT | NEW_PORT_EXT => (PORT_EXT, 0),
            NEWER_REFERENCE_EXT => (NEW_REFERENCE_EXT, 0),
            other => (other, 0),
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

    /// An integer that fits `i64` (`ei_decode_long`, `ei_decode_longlong`).
    pub fn long(&mut self) -> Result<i64> {
        transactional!(self, {
            match self.integer_parts()? {
                IntParts::Small(v) => Ok(v),
                IntParts::Big(b) => {
                    let u = big_magnitude_u64(b.digits)?;
                    if b.negative {
                        if u > 1u64 << 63 {
                            return Err(Error::OutOfRange);
                        }
                        Ok((u as i64).wrapping_neg())
                    } else {
                        i64::try_from(u).map_err(|_| Error::OutOfRange)
                    }
                }
            }
        })
    }

    /// A non-negative integer that fits `u64` (`ei_decode_ulong(long)`).
    pub fn ulong(&mut self) -> Result<u64> {
        transactional!(self, {
            match self.integer_parts()? {
                IntParts::Small(v) => u64::try_from(v).map_err(|_| Error::OutOfRange),
                IntParts::Big(b) => {
                    if b.negative {
                        return Err(Error::OutOfRange);
                    }
                    big_magnitude_u64(b.digits)
                }
            }
        })
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
    pub fn double(&mut self) -> Result<f64> {
        transactional!(self, {
            match self.u8()? {
                NEW_FLOAT_EXT => Ok(f64::from_bits(self.u64()?)),
                FLOAT_EXT => parse_float_ext(self.take(31)?),
                t => Err(Error::UnexpectedTag(t)),
            }
        })
    }

    /// An atom in any of its four encodings.
    pub fn atom(&mut self) -> Result<AtomRef<'a>> {
        transactional!(self, {
            let (len, utf8) = match self.u8()? {
                ATOM_EXT => (self.u16()? as usize, false),
                SMALL_ATOM_EXT => (self.u8()? as usize, false),
                ATOM_UTF8_EXT => (self.u16()? as usize, true),
                SMALL_ATOM_UTF8_EXT => (self.u8()? as usize, true),
                t => return Err(Error::UnexpectedTag(t)),
            };
            let bytes = self.take(len)?;
            // Erlang makes no atom longer than 255 characters; a UTF-8 atom
            // of at most 255 bytes cannot have more.
            if len > MAX_ATOM_CHARS
                && (!utf8 || len > MAX_ATOM_UTF8_BYTES || utf8_chars(bytes) > MAX_ATOM_CHARS)
            {
                return Err(Error::TooLarge("atom longer than 255 characters"));
            }
            Ok(AtomRef { bytes, utf8 })
        })
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
    pub fn pid(&mut self) -> Result<PidRef<'a>> {
        transactional!(self, {
            let tag = self.u8()?;
            if tag != PID_EXT && tag != NEW_PID_EXT {
                return Err(Error::UnexpectedTag(tag));
            }
            let node = self.atom()?;
            let num = self.u32()?;
            let serial = self.u32()?;
            let creation = if tag == PID_EXT {
                (self.u8()? & 3) as u32
            } else {
                self.u32()?
            };
            Ok(PidRef {
                node,
                num,
                serial,
                creation,
            })
        })
    }

    /// `PORT_EXT` / `NEW_PORT_EXT` / `V4_PORT_EXT`.
    pub fn port(&mut self) -> Result<PortRef<'a>> {
        transactional!(self, {
            let tag = self.u8()?;
            if !matches!(tag, PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT) {
                return Err(Error::UnexpectedTag(tag));
            }
            let node = self.atom()?;
            let (id, creation) = match tag {
                V4_PORT_EXT => (self.u64()?, self.u32()?),
                NEW_PORT_EXT => (self.u32()? as u64, self.u32()?),
                _ => (self.u32()? as u64, (self.u8()? & 3) as u32),
            };
            Ok(PortRef { node, id, creation })
        })
    }

    /// `REFERENCE_EXT` / `NEW_REFERENCE_EXT` / `NEWER_REFERENCE_EXT`, with at
    /// most [`MAX_REF_WORDS`] words.
    pub fn reference(&mut self) -> Result<RefRef<'a>> {
        transactional!(self, {
            let tag = self.u8()?;
            let mut n = [0u32; MAX_REF_WORDS];
            match tag {
                REFERENCE_EXT => {
                    let node = self.atom()?;
                    n[0] = self.u32()?;
                    let creation = (self.u8()? & 3) as u32;
                    Ok(RefRef {
                        node,
                        len: 1,
                        n,
                        creation,
                    })
                }
                NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                    let len = self.u16()? as usize;
                    if len > MAX_REF_WORDS {
                        return Err(Error::TooLarge("reference has more than 5 words"));
                    }
                    let node = self.atom()?;
                    let creation = if tag == NEW_REFERENCE_EXT {
                        (self.u8()? & 3) as u32
                    } else {
                        self.u32()?
                    };
                    for w in n.iter_mut().take(len) {
                        *w = self.u32()?;
                    }
                    Ok(RefRef {
                        node,
                        len,
                        n,
                        creation,
                    })
                }
                t => Err(Error::UnexpectedTag(t)),
            }
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
    pub fn skip(&mut self) -> Result<()> {
        transactional!(self, {
            let mut pending: u64 = 1;
            while pending > 0 {
                pending -= 1;
                let tag = self.peek_tag()?;
                match tag {
                    SMALL_INTEGER_EXT => self.pos = self.checked_advance(2)?,
                    INTEGER_EXT => self.pos = self.checked_advance(5)?,
                    NEW_FLOAT_EXT => self.pos = self.checked_advance(9)?,
                    FLOAT_EXT => self.pos = self.checked_advance(32)?,
                    ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                        self.atom()?;
                    }
                    SMALL_BIG_EXT | LARGE_BIG_EXT => {
                        self.big()?;
                    }
                    NIL_EXT => self.pos += 1,
                    STRING_EXT => {
                        self.pos += 1;
                        let n = self.u16()? as usize;
                        self.take(n)?;
                    }
                    LIST_EXT => {
                        self.pos += 1;
                        pending += self.u32()? as u64 + 1;
                    }
                    SMALL_TUPLE_EXT => {
                        self.pos += 1;
                        pending += self.u8()? as u64;
                    }
                    LARGE_TUPLE_EXT => {
                        self.pos += 1;
                        pending += self.u32()? as u64;
                    }
                    MAP_EXT => {
                        self.pos += 1;
                        pending += 2 * self.u32()? as u64;
                    }
                    BINARY_EXT => {
                        self.binary()?;
                    }
                    BIT_BINARY_EXT => {
                        self.bitstring()?;
                    }
                    PID_EXT | NEW_PID_EXT => {
                        self.pid()?;
                    }
                    PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT => {
                        self.port()?;
                    }
                    REFERENCE_EXT | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                        self.reference()?;
                    }
                    NEW_FUN_EXT | EXPORT_EXT => {
                        self.fun()?;
                    }
                    FUN_EXT => {
                        // The old fun's free variables follow its header.
                        self.pos += 1;
                        let n = self.u32()?;
                        self.pid()?;
                        self.atom()?;
                        self.long()?;
                        self.long()?;
                        pending += n as u64;
                    }
                    t => return Err(Error::UnexpectedTag(t)),
                }
            }
            Ok(())
        })
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

    /// Position after `n` more bytes, if they exist.
    #[inline]
    fn checked_advance(&self, n: usize) -> Result<usize> {
        self.src.bytes(self.pos, n).ok_or(Error::Truncated)?;
        Ok(self.pos + n)
    }

    /// The bytes from `start` to the current position.
    pub fn slice_from(&self, start: usize) -> Result<&'a [u8]> {
        self.src
            .bytes(start, self.pos.checked_sub(start).ok_or(Error::Truncated)?)
            .ok_or(Error::Truncated)
    }
}

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

enum IntParts<'a> {
    Small(i64),
    Big(BigRef<'a>),
}

/// The magnitude of little-endian `digits` as `u64`, if it fits.
fn big_magnitude_u64(digits: &[u8]) -> Result<u64> {
    if digits.iter().skip(8).any(|&d| d != 0) {
        return Err(Error::OutOfRange);
    }
    Ok(super::big::low_u64(digits))
}

/// Parses the 31-byte text of an old `FLOAT_EXT` (`"%.20e"` padded with NULs).
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

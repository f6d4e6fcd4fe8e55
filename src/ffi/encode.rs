//! `ei_encode_*` and `ei_x_encode_*`: each converts its C arguments and calls
//! the one generic encoder in `etf::encode`, with libei's fixed-buffer sink
//! or the `ei_x_buff` sink.
//!
//! Fixed-buffer encoders write at `buf + *index` and advance `*index`; with
//! `buf == NULL` they only advance it (the size pass). All return 0, or -1
//! with `erl_errno` set, leaving `*index` (or `x->index`) unchanged.

use libc::{c_char, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong, c_void, size_t};

use super::boundary::{arg, array_str, bytes, cstr, guard, read_index, set_errno, to_index};
use super::types::*;
use super::xbuf::{x_encode_retry, XFitSink};
use crate::etf::atom::{self, enc};
use crate::etf::encode::{self, Closure, Counter, Sink};
use crate::etf::tag::SMALL_ATOM_UTF8_EXT;
use crate::etf::{self, Error};

/// The sink of the fixed-buffer encoders when `buf` is not NULL: writes at
/// the index without a bound, as libei does (the caller sized the buffer).
pub(crate) struct RawSink {
    buf: *mut u8,
    pos: usize,
}

impl RawSink {
    /// Room is the caller's business (see [`pointer_sink!`]).
    #[inline(always)]
    fn ensure(&mut self, _extra: usize) -> etf::Result<()> {
        Ok(())
    }
}

impl Sink for RawSink {
    pointer_sink!();
}

/// The [`Sink`] methods of a sink that writes at `self.buf + self.pos`
/// (`*mut u8`, `usize`) once `self.ensure(n)` has made room for `n` more
/// bytes: [`RawSink`], whose caller sized the buffer, and the `ei_x_buff`
/// sinks. Tags and length fields are stored as values.
macro_rules! pointer_sink {
    () => {
        #[inline(always)]
        fn put(&mut self, b: &[u8]) -> $crate::etf::Result<()> {
            self.ensure(b.len())?;
            // SAFETY: ensure() made room for b.len() bytes at pos.
            unsafe { $crate::ffi::encode::copy_to(b, self.buf.add(self.pos)) };
            self.pos += b.len();
            Ok(())
        }

        #[inline(always)]
        fn put_array<const N: usize>(&mut self, b: [u8; N]) -> $crate::etf::Result<()> {
            self.ensure(N)?;
            // SAFETY: ensure() made room for N bytes at pos.
            unsafe { self.buf.add(self.pos).cast::<[u8; N]>().write_unaligned(b) };
            self.pos += N;
            Ok(())
        }

        #[inline(always)]
        fn put_tagged<const N: usize>(
            &mut self,
            tag: u8,
            body: [u8; N],
        ) -> $crate::etf::Result<()> {
            self.put_tagged_then(tag, body, &[])
        }

        #[inline(always)]
        fn put_tagged_then<const N: usize>(
            &mut self,
            tag: u8,
            body: [u8; N],
            tail: &[u8],
        ) -> $crate::etf::Result<()> {
            // No overflow: a slice holds at most isize::MAX bytes.
            self.ensure(1 + N + tail.len())?;
            // SAFETY: ensure() made room for all of it at pos.
            unsafe {
                let dst = self.buf.add(self.pos);
                dst.write(tag);
                dst.add(1).cast::<[u8; N]>().write_unaligned(body);
                $crate::ffi::encode::copy_to(tail, dst.add(1 + N));
            }
            self.pos += 1 + N + tail.len();
            Ok(())
        }
    };
}
pub(crate) use pointer_sink;

/// Copies `src` to `dst` as `ptr::copy` does (they may overlap, as with
/// libei's `memmove`), but without a call for up to 16 bytes: most copies
/// of variable length are an atom's text or a bignum's digits, for which
/// calling `memmove` costs more than the copy itself.
///
/// # Safety
/// `dst` is valid for writes of `src.len()` bytes.
#[inline(always)]
pub(crate) unsafe fn copy_to(src: &[u8], dst: *mut u8) {
    let n = src.len();
    let s = src.as_ptr();
    // Short copies read the whole source first (as two overlapping words,
    // or the first, middle and last byte), then write it, so overlap is
    // harmless.
    // SAFETY: every access is within the `n` bytes of `src` or `dst`.
    unsafe {
        if (8..=16).contains(&n) {
            let head = s.cast::<u64>().read_unaligned();
            let tail = s.add(n - 8).cast::<u64>().read_unaligned();
            dst.cast::<u64>().write_unaligned(head);
            dst.add(n - 8).cast::<u64>().write_unaligned(tail);
        } else if (4..8).contains(&n) {
            let head = s.cast::<u32>().read_unaligned();
            let tail = s.add(n - 4).cast::<u32>().read_unaligned();
            dst.cast::<u32>().write_unaligned(head);
            dst.add(n - 4).cast::<u32>().write_unaligned(tail);
        } else if (1..4).contains(&n) {
            let (first, mid, last) = (*s, *s.add(n / 2), *s.add(n - 1));
            *dst = first;
            *dst.add(n / 2) = mid;
            *dst.add(n - 1) = last;
        } else if n > 16 {
            std::ptr::copy(s, dst, n);
        }
    }
}

/// Runs a fixed-buffer encoder against libei's `(buf, index)` pair: `count`
/// when `buf` is NULL (the size pass, which only advances the index),
/// `write` otherwise. The index moves only on success.
///
/// `count` and `write` are the same encoder, compiled once for each sink by
/// [`fixed!`], so that the encoder does not test which pass it is in at
/// every write.
///
/// # Safety
/// `index` is NULL or valid; `buf` is NULL or large enough for the encoding.
#[inline]
pub(crate) unsafe fn encode_fixed(
    buf: *mut c_char,
    index: *mut c_int,
    count: impl FnOnce(&mut Counter) -> etf::Result<()>,
    write: impl FnOnce(&mut RawSink) -> etf::Result<()>,
) -> c_int {
    guard(|| {
        let r = (|| {
            // SAFETY: the caller's contract.
            let start = unsafe { read_index(index) }?;
            let end = if buf.is_null() {
                let mut c = Counter(start);
                count(&mut c)?;
                c.0
            } else {
                let mut s = RawSink {
                    buf: buf.cast(),
                    pos: start,
                };
                write(&mut s)?;
                s.pos
            };
            let end = to_index(end)?;
            // SAFETY: checked non-NULL by read_index.
            unsafe { *index = end };
            Ok(())
        })();
        match r {
            Ok(()) => 0,
            Err(e) => failed(e),
        }
    })
}

/// The failure of an encoder: sets `erl_errno` from `e`, returns -1. Out of
/// line, so that the exports' common path keeps no error code in a saved
/// register.
#[cold]
#[inline(never)]
pub(crate) fn failed(e: Error) -> c_int {
    set_errno(e.errno());
    -1
}

/// `fixed!(buf, index, |s| encoder)`: [`encode_fixed`] with the encoder
/// written once.
macro_rules! fixed {
    ($buf:expr, $index:expr, |$s:ident| $body:expr) => {
        $crate::ffi::encode::encode_fixed(
            $buf,
            $index,
            |$s: &mut $crate::etf::encode::Counter| $body,
            |$s: &mut $crate::ffi::encode::RawSink| $body,
        )
    };
}
#[cfg_attr(not(feature = "gmp"), allow(unused_imports))] // gmp.rs
pub(crate) use fixed;

fn arity(n: c_long) -> etf::Result<u32> {
    u32::try_from(n).map_err(|_| Error::InvalidArgument("negative arity"))
}

fn len(n: c_long) -> etf::Result<usize> {
    usize::try_from(n).map_err(|_| Error::InvalidArgument("negative length"))
}

/// libei's `ei_encode_atom`/`_len` truncate to 255 characters.
fn truncated(s: &[u8]) -> &[u8] {
    &s[..s.len().min(MAXATOMLEN - 1)]
}

/// Encodes an atom of `from` encoding (`to` is ignored, as in libei since
/// OTP 20: atoms are always written as UTF-8).
fn atom_as<S: Sink + ?Sized>(s: &mut S, p: &[u8], from: erlang_char_encoding) -> etf::Result<()> {
    encode::atom(s, p, from.0)
}

#[inline(always)]
fn pid<S: Sink + ?Sized>(s: &mut S, p: &erlang_pid) -> etf::Result<()> {
    encode::pid(s, array_str(&p.node)?, p.num, p.serial, p.creation)
}

#[inline(always)]
fn port<S: Sink + ?Sized>(s: &mut S, p: &erlang_port) -> etf::Result<()> {
    encode::port(s, array_str(&p.node)?, p.id, p.creation)
}

#[inline(always)]
fn reference<S: Sink + ?Sized>(s: &mut S, p: &erlang_ref) -> etf::Result<()> {
    let n = usize::try_from(p.len)
        .ok()
        .filter(|&n| n <= p.n.len())
        .ok_or(Error::InvalidArgument("reference length not 0..5"))?;
    encode::reference(s, array_str(&p.node)?, &p.n[..n], p.creation)
}

fn trace<S: Sink + ?Sized>(s: &mut S, p: &erlang_trace) -> etf::Result<()> {
    let f = &p.from;
    let from = (array_str(&f.node)?, f.num, f.serial, f.creation);
    encode::trace(s, p.flags, p.label, p.serial, from, p.prev)
}

/// # Safety
/// The pointers inside `p` are valid as `ei_encode_fun` documents.
unsafe fn fun<S: Sink + ?Sized>(s: &mut S, p: &erlang_fun) -> etf::Result<()> {
    let module = array_str(&p.module)?;
    match p.r#type.0 {
        EI_FUN_CLOSURE => {
            // SAFETY: the type says the closure member is active.
            let c = unsafe { &p.u.closure };
            // SAFETY: free_vars holds free_var_len bytes.
            let free_vars = unsafe { bytes(c.free_vars, len(c.free_var_len)?) }?;
            let closure = Closure {
                arity: p.arity,
                module,
                md5: c.md5.map(|b| b as u8),
                index: c.index,
                old_index: c.old_index,
                uniq: c.uniq,
                n_free_vars: u32::try_from(c.n_free_vars)
                    .map_err(|_| Error::InvalidArgument("n_free_vars"))?,
                pid: (
                    array_str(&c.pid.node)?,
                    c.pid.num,
                    c.pid.serial,
                    c.pid.creation,
                ),
                free_vars,
            };
            encode::fun_closure(s, &closure)
        }
        EI_FUN_EXPORT => {
            // SAFETY: the type says the export member is active, and func is
            // a C string.
            let func = unsafe { cstr(p.u.exprt.func) }?;
            encode::fun_export(s, module, func, p.arity)
        }
        _ => Err(Error::InvalidArgument("unknown fun type")),
    }
}

/// # Safety
/// `b.digits` holds `(b.arity + 1) / 2` 16-bit digits.
unsafe fn big<S: Sink + ?Sized>(s: &mut S, b: &erlang_big) -> etf::Result<()> {
    let n = b.arity as usize;
    // SAFETY: the caller's contract; the digit array is read as bytes, which
    // on a little-endian machine is the wire order. Big-endian hosts convert.
    let raw = unsafe { bytes(b.digits.cast(), n.div_ceil(2) * 2) }?;
    if cfg!(target_endian = "little") {
        encode::big(s, b.is_neg != 0, &raw[..n])
    } else {
        let le: Vec<u8> = raw
            .chunks_exact(2)
            .flat_map(|d| [d[1], d[0]])
            .take(n)
            .collect();
        encode::big(s, b.is_neg != 0, &le)
    }
}

// ---- fixed buffers --------------------------------------------------------

/// Writes the version byte (131).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_version(buf: *mut c_char, index: *mut c_int) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::version(s)) }
}

/// Encodes a `long` as a small integer, integer or small bignum.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_long(buf: *mut c_char, index: *mut c_int, p: c_long) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::long(s, i64::from(p))) }
}

/// Encodes an `unsigned long`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_ulong(buf: *mut c_char, index: *mut c_int, p: c_ulong) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::ulong(s, u64::from(p))) }
}

/// Encodes a `long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_longlong(
    buf: *mut c_char,
    index: *mut c_int,
    p: c_longlong,
) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::long(s, p)) }
}

/// Encodes an `unsigned long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_ulonglong(
    buf: *mut c_char,
    index: *mut c_int,
    p: c_ulonglong,
) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::ulong(s, p)) }
}

/// Encodes a double as `NEW_FLOAT_EXT`; NaN and infinities fail.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_double(buf: *mut c_char, index: *mut c_int, p: f64) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::double(s, p)) }
}

/// Encodes the atom `true` (p != 0) or `false`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_boolean(buf: *mut c_char, index: *mut c_int, p: c_int) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::boolean(s, p != 0)) }
}

/// Encodes a char as a small integer (0..255).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_char(buf: *mut c_char, index: *mut c_int, p: c_char) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::char(s, p as u8)) }
}

/// Encodes a NUL-terminated string as a list of bytes.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_string(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
) -> c_int {
    unsafe { fixed!(buf, index, |s| encode::string(s, cstr(p)?)) }
}

/// Encodes `len` bytes as a string.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_string_len(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::string(s, bytes(p, self::len(len as c_long)?)?)
        })
    }
}

/// Encodes a Latin-1 atom, truncated to 255 characters.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_atom(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
) -> c_int {
    // Fast path: ASCII text of up to 16 bytes into a buffer is the same in
    // UTF-8 and gets the short form. The text is measured, copied and
    // checked in one pass, without a call, so that this path saves no
    // registers. Whatever else it meets is a tail call to a general path
    // that rewrites every byte written here: the bytes copied lie within
    // the encoding of any Latin-1 text that begins with them (at least 2 +
    // 16 bytes for longer text), which the caller sized the buffer for, and
    // Latin-1 text cannot fail to encode.
    // SAFETY: the caller's contract; the index is checked before writing.
    unsafe {
        if buf.is_null() || index.is_null() || p.is_null() {
            return encode_atom_general(buf, index, p);
        }
        // A negative index is 2^31 or more here.
        let start = *index as u32 as usize;
        if start > c_int::MAX as usize - (2 + 16) {
            return encode_atom_general(buf, index, p);
        }
        let dst = buf.cast::<u8>().add(start);
        let src = p.cast::<u8>();
        let mut n = 0;
        let mut bits = 0u8;
        loop {
            let c = *src.add(n);
            if c == 0 {
                break;
            }
            if n == 16 {
                return encode_atom_long(buf, index, p);
            }
            *dst.add(2 + n) = c;
            bits |= c;
            n += 1;
        }
        if bits >= 0x80 {
            return encode_atom_general(buf, index, p);
        }
        dst.write(SMALL_ATOM_UTF8_EXT);
        dst.add(1).write(n as u8);
        *index = (start + 2 + n) as c_int;
        0
    }
}

/// [`ei_encode_atom`] for text of more than 16 bytes: the fast path up to
/// 127 bytes, else the general one.
///
/// # Safety
/// As [`ei_encode_atom`], with none of the pointers NULL.
#[inline(never)]
unsafe extern "C" fn encode_atom_long(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
) -> c_int {
    // SAFETY: as in ei_encode_atom.
    unsafe {
        let n = libc::strlen(p);
        let (start, end) = short_atom_span(*index, n);
        if n < 128 && end <= c_int::MAX as usize {
            let dst = buf.cast::<u8>().add(start);
            if copy_ascii_long(p.cast(), dst.add(2), n) {
                dst.write(SMALL_ATOM_UTF8_EXT);
                dst.add(1).write(n as u8);
                *index = end as c_int;
                return 0;
            }
        }
        encode_atom_general(buf, index, p)
    }
}

/// [`ei_encode_atom`] for any arguments.
///
/// # Safety
/// As [`ei_encode_atom`].
#[inline(never)]
unsafe extern "C" fn encode_atom_general(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::atom(s, truncated(cstr(p)?), enc::LATIN1)
        })
    }
}

/// Where a short-form atom of `n` bytes at index `index` starts and ends.
/// A negative index becomes a start of 2^31 or more, so that the end is
/// beyond `c_int::MAX`, which the caller checks before writing anything.
#[inline(always)]
fn short_atom_span(index: c_int, n: usize) -> (usize, usize) {
    let start = index as u32 as usize;
    (start, start + 2 + n)
}

/// Whether an atom's text of `n` bytes may take the fast path from
/// encoding `from`: valid in it, and (from Latin-1 or ASCII) under 128
/// bytes, so that it gets the short form as in libei. `n` is at most 255.
#[inline(always)]
fn fast_atom_text(text: &[u8], from: erlang_char_encoding) -> bool {
    match from.0 {
        enc::UTF8 => atom::utf8_valid(text),
        enc::LATIN1 | enc::ASCII => text.len() < 128 && atom::is_ascii(text),
        _ => false,
    }
}

/// Copies `n` (more than 8) bytes from `src` to `dst`, which do not
/// overlap, and tells whether they were all ASCII.
///
/// # Safety
/// `src` is valid for reads and `dst` for writes of `n` bytes.
#[inline(always)]
unsafe fn copy_ascii_long(src: *const u8, dst: *mut u8, n: usize) -> bool {
    // SAFETY: every access is within the `n` bytes of `src` or `dst`.
    unsafe {
        let mut acc = src.add(n - 8).cast::<u64>().read_unaligned();
        dst.add(n - 8).cast::<u64>().write_unaligned(acc);
        let mut i = 0;
        while i + 8 < n {
            let w = src.add(i).cast::<u64>().read_unaligned();
            dst.add(i).cast::<u64>().write_unaligned(w);
            acc |= w;
            i += 8;
        }
        acc & 0x8080_8080_8080_8080 == 0
    }
}

/// Encodes `len` Latin-1 characters as an atom, truncated to 255.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_atom_len(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            let b = bytes(p, self::len(len as c_long)?)?;
            encode::atom(s, truncated(b), enc::LATIN1)
        })
    }
}

/// Encodes an atom whose text is in encoding `from`; written as UTF-8.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_atom_as(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    from: erlang_char_encoding,
    _to: erlang_char_encoding,
) -> c_int {
    // Fast path: UTF-8 text of at most 255 bytes (the short form) into a
    // buffer; the others are tail calls.
    // SAFETY: the caller's contract.
    unsafe {
        if from.0 == enc::UTF8 && !buf.is_null() && !index.is_null() && !p.is_null() {
            return encode_atom_utf8(buf, index, p);
        }
        encode_atom_as_general(buf, index, p, from)
    }
}

/// [`ei_encode_atom_as`] from UTF-8, none of the pointers NULL.
///
/// # Safety
/// As [`ei_encode_atom_as`].
#[inline(never)]
unsafe extern "C" fn encode_atom_utf8(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
) -> c_int {
    // SAFETY: the caller's contract; the index and the text are checked
    // before anything is written.
    unsafe {
        let n = libc::strlen(p);
        let (start, end) = short_atom_span(*index, n);
        if n <= atom::MAX_ATOM_CHARS && end <= c_int::MAX as usize {
            let text = std::slice::from_raw_parts(p.cast::<u8>(), n);
            if atom::utf8_valid(text) {
                let dst = buf.cast::<u8>().add(start);
                dst.write(SMALL_ATOM_UTF8_EXT);
                dst.add(1).write(n as u8);
                copy_to(text, dst.add(2));
                *index = end as c_int;
                return 0;
            }
        }
        encode_atom_as_general(buf, index, p, erlang_char_encoding(enc::UTF8))
    }
}

/// [`ei_encode_atom_as`] for any arguments.
///
/// # Safety
/// As [`ei_encode_atom_as`].
#[inline(never)]
unsafe extern "C" fn encode_atom_as_general(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    from: erlang_char_encoding,
) -> c_int {
    unsafe { fixed!(buf, index, |s| atom_as(s, cstr(p)?, from)) }
}

/// Encodes `len` bytes of encoding `from` as an atom; written as UTF-8.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_atom_len_as(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    len: c_int,
    from: erlang_char_encoding,
    _to: erlang_char_encoding,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            atom_as(s, bytes(p, self::len(len as c_long)?)?, from)
        })
    }
}

/// Encodes `len` bytes as a binary.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_binary(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_void,
    len: c_long,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::binary(s, bytes(p.cast(), self::len(len)?)?)
        })
    }
}

/// Encodes `bits` bits starting `bitoffs` bits into `p` as a bitstring.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_bitstring(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const c_char,
    bitoffs: size_t,
    bits: size_t,
) -> c_int {
    unsafe { fixed!(buf, index, |s| bitstring(s, p, bitoffs, bits)) }
}

/// # Safety
/// `p` holds `(bitoffs + bits + 7) / 8` bytes.
unsafe fn bitstring<S: Sink + ?Sized>(
    s: &mut S,
    p: *const c_char,
    bitoffs: usize,
    bits: usize,
) -> etf::Result<()> {
    let n = bitoffs
        .checked_add(bits)
        .ok_or(Error::InvalidArgument("bit count"))?
        .div_ceil(8);
    // SAFETY: the caller's contract.
    encode::bitstring(s, unsafe { bytes(p, n) }?, bitoffs, bits)
}

/// Encodes a pid (`NEW_PID_EXT`).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_pid(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const erlang_pid,
) -> c_int {
    unsafe { fixed!(buf, index, |s| pid(s, arg(p)?)) }
}

/// Encodes a fun (closure or export).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_fun(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const erlang_fun,
) -> c_int {
    unsafe { fixed!(buf, index, |s| fun(s, arg(p)?)) }
}

/// Encodes a port (`V4_PORT_EXT` when the id needs more than 28 bits).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_port(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const erlang_port,
) -> c_int {
    unsafe { fixed!(buf, index, |s| port(s, arg(p)?)) }
}

/// Encodes a reference (`NEWER_REFERENCE_EXT`).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_ref(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const erlang_ref,
) -> c_int {
    unsafe { fixed!(buf, index, |s| reference(s, arg(p)?)) }
}

/// Encodes a trace token as `{Flags, Label, Serial, From, Prev}`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_trace(
    buf: *mut c_char,
    index: *mut c_int,
    p: *const erlang_trace,
) -> c_int {
    unsafe { fixed!(buf, index, |s| trace(s, arg(p)?)) }
}

/// Encodes a tuple header; the caller encodes `arity` elements.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_tuple_header(
    buf: *mut c_char,
    index: *mut c_int,
    arity: c_int,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::tuple_header(s, self::arity(arity as c_long)?)
        })
    }
}

/// Encodes a list header (`[]` when arity is 0); the caller encodes the
/// elements and the tail.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_list_header(
    buf: *mut c_char,
    index: *mut c_int,
    arity: c_int,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::list_header(s, self::arity(arity as c_long)?)
        })
    }
}

/// Encodes a map header; the caller encodes `arity` key/value pairs.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_map_header(
    buf: *mut c_char,
    index: *mut c_int,
    arity: c_int,
) -> c_int {
    unsafe {
        fixed!(buf, index, |s| {
            encode::map_header(s, self::arity(arity as c_long)?)
        })
    }
}

/// Encodes an `erlang_big`.
#[no_mangle]
pub unsafe extern "C" fn ei_encode_big(
    buf: *mut c_char,
    index: *mut c_int,
    p: *mut erlang_big,
) -> c_int {
    unsafe { fixed!(buf, index, |s| big(s, arg(p)?)) }
}

// ---- ei_x_buff ------------------------------------------------------------

/// Appends the version byte.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_version(x: *mut ei_x_buff) -> c_int {
    unsafe { x_encode_retry(x, encode::version::<XFitSink>) }
}

/// Appends a `long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_long(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::long(s, i64::from(n))) }
}

/// Appends an `unsigned long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ulong(x: *mut ei_x_buff, n: c_ulong) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::ulong(s, u64::from(n))) }
}

/// Appends a `long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_longlong(x: *mut ei_x_buff, n: c_longlong) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::long(s, n)) }
}

/// Appends an `unsigned long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ulonglong(x: *mut ei_x_buff, n: c_ulonglong) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::ulong(s, n)) }
}

/// Appends a double; NaN and infinities fail.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_double(x: *mut ei_x_buff, dbl: f64) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::double(s, dbl)) }
}

/// Appends `true` (p != 0) or `false`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_boolean(x: *mut ei_x_buff, p: c_int) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::boolean(s, p != 0)) }
}

/// Appends a char as a small integer.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_char(x: *mut ei_x_buff, p: c_char) -> c_int {
    unsafe { x_encode_retry(x, move |s| encode::char(s, p as u8)) }
}

/// Appends a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_string(x: *mut ei_x_buff, s: *const c_char) -> c_int {
    unsafe { x_encode_retry(x, move |o| encode::string(o, cstr(s)?)) }
}

/// Appends `len` bytes as a string.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_string_len(
    x: *mut ei_x_buff,
    s: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        x_encode_retry(x, move |o| {
            encode::string(o, bytes(s, self::len(len as c_long)?)?)
        })
    }
}

/// Appends a Latin-1 atom (up to 255 characters).
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom(x: *mut ei_x_buff, s: *const c_char) -> c_int {
    // Fast path, as in ei_encode_atom: ASCII text of up to 16 bytes,
    // measured, copied and checked in one pass, when 2 + 16 bytes are free.
    // SAFETY: the caller's contract; the room is checked before writing.
    unsafe {
        let Some(xr) = x.as_mut() else {
            return x_encode_atom_latin1(x, s);
        };
        if s.is_null() || xr.buff.is_null() {
            return x_encode_atom_latin1(x, s);
        }
        // A negative index is 2^31 or more here.
        let start = xr.index as u32 as usize;
        if (start + 2 + 16) as i64 > i64::from(xr.buffsz) {
            return x_encode_atom_latin1(x, s);
        }
        let dst = xr.buff.cast::<u8>().add(start);
        let src = s.cast::<u8>();
        let mut n = 0;
        let mut bits = 0u8;
        loop {
            let c = *src.add(n);
            if c == 0 {
                break;
            }
            if n == 16 {
                return x_encode_atom_latin1(x, s);
            }
            *dst.add(2 + n) = c;
            bits |= c;
            n += 1;
        }
        if bits >= 0x80 {
            return x_encode_atom_latin1(x, s);
        }
        dst.write(SMALL_ATOM_UTF8_EXT);
        dst.add(1).write(n as u8);
        xr.index = (start + 2 + n) as c_int;
        0
    }
}

/// [`ei_x_encode_atom`] past its fast path: the fast path of the other
/// atom encoders (any length), else the general one, which rewrites the
/// bytes the fast path may have copied.
///
/// # Safety
/// As [`ei_x_encode_atom`].
#[inline(never)]
unsafe extern "C" fn x_encode_atom_latin1(x: *mut ei_x_buff, s: *const c_char) -> c_int {
    // SAFETY: the caller's contract.
    unsafe {
        if x_atom_fast(x, s, erlang_char_encoding(enc::LATIN1)) {
            return 0;
        }
        x_encode_atom_general(x, s, erlang_char_encoding(enc::LATIN1))
    }
}

/// Appends an atom in encoding `from`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom_as(
    x: *mut ei_x_buff,
    s: *const c_char,
    from: erlang_char_encoding,
    _to: erlang_char_encoding,
) -> c_int {
    // SAFETY: the caller's contract.
    unsafe {
        if x_atom_fast(x, s, from) {
            return 0;
        }
        x_encode_atom_general(x, s, from)
    }
}

/// The fast path of the `ei_x` atom encoders: valid text of at most 255
/// bytes that gets the short form and fits in the buffer as it is. Returns
/// false, having changed nothing, for anything else.
///
/// # Safety
/// `x` is NULL or a valid `ei_x_buff`; `s` is NULL or a C string.
#[inline(always)]
unsafe fn x_atom_fast(x: *mut ei_x_buff, s: *const c_char, from: erlang_char_encoding) -> bool {
    // SAFETY: the caller's contract; the end is checked against the
    // buffer's size (at most c_int::MAX) before writing.
    unsafe {
        let Some(x) = x.as_mut() else {
            return false;
        };
        if s.is_null() || x.buff.is_null() {
            return false;
        }
        let n = libc::strlen(s);
        let (start, end) = short_atom_span(x.index, n);
        if n > atom::MAX_ATOM_CHARS || end as i64 > i64::from(x.buffsz) {
            return false;
        }
        let text = std::slice::from_raw_parts(s.cast::<u8>(), n);
        if !fast_atom_text(text, from) {
            return false;
        }
        let dst = x.buff.cast::<u8>().add(start);
        dst.write(SMALL_ATOM_UTF8_EXT);
        dst.add(1).write(n as u8);
        copy_to(text, dst.add(2));
        x.index = end as c_int;
        true
    }
}

/// The `ei_x` atom encoders for any arguments.
///
/// # Safety
/// As [`ei_x_encode_atom_as`].
#[inline(never)]
unsafe extern "C" fn x_encode_atom_general(
    x: *mut ei_x_buff,
    s: *const c_char,
    from: erlang_char_encoding,
) -> c_int {
    unsafe { x_encode_retry(x, move |o| atom_as(o, cstr(s)?, from)) }
}

/// Appends `len` Latin-1 characters as an atom.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom_len(
    x: *mut ei_x_buff,
    s: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        x_encode_retry(x, move |o| {
            encode::atom(o, bytes(s, self::len(len as c_long)?)?, enc::LATIN1)
        })
    }
}

/// Appends `len` bytes of encoding `from` as an atom.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom_len_as(
    x: *mut ei_x_buff,
    s: *const c_char,
    len: c_int,
    from: erlang_char_encoding,
    _to: erlang_char_encoding,
) -> c_int {
    unsafe {
        x_encode_retry(x, move |o| {
            atom_as(o, bytes(s, self::len(len as c_long)?)?, from)
        })
    }
}

/// Appends `len` bytes as a binary.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_binary(
    x: *mut ei_x_buff,
    s: *const c_void,
    len: c_int,
) -> c_int {
    unsafe {
        x_encode_retry(x, move |o| {
            encode::binary(o, bytes(s.cast(), self::len(len as c_long)?)?)
        })
    }
}

/// Appends a bitstring.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_bitstring(
    x: *mut ei_x_buff,
    p: *const c_char,
    bitoffs: size_t,
    bits: size_t,
) -> c_int {
    unsafe { x_encode_retry(x, move |o: &mut XFitSink| bitstring(o, p, bitoffs, bits)) }
}

/// Appends a pid.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_pid(x: *mut ei_x_buff, p: *const erlang_pid) -> c_int {
    unsafe { x_encode_retry(x, move |o| pid(o, arg(p)?)) }
}

/// Appends a fun.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_fun(x: *mut ei_x_buff, fun: *const erlang_fun) -> c_int {
    unsafe { x_encode_retry(x, move |o| self::fun(o, arg(fun)?)) }
}

/// Appends a port.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_port(x: *mut ei_x_buff, p: *const erlang_port) -> c_int {
    unsafe { x_encode_retry(x, move |o| port(o, arg(p)?)) }
}

/// Appends a reference.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ref(x: *mut ei_x_buff, p: *const erlang_ref) -> c_int {
    unsafe { x_encode_retry(x, move |o| reference(o, arg(p)?)) }
}

/// Appends a trace token.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_trace(x: *mut ei_x_buff, p: *const erlang_trace) -> c_int {
    unsafe { x_encode_retry(x, move |o| trace(o, arg(p)?)) }
}

/// Appends a tuple header.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_tuple_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode_retry(x, move |o| encode::tuple_header(o, arity(n)?)) }
}

/// Appends a list header (`[]` when n is 0).
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_list_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode_retry(x, move |o| encode::list_header(o, arity(n)?)) }
}

/// Appends the empty list.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_empty_list(x: *mut ei_x_buff) -> c_int {
    unsafe { x_encode_retry(x, encode::empty_list::<XFitSink>) }
}

/// Appends a map header.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_map_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode_retry(x, move |o| encode::map_header(o, arity(n)?)) }
}

/// Appends an `erlang_big`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_big(x: *mut ei_x_buff, big: *mut erlang_big) -> c_int {
    unsafe { x_encode_retry(x, move |o| self::big(o, arg(big)?)) }
}

const _: () = assert!(std::mem::size_of::<c_uint>() == 4);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::xbuf::{ei_x_free, ei_x_new};

    fn errno() -> c_int {
        // SAFETY: the calling thread's erl_errno.
        unsafe { *crate::ffi::boundary::__erl_errno_place() }
    }

    /// What the general encoder makes of `text` from `from`, or its errno.
    fn reference(text: &[u8], from: i32, truncate: bool) -> Result<Vec<u8>, c_int> {
        let t = if truncate { truncated(text) } else { text };
        let mut v = Vec::new();
        encode::atom(&mut v, t, from).map_err(Error::errno)?;
        Ok(v)
    }

    fn texts() -> Vec<Vec<u8>> {
        let mut texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"x".to_vec(),
            b"ok".to_vec(),
            "héllo".as_bytes().to_vec(),
            "wörld_ünïcode".as_bytes().to_vec(),
            "Ærøskøbing".as_bytes().to_vec(),
            "λx€𝄞".as_bytes().to_vec(),
            vec![0xe9, b'a'],
            vec![0xc3],
            vec![b'a', 0xc3],
            vec![0xc0, 0x80],
            vec![0xed, 0xa0, 0x80],
            vec![0xf4, 0x90, 0x80, 0x80],
            vec![0xe2, 0x82],
        ];
        for n in [3, 4, 7, 8, 9, 15, 16, 17, 24, 127, 128, 255, 256, 300] {
            texts.push(vec![b'a'; n]);
            texts.push("é".repeat(n / 2).into_bytes());
            texts.push("€".repeat(n / 3).into_bytes());
            for at in [0, n / 2, n - 1] {
                let mut v = vec![b'a'; n];
                v[at] = 0xe9;
                texts.push(v);
            }
        }
        texts
    }

    /// Every atom encoder, into a buffer, a counted pass and an ei_x_buff
    /// (roomy, and nearly full so that it grows), agrees with the general
    /// encoder: bytes, index, return code and erl_errno, and the index does
    /// not move on failure.
    #[test]
    fn atom_exports_agree_with_the_general_encoder() {
        for t in texts() {
            let c = std::ffi::CString::new(t.clone()).unwrap();
            for from in [0, enc::ASCII, enc::LATIN1, enc::UTF8, 8] {
                let as_latin1 = from == enc::LATIN1;
                let cases: Vec<(bool, Result<Vec<u8>, c_int>)> = if as_latin1 {
                    vec![
                        (true, reference(&t, from, true)),
                        (false, reference(&t, from, false)),
                    ]
                } else {
                    vec![(false, reference(&t, from, false))]
                };
                for (plain, want) in cases {
                    let call = |buf: *mut c_char, index: *mut c_int| unsafe {
                        if plain {
                            ei_encode_atom(buf, index, c.as_ptr())
                        } else {
                            let f = erlang_char_encoding(from);
                            ei_encode_atom_as(buf, index, c.as_ptr(), f, f)
                        }
                    };
                    for start in [0usize, 5] {
                        let mut buf = vec![0xAAu8; start + 1200];
                        let mut index = start as c_int;
                        let r = call(buf.as_mut_ptr().cast(), &mut index);
                        let mut count = start as c_int;
                        let rc = call(std::ptr::null_mut(), &mut count);
                        match &want {
                            Ok(v) => {
                                assert_eq!((r, rc), (0, 0), "{t:?} {from} {plain}");
                                assert_eq!(index as usize, start + v.len());
                                assert_eq!(count, index);
                                assert_eq!(&buf[start..index as usize], &v[..], "{t:?} {from}");
                            }
                            Err(e) => {
                                assert_eq!((r, rc), (-1, -1), "{t:?} {from} {plain}");
                                assert_eq!(errno(), *e);
                                assert_eq!((index, count), (start as c_int, start as c_int));
                            }
                        }
                    }
                    let mut bad = -1;
                    assert_eq!(call(vec![0u8; 600].as_mut_ptr().cast(), &mut bad), -1);
                    assert_eq!(bad, -1);
                    let mut huge = c_int::MAX - 1;
                    let r = call(std::ptr::null_mut(), &mut huge);
                    assert_eq!(huge, c_int::MAX - 1);
                    if want.is_ok() {
                        assert_eq!((r, errno()), (-1, libc::EMSGSIZE), "{t:?}");
                    }
                    // ei_x: ei_x_encode_atom does not truncate.
                    let want_x = if plain {
                        reference(&t, from, false)
                    } else {
                        want.clone()
                    };
                    for fill in [0usize, 1000, 1020, 1023] {
                        let mut x = ei_x_buff {
                            buff: std::ptr::null_mut(),
                            buffsz: 0,
                            index: 0,
                        };
                        unsafe {
                            assert_eq!(ei_x_new(&mut x), 0);
                            std::ptr::write_bytes(x.buff, 7, fill);
                            x.index = fill as c_int;
                            let r = if plain {
                                ei_x_encode_atom(&mut x, c.as_ptr())
                            } else {
                                let f = erlang_char_encoding(from);
                                ei_x_encode_atom_as(&mut x, c.as_ptr(), f, f)
                            };
                            match &want_x {
                                Ok(v) => {
                                    assert_eq!(r, 0, "{t:?} {from} {plain} {fill}");
                                    assert_eq!(x.index as usize, fill + v.len());
                                    assert!(x.index <= x.buffsz);
                                    let got = std::slice::from_raw_parts(
                                        x.buff.cast::<u8>(),
                                        x.index as usize,
                                    );
                                    assert!(got[..fill].iter().all(|&b| b == 7));
                                    assert_eq!(&got[fill..], &v[..], "{t:?} {from} {fill}");
                                }
                                Err(e) => {
                                    assert_eq!((r, errno()), (-1, *e), "{t:?} {from}");
                                    assert_eq!(x.index as usize, fill);
                                }
                            }
                            assert_eq!(ei_x_free(&mut x), 0);
                        }
                    }
                }
            }
        }
    }

    /// An ei_x encoder whose term does not fit grows the buffer and runs
    /// again; the result is what one write into a large buffer gives.
    #[test]
    fn x_encoders_grow_and_rerun() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
        for len in [0usize, 1, 16, 17, 1000, 1019, 1020, 1024, 2048, 5000] {
            unsafe {
                let mut x = ei_x_buff {
                    buff: std::ptr::null_mut(),
                    buffsz: 0,
                    index: 0,
                };
                assert_eq!(ei_x_new(&mut x), 0);
                assert_eq!(ei_x_encode_long(&mut x, -5), 0);
                assert_eq!(
                    ei_x_encode_binary(&mut x, data.as_ptr().cast(), len as c_int),
                    0
                );
                assert_eq!(ei_x_encode_ulong(&mut x, u64::MAX as c_ulong), 0);
                let mut want = Vec::new();
                encode::long(&mut want, -5).unwrap();
                encode::binary(&mut want, &data[..len]).unwrap();
                encode::ulong(&mut want, u64::MAX).unwrap();
                let got = std::slice::from_raw_parts(x.buff.cast::<u8>(), x.index as usize);
                assert_eq!(got, &want[..]);
                assert!(x.index <= x.buffsz);
                // A failure after the buffer was too small leaves the index.
                let before = x.index;
                assert_eq!(ei_x_encode_binary(&mut x, data.as_ptr().cast(), -1), -1);
                assert_eq!((x.index, errno()), (before, libc::EINVAL));
                assert_eq!(ei_x_encode_double(&mut x, f64::NAN), -1);
                assert_eq!(x.index, before);
                assert_eq!(ei_x_free(&mut x), 0);
            }
        }
        // A NULL buffer (after ei_x_free) is allocated on the first write.
        unsafe {
            let mut x = ei_x_buff {
                buff: std::ptr::null_mut(),
                buffsz: 0,
                index: 0,
            };
            assert_eq!(ei_x_encode_atom(&mut x, c"ok".as_ptr()), 0);
            assert_eq!(x.index, 4);
            assert_eq!(ei_x_encode_long(&mut x, 1), 0);
            assert_eq!(x.index, 6);
            assert_eq!(ei_x_free(&mut x), 0);
            assert_eq!(ei_x_encode_long(std::ptr::null_mut(), 1), -1);
            assert_eq!(errno(), libc::EINVAL);
        }
    }
}

//! `ei_encode_*` and `ei_x_encode_*`: each converts its C arguments and calls
//! the one generic encoder in `etf::encode`, with libei's fixed-buffer sink
//! or the `ei_x_buff` sink.
//!
//! Fixed-buffer encoders write at `buf + *index` and advance `*index`; with
//! `buf == NULL` they only advance it (the size pass). All return 0, or -1
//! with `erl_errno` set, leaving `*index` (or `x->index`) unchanged.

use libc::{c_char, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong, c_void, size_t};

use super::boundary::{arg, array_str, bytes, call, cstr, read_index, to_index};
use super::types::*;
use super::xbuf::{x_encode, XSink};
use crate::etf::atom::enc;
use crate::etf::encode::{self, Closure, Counter, Sink};
use crate::etf::{self, Error};

/// The sink of the fixed-buffer encoders when `buf` is not NULL: writes at
/// the index without a bound, as libei does (the caller sized the buffer).
pub(crate) struct RawSink {
    buf: *mut u8,
    pos: usize,
}

impl Sink for RawSink {
    #[inline(always)]
    fn put(&mut self, b: &[u8]) -> etf::Result<()> {
        // SAFETY: the caller's buffer is large enough (libei's contract).
        unsafe { copy_to(b, self.buf.add(self.pos)) };
        self.pos += b.len();
        Ok(())
    }
}

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
    call(|| {
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
        Ok(0)
    })
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

fn pid<S: Sink + ?Sized>(s: &mut S, p: &erlang_pid) -> etf::Result<()> {
    encode::pid(s, array_str(&p.node)?, p.num, p.serial, p.creation)
}

fn port<S: Sink + ?Sized>(s: &mut S, p: &erlang_port) -> etf::Result<()> {
    encode::port(s, array_str(&p.node)?, p.id, p.creation)
}

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
    unsafe {
        fixed!(buf, index, |s| {
            encode::atom(s, truncated(cstr(p)?), enc::LATIN1)
        })
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
    unsafe { x_encode(x, |s| encode::version(s)) }
}

/// Appends a `long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_long(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode(x, |s| encode::long(s, i64::from(n))) }
}

/// Appends an `unsigned long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ulong(x: *mut ei_x_buff, n: c_ulong) -> c_int {
    unsafe { x_encode(x, |s| encode::ulong(s, u64::from(n))) }
}

/// Appends a `long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_longlong(x: *mut ei_x_buff, n: c_longlong) -> c_int {
    unsafe { x_encode(x, |s| encode::long(s, n)) }
}

/// Appends an `unsigned long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ulonglong(x: *mut ei_x_buff, n: c_ulonglong) -> c_int {
    unsafe { x_encode(x, |s| encode::ulong(s, n)) }
}

/// Appends a double; NaN and infinities fail.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_double(x: *mut ei_x_buff, dbl: f64) -> c_int {
    unsafe { x_encode(x, |s| encode::double(s, dbl)) }
}

/// Appends `true` (p != 0) or `false`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_boolean(x: *mut ei_x_buff, p: c_int) -> c_int {
    unsafe { x_encode(x, |s| encode::boolean(s, p != 0)) }
}

/// Appends a char as a small integer.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_char(x: *mut ei_x_buff, p: c_char) -> c_int {
    unsafe { x_encode(x, |s| encode::char(s, p as u8)) }
}

/// Appends a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_string(x: *mut ei_x_buff, s: *const c_char) -> c_int {
    unsafe { x_encode(x, |o| encode::string(o, cstr(s)?)) }
}

/// Appends `len` bytes as a string.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_string_len(
    x: *mut ei_x_buff,
    s: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        x_encode(x, |o| {
            encode::string(o, bytes(s, self::len(len as c_long)?)?)
        })
    }
}

/// Appends a Latin-1 atom (up to 255 characters).
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom(x: *mut ei_x_buff, s: *const c_char) -> c_int {
    unsafe { x_encode(x, |o| encode::atom(o, cstr(s)?, enc::LATIN1)) }
}

/// Appends an atom in encoding `from`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom_as(
    x: *mut ei_x_buff,
    s: *const c_char,
    from: erlang_char_encoding,
    _to: erlang_char_encoding,
) -> c_int {
    unsafe { x_encode(x, |o| atom_as(o, cstr(s)?, from)) }
}

/// Appends `len` Latin-1 characters as an atom.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_atom_len(
    x: *mut ei_x_buff,
    s: *const c_char,
    len: c_int,
) -> c_int {
    unsafe {
        x_encode(x, |o| {
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
        x_encode(x, |o| {
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
        x_encode(x, |o| {
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
    unsafe { x_encode(x, |o: &mut XSink| bitstring(o, p, bitoffs, bits)) }
}

/// Appends a pid.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_pid(x: *mut ei_x_buff, p: *const erlang_pid) -> c_int {
    unsafe { x_encode(x, |o| pid(o, arg(p)?)) }
}

/// Appends a fun.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_fun(x: *mut ei_x_buff, fun: *const erlang_fun) -> c_int {
    unsafe { x_encode(x, |o| self::fun(o, arg(fun)?)) }
}

/// Appends a port.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_port(x: *mut ei_x_buff, p: *const erlang_port) -> c_int {
    unsafe { x_encode(x, |o| port(o, arg(p)?)) }
}

/// Appends a reference.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_ref(x: *mut ei_x_buff, p: *const erlang_ref) -> c_int {
    unsafe { x_encode(x, |o| reference(o, arg(p)?)) }
}

/// Appends a trace token.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_trace(x: *mut ei_x_buff, p: *const erlang_trace) -> c_int {
    unsafe { x_encode(x, |o| trace(o, arg(p)?)) }
}

/// Appends a tuple header.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_tuple_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode(x, |o| encode::tuple_header(o, arity(n)?)) }
}

/// Appends a list header (`[]` when n is 0).
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_list_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode(x, |o| encode::list_header(o, arity(n)?)) }
}

/// Appends the empty list.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_empty_list(x: *mut ei_x_buff) -> c_int {
    unsafe { x_encode(x, |s| encode::empty_list(s)) }
}

/// Appends a map header.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_map_header(x: *mut ei_x_buff, n: c_long) -> c_int {
    unsafe { x_encode(x, |o| encode::map_header(o, arity(n)?)) }
}

/// Appends an `erlang_big`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_big(x: *mut ei_x_buff, big: *mut erlang_big) -> c_int {
    unsafe { x_encode(x, |o| self::big(o, arg(big)?)) }
}

const _: () = assert!(std::mem::size_of::<c_uint>() == 4);

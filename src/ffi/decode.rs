//! `ei_decode_*`, `ei_get_type`, `ei_skip_term`: each runs the one generic
//! decoder in `etf::decode` over the caller's buffer.
//!
//! All return 0 on success and advance `*index`; on failure they return -1
//! with `erl_errno` set, leave `*index` unchanged and write no output.
//! Output pointers may be NULL to skip the value.

use libc::{c_char, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong, c_void, size_t};

use super::boundary::{arg_mut, array_bytes_mut, call, decode_at, put, put_ok, read_index, RawBuf};
use super::types::*;
use crate::etf::atom::{self, enc, AtomRef};
use crate::etf::decode::{FunRef, PidRef, PortRef, RefRef, StrRef};
use crate::etf::{self, tag, Decoder, Error};

/// How an atom's bytes become the text a decoder stores.
#[derive(Clone, Copy)]
enum Conv {
    /// As they are (same encoding, or all ASCII).
    Copy,
    /// Latin-1 to UTF-8.
    Latin1ToUtf8,
    /// UTF-8 to Latin-1, already checked to be possible.
    Utf8ToLatin1,
}

/// An atom's text as `ei_decode_atom_as` stores it, checked (it converts
/// and fits the caller's buffer) but not yet written: decoders check
/// everything first and write their outputs only once nothing can fail,
/// and writing straight into the caller's buffer needs no allocation.
#[derive(Clone, Copy)]
struct AtomText<'a> {
    atom: AtomRef<'a>,
    conv: Conv,
    /// Bytes of the converted text, without the NUL.
    len: usize,
    /// The encoding of the result when it is not all ASCII.
    target: c_int,
}

impl AtomText<'_> {
    /// The encoding of the stored text, as `ei_decode_atom_as` reports it
    /// in `result` (`ERLANG_ASCII` when all ASCII).
    fn result_encoding(&self) -> c_int {
        if self.atom.is_ascii() {
            enc::ASCII
        } else {
            self.target
        }
    }

    /// Writes the text and its NUL into `out` (at least `len + 1` bytes).
    #[inline(always)]
    fn write(&self, out: &mut [u8]) {
        match self.conv {
            Conv::Copy => {
                let src = self.atom.bytes;
                out[..src.len()].copy_from_slice(src);
                out[src.len()] = 0;
            }
            _ => self.write_converted(out),
        }
    }

    /// [`write`](Self::write) of a text that needs converting (out of line:
    /// OTP nodes send UTF-8 atoms, and most are ASCII).
    #[inline(never)]
    fn write_converted(&self, out: &mut [u8]) {
        let src = self.atom.bytes;
        match self.conv {
            Conv::Copy => out[..src.len()].copy_from_slice(src),
            Conv::Latin1ToUtf8 => {
                let mut o = 0;
                for &b in src {
                    if b < 0x80 {
                        out[o] = b;
                        o += 1;
                    } else {
                        out[o] = 0xC0 | (b >> 6);
                        out[o + 1] = 0x80 | (b & 0x3F);
                        o += 2;
                    }
                }
            }
            Conv::Utf8ToLatin1 => {
                // Checked by `utf8_latin1_len`: ASCII bytes and two-byte
                // sequences of U+0080..U+00FF only.
                let (mut i, mut o) = (0, 0);
                while i < src.len() {
                    let b = src[i];
                    if b < 0x80 {
                        out[o] = b;
                        i += 1;
                    } else {
                        out[o] = (b << 6) | (src[i + 1] & 0x3F);
                        i += 2;
                    }
                    o += 1;
                }
            }
        }
        out[self.len] = 0;
    }

    /// Writes the text and its NUL into a fixed `char` array that holds
    /// more than `len` bytes (checked when the text was made).
    fn write_array(&self, out: &mut [c_char]) {
        self.write(array_bytes_mut(out));
    }
}

/// Length in Latin-1 of UTF-8 `src`, or `None` when it is not Latin-1: the
/// same acceptance as `atom::utf8_to_latin1` (any character above U+00FF
/// or malformed sequence fails).
fn utf8_latin1_len(src: &[u8]) -> Option<usize> {
    let (mut i, mut n) = (0, 0);
    while i < src.len() {
        let b = src[i];
        if b < 0x80 {
            i += 1;
        } else if b & 0xFE == 0xC2 && i + 1 < src.len() && src[i + 1] & 0xC0 == 0x80 {
            i += 2;
        } else {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// An atom converted for a C buffer of `destlen` bytes (NUL included), as
/// `ei_decode_atom_as` does (`want` is a set of acceptable encodings), and
/// the encoding it was in.
#[inline(always)]
fn convert_atom(a: AtomRef, destlen: usize, want: c_int) -> etf::Result<(AtomText, c_int)> {
    let got = a.encoding();
    // Fast path: an acceptable encoding, copied as it is (no ASCII check).
    if want & got != 0 && want != enc::ASCII && a.bytes.len() < destlen {
        let text = AtomText {
            atom: a,
            conv: Conv::Copy,
            len: a.bytes.len(),
            target: got,
        };
        return Ok((text, got));
    }
    convert_atom_slow(a, destlen, want)
}

#[inline(never)]
fn convert_atom_slow(a: AtomRef, destlen: usize, want: c_int) -> etf::Result<(AtomText, c_int)> {
    let got = a.encoding();
    let too_long = Error::TooLarge("atom does not fit the buffer");
    let text = if want & got != 0 || want == enc::ASCII {
        if a.bytes.len() >= destlen {
            return Err(too_long);
        }
        if want == enc::ASCII && !a.is_ascii() {
            return Err(Error::Malformed("atom is not ASCII"));
        }
        AtomText {
            atom: a,
            conv: Conv::Copy,
            len: a.bytes.len(),
            target: got,
        }
    } else {
        let (conv, len, target) = if a.utf8 {
            let n = utf8_latin1_len(a.bytes).ok_or(Error::Malformed("atom is not Latin-1"))?;
            (Conv::Utf8ToLatin1, n, enc::LATIN1)
        } else {
            (
                Conv::Latin1ToUtf8,
                atom::latin1_utf8_len(a.bytes),
                enc::UTF8,
            )
        };
        if len >= destlen {
            return Err(too_long);
        }
        // All ASCII converts to itself: a plain copy.
        let conv = if len == a.bytes.len() {
            Conv::Copy
        } else {
            conv
        };
        AtomText {
            atom: a,
            conv,
            len,
            target,
        }
    };
    Ok((text, got))
}

/// A node name as libei stores it: UTF-8, NUL-terminated, in an array of
/// `MAXATOMLEN_UTF8`.
#[inline]
fn node_name(a: AtomRef) -> etf::Result<AtomText> {
    Ok(convert_atom(a, MAXATOMLEN_UTF8, enc::UTF8)?.0)
}

/// Stores a decoded pid into a C `erlang_pid`; nothing is written when it
/// fails (a node name that does not fit).
pub(crate) fn store_pid(p: &PidRef, out: &mut erlang_pid) -> etf::Result<()> {
    Pid::new(*p)?.store(out);
    Ok(())
}

/// A decoded pid, checked to fit an `erlang_pid`.
struct Pid<'a> {
    node: AtomText<'a>,
    num: u32,
    serial: u32,
    creation: u32,
}

impl<'a> Pid<'a> {
    #[inline]
    fn new(p: PidRef<'a>) -> etf::Result<Pid<'a>> {
        Ok(Pid {
            node: node_name(p.node)?,
            num: p.num,
            serial: p.serial,
            creation: p.creation,
        })
    }

    #[inline]
    fn store(&self, out: &mut erlang_pid) {
        self.node.write_array(&mut out.node);
        out.num = self.num;
        out.serial = self.serial;
        out.creation = self.creation;
    }
}

fn store_port(p: &PortRef, node: &AtomText, out: &mut erlang_port) -> etf::Result<()> {
    node.write_array(&mut out.node);
    out.id = p.id;
    out.creation = p.creation;
    Ok(())
}

fn store_ref(r: &RefRef, node: &AtomText, out: &mut erlang_ref) -> etf::Result<()> {
    node.write_array(&mut out.node);
    out.len = r.len as c_int;
    out.n = r.n;
    out.creation = r.creation;
    Ok(())
}

/// The shared body of the decoders that produce one plain value: decode it,
/// then store it through `out` (if not NULL) once decoding succeeded.
unsafe fn decode_value<T>(
    buf: *const c_char,
    index: *mut c_int,
    out: *mut T,
    f: impl FnOnce(&mut Decoder<RawBuf>) -> etf::Result<T>,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let v = f(d)?;
            Ok(move || put_ok(out, v))
        })
    }
}

/// Reads the version byte (131).
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_version_slow(
    buf: *const c_char,
    index: *mut c_int,
    version: *mut c_int,
) -> c_int {
    unsafe { decode_value(buf, index, version, |d| d.version().map(c_int::from)) }
}

/// Decodes an integer that fits a `long`.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_long_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_long,
) -> c_int {
    unsafe {
        decode_value(buf, index, p, |d| {
            c_long::try_from(d.long()?).map_err(|_| Error::OutOfRange)
        })
    }
}

/// Decodes a non-negative integer that fits an `unsigned long`.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_ulong_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_ulong,
) -> c_int {
    unsafe {
        decode_value(buf, index, p, |d| {
            c_ulong::try_from(d.ulong()?).map_err(|_| Error::OutOfRange)
        })
    }
}

/// Decodes an integer that fits a `long long`.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_longlong_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_longlong,
) -> c_int {
    unsafe { decode_value(buf, index, p, |d| d.long()) }
}

/// Decodes a non-negative integer that fits an `unsigned long long`.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_ulonglong_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_ulonglong,
) -> c_int {
    unsafe { decode_value(buf, index, p, |d| d.ulong()) }
}

/// Decodes a float (`NEW_FLOAT_EXT` or the old `FLOAT_EXT`).
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_double_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut f64,
) -> c_int {
    unsafe { decode_value(buf, index, p, |d| d.double()) }
}

/// Decodes the atom `true` (1) or `false` (0).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_boolean(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_int,
) -> c_int {
    unsafe { decode_value(buf, index, p, |d| Ok(d.boolean()? as c_int)) }
}

/// Decodes an integer 0..255 into a char.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_char(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
) -> c_int {
    unsafe { decode_value(buf, index, p, |d| Ok(d.char()? as c_char)) }
}

/// Decodes a string (`STRING_EXT`, `[]`, or a list of small integers) into
/// `p`, which must hold its length plus a NUL.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_string_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let s: StrRef = d.string()?;
            Ok(move || {
                if !p.is_null() {
                    // SAFETY: the caller sized p for the string and its NUL.
                    let out = std::slice::from_raw_parts_mut(p.cast::<u8>(), s.len() + 1);
                    s.copy_to(&mut out[..s.len()]);
                    out[s.len()] = 0;
                }
                Ok(())
            })
        })
    }
}

/// Decodes an atom into `p` (MAXATOMLEN bytes) as Latin-1; fails on atoms
/// outside Latin-1.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_atom_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
) -> c_int {
    unsafe {
        ei_decode_atom_as(
            buf,
            index,
            p,
            MAXATOMLEN as c_int,
            erlang_char_encoding(enc::LATIN1),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    }
}

/// `ei_decode_atom_as` when the fast path does not apply, with `destlen`
/// and `want` in one argument (low and high half), so that all six are
/// passed in registers and the fast path reaches this with a plain jump.
///
/// # Safety
/// As `ei_decode_atom_as`.
#[cold]
#[inline(never)]
unsafe fn ei_decode_atom_as_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
    destlen_want: u64,
    was: *mut erlang_char_encoding,
    result: *mut erlang_char_encoding,
) -> c_int {
    let destlen = destlen_want as u32 as c_int;
    let want = erlang_char_encoding((destlen_want >> 32) as u32 as c_int);
    // SAFETY: the caller's contract.
    unsafe { atom_as_general(buf, index, p, destlen, want, was, result) }
}

/// `ei_decode_atom_as`, every case (out of line, so that the fast path
/// stays small).
///
/// # Safety
/// As `ei_decode_atom_as`.
#[inline(never)]
unsafe fn atom_as_general(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
    destlen: c_int,
    want: erlang_char_encoding,
    was: *mut erlang_char_encoding,
    result: *mut erlang_char_encoding,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let destlen =
                usize::try_from(destlen).map_err(|_| Error::InvalidArgument("destlen"))?;
            let (text, got) = convert_atom(d.atom()?, destlen, want.0)?;
            Ok(move || {
                if !p.is_null() {
                    // SAFETY: p holds destlen > text.len bytes.
                    text.write(std::slice::from_raw_parts_mut(p.cast::<u8>(), text.len + 1));
                }
                put(was, erlang_char_encoding(got));
                if !result.is_null() {
                    put(result, erlang_char_encoding(text.result_encoding()));
                }
                Ok(())
            })
        })
    }
}

/// Decodes a binary: copies its bytes to `p` (if not NULL) and its length to
/// `len`.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_binary_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_void,
    len: *mut c_long,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let b = d.binary()?;
            Ok(move || {
                if !p.is_null() {
                    // SAFETY: the caller sized p for the binary; memmove
                    // semantics, as libei.
                    std::ptr::copy(b.as_ptr(), p.cast::<u8>(), b.len());
                }
                put(len, b.len() as c_long);
                Ok(())
            })
        })
    }
}

/// Decodes a bitstring without copying: `*pp` points at its first byte in
/// `buf`, `*bitoffsp` is 0 and `*nbitsp` the number of bits.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_bitstring(
    buf: *const c_char,
    index: *mut c_int,
    pp: *mut *const c_char,
    bitoffsp: *mut c_uint,
    nbitsp: *mut size_t,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let (b, bits) = d.bitstring()?;
            Ok(move || {
                put(pp, b.as_ptr().cast());
                put(bitoffsp, 0);
                put(nbitsp, bits);
                Ok(())
            })
        })
    }
}

/// Decodes a pid.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_pid_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_pid,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let pid = Pid::new(d.pid()?)?;
            Ok(move || {
                if let Some(out) = p.as_mut() {
                    pid.store(out);
                }
                Ok(())
            })
        })
    }
}

/// Decodes a port (any of its three encodings).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_port(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_port,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let port = d.port()?;
            let node = node_name(port.node)?;
            Ok(move || match p.as_mut() {
                Some(out) => store_port(&port, &node, out),
                None => Ok(()),
            })
        })
    }
}

/// Decodes a reference (at most 5 words).
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_ref_slow(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_ref,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let r = d.reference()?;
            let node = node_name(r.node)?;
            Ok(move || match p.as_mut() {
                Some(out) => store_ref(&r, &node, out),
                None => Ok(()),
            })
        })
    }
}

/// Decodes a trace token `{Flags, Label, Serial, From, Prev}`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_trace(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_trace,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            if d.tuple_header()? != 5 {
                return Err(Error::Malformed("trace token is not a 5-tuple"));
            }
            let flags = d.long()?;
            let label = d.long()?;
            let serial = d.long()?;
            let from = Pid::new(d.pid()?)?;
            let prev = d.long()?;
            Ok(move || {
                if let Some(out) = p.as_mut() {
                    from.store(&mut out.from);
                    out.flags = flags as c_long;
                    out.label = label as c_long;
                    out.serial = serial as c_long;
                    out.prev = prev as c_long;
                }
                Ok(())
            })
        })
    }
}

fn arity_int(n: u32) -> etf::Result<c_int> {
    c_int::try_from(n).map_err(|_| Error::OutOfRange)
}

/// Decodes a tuple header: the arity.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_tuple_header_slow(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe { decode_value(buf, index, arity, |d| arity_int(d.tuple_header()?)) }
}

/// Decodes a list header: the number of elements (0 for `[]`); a non-empty
/// list's elements and tail follow.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_list_header_slow(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe { decode_value(buf, index, arity, |d| arity_int(d.list_header()?)) }
}

/// Decodes a map header: the number of key/value pairs.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_decode_map_header_slow(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe { decode_value(buf, index, arity, |d| arity_int(d.map_header()?)) }
}

/// Decodes a fun. Closures get their free variables in a `malloc`ed buffer
/// and exports may get a `malloc`ed function name: release with `free_fun`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_fun(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_fun,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let f = d.fun()?;
            let module = node_name(match f {
                FunRef::Closure { module, .. } | FunRef::Export { module, .. } => module,
            })?;
            let extra = match f {
                FunRef::Closure { pid, .. } => Ok(Pid::new(pid)?),
                FunRef::Export { function, .. } => Err(node_name(function)?),
            };
            Ok(move || match p.as_mut() {
                Some(out) => store_fun(out, &f, &module, extra),
                None => Ok(()),
            })
        })
    }
}

fn store_fun(
    out: &mut erlang_fun,
    f: &FunRef,
    module: &AtomText,
    extra: Result<Pid, AtomText>,
) -> etf::Result<()> {
    module.write_array(&mut out.module);
    match (f, extra) {
        (
            FunRef::Closure {
                arity,
                md5,
                index,
                old_index,
                uniq,
                n_free_vars,
                free_vars,
                ..
            },
            Ok(pid),
        ) => {
            let mut fv: *mut c_char = std::ptr::null_mut();
            if !free_vars.is_empty() {
                // SAFETY: plain allocation, released by free_fun.
                fv = unsafe { libc::malloc(free_vars.len()) }.cast();
                if fv.is_null() {
                    return Err(Error::NoMemory);
                }
                // SAFETY: fv holds free_vars.len() bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(free_vars.as_ptr(), fv.cast(), free_vars.len())
                };
            }
            let mut closure = erlang_fun_closure {
                md5: md5.map(|b| b as c_char),
                index: *index as c_long,
                old_index: *old_index as c_long,
                uniq: *uniq as c_long,
                n_free_vars: *n_free_vars as c_long,
                // SAFETY: an all-zero erlang_pid is valid.
                pid: unsafe { std::mem::zeroed() },
                free_var_len: free_vars.len() as c_long,
                free_vars: fv,
            };
            pid.store(&mut closure.pid);
            out.arity = *arity as c_long;
            out.r#type = erlang_fun_type(EI_FUN_CLOSURE);
            out.u = erlang_fun_u { closure };
        }
        (FunRef::Export { arity, .. }, Err(func)) => {
            // libei keeps the function name in module's buffer, after the
            // module's NUL, when it fits; otherwise it allocates.
            let used = module.len + 1;
            let (ptr, allocated) = if func.len < out.module.len() - used {
                func.write_array(&mut out.module[used..]);
                (out.module[used..].as_mut_ptr(), 0)
            } else {
                // SAFETY: plain allocation, released by free_fun.
                let m: *mut c_char = unsafe { libc::malloc(MAXATOMLEN_UTF8) }.cast();
                if m.is_null() {
                    return Err(Error::NoMemory);
                }
                // SAFETY: m holds MAXATOMLEN_UTF8 bytes; func is shorter
                // (node_name limits it).
                let dst = unsafe { std::slice::from_raw_parts_mut(m, MAXATOMLEN_UTF8) };
                func.write_array(dst);
                (m, 1)
            };
            out.arity = *arity as c_long;
            out.r#type = erlang_fun_type(EI_FUN_EXPORT);
            out.u = erlang_fun_u {
                exprt: erlang_fun_export {
                    func: ptr,
                    func_allocated: allocated,
                },
            };
        }
        _ => return Err(Error::Malformed("fun")),
    }
    Ok(())
}

/// Releases what `ei_decode_fun` allocated in `f` (not `f` itself).
#[no_mangle]
pub unsafe extern "C" fn free_fun(f: *mut erlang_fun) {
    super::boundary::guard(|| {
        // SAFETY: the caller's contract.
        let Some(f) = (unsafe { f.as_mut() }) else {
            return;
        };
        match f.r#type.0 {
            EI_FUN_CLOSURE => {
                // SAFETY: the type says the closure member is active.
                let c = unsafe { &mut f.u.closure };
                if c.free_var_len > 0 && !c.free_vars.is_null() {
                    // SAFETY: allocated with malloc by ei_decode_fun.
                    unsafe { libc::free(c.free_vars.cast()) };
                    c.free_vars = std::ptr::null_mut();
                    c.free_var_len = 0;
                }
            }
            EI_FUN_EXPORT => {
                // SAFETY: the type says the export member is active.
                let e = unsafe { &mut f.u.exprt };
                if e.func_allocated != 0 && !e.func.is_null() {
                    // SAFETY: allocated with malloc by ei_decode_fun.
                    unsafe { libc::free(e.func.cast()) };
                    e.func = std::ptr::null_mut();
                    e.func_allocated = 0;
                }
            }
            _ => {}
        }
    })
}

/// Decodes a bignum into `b`, whose `arity` (digit bytes) must equal the
/// encoded one (see `ei_get_type`) and whose digits must be allocated
/// (`ei_alloc_big`). With `b == NULL` the bignum is skipped.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_big(
    buf: *const c_char,
    index: *mut c_int,
    b: *mut erlang_big,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let big = d.big()?;
            if let Some(out) = b.as_ref() {
                if out.arity as usize != big.digits.len() || out.digits.is_null() {
                    return Err(Error::InvalidArgument("erlang_big has the wrong size"));
                }
            }
            Ok(move || {
                if let Some(out) = b.as_mut() {
                    let n = big.digits.len().div_ceil(2);
                    // SAFETY: digits holds (arity + 1) / 2 16-bit digits.
                    let dt = std::slice::from_raw_parts_mut(out.digits.cast::<u16>(), n);
                    for (i, d) in dt.iter_mut().enumerate() {
                        let lo = big.digits[2 * i] as u16;
                        let hi = big.digits.get(2 * i + 1).copied().unwrap_or(0) as u16;
                        *d = lo | hi << 8;
                    }
                    out.is_neg = big.negative as c_int;
                }
                Ok(())
            })
        })
    }
}

/// Decodes a string or a list of integers into `a` (`long`s; NULL to
/// count only) and their number into `count`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_intlist(
    buf: *const c_char,
    index: *mut c_int,
    a: *mut c_long,
    count: *mut c_int,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let start = d.position();
            let n = match d.peek_tag()? {
                tag::STRING_EXT => d.string()?.len(),
                t @ (tag::LIST_EXT | tag::NIL_EXT) => {
                    let n = d.list_header()? as usize;
                    for _ in 0..n {
                        c_long::try_from(d.long()?).map_err(|_| Error::OutOfRange)?;
                    }
                    // Every LIST_EXT has a tail, even one of no elements
                    // (which Erlang does not write but decodes as []).
                    if t == tag::LIST_EXT {
                        d.list_header().and_then(|tail| {
                            if tail == 0 {
                                Ok(())
                            } else {
                                Err(Error::Malformed("improper"))
                            }
                        })?;
                    }
                    n
                }
                t => return Err(Error::UnexpectedTag(t)),
            };
            let n_int = c_int::try_from(n).map_err(|_| Error::OutOfRange)?;
            let src = RawBuf(buf.cast());
            Ok(move || {
                if !a.is_null() {
                    // Second pass, now known to succeed, writing the values.
                    let mut d = Decoder::at(&src, start);
                    // SAFETY: the caller sized a for the list.
                    let out = std::slice::from_raw_parts_mut(a, n);
                    if d.peek_tag()? == tag::STRING_EXT {
                        for (o, c) in out.iter_mut().zip(d.string()?.to_vec()) {
                            *o = c as c_long;
                        }
                    } else {
                        d.list_header()?;
                        for o in out.iter_mut() {
                            *o = d.long()? as c_long;
                        }
                    }
                }
                put(count, n_int);
                Ok(())
            })
        })
    }
}

/// Decodes iodata (a binary, or a list of bytes, binaries and iodata) into
/// `out_buf` (NULL: only measure) and its size into `szp`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_iodata(
    buf: *const c_char,
    index: *mut c_int,
    szp: *mut c_int,
    out_buf: *mut c_char,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let start = d.position();
            let size = d.iodata(&mut |_| {})?;
            let size = c_int::try_from(size).map_err(|_| Error::TooLarge("iodata beyond 2 GiB"))?;
            let src = RawBuf(buf.cast());
            Ok(move || {
                if !out_buf.is_null() {
                    let mut at = 0usize;
                    let mut d = Decoder::at(&src, start);
                    d.iodata(&mut |chunk| {
                        // SAFETY: the caller sized out_buf (from a NULL pass).
                        std::ptr::copy_nonoverlapping(
                            chunk.as_ptr(),
                            out_buf.cast::<u8>().add(at),
                            chunk.len(),
                        );
                        at += chunk.len();
                    })?;
                }
                put(szp, size);
                Ok(())
            })
        })
    }
}

/// Decodes the next term into `term` when it is a simple one: returns 1
/// (decoded, index advanced), 0 (a valid term `ei_term` cannot hold: only
/// its type and size are set, the index does not move), or -1.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_ei_term(
    buf: *const c_char,
    index: *mut c_int,
    term: *mut ei_term,
) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let term = unsafe { arg_mut(term) }?;
        let start = unsafe { read_index(index) }?;
        if buf.is_null() {
            return Err(Error::InvalidArgument("NULL buffer"));
        }
        let src = RawBuf(buf.cast());
        let mut d = Decoder::at(&src, start);
        let t = d.peek_tag()?;
        // (type, value setter) or "valid but not decoded" (type, size).
        let decoded: TermStore<'_> = match t {
            tag::SMALL_INTEGER_EXT | tag::INTEGER_EXT => {
                let v = d.long()?;
                Box::new(move |o| {
                    o.ei_type = t as c_char;
                    o.value.i_val = v as c_long;
                    Ok(())
                })
            }
            tag::SMALL_BIG_EXT => match d.long() {
                Ok(v) => Box::new(move |o| {
                    o.ei_type = t as c_char;
                    o.value.i_val = v as c_long;
                    Ok(())
                }),
                Err(Error::OutOfRange) => return not_decoded(term, t, d.type_info()?.size),
                Err(e) => return Err(e),
            },
            tag::FLOAT_EXT | tag::NEW_FLOAT_EXT => {
                let v = d.double()?;
                Box::new(move |o| {
                    o.ei_type = tag::FLOAT_EXT as c_char;
                    o.value.d_val = v;
                    Ok(())
                })
            }
            tag::ATOM_EXT | tag::ATOM_UTF8_EXT | tag::SMALL_ATOM_EXT | tag::SMALL_ATOM_UTF8_EXT => {
                let (text, _) = convert_atom(d.atom()?, MAXATOMLEN, enc::LATIN1)?;
                Box::new(move |o| {
                    o.ei_type = tag::ATOM_EXT as c_char;
                    // SAFETY: writing a plain array member of the union,
                    // larger than MAXATOMLEN.
                    text.write_array(unsafe { &mut o.value.atom_name });
                    Ok(())
                })
            }
            tag::REFERENCE_EXT | tag::NEW_REFERENCE_EXT | tag::NEWER_REFERENCE_EXT => {
                let r = d.reference()?;
                let node = node_name(r.node)?;
                Box::new(move |o| {
                    o.ei_type = tag::NEW_REFERENCE_EXT as c_char;
                    // SAFETY: writing a plain struct member of the union.
                    store_ref(&r, &node, unsafe { &mut o.value.r#ref })
                })
            }
            tag::PORT_EXT | tag::NEW_PORT_EXT | tag::V4_PORT_EXT => {
                let p = d.port()?;
                let node = node_name(p.node)?;
                Box::new(move |o| {
                    o.ei_type = tag::PORT_EXT as c_char;
                    // SAFETY: writing a plain struct member of the union.
                    store_port(&p, &node, unsafe { &mut o.value.port })
                })
            }
            tag::PID_EXT | tag::NEW_PID_EXT => {
                let p = Pid::new(d.pid()?)?;
                Box::new(move |o| {
                    o.ei_type = tag::PID_EXT as c_char;
                    // SAFETY: writing a plain struct member of the union.
                    p.store(unsafe { &mut o.value.pid });
                    Ok(())
                })
            }
            tag::SMALL_TUPLE_EXT | tag::LARGE_TUPLE_EXT => {
                let n = arity_int(d.tuple_header()?)?;
                Box::new(move |o| {
                    o.ei_type = t as c_char;
                    o.arity = n;
                    Ok(())
                })
            }
            tag::NIL_EXT | tag::LIST_EXT => {
                let n = arity_int(d.list_header()?)?;
                Box::new(move |o| {
                    o.ei_type = t as c_char;
                    o.arity = n;
                    Ok(())
                })
            }
            tag::MAP_EXT => {
                let n = arity_int(d.map_header()?)?;
                Box::new(move |o| {
                    o.ei_type = t as c_char;
                    o.arity = n;
                    Ok(())
                })
            }
            tag::STRING_EXT
            | tag::BINARY_EXT
            | tag::BIT_BINARY_EXT
            | tag::LARGE_BIG_EXT
            | tag::NEW_FUN_EXT => {
                let size = d.type_info()?.size;
                let mut probe = Decoder::at(&src, start);
                probe.skip()?;
                return not_decoded(term, t, size);
            }
            _ => return Err(Error::UnexpectedTag(t)),
        };
        let end = super::boundary::to_index(d.position())?;
        decoded(term)?;
        // SAFETY: checked non-NULL by read_index.
        unsafe { *index = end };
        Ok(1)
    })
}

/// Stores a decoded `ei_term` once decoding has succeeded.
type TermStore<'a> = Box<dyn FnOnce(&mut ei_term) -> etf::Result<()> + 'a>;

/// `ei_decode_ei_term`'s "valid, not decoded here" answer.
fn not_decoded(term: &mut ei_term, t: u8, size: u32) -> etf::Result<c_int> {
    term.ei_type = t as c_char;
    term.size = c_int::try_from(size).map_err(|_| Error::OutOfRange)?;
    Ok(0)
}

/// Reports the type (normalised as libei does: every atom `ERL_ATOM_EXT`,
/// floats `ERL_FLOAT_EXT`, pids `ERL_PID_EXT`, ports `ERL_PORT_EXT`, newer
/// references `ERL_NEW_REFERENCE_EXT`) and size of the next term without
/// moving the index.
#[cold]
#[inline(never)]
unsafe extern "C" fn ei_get_type_slow(
    buf: *const c_char,
    index: *const c_int,
    r#type: *mut c_int,
    size: *mut c_int,
) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let start = unsafe { read_index(index) }?;
        if buf.is_null() {
            return Err(Error::InvalidArgument("NULL buffer"));
        }
        let src = RawBuf(buf.cast());
        let info = Decoder::at(&src, start).type_info()?;
        // SAFETY: the caller's contract.
        unsafe {
            put(r#type, info.tag as c_int);
            put(size, info.size as c_int);
        }
        Ok(0)
    })
}

/// Moves the index past the next term, whatever it is.
#[no_mangle]
pub unsafe extern "C" fn ei_skip_term(buf: *const c_char, index: *mut c_int) -> c_int {
    unsafe { decode_at(buf, index, |d| d.skip().map(|()| || Ok(()))) }
}

const _: () = assert!(std::mem::size_of::<c_ulong>() == 8 || std::mem::size_of::<c_ulong>() == 4);

// ---- fast paths ----------------------------------------------------------
//
// The hot exports handle their common case here, straight from the bytes:
// a small leaf function that saves no registers. Anything else (NULL
// arguments, a negative index, other encodings, every error) goes to the
// general `*_slow` export of the same signature, as a tail call, so results,
// return codes and `erl_errno` are the general path's own. Every fast path
// checks everything before it writes, then writes its outputs and the index.

use crate::etf::decode::{SizeField, TYPE_TABLE};
use std::ptr::read_unaligned;

/// The term at `*index` in `buf` and the index, or `None` when `buf` or
/// `index` is NULL or the index negative.
///
/// # Safety
/// `index` is NULL or valid for reads.
#[inline(always)]
unsafe fn term_at(buf: *const c_char, index: *const c_int) -> Option<(*const u8, c_int)> {
    if index.is_null() {
        return None;
    }
    // SAFETY: checked non-NULL; the caller's contract.
    let i = unsafe { *index };
    // One test for a NULL `buf` (0 - 1 has the sign bit set) and a
    // negative index. (A `buf` at or above 2^63, where no user space is,
    // would also take the general path, which decodes it all the same.)
    if ((buf as usize).wrapping_sub(1) as isize | i as isize) < 0 {
        return None;
    }
    // SAFETY: the C caller's buffer holds a term at i.
    Some((unsafe { buf.cast::<u8>().add(i as usize) }, i))
}

/// The fast path of the decoders of one small value: at the term the
/// caller's `(buf, index)` points at, `read` gives the value and the length
/// of its encoding, or `None` to leave the term to the general path. On
/// success the value is stored (if `out` is not NULL), the index moved, and
/// the result is true; false means the general path must run.
///
/// # Safety
/// As for the exports: `buf` and `index` are the C caller's.
#[inline(always)]
unsafe fn decode_small<T>(
    buf: *const c_char,
    index: *mut c_int,
    out: *mut T,
    read: impl FnOnce(*const u8) -> Option<(T, c_int)>,
) -> bool {
    // SAFETY: the caller's contract.
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            if let Some((v, n)) = read(s) {
                if let Some(end) = i.checked_add(n) {
                    put(out, v);
                    *index = end;
                    return true;
                }
            }
        }
    }
    false
}

/// The index `n` bytes after `i`, if it is still an `int`.
#[inline(always)]
fn index_after(i: c_int, n: usize) -> Option<c_int> {
    let e = i as usize + n;
    if e > c_int::MAX as usize {
        None
    } else {
        Some(e as c_int)
    }
}

/// Big-endian reads `off` bytes after `s`.
///
/// # Safety
/// The bytes are inside the term.
#[inline(always)]
unsafe fn be16(s: *const u8, off: usize) -> u16 {
    u16::from_be_bytes(unsafe { read_unaligned(s.add(off).cast::<[u8; 2]>()) })
}

#[inline(always)]
unsafe fn be32(s: *const u8, off: usize) -> u32 {
    u32::from_be_bytes(unsafe { read_unaligned(s.add(off).cast::<[u8; 4]>()) })
}

#[inline(always)]
unsafe fn be64(s: *const u8, off: usize) -> u64 {
    u64::from_be_bytes(unsafe { read_unaligned(s.add(off).cast::<[u8; 8]>()) })
}

/// Copies `n` bytes from `src` to `dst` (which may overlap: every load
/// comes before every store) and returns 0. Up to 32 bytes inline, with
/// two overlapping loads, more with `memmove`.
///
/// # Safety
/// `src` is valid for reads and `dst` for writes of `n` bytes.
#[inline(always)]
unsafe fn copy_ret0(dst: *mut u8, src: *const u8, n: usize) -> c_int {
    unsafe {
        if n >= 8 {
            if n > 32 {
                return copy_long_ret0(dst, src, n);
            }
            if n >= 16 {
                let a = read_unaligned(src.cast::<u128>());
                let b = read_unaligned(src.add(n - 16).cast::<u128>());
                dst.cast::<u128>().write_unaligned(a);
                dst.add(n - 16).cast::<u128>().write_unaligned(b);
            } else {
                let a = read_unaligned(src.cast::<u64>());
                let b = read_unaligned(src.add(n - 8).cast::<u64>());
                dst.cast::<u64>().write_unaligned(a);
                dst.add(n - 8).cast::<u64>().write_unaligned(b);
            }
        } else if n >= 4 {
            let a = read_unaligned(src.cast::<u32>());
            let b = read_unaligned(src.add(n - 4).cast::<u32>());
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else if n > 0 {
            let a = *src;
            let b = *src.add(n / 2);
            let c = *src.add(n - 1);
            *dst = a;
            *dst.add(n / 2) = b;
            *dst.add(n - 1) = c;
        }
    }
    0
}

/// [`copy_ret0`] of more than 32 bytes.
///
/// # Safety
/// As [`copy_ret0`].
#[inline(never)]
unsafe fn copy_long_ret0(dst: *mut u8, src: *const u8, n: usize) -> c_int {
    // SAFETY: the caller's contract.
    unsafe { std::ptr::copy(src, dst, n) };
    // Opaque, so that the compiler cannot use the known result and must
    // leave the call a tail call (no stack frame in the callers).
    std::hint::black_box(0)
}

/// Copies an atom's or a string's `n` bytes and a NUL to `dst`; returns 0.
///
/// # Safety
/// `src` is valid for reads of `n` bytes, `dst` for writes of `n + 1`, and
/// they do not overlap.
#[inline(always)]
unsafe fn copy_atom_ret0(dst: *mut u8, src: *const u8, n: usize) -> c_int {
    unsafe {
        *dst.add(n) = 0;
        if n > 32 {
            // At most 65,535 bytes (a STRING_EXT), mostly at most 255 (an
            // atom): 16 at a time, then the last 16, overlapping; no call,
            // so that the callers need no stack frame.
            let mut k = 0;
            while k + 16 < n {
                let a = read_unaligned(src.add(k).cast::<u128>());
                dst.add(k).cast::<u128>().write_unaligned(a);
                k += 16;
            }
            let b = read_unaligned(src.add(n - 16).cast::<u128>());
            dst.add(n - 16).cast::<u128>().write_unaligned(b);
            return 0;
        }
        copy_ret0(dst, src, n)
    }
}

/// [`copy_atom_ret0`] of at most 255 bytes: up to 32 inline, more out of
/// line (a tail call).
///
/// # Safety
/// As [`copy_atom_ret0`].
#[inline(always)]
unsafe fn copy_short_atom_ret0(dst: *mut u8, src: *const u8, n: usize) -> c_int {
    unsafe {
        if n > 32 {
            return copy_atom_out_of_line(dst, src, n);
        }
        *dst.add(n) = 0;
        copy_ret0(dst, src, n)
    }
}

/// [`copy_atom_ret0`], not inlined.
///
/// # Safety
/// As [`copy_atom_ret0`].
#[inline(never)]
unsafe fn copy_atom_out_of_line(dst: *mut u8, src: *const u8, n: usize) -> c_int {
    unsafe { copy_atom_ret0(dst, src, n) };
    // Opaque: see copy_long_ret0.
    std::hint::black_box(0)
}

/// Sets `erl_errno` to `ERANGE` and returns -1: an integer that does not
/// fit (what the general path reports for it).
#[cold]
#[inline(never)]
fn out_of_range() -> c_int {
    super::boundary::set_errno(Error::OutOfRange.errno());
    // Opaque: see copy_long_ret0.
    std::hint::black_box(-1)
}

/// The magnitude of the `SMALL_BIG_EXT` at `s` when it has 1 to 8 digits,
/// read with one load that ends at the last digit and starts inside the
/// term; `None` for other digit counts.
///
/// # Safety
/// `s` is a `SMALL_BIG_EXT` term.
#[inline(always)]
unsafe fn small_big_u64(s: *const u8) -> Option<u64> {
    unsafe {
        let n = *s.add(1) as usize;
        if n.wrapping_sub(1) >= 8 {
            return None;
        }
        // The digits end at 3 + n; the load starts at or after the tag.
        Some(if n <= 4 {
            (u32::from_le_bytes(read_unaligned(s.add(3 + n - 4).cast::<[u8; 4]>()))
                >> (8 * (4 - n))) as u64
        } else {
            u64::from_le_bytes(read_unaligned(s.add(3 + n - 8).cast::<[u8; 8]>())) >> (8 * (8 - n))
        })
    }
}

/// Reports the type (normalised as libei does: every atom `ERL_ATOM_EXT`,
/// floats `ERL_FLOAT_EXT`, pids `ERL_PID_EXT`, ports `ERL_PORT_EXT`, newer
/// references `ERL_NEW_REFERENCE_EXT`) and size of the next term without
/// moving the index.
#[no_mangle]
pub unsafe extern "C" fn ei_get_type(
    buf: *const c_char,
    index: *const c_int,
    r#type: *mut c_int,
    size: *mut c_int,
) -> c_int {
    unsafe {
        let Some((s, _)) = term_at(buf, index) else {
            return ei_get_type_slow(buf, index, r#type, size);
        };
        let (t, field) = TYPE_TABLE[*s as usize];
        put(r#type, t as c_int);
        // Most common first (integers, floats, pids, then atoms and small
        // tuples): a chain of bit tests is shorter than a jump table.
        // (One comparison with U8 tells None, U8 and wider apart.)
        let w = field as u8;
        if w < SizeField::U8 as u8 {
            put(size, 0);
            return 0;
        }
        let n = if w == SizeField::U8 as u8 {
            *s.add(1) as u32
        } else if w & SizeField::U32 as u8 != 0 {
            be32(s, 1)
        } else {
            be16(s, 1) as u32
        };
        put(size, n as c_int);
        0
    }
}

/// For every tag byte: the encoding of a small atom with that tag
/// (`ERLANG_LATIN1` for `SMALL_ATOM_EXT`, `ERLANG_UTF8` for
/// `SMALL_ATOM_UTF8_EXT`), 0 for every other tag.
static SMALL_ATOM_ENCODING: [u8; 256] = {
    let mut t = [0u8; 256];
    t[tag::SMALL_ATOM_EXT as usize] = enc::LATIN1 as u8;
    t[tag::SMALL_ATOM_UTF8_EXT as usize] = enc::UTF8 as u8;
    t
};

/// Decodes an atom into `p` (`destlen` bytes, NUL included) converted to
/// `want` (ERLANG_ASCII, ERLANG_LATIN1, ERLANG_UTF8, or an or of them: any
/// of which is acceptable). `was` receives the encoding in the buffer,
/// `result` that of the output (ERLANG_ASCII when all ASCII).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_atom_as(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
    destlen: c_int,
    want: erlang_char_encoding,
    was: *mut erlang_char_encoding,
    result: *mut erlang_char_encoding,
) -> c_int {
    // Fast: a small atom (at most 255 bytes, so no length check) whose own
    // encoding is acceptable (so copied as it is), that fits, and no
    // `result` asked for.
    unsafe {
        'fast: {
            let Some((s, i)) = term_at(buf, index) else {
                break 'fast;
            };
            // One look-up tells a small atom and its encoding; want ==
            // ERLANG_ASCII alone has no bit in common with either.
            if want.0 & SMALL_ATOM_ENCODING[*s as usize] as c_int == 0 {
                break 'fast;
            }
            let n = *s.add(1) as c_int;
            if n >= destlen || !result.is_null() {
                break 'fast;
            }
            let Some(end) = i.checked_add(2 + n) else {
                break 'fast;
            };
            *index = end;
            // SMALL_ATOM_EXT (115) is Latin-1, SMALL_ATOM_UTF8_EXT (119)
            // UTF-8: bit 2 of the tag tells them apart.
            put(
                was,
                erlang_char_encoding(((*s & 4) >> 1) as c_int + enc::LATIN1),
            );
            if p.is_null() {
                return 0;
            }
            return copy_short_atom_ret0(p.cast(), s.add(2), *s.add(1) as usize);
        }
        let destlen_want = destlen as u32 as u64 | (want.0 as u32 as u64) << 32;
        ei_decode_atom_as_slow(buf, index, p, destlen_want, was, result)
    }
}

/// Decodes an atom into `p` (MAXATOMLEN bytes) as Latin-1; fails on atoms
/// outside Latin-1.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_atom(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
) -> c_int {
    // Fast: a small Latin-1 atom, or a small UTF-8 one that is all ASCII
    // (which converts to itself); either fits MAXATOMLEN.
    unsafe {
        'fast: {
            let Some((s, i)) = term_at(buf, index) else {
                break 'fast;
            };
            let t = *s;
            if t | 4 != tag::SMALL_ATOM_UTF8_EXT {
                break 'fast;
            }
            let n = *s.add(1) as usize;
            if t == tag::SMALL_ATOM_UTF8_EXT && !std::slice::from_raw_parts(s.add(2), n).is_ascii()
            {
                break 'fast;
            }
            let Some(end) = i.checked_add(2 + n as c_int) else {
                break 'fast;
            };
            *index = end;
            if p.is_null() {
                return 0;
            }
            return copy_atom_ret0(p.cast(), s.add(2), n);
        }
        ei_decode_atom_slow(buf, index, p)
    }
}

/// Decodes an integer that fits a `long`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_long(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_long,
) -> c_int {
    // Written out rather than through decode_small: this is the hottest
    // integer decoder, and the shared form costs it one more branch.
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            let (v, n) = match *s {
                tag::SMALL_INTEGER_EXT => (*s.add(1) as c_long, 2),
                tag::INTEGER_EXT => (be32(s, 1) as i32 as c_long, 5),
                _ => return ei_decode_long_slow(buf, index, p),
            };
            if let Some(end) = i.checked_add(n) {
                put(p, v);
                *index = end;
                return 0;
            }
        }
        ei_decode_long_slow(buf, index, p)
    }
}

/// Decodes a non-negative integer that fits an `unsigned long`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_ulong(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_ulong,
) -> c_int {
    unsafe {
        if decode_small(buf, index, p, |s| match *s {
            tag::SMALL_INTEGER_EXT => Some((*s.add(1) as c_ulong, 2)),
            tag::INTEGER_EXT if *s.add(1) < 0x80 => Some((be32(s, 1) as c_ulong, 5)),
            _ => None,
        }) {
            return 0;
        }
        ei_decode_ulong_slow(buf, index, p)
    }
}

/// Decodes an integer that fits a `long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_longlong(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_longlong,
) -> c_int {
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            let t = *s;
            // Bignums first: what a `long long` is most often asked for,
            // beyond what a `long` decode would get.
            let (v, n) = if t == tag::SMALL_BIG_EXT {
                let Some(m) = small_big_u64(s) else {
                    return ei_decode_longlong_slow(buf, index, p);
                };
                let v = if *s.add(2) != 0 {
                    if m > 1u64 << 63 {
                        return out_of_range();
                    }
                    (m as i64).wrapping_neg()
                } else {
                    if m > i64::MAX as u64 {
                        return out_of_range();
                    }
                    m as i64
                };
                (v, 3 + *s.add(1) as c_int)
            } else if t == tag::SMALL_INTEGER_EXT {
                (*s.add(1) as i64, 2)
            } else if t == tag::INTEGER_EXT {
                (be32(s, 1) as i32 as i64, 5)
            } else {
                return ei_decode_longlong_slow(buf, index, p);
            };
            if let Some(end) = i.checked_add(n) {
                put(p, v);
                *index = end;
                return 0;
            }
        }
        ei_decode_longlong_slow(buf, index, p)
    }
}

/// Decodes a non-negative integer that fits an `unsigned long long`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_ulonglong(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_ulonglong,
) -> c_int {
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            let t = *s;
            // Bignums first, as in ei_decode_longlong.
            let (v, n) = if t == tag::SMALL_BIG_EXT {
                let Some(m) = small_big_u64(s) else {
                    return ei_decode_ulonglong_slow(buf, index, p);
                };
                if *s.add(2) != 0 {
                    return out_of_range();
                }
                (m, 3 + *s.add(1) as c_int)
            } else if t == tag::SMALL_INTEGER_EXT {
                (*s.add(1) as u64, 2)
            } else if t == tag::INTEGER_EXT && *s.add(1) < 0x80 {
                (be32(s, 1) as u64, 5)
            } else {
                return ei_decode_ulonglong_slow(buf, index, p);
            };
            if let Some(end) = i.checked_add(n) {
                put(p, v);
                *index = end;
                return 0;
            }
        }
        ei_decode_ulonglong_slow(buf, index, p)
    }
}

/// Decodes a float (`NEW_FLOAT_EXT` or the old `FLOAT_EXT`).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_double(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut f64,
) -> c_int {
    unsafe {
        if decode_small(buf, index, p, |s| {
            (*s == tag::NEW_FLOAT_EXT).then(|| (f64::from_bits(be64(s, 1)), 9))
        }) {
            return 0;
        }
        ei_decode_double_slow(buf, index, p)
    }
}

/// Decodes a tuple header: the arity.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_tuple_header(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe {
        if decode_small(buf, index, arity, |s| {
            (*s == tag::SMALL_TUPLE_EXT).then(|| (*s.add(1) as c_int, 2))
        }) {
            return 0;
        }
        ei_decode_tuple_header_slow(buf, index, arity)
    }
}

/// The `u32` count of a `LIST_EXT` / `MAP_EXT` / `LARGE_TUPLE_EXT` header
/// at `s` and the index after it, when both fit an `int`.
///
/// # Safety
/// `s` is such a header.
#[inline(always)]
unsafe fn header32(s: *const u8, i: c_int) -> Option<(c_int, c_int)> {
    let n = unsafe { be32(s, 1) };
    if n > c_int::MAX as u32 {
        return None;
    }
    Some((n as c_int, i.checked_add(5)?))
}

/// Decodes a list header: the number of elements (0 for `[]`); a non-empty
/// list's elements and tail follow.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_list_header(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            let r = match *s {
                tag::LIST_EXT => header32(s, i),
                tag::NIL_EXT => i.checked_add(1).map(|e| (0, e)),
                _ => None,
            };
            if let Some((n, end)) = r {
                put(arity, n);
                *index = end;
                return 0;
            }
        }
        ei_decode_list_header_slow(buf, index, arity)
    }
}

/// Decodes a map header: the number of key/value pairs.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_map_header(
    buf: *const c_char,
    index: *mut c_int,
    arity: *mut c_int,
) -> c_int {
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            if *s == tag::MAP_EXT {
                if let Some((n, end)) = header32(s, i) {
                    put(arity, n);
                    *index = end;
                    return 0;
                }
            }
        }
        ei_decode_map_header_slow(buf, index, arity)
    }
}

/// Decodes a binary: copies its bytes to `p` (if not NULL) and its length to
/// `len`.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_binary(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_void,
    len: *mut c_long,
) -> c_int {
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            if *s == tag::BINARY_EXT {
                let n = be32(s, 1) as usize;
                if let Some(end) = index_after(i, 5 + n) {
                    put(len, n as c_long);
                    *index = end;
                    if p.is_null() {
                        return 0;
                    }
                    // Memmove semantics, as libei.
                    return copy_ret0(p.cast(), s.add(5), n);
                }
            }
        }
        ei_decode_binary_slow(buf, index, p, len)
    }
}

/// Decodes a pid.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_pid(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_pid,
) -> c_int {
    // Fast: NEW_PID_EXT with a small UTF-8 node atom (stored as it is).
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            if *s == tag::NEW_PID_EXT && *s.add(1) == tag::SMALL_ATOM_UTF8_EXT {
                let n = *s.add(2) as usize;
                if let Some(end) = i.checked_add(15 + n as c_int) {
                    let a = s.add(3 + n);
                    *index = end;
                    let Some(out) = p.as_mut() else {
                        return 0;
                    };
                    out.num = be32(a, 0);
                    out.serial = be32(a, 4);
                    out.creation = be32(a, 8);
                    return copy_atom_ret0(out.node.as_mut_ptr().cast(), s.add(3), n);
                }
            }
        }
        ei_decode_pid_slow(buf, index, p)
    }
}

/// Decodes a reference (at most 5 words).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_ref(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut erlang_ref,
) -> c_int {
    // Fast: NEWER_REFERENCE_EXT of at most 5 words with a small UTF-8 node
    // atom (stored as it is).
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            if *s == tag::NEWER_REFERENCE_EXT
                && be16(s, 1) as usize <= crate::etf::decode::MAX_REF_WORDS
                && *s.add(3) == tag::SMALL_ATOM_UTF8_EXT
            {
                let len = be16(s, 1) as usize;
                let n = *s.add(4) as usize;
                if let Some(end) = i.checked_add((9 + n + 4 * len) as c_int) {
                    let a = s.add(5 + n);
                    *index = end;
                    let Some(out) = p.as_mut() else {
                        return 0;
                    };
                    out.len = len as c_int;
                    out.creation = be32(a, 0);
                    for (k, w) in out.n.iter_mut().enumerate() {
                        *w = if k < len { be32(a, 4 + 4 * k) } else { 0 };
                    }
                    return copy_atom_ret0(out.node.as_mut_ptr().cast(), s.add(4 + 1), n);
                }
            }
        }
        ei_decode_ref_slow(buf, index, p)
    }
}

/// Decodes a string (`STRING_EXT`, `[]`, or a list of small integers) into
/// `p`, which must hold its length plus a NUL.
#[no_mangle]
pub unsafe extern "C" fn ei_decode_string(
    buf: *const c_char,
    index: *mut c_int,
    p: *mut c_char,
) -> c_int {
    // Fast: STRING_EXT and `[]`.
    unsafe {
        if let Some((s, i)) = term_at(buf, index) {
            let (n, head) = match *s {
                tag::STRING_EXT => (be16(s, 1) as usize, 3),
                tag::NIL_EXT => (0, 1),
                _ => return ei_decode_string_slow(buf, index, p),
            };
            if let Some(end) = i.checked_add((head + n) as c_int) {
                *index = end;
                if p.is_null() {
                    return 0;
                }
                return copy_atom_ret0(p.cast(), s.add(head), n);
            }
        }
        ei_decode_string_slow(buf, index, p)
    }
}

/// Reads the version byte (131).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_version(
    buf: *const c_char,
    index: *mut c_int,
    version: *mut c_int,
) -> c_int {
    unsafe {
        if decode_small(buf, index, version, |s| {
            (*s == tag::VERSION_MAGIC).then_some((tag::VERSION_MAGIC as c_int, 1))
        }) {
            return 0;
        }
        ei_decode_version_slow(buf, index, version)
    }
}

/// Every fast path against the general path it falls back to: same return
/// value, index, outputs (byte for byte) and `erl_errno`, over the cases
/// the fast paths take and those next to them.
#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use crate::ffi::boundary::__erl_errno_place;

    fn errno() -> c_int {
        unsafe { *__erl_errno_place() }
    }

    fn set_errno(e: c_int) {
        unsafe { *__erl_errno_place() = e };
    }

    fn small_atom(utf8: bool, name: &[u8]) -> Vec<u8> {
        let mut v = vec![if utf8 {
            tag::SMALL_ATOM_UTF8_EXT
        } else {
            tag::SMALL_ATOM_EXT
        }];
        v.push(name.len() as u8);
        v.extend_from_slice(name);
        v
    }

    /// Terms, each at offset 0 of its buffer.
    fn terms() -> Vec<Vec<u8>> {
        let mut t: Vec<Vec<u8>> = vec![
            vec![tag::SMALL_INTEGER_EXT, 200],
            vec![tag::VERSION_MAGIC],
            vec![tag::INTEGER_EXT, 0x80, 0, 0, 1],
            vec![tag::INTEGER_EXT, 0x7f, 0xff, 0xff, 0xff],
            vec![
                tag::NEW_FLOAT_EXT,
                0x40,
                0x09,
                0x21,
                0xfb,
                0x54,
                0x44,
                0x2d,
                0x18,
            ],
            vec![tag::NIL_EXT],
            vec![tag::SMALL_TUPLE_EXT, 3],
            vec![tag::SMALL_TUPLE_EXT, 0],
            vec![tag::LARGE_TUPLE_EXT, 0, 0, 1, 0],
            vec![tag::LIST_EXT, 0, 0, 0, 2],
            vec![tag::LIST_EXT, 0x80, 0, 0, 0],
            vec![tag::MAP_EXT, 0, 0, 0, 7],
            vec![tag::MAP_EXT, 0xff, 0xff, 0xff, 0xff],
            vec![tag::ATOM_EXT, 0, 2, b'o', b'k'],
            vec![tag::ATOM_UTF8_EXT, 0, 2, b'o', b'k'],
            small_atom(true, "héllo".as_bytes()),
            small_atom(false, b"h\xe9llo"),
            small_atom(true, "\u{1F600}".as_bytes()),
            small_atom(true, b"\xff\xfe"),
        ];
        for n in [
            0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 200, 255,
        ] {
            let name: Vec<u8> = (0..n).map(|k| b'a' + (k % 26) as u8).collect();
            t.push(small_atom(true, &name));
            t.push(small_atom(false, &name));
            let mut s = vec![tag::STRING_EXT, 0, n as u8];
            s.extend_from_slice(&name);
            t.push(s);
            let mut b = vec![tag::BINARY_EXT, 0, 0, 0, n as u8];
            b.extend_from_slice(&name);
            t.push(b);
            // A pid and references on a node of that name.
            for node in [small_atom(true, &name), small_atom(false, &name)] {
                let mut p = vec![tag::NEW_PID_EXT];
                p.extend_from_slice(&node);
                p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
                t.push(p);
                for len in 0..=6u8 {
                    let mut r = vec![tag::NEWER_REFERENCE_EXT, 0, len];
                    r.extend_from_slice(&node);
                    r.extend_from_slice(&[1, 2, 3, 4]);
                    for w in 0..len {
                        r.extend_from_slice(&[w, 0xA0, 0, w + 1]);
                    }
                    t.push(r);
                }
            }
        }
        for sign in [0u8, 1] {
            for n in 0..=9usize {
                for fill in [0u8, 0x7f, 0x80, 0xff] {
                    let mut b = vec![tag::SMALL_BIG_EXT, n as u8, sign];
                    b.extend(std::iter::repeat(fill).take(n));
                    t.push(b.clone());
                    if n > 0 {
                        // 2^(8n-1) and neighbours.
                        let l = b.len();
                        b[l - 1] = 0x80;
                        for d in &mut b[3..l - 1] {
                            *d = 0;
                        }
                        t.push(b.clone());
                        b[3] = 1;
                        t.push(b);
                    }
                }
            }
        }
        t
    }

    /// Calls `f` with a buffer holding `term` at offset 3, for several
    /// indexes and a NULL buffer and index; `f` gets (buf, index ptr).
    fn each_case(term: &[u8], mut f: impl FnMut(*const c_char, *mut c_int)) {
        let mut buf = vec![0x55u8; 3];
        buf.extend_from_slice(term);
        // Room for the fast paths' loads, as a C caller's buffer would be.
        buf.extend_from_slice(&[0; 16]);
        for i in [3, -1, i32::MIN] {
            let mut idx = i;
            f(buf.as_ptr().cast(), &mut idx);
        }
        let mut idx = 3;
        f(std::ptr::null(), &mut idx);
        f(buf.as_ptr().cast(), std::ptr::null_mut());
        // An index whose end does not fit an int.
        if term.len() > 1 {
            let mut idx = c_int::MAX - 1;
            // Only the index is looked at before the end check fails for
            // these: the term at the start of the buffer is what is read.
            let base = buf.as_ptr().wrapping_sub((c_int::MAX - 1) as usize - 3);
            f(base.cast(), &mut idx);
        }
    }

    /// Runs `fast` and `slow` on one case, each with its own copy of the
    /// outputs (`O`, filled with a pattern) and the index, and compares.
    fn same<O: Copy>(
        what: &str,
        term: &[u8],
        buf: *const c_char,
        index: *mut c_int,
        out: O,
        call: impl Fn(bool, *const c_char, *mut c_int, *mut O) -> c_int,
    ) {
        let run = |fast: bool| {
            let mut o = out;
            let mut i = if index.is_null() {
                0
            } else {
                unsafe { *index }
            };
            let ip = if index.is_null() {
                std::ptr::null_mut()
            } else {
                &mut i as *mut c_int
            };
            set_errno(-77);
            let r = call(fast, buf, ip, &mut o);
            let bytes = unsafe {
                std::slice::from_raw_parts((&o as *const O).cast::<u8>(), std::mem::size_of::<O>())
            }
            .to_vec();
            (r, i, errno(), bytes)
        };
        let (a, b) = (run(true), run(false));
        assert!(
            a == b,
            "{what} on {term:?}: fast {:?} slow {:?}",
            (a.0, a.1, a.2),
            (b.0, b.1, b.2)
        );
    }

    #[test]
    fn fast_paths_match_the_general_path() {
        for term in terms() {
            let t = &term[..];
            each_case(t, |buf, idx| unsafe {
                same(
                    "get_type",
                    t,
                    buf,
                    idx,
                    [0xAAAA_AAAAu32 as c_int; 2],
                    |f, b, i, o| {
                        let (ty, sz) = ((*o).as_mut_ptr(), (*o).as_mut_ptr().add(1));
                        if f {
                            ei_get_type(b, i, ty, sz)
                        } else {
                            ei_get_type_slow(b, i, ty, sz)
                        }
                    },
                );
                same("get_type NULL", t, buf, idx, 0u8, |f, b, i, _| {
                    let n = std::ptr::null_mut();
                    if f {
                        ei_get_type(b, i, n, n)
                    } else {
                        ei_get_type_slow(b, i, n, n)
                    }
                });
                macro_rules! value {
                    ($fast:ident, $slow:ident, $ty:ty) => {
                        same(
                            stringify!($fast),
                            t,
                            buf,
                            idx,
                            [0xAAu8; 16],
                            |f, b, i, o| {
                                let p = o.cast::<$ty>();
                                if f {
                                    $fast(b, i, p)
                                } else {
                                    $slow(b, i, p)
                                }
                            },
                        );
                        same(stringify!($fast), t, buf, idx, 0u8, |f, b, i, _| {
                            let p = std::ptr::null_mut::<$ty>();
                            if f {
                                $fast(b, i, p)
                            } else {
                                $slow(b, i, p)
                            }
                        });
                    };
                }
                value!(ei_decode_version, ei_decode_version_slow, c_int);
                value!(ei_decode_long, ei_decode_long_slow, c_long);
                value!(ei_decode_ulong, ei_decode_ulong_slow, c_ulong);
                value!(ei_decode_longlong, ei_decode_longlong_slow, c_longlong);
                value!(ei_decode_ulonglong, ei_decode_ulonglong_slow, c_ulonglong);
                value!(ei_decode_double, ei_decode_double_slow, f64);
                value!(ei_decode_tuple_header, ei_decode_tuple_header_slow, c_int);
                value!(ei_decode_list_header, ei_decode_list_header_slow, c_int);
                value!(ei_decode_map_header, ei_decode_map_header_slow, c_int);
                same("string", t, buf, idx, [0xAAu8; 300], |f, b, i, o| {
                    let p = o.cast::<c_char>();
                    if f {
                        ei_decode_string(b, i, p)
                    } else {
                        ei_decode_string_slow(b, i, p)
                    }
                });
                same("atom", t, buf, idx, [0xAAu8; MAXATOMLEN], |f, b, i, o| {
                    let p = o.cast::<c_char>();
                    if f {
                        ei_decode_atom(b, i, p)
                    } else {
                        ei_decode_atom_slow(b, i, p)
                    }
                });
                same("binary", t, buf, idx, [0xAAu8; 300], |f, b, i, o| {
                    let (p, l) = (
                        (*o).as_mut_ptr().cast::<c_void>(),
                        (*o).as_mut_ptr().add(292).cast::<c_long>(),
                    );
                    if f {
                        ei_decode_binary(b, i, p, l)
                    } else {
                        ei_decode_binary_slow(b, i, p, l)
                    }
                });
                let pid: erlang_pid =
                    std::mem::transmute([0xAAu8; std::mem::size_of::<erlang_pid>()]);
                same("pid", t, buf, idx, pid, |f, b, i, o| {
                    if f {
                        ei_decode_pid(b, i, o)
                    } else {
                        ei_decode_pid_slow(b, i, o)
                    }
                });
                let r: erlang_ref =
                    std::mem::transmute([0xAAu8; std::mem::size_of::<erlang_ref>()]);
                same("ref", t, buf, idx, r, |f, b, i, o| {
                    if f {
                        ei_decode_ref(b, i, o)
                    } else {
                        ei_decode_ref_slow(b, i, o)
                    }
                });
                for destlen in [-1, 0, 1, 2, 3, 6, 33, 34, 255, 256, 1021] {
                    for want in [
                        0,
                        enc::ASCII,
                        enc::LATIN1,
                        enc::UTF8,
                        enc::LATIN1 | enc::UTF8,
                        7,
                    ] {
                        for (with_was, with_result) in [(false, false), (true, false), (true, true)]
                        {
                            same("atom_as", t, buf, idx, [0xAAu8; 1040], |f, b, i, o| {
                                let p = (*o).as_mut_ptr();
                                let was = if with_was {
                                    p.add(1024).cast()
                                } else {
                                    std::ptr::null_mut()
                                };
                                let res = if with_result {
                                    p.add(1028).cast()
                                } else {
                                    std::ptr::null_mut()
                                };
                                let w = erlang_char_encoding(want);
                                if f {
                                    ei_decode_atom_as(b, i, p.cast(), destlen, w, was, res)
                                } else {
                                    atom_as_general(b, i, p.cast(), destlen, w, was, res)
                                }
                            });
                        }
                    }
                }
            });
        }
    }
}

#[cfg(test)]
mod intlist_tests {
    use super::*;

    /// `ei_decode_intlist` on `buf`: result, index, count and values.
    fn intlist(buf: &[u8]) -> (c_int, c_int, c_int, Vec<c_long>) {
        let mut a = [0 as c_long; 4];
        let (mut idx, mut count) = (0, -1);
        let r =
            unsafe { ei_decode_intlist(buf.as_ptr().cast(), &mut idx, a.as_mut_ptr(), &mut count) };
        let n = count.clamp(0, 4) as usize;
        (r, idx, count, a[..n].to_vec())
    }

    /// The whole term is read, the list's tail included, unlike libei,
    /// which leaves the index on the tail.
    #[test]
    fn reads_the_tail() {
        let t = tag::LIST_EXT;
        assert_eq!(
            intlist(&[t, 0, 0, 0, 2, 97, 1, 97, 2, 106, 97]),
            (0, 10, 2, vec![1, 2])
        );
        assert_eq!(intlist(&[106, 97, 7]), (0, 1, 0, vec![]));
        assert_eq!(intlist(&[107, 0, 2, 7, 8, 97]), (0, 5, 2, vec![7, 8]));
        // [] as a LIST_EXT of no elements (Erlang decodes it) has a tail too.
        assert_eq!(intlist(&[t, 0, 0, 0, 0, 106, 97, 7]), (0, 6, 0, vec![]));
        // Improper lists fail and move nothing.
        assert_eq!(intlist(&[t, 0, 0, 0, 1, 97, 1, 97, 2]), (-1, 0, -1, vec![]));
        assert_eq!(intlist(&[t, 0, 0, 0, 0, 97, 2]), (-1, 0, -1, vec![]));
    }
}

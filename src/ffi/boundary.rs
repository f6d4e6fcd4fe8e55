//! The panic boundary, `erl_errno`, and the small unsafe helpers every
//! export shares (NULL checks, C strings, out-parameters).

use std::cell::Cell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, Ordering};

use libc::{c_char, c_int};

use crate::etf::decode::Source;
use crate::etf::{self, Error};

/// `erl_errno` of programs built without `_REENTRANT`: the last error of
/// any thread. Declared as `extern volatile int __erl_errno` in `ei.h`.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static __erl_errno: AtomicI32 = AtomicI32::new(0);

thread_local! {
    static ERL_ERRNO: Cell<c_int> = const { Cell::new(0) };
}

/// Where this thread's `erl_errno` lives (`_REENTRANT` builds). The address
/// is stable for the thread's lifetime, as the `const` attribute promises.
#[no_mangle]
pub extern "C" fn __erl_errno_place() -> *mut c_int {
    ERL_ERRNO.with(|e| e.as_ptr())
}

/// Sets `erl_errno` for this thread and the global copy.
pub(crate) fn set_errno(e: c_int) {
    ERL_ERRNO.with(|c| c.set(e));
    __erl_errno.store(e, Ordering::Relaxed);
}

/// What an export returns when it fails.
pub(crate) trait OnError {
    fn on_error() -> Self;
}

impl OnError for c_int {
    fn on_error() -> Self {
        -1
    }
}

impl<T> OnError for *mut T {
    fn on_error() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> OnError for *const T {
    fn on_error() -> Self {
        std::ptr::null()
    }
}

impl OnError for () {
    fn on_error() -> Self {}
}

/// Runs an export's body; a panic becomes the failure value and `EIO`
/// instead of unwinding into C.
pub(crate) fn guard<R: OnError>(f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            set_errno(libc::EIO);
            R::on_error()
        }
    }
}

/// Runs a fallible body: `Ok(v)` is returned, `Err(e)` becomes -1 with
/// `erl_errno` set from `e`.
pub(crate) fn call(f: impl FnOnce() -> etf::Result<c_int>) -> c_int {
    guard(|| match f() {
        Ok(v) => v,
        Err(e) => {
            set_errno(e.errno());
            -1
        }
    })
}

/// A required pointer argument, as a shared reference.
///
/// # Safety
/// `p` is NULL or valid for reads for `'a`.
pub(crate) unsafe fn arg<'a, T>(p: *const T) -> etf::Result<&'a T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or(Error::InvalidArgument("NULL pointer"))
}

/// A required pointer argument, as a mutable reference.
///
/// # Safety
/// `p` is NULL or valid for reads and writes for `'a`, and not aliased.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T) -> etf::Result<&'a mut T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or(Error::InvalidArgument("NULL pointer"))
}

/// Stores `v` through an optional out-pointer.
///
/// # Safety
/// `p` is NULL or valid for writes.
pub(crate) unsafe fn put<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: the caller's contract.
        unsafe { p.write(v) }
    }
}

/// [`put`], for decoders' store closures.
///
/// # Safety
/// `p` is NULL or valid for writes.
pub(crate) unsafe fn put_ok<T>(p: *mut T, v: T) -> etf::Result<()> {
    // SAFETY: the caller's contract.
    unsafe { put(p, v) };
    Ok(())
}

/// A NUL-terminated C string argument's bytes.
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string living for `'a`.
pub(crate) unsafe fn cstr<'a>(p: *const c_char) -> etf::Result<&'a [u8]> {
    if p.is_null() {
        return Err(Error::InvalidArgument("NULL string"));
    }
    // SAFETY: the caller's contract.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// `len` bytes at `p`; NULL is accepted when `len` is 0.
///
/// # Safety
/// `p` is valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const c_char, len: usize) -> etf::Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::InvalidArgument("NULL buffer"));
    }
    // SAFETY: the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
}

/// The bytes of a fixed `char` array up to its NUL, which must be inside it.
pub(crate) fn array_str(a: &[c_char]) -> etf::Result<&[u8]> {
    // SAFETY: c_char and u8 have the same size and alignment.
    let b = unsafe { std::slice::from_raw_parts(a.as_ptr().cast::<u8>(), a.len()) };
    // SAFETY: strnlen reads at most a.len() bytes of `a`.
    let end = unsafe { libc::strnlen(a.as_ptr(), a.len()) };
    if end == a.len() {
        return Err(Error::InvalidArgument("name is not NUL-terminated"));
    }
    Ok(&b[..end])
}

/// A fixed `char` array as bytes, to write into.
pub(crate) fn array_bytes_mut(a: &mut [c_char]) -> &mut [u8] {
    // SAFETY: c_char and u8 have the same size and alignment, and every
    // bit pattern is valid for both.
    unsafe { std::slice::from_raw_parts_mut(a.as_mut_ptr().cast::<u8>(), a.len()) }
}

/// Copies `src` and a NUL into the fixed array `dst`, failing when it does
/// not fit.
pub(crate) fn set_array_str(dst: &mut [c_char], src: &[u8]) -> etf::Result<()> {
    if src.len() >= dst.len() {
        return Err(Error::TooLarge("name does not fit its buffer"));
    }
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s as c_char;
    }
    dst[src.len()] = 0;
    Ok(())
}

/// A libei index argument: non-NULL and non-negative.
///
/// # Safety
/// `index` is NULL or valid for reads.
pub(crate) unsafe fn read_index(index: *const c_int) -> etf::Result<usize> {
    // SAFETY: the caller's contract.
    let i = *unsafe { arg(index) }?;
    usize::try_from(i).map_err(|_| Error::InvalidArgument("negative index"))
}

/// Converts a position back to libei's `int` index.
pub(crate) fn to_index(pos: usize) -> etf::Result<c_int> {
    c_int::try_from(pos).map_err(|_| Error::TooLarge("buffer beyond 2 GiB"))
}

/// A decode source over a C buffer whose extent the caller vouches for
/// (libei's decoders take no length).
pub(crate) struct RawBuf(pub *const u8);

impl Source for RawBuf {
    #[inline]
    fn bytes(&self, pos: usize, n: usize) -> Option<&[u8]> {
        // SAFETY: the C caller promises the term lies within its buffer; the
        // pointer is non-NULL (checked when the RawBuf was made).
        Some(unsafe { std::slice::from_raw_parts(self.0.add(pos), n) })
    }
}

/// Runs a decoder against libei's `(buf, index)` pair: `f` decodes and
/// returns a closure that stores the results; it runs only when decoding
/// succeeded, then the index moves.
///
/// # Safety
/// `index` is valid; `buf` holds a term at `*index`; the out-pointers the
/// closure writes are valid.
pub(crate) unsafe fn decode_at<'a, W>(
    buf: *const c_char,
    index: *mut c_int,
    f: impl FnOnce(&mut etf::Decoder<'a, RawBuf>) -> etf::Result<W>,
) -> c_int
where
    W: FnOnce() -> etf::Result<()>,
{
    call(|| {
        // SAFETY: the caller's contract.
        let start = unsafe { read_index(index) }?;
        if buf.is_null() {
            return Err(Error::InvalidArgument("NULL buffer"));
        }
        let src = RawBuf(buf.cast());
        // SAFETY: the decoder and `write` (which borrow the caller's buffer
        // through `src`) are used only within this call, while `src` lives.
        let src: &'a RawBuf = unsafe { &*std::ptr::addr_of!(src) };
        let mut d = etf::Decoder::at(src, start);
        let write = f(&mut d)?;
        let end = to_index(d.position())?;
        write()?;
        // SAFETY: checked non-NULL by read_index.
        unsafe { *index = end };
        Ok(0)
    })
}

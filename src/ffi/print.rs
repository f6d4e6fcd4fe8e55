//! `ei_print_term` and `ei_s_print_term`: the printer in `etf::print` over
//! the caller's buffer.

use std::cell::RefCell;

use libc::{c_char, c_int, FILE};

use super::boundary::{arg_mut, call, read_index, to_index, RawBuf};
use crate::etf::{self, print, Decoder, Error};

/// Text buffers up to this size are kept for the thread's next print.
const KEEP_CAPACITY: usize = 64 * 1024;

thread_local! {
    /// The thread's text buffer: printing into it, then copying the text
    /// out once, saves growing a new `Vec` from empty on every call.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with an empty text buffer: the thread's reusable one, or a new
/// one if that is unavailable (thread exiting).
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut f = Some(f);
    let r = SCRATCH.try_with(|cell| {
        let mut out = cell.try_borrow_mut().ok()?;
        out.clear();
        out.reserve(4096);
        let r = f.take()?(&mut out);
        if out.capacity() > KEEP_CAPACITY {
            *out = Vec::new();
        }
        Some(r)
    });
    match (r, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut Vec::new()),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!(),
    }
}

/// Prints the term at `buf[*index]` into `out`; on success moves the index
/// and returns the number of bytes printed.
///
/// # Safety
/// `buf` holds a term at `*index`; `index` is valid.
unsafe fn print_at(buf: *const c_char, index: *mut c_int, out: &mut Vec<u8>) -> etf::Result<c_int> {
    // SAFETY: the caller's contract.
    let start = unsafe { read_index(index) }?;
    if buf.is_null() {
        return Err(Error::InvalidArgument("NULL buffer"));
    }
    let src = RawBuf(buf.cast());
    let mut d = Decoder::at(&src, start);
    print::print_term(&mut d, out)?;
    let end = to_index(d.position())?;
    let n = c_int::try_from(out.len()).map_err(|_| Error::TooLarge("printed term beyond 2 GiB"))?;
    // SAFETY: checked non-NULL by read_index.
    unsafe { *index = end };
    Ok(n)
}

/// Prints the term at `buf[*index]` to `fp` as Erlang would write it and
/// moves the index past it. Returns the number of bytes printed, or -1.
#[no_mangle]
pub unsafe extern "C" fn ei_print_term(
    fp: *mut FILE,
    buf: *const c_char,
    index: *mut c_int,
) -> c_int {
    call(|| {
        if fp.is_null() {
            return Err(Error::InvalidArgument("NULL FILE"));
        }
        with_scratch(|out| {
            // SAFETY: the caller's contract.
            let r = unsafe { print_at(buf, index, out) };
            // What was printed goes out even when the term turned out
            // malformed, as with libei.
            // SAFETY: fp is an open stream (the caller's contract).
            unsafe { libc::fwrite(out.as_ptr().cast(), 1, out.len(), fp) };
            r
        })
    })
}

/// Prints the term at `buf[*index]` into a NUL-terminated string at `*s`
/// and moves the index past it. When `*s` is NULL a buffer is allocated;
/// otherwise `*s` must be a `malloc`ed buffer of `BUFSIZ` bytes, which is
/// reallocated if the text needs more. Either way the caller frees `*s`.
/// Returns the number of bytes printed, or -1 (`*s` then holds what was
/// printed before the error).
#[no_mangle]
pub unsafe extern "C" fn ei_s_print_term(
    s: *mut *mut c_char,
    buf: *const c_char,
    index: *mut c_int,
) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let s = unsafe { arg_mut(s) }?;
        with_scratch(|out| {
            // SAFETY: the caller's contract.
            let r = unsafe { print_at(buf, index, out) };
            let need = out.len() + 1;
            let dst: *mut c_char = if s.is_null() {
                // SAFETY: plain allocation; the caller frees it.
                unsafe { libc::malloc(need) }.cast()
            } else if need > libc::BUFSIZ as usize {
                // SAFETY: *s came from malloc with BUFSIZ bytes (the contract).
                unsafe { libc::realloc(s.cast(), need) }.cast()
            } else {
                *s
            };
            if dst.is_null() {
                return Err(Error::NoMemory);
            }
            // SAFETY: dst holds at least `need` bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(out.as_ptr(), dst.cast::<u8>(), out.len());
                *dst.add(out.len()) = 0;
            }
            *s = dst;
            r
        })
    })
}

//! `ei_x_buff`: the growable buffer C programs own and free with `free` or
//! `ei_x_free`, so its memory comes from libc's `malloc`/`realloc`.

use libc::{c_char, c_int};

use super::boundary::{arg, arg_mut, bytes, call, guard, to_index};
use super::encode::{failed, pointer_sink};
use super::types::ei_x_buff;
use crate::etf::encode::Sink;
use crate::etf::tag::VERSION_MAGIC;
use crate::etf::{self, Error};

/// Initial capacity of a new `ei_x_buff` (libei's is 100 bytes; callers
/// cannot rely on it). A typical message of up to 1 KiB then needs no
/// `realloc`, and 1 KiB is still a fast size for malloc.
const X_INITIAL: usize = 1024;

/// Appends to an `ei_x_buff`, growing it geometrically. The buffer's
/// `index` is updated by [`x_encode`] only when the whole encoding succeeded.
pub(crate) struct XSink<'a> {
    x: &'a mut ei_x_buff,
    /// `x.buff` and its usable size, kept here so that a write only
    /// compares `pos` with `cap`: `cap` is 0 when `x.buff` is NULL, so that
    /// the first write allocates.
    buf: *mut u8,
    cap: usize,
    pos: usize,
}

impl<'a> XSink<'a> {
    fn new(x: &'a mut ei_x_buff, pos: usize) -> Self {
        let buf = x.buff.cast::<u8>();
        let cap = if buf.is_null() {
            0
        } else {
            usize::try_from(x.buffsz).unwrap_or(0)
        };
        XSink { x, buf, cap, pos }
    }

    /// Makes room for `extra` more bytes at `pos`.
    #[inline(always)]
    fn ensure(&mut self, extra: usize) -> etf::Result<()> {
        match self.pos.checked_add(extra) {
            Some(need) if need <= self.cap => Ok(()),
            need => {
                (self.buf, self.cap) = grow(self.x, need)?;
                Ok(())
            }
        }
    }
}

/// Grows `x` to hold `need` bytes (`None`: more than memory can hold), at
/// least doubling it; returns the new buffer and its size.
#[inline(never)]
fn grow(x: &mut ei_x_buff, need: Option<usize>) -> etf::Result<(*mut u8, usize)> {
    let need = need.ok_or(Error::NoMemory)?;
    let cap = usize::try_from(x.buffsz).unwrap_or(0);
    let new_cap = need.max(cap.saturating_mul(2)).max(X_INITIAL);
    let new_cap_int =
        c_int::try_from(new_cap).map_err(|_| Error::TooLarge("ei_x_buff beyond 2 GiB"))?;
    // SAFETY: buff is NULL or was allocated by malloc/realloc (the ei_x_buff
    // contract).
    let p = unsafe { libc::realloc(x.buff.cast(), new_cap) };
    if p.is_null() {
        return Err(Error::NoMemory);
    }
    x.buff = p.cast();
    x.buffsz = new_cap_int;
    Ok((p.cast(), new_cap))
}

impl Sink for XSink<'_> {
    pointer_sink!();

    #[inline(always)]
    fn reserve(&mut self, n: usize) -> etf::Result<()> {
        self.ensure(n)
    }
}

/// Runs an encoder appending to `x`.
///
/// # Safety
/// `x` is NULL or a valid `ei_x_buff` whose `buff` came from `malloc`.
#[inline]
pub(crate) unsafe fn x_encode(
    x: *mut ei_x_buff,
    f: impl FnOnce(&mut XSink) -> etf::Result<()>,
) -> c_int {
    guard(|| {
        let r = (|| {
            // SAFETY: the caller's contract.
            let x = unsafe { arg_mut(x) }?;
            let pos =
                usize::try_from(x.index).map_err(|_| Error::InvalidArgument("negative index"))?;
            let mut sink = XSink::new(x, pos);
            f(&mut sink)?;
            let end = to_index(sink.pos)?;
            sink.x.index = end;
            Ok(())
        })();
        match r {
            Ok(()) => 0,
            Err(e) => failed(e),
        }
    })
}

/// The sink of [`x_encode_retry`]: appends to an `ei_x_buff` within its
/// current size, and fails, noting the size it needed, when that is too
/// small, so that the encoder's path holds no call to grow the buffer.
pub(crate) struct XFitSink {
    buf: *mut u8,
    cap: usize,
    pos: usize,
    /// Set when the buffer was too small: the size needed (`None`: more
    /// than memory can hold).
    need: Option<Option<usize>>,
}

impl XFitSink {
    #[inline(always)]
    fn new(x: &ei_x_buff, pos: usize) -> Self {
        let buf = x.buff.cast::<u8>();
        let cap = if buf.is_null() {
            0
        } else {
            usize::try_from(x.buffsz).unwrap_or(0)
        };
        XFitSink {
            buf,
            cap,
            pos,
            need: None,
        }
    }

    #[inline(always)]
    fn ensure(&mut self, extra: usize) -> etf::Result<()> {
        match self.pos.checked_add(extra) {
            Some(need) if need <= self.cap => Ok(()),
            need => {
                self.need = Some(need);
                Err(Error::NoMemory)
            }
        }
    }
}

impl Sink for XFitSink {
    pointer_sink!();

    #[inline(always)]
    fn reserve(&mut self, n: usize) -> etf::Result<()> {
        self.ensure(n)
    }
}

/// Runs an encoder appending to `x`, as [`x_encode`] does, for encoders
/// that can run again: the first run writes within the buffer as it is;
/// if it does not fit, the buffer grows (geometrically, as with
/// [`XSink`]) and the encoder runs again, out of line. The encoder is a
/// `move` closure of plain values, so that passing it on costs nothing.
///
/// # Safety
/// `x` is NULL or a valid `ei_x_buff` whose `buff` came from `malloc`.
#[inline]
pub(crate) unsafe fn x_encode_retry(
    x: *mut ei_x_buff,
    f: impl Fn(&mut XFitSink) -> etf::Result<()> + Copy,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's contract.
        let Some(xr) = (unsafe { x.as_mut() }) else {
            return failed(Error::InvalidArgument("NULL pointer"));
        };
        let Ok(pos) = usize::try_from(xr.index) else {
            return failed(Error::InvalidArgument("negative index"));
        };
        let mut sink = XFitSink::new(xr, pos);
        match f(&mut sink) {
            Ok(()) => match to_index(sink.pos) {
                Ok(end) => {
                    xr.index = end;
                    0
                }
                Err(e) => failed(e),
            },
            Err(e) => match sink.need {
                // SAFETY: the caller's contract.
                Some(need) => unsafe { x_encode_grown(x, need, f) },
                None => failed(e),
            },
        }
    })
}

/// The rest of [`x_encode_retry`] when the buffer was `need` bytes short:
/// grows it and runs the encoder again, until it fits or fails.
///
/// # Safety
/// As [`x_encode_retry`], with `x` not NULL and its index not negative.
#[inline(never)]
unsafe fn x_encode_grown(
    x: *mut ei_x_buff,
    mut need: Option<usize>,
    f: impl Fn(&mut XFitSink) -> etf::Result<()>,
) -> c_int {
    // SAFETY: the caller's contract.
    let x = unsafe { &mut *x };
    let pos = x.index as usize;
    loop {
        if let Err(e) = grow(x, need) {
            return failed(e);
        }
        let mut sink = XFitSink::new(x, pos);
        match f(&mut sink) {
            Ok(()) => {
                return match to_index(sink.pos) {
                    Ok(end) => {
                        x.index = end;
                        0
                    }
                    Err(e) => failed(e),
                }
            }
            Err(e) => match sink.need {
                Some(n) => need = n,
                None => return failed(e),
            },
        }
    }
}

/// Initialises `x` with an empty buffer. Returns 0, or -1 if memory is short.
///
/// # Safety
/// `x` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ei_x_new(x: *mut ei_x_buff) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let x = unsafe { arg_mut(x) }?;
        // SAFETY: plain allocation.
        let p = unsafe { libc::malloc(X_INITIAL) };
        if p.is_null() {
            return Err(Error::NoMemory);
        }
        *x = ei_x_buff {
            buff: p.cast(),
            buffsz: X_INITIAL as c_int,
            index: 0,
        };
        Ok(0)
    })
}

/// Initialises `x` and writes the version byte. Returns 0, or -1.
///
/// # Safety
/// `x` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ei_x_new_with_version(x: *mut ei_x_buff) -> c_int {
    // SAFETY: the caller's contract.
    if unsafe { ei_x_new(x) } < 0 {
        return -1;
    }
    // SAFETY: x was just initialised, with room for the version byte.
    unsafe {
        *(*x).buff = VERSION_MAGIC as c_char;
        (*x).index = 1;
    }
    0
}

/// Frees `x`'s buffer and sets it to NULL. Returns -1 if it was NULL.
///
/// # Safety
/// `x` is NULL or a valid `ei_x_buff`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_free(x: *mut ei_x_buff) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let x = unsafe { arg_mut(x) }?;
        if x.buff.is_null() {
            return Err(Error::InvalidArgument("buffer already freed"));
        }
        // SAFETY: buff came from malloc.
        unsafe { libc::free(x.buff.cast()) };
        *x = ei_x_buff {
            buff: std::ptr::null_mut(),
            buffsz: 0,
            index: 0,
        };
        Ok(0)
    })
}

/// Appends the used part of `x2` to `x`. Returns 0, or -1.
///
/// # Safety
/// Both are NULL or valid `ei_x_buff`s.
#[no_mangle]
pub unsafe extern "C" fn ei_x_append(x: *mut ei_x_buff, x2: *const ei_x_buff) -> c_int {
    // SAFETY: the caller's contract.
    let Ok(src) = (unsafe { arg(x2) }) else {
        return call(|| Err(Error::InvalidArgument("NULL pointer")));
    };
    // Appending a buffer to itself: copy first, as growing may move it.
    let copy;
    let (buf, len) = if std::ptr::eq(x.cast_const(), x2) {
        // SAFETY: x2.buff holds x2.index bytes.
        copy = unsafe { bytes(src.buff, usize::try_from(src.index).unwrap_or(0)) }
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        (copy.as_ptr().cast(), copy.len() as c_int)
    } else {
        (src.buff.cast_const(), src.index)
    };
    // SAFETY: buf holds len bytes.
    unsafe { ei_x_append_buf(x, buf, len) }
}

/// Appends `len` bytes from `buf` to `x`. Returns 0, or -1.
///
/// # Safety
/// `x` is valid; `buf` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn ei_x_append_buf(
    x: *mut ei_x_buff,
    buf: *const c_char,
    len: c_int,
) -> c_int {
    // SAFETY: the caller's contract.
    unsafe {
        x_encode(x, |s| {
            let n = usize::try_from(len).map_err(|_| Error::InvalidArgument("negative length"))?;
            s.put(bytes(buf, n)?)
        })
    }
}

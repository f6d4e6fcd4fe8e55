//! Comparisons of pids, ports and references; `erlang_big` helpers;
//! library initialisation and compatibility settings.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

use libc::{c_int, c_uint};

use super::boundary::{arg, arg_mut, array_str, call, guard};
use super::types::*;
use crate::etf::{big, Error};

fn ord(o: Ordering) -> c_int {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// Node then creation, as ERTS compares node containers.
fn cmp_nodes(a: &[libc::c_char], ac: c_uint, b: &[libc::c_char], bc: c_uint) -> Ordering {
    let an = array_str(a).unwrap_or_default();
    let bn = array_str(b).unwrap_or_default();
    an.cmp(bn).then(ac.cmp(&bc))
}

/// Compares two references as Erlang orders them: -1, 0 or 1.
#[no_mangle]
pub unsafe extern "C" fn ei_cmp_refs(a: *mut erlang_ref, b: *mut erlang_ref) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let (a, b) = unsafe { (arg(a)?, arg(b)?) };
        // Words past `len` count as zero, so extra high zero words do not
        // change the order.
        let words = |r: &erlang_ref| {
            let n = usize::try_from(r.len).unwrap_or(0).min(r.n.len());
            let mut w = [0u32; 5];
            w[..n].copy_from_slice(&r.n[..n]);
            w
        };
        let (aw, bw) = (words(a), words(b));
        let o = cmp_nodes(&a.node, a.creation, &b.node, b.creation)
            .then_with(|| aw.iter().rev().cmp(bw.iter().rev()));
        Ok(ord(o))
    })
}

/// Compares two pids as Erlang orders them: -1, 0 or 1.
#[no_mangle]
pub unsafe extern "C" fn ei_cmp_pids(a: *mut erlang_pid, b: *mut erlang_pid) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let (a, b) = unsafe { (arg(a)?, arg(b)?) };
        let o = a
            .serial
            .cmp(&b.serial)
            .then(a.num.cmp(&b.num))
            .then_with(|| cmp_nodes(&a.node, a.creation, &b.node, b.creation));
        Ok(ord(o))
    })
}

/// Compares two ports as Erlang orders them: -1, 0 or 1.
#[no_mangle]
pub unsafe extern "C" fn ei_cmp_ports(a: *mut erlang_port, b: *mut erlang_port) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let (a, b) = unsafe { (arg(a)?, arg(b)?) };
        let o = cmp_nodes(&a.node, a.creation, &b.node, b.creation).then(a.id.cmp(&b.id));
        Ok(ord(o))
    })
}

/// Allocates an `erlang_big` for `arity` digit bytes, zeroed. Release it
/// with `ei_free_big`. Returns NULL if memory is short.
#[no_mangle]
pub extern "C" fn ei_alloc_big(arity: c_uint) -> *mut erlang_big {
    guard(|| {
        let digit_bytes = (arity as usize).div_ceil(2) * 2;
        // SAFETY: plain allocations, released by ei_free_big.
        unsafe {
            let b: *mut erlang_big = libc::calloc(1, std::mem::size_of::<erlang_big>()).cast();
            if b.is_null() {
                return b;
            }
            let digits = libc::calloc(digit_bytes.max(1), 1);
            if digits.is_null() {
                libc::free(b.cast());
                return std::ptr::null_mut();
            }
            (*b).arity = arity;
            (*b).digits = digits;
            b
        }
    })
}

/// Releases an `erlang_big` from `ei_alloc_big`. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn ei_free_big(b: *mut erlang_big) {
    guard(|| {
        if b.is_null() {
            return;
        }
        // SAFETY: b and its digits came from ei_alloc_big.
        unsafe {
            libc::free((*b).digits);
            libc::free(b.cast());
        }
    })
}

/// # Safety
/// `b.digits` holds `(b.arity + 1) / 2` 16-bit digits.
unsafe fn digits16(b: &erlang_big) -> &[u16] {
    let n = (b.arity as usize).div_ceil(2);
    if n == 0 || b.digits.is_null() {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts(b.digits.cast(), n) }
}

/// Compares two bignums: -1, 0 or 1 (a longer digit array is larger, as in
/// libei).
#[no_mangle]
pub unsafe extern "C" fn ei_big_comp(x: *mut erlang_big, y: *mut erlang_big) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let (x, y) = unsafe { (arg(x)?, arg(y)?) };
        // SAFETY: the caller's contract.
        let (xd, yd) = unsafe { (digits16(x), digits16(y)) };
        Ok(ord(big::compare_digits16(
            x.is_neg != 0,
            xd,
            y.is_neg != 0,
            yd,
        )))
    })
}

/// Converts a bignum to a double. Returns -1 when it does not fit.
#[no_mangle]
pub unsafe extern "C" fn ei_big_to_double(b: *mut erlang_big, resp: *mut f64) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let b = unsafe { arg(b) }?;
        let out = unsafe { arg_mut(resp) }?;
        // SAFETY: the caller's contract.
        let bytes: Vec<u8> = unsafe { digits16(b) }
            .iter()
            .flat_map(|d| d.to_le_bytes())
            .collect();
        *out = big::to_f64(b.is_neg != 0, &bytes).ok_or(Error::OutOfRange)?;
        Ok(0)
    })
}

/// Stores the `int` `s` in `b`, which needs at least 3 digit bytes.
#[no_mangle]
pub unsafe extern "C" fn ei_small_to_big(s: c_int, b: *mut erlang_big) -> c_int {
    call(|| {
        // SAFETY: the caller's contract.
        let b = unsafe { arg_mut(b) }?;
        if (b.arity as usize).div_ceil(2) < 2 || b.digits.is_null() {
            return Err(Error::InvalidArgument("erlang_big too small"));
        }
        let m = s.unsigned_abs();
        // SAFETY: at least two digits, checked above.
        let d = unsafe { std::slice::from_raw_parts_mut(b.digits.cast::<u16>(), 2) };
        d[0] = m as u16;
        d[1] = (m >> 16) as u16;
        b.is_neg = (s < 0) as c_int;
        Ok(0)
    })
}

static COMPAT_REL: AtomicU32 = AtomicU32::new(u32::MAX);

/// Initialises the library. Always succeeds (0); ei-rs needs no set-up, but
/// programs call it first as libei requires.
#[no_mangle]
pub extern "C" fn ei_init() -> c_int {
    0
}

/// Records the OTP release to stay compatible with. ei-rs speaks the formats
/// of OTP 23 and later, which every supported release accepts, so the
/// setting changes nothing.
#[no_mangle]
pub extern "C" fn ei_set_compat_rel(rel: c_uint) {
    COMPAT_REL.store(rel, AtomicOrdering::Relaxed);
}

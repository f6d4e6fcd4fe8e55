//! `ei_x_format` / `ei_x_format_wo_ver`.
//!
//! They are variadic, which stable Rust cannot define, and a cdylib exports
//! only symbols rustc defines. So the exported symbols are naked functions
//! that jump to the variadic C shim (`csrc/format_shim.c`) with the caller's
//! registers and stack untouched; the shim passes its `va_list` to
//! [`ei_rs_x_format`], whose parser pulls each argument, in order, through
//! the shim's typed accessors.

use libc::{c_char, c_int, c_long, c_ulong, c_void};

use super::boundary::{arg, array_str, call, cstr};
use super::types::{ei_x_buff, erlang_pid};
use super::xbuf::x_encode;
use crate::etf::atom::AtomRef;
use crate::etf::decode::PidRef;
use crate::etf::encode;
use crate::etf::format::{format_unbuffered, FormatArgs};
use crate::etf::{self, Error};

extern "C" {
    fn ei_rs_x_format_entry();
    fn ei_rs_x_format_wo_ver_entry();
    fn ei_rs_va_int(ap: *mut c_void) -> c_int;
    fn ei_rs_va_long(ap: *mut c_void) -> c_long;
    fn ei_rs_va_ulong(ap: *mut c_void) -> c_ulong;
    fn ei_rs_va_double(ap: *mut c_void) -> f64;
    fn ei_rs_va_str(ap: *mut c_void) -> *const c_char;
    fn ei_rs_va_pid(ap: *mut c_void) -> *const erlang_pid;
}

/// `int ei_x_format(ei_x_buff *x, const char *fmt, ...)`: declared in
/// `ei.h`'s trailer.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn ei_x_format() {
    core::arch::naked_asm!("jmp {}", sym ei_rs_x_format_entry)
}

/// `int ei_x_format_wo_ver(ei_x_buff *x, const char *fmt, ...)`.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn ei_x_format_wo_ver() {
    core::arch::naked_asm!("jmp {}", sym ei_rs_x_format_wo_ver_entry)
}

/// `int ei_x_format(ei_x_buff *x, const char *fmt, ...)`.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn ei_x_format() {
    core::arch::naked_asm!("b {}", sym ei_rs_x_format_entry)
}

/// `int ei_x_format_wo_ver(ei_x_buff *x, const char *fmt, ...)`.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn ei_x_format_wo_ver() {
    core::arch::naked_asm!("b {}", sym ei_rs_x_format_wo_ver_entry)
}

/// The arguments of one `ei_x_format` call, read from its `va_list`.
struct VaArgs {
    ap: *mut c_void,
}

impl<'a> FormatArgs<'a> for VaArgs {
    fn str(&mut self) -> etf::Result<&'a [u8]> {
        // SAFETY: the format string promised a `char *` here; it lives for
        // the call.
        unsafe { cstr(ei_rs_va_str(self.ap)) }
    }

    fn char(&mut self) -> etf::Result<u8> {
        // SAFETY: the format promised an int (a promoted char).
        Ok(unsafe { ei_rs_va_int(self.ap) } as u8)
    }

    fn int(&mut self) -> etf::Result<i64> {
        // SAFETY: the format promised an int.
        Ok(unsafe { ei_rs_va_int(self.ap) } as i64)
    }

    fn long(&mut self) -> etf::Result<i64> {
        // SAFETY: the format promised a long.
        Ok(unsafe { ei_rs_va_long(self.ap) } as i64)
    }

    fn ulong(&mut self) -> etf::Result<u64> {
        // SAFETY: the format promised an unsigned long.
        Ok(unsafe { ei_rs_va_ulong(self.ap) } as u64)
    }

    fn double(&mut self) -> etf::Result<f64> {
        // SAFETY: the format promised a double.
        Ok(unsafe { ei_rs_va_double(self.ap) })
    }

    fn pid(&mut self) -> etf::Result<PidRef<'a>> {
        // SAFETY: the format promised an `erlang_pid *` living for the call.
        let p: &'a erlang_pid = unsafe { arg(ei_rs_va_pid(self.ap)) }?;
        Ok(PidRef {
            node: AtomRef {
                bytes: array_str(&p.node)?,
                utf8: true,
            },
            num: p.num,
            serial: p.serial,
            creation: p.creation,
        })
    }
}

/// Called by the C shim with the `va_list` of an `ei_x_format` call.
#[no_mangle]
pub unsafe extern "C" fn ei_rs_x_format(
    x: *mut ei_x_buff,
    fmt: *const c_char,
    ap: *mut c_void,
    with_version: c_int,
) -> c_int {
    // SAFETY: the caller's contract.
    let fmt = match unsafe { cstr(fmt) } {
        Ok(f) => f,
        Err(e) => return call(|| Err(e)),
    };
    if ap.is_null() {
        return call(|| Err(Error::InvalidArgument("NULL va_list")));
    }
    let mut args = VaArgs { ap };
    // SAFETY: the caller's contract.
    unsafe {
        x_encode(x, |s| {
            if with_version != 0 {
                encode::version(s)?;
            }
            // Straight into the buffer: x_encode moves its index only if
            // the whole term was written.
            format_unbuffered(fmt, &mut args, s)
        })
    }
}

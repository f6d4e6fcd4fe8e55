//! Bignums as GMP integers (`ei_decode_bignum`, `ei_encode_bignum`,
//! `ei_x_encode_bignum`), built with the `gmp` feature. `ei.h` declares them
//! when the program includes `<gmp.h>` first.

use libc::{c_char, c_int, c_long, c_void, size_t};

use super::boundary::{arg, arg_mut, decode_at};
use super::encode::fixed;
use super::types::ei_x_buff;
use super::xbuf::x_encode;
use crate::etf::encode::{self, Sink};
use crate::etf::{self, Error};

/// GMP's `__mpz_struct`; `mpz_t` is an array of one, so functions take a
/// pointer to it.
#[repr(C)]
pub struct mpz_struct {
    alloc: c_int,
    size: c_int,
    d: *mut c_void,
}

#[link(name = "gmp")]
extern "C" {
    fn __gmpz_import(
        rop: *mut mpz_struct,
        count: size_t,
        order: c_int,
        size: size_t,
        endian: c_int,
        nails: size_t,
        op: *const c_void,
    );
    fn __gmpz_export(
        rop: *mut c_void,
        countp: *mut size_t,
        order: c_int,
        size: size_t,
        endian: c_int,
        nails: size_t,
        op: *const mpz_struct,
    ) -> *mut c_void;
    fn __gmpz_sizeinbase(op: *const mpz_struct, base: c_int) -> size_t;
    fn __gmpz_set_si(rop: *mut mpz_struct, op: c_long);
    fn __gmpz_neg(rop: *mut mpz_struct, op: *const mpz_struct);
}

/// Decodes any integer into `obj` (an initialised `mpz_t`).
#[no_mangle]
pub unsafe extern "C" fn ei_decode_bignum(
    buf: *const c_char,
    index: *mut c_int,
    obj: *mut mpz_struct,
) -> c_int {
    unsafe {
        decode_at(buf, index, |d| {
            let v = d.integer()?;
            let obj = arg_mut(obj)?;
            Ok(move || {
                match v {
                    Ok(small) => __gmpz_set_si(obj, small as c_long),
                    Err(big) => {
                        __gmpz_import(
                            obj,
                            big.digits.len(),
                            -1,
                            1,
                            0,
                            0,
                            big.digits.as_ptr().cast(),
                        );
                        if big.negative {
                            __gmpz_neg(obj, obj);
                        }
                    }
                }
                Ok(())
            })
        })
    }
}

/// # Safety
/// `obj` is an initialised `mpz_t`.
unsafe fn bignum<S: Sink + ?Sized>(s: &mut S, obj: *const mpz_struct) -> etf::Result<()> {
    // SAFETY: the caller's contract.
    let z = unsafe { arg(obj) }?;
    if z.size == 0 {
        return encode::char(s, 0);
    }
    // SAFETY: z is initialised.
    let n = unsafe { __gmpz_sizeinbase(z, 2) }.div_ceil(8);
    let mut digits = vec![0u8; n];
    let mut count: size_t = 0;
    // SAFETY: digits holds the whole magnitude.
    unsafe { __gmpz_export(digits.as_mut_ptr().cast(), &mut count, -1, 1, 0, 0, z) };
    digits.truncate(count);
    // libei always writes LARGE_BIG_EXT here, whatever the size.
    let len = u32::try_from(count)
        .map_err(|_| Error::TooLarge("bignum"))?
        .to_be_bytes();
    s.put_tagged(
        etf::tag::LARGE_BIG_EXT,
        [len[0], len[1], len[2], len[3], (z.size < 0) as u8],
    )?;
    s.put(&digits)
}

/// Encodes `obj` as `LARGE_BIG_EXT` (0 as a small integer).
#[no_mangle]
pub unsafe extern "C" fn ei_encode_bignum(
    buf: *mut c_char,
    index: *mut c_int,
    obj: *mut mpz_struct,
) -> c_int {
    unsafe { fixed!(buf, index, |s| bignum(s, obj)) }
}

/// Appends `obj` to `x`.
#[no_mangle]
pub unsafe extern "C" fn ei_x_encode_bignum(x: *mut ei_x_buff, obj: *mut mpz_struct) -> c_int {
    unsafe { x_encode(x, |s| bignum(s, obj)) }
}

//! `ei_gethostbyname` and friends: the system resolver, as libei offers it.

use libc::{c_char, c_int, c_void, hostent, size_t, socklen_t};

extern "C" {
    fn gethostbyname(name: *const c_char) -> *mut hostent;
    fn gethostbyaddr(addr: *const c_void, len: socklen_t, kind: c_int) -> *mut hostent;
    fn gethostbyname_r(
        name: *const c_char,
        ret: *mut hostent,
        buf: *mut c_char,
        buflen: size_t,
        result: *mut *mut hostent,
        h_errnop: *mut c_int,
    ) -> c_int;
    fn gethostbyaddr_r(
        addr: *const c_void,
        len: socklen_t,
        kind: c_int,
        ret: *mut hostent,
        buf: *mut c_char,
        buflen: size_t,
        result: *mut *mut hostent,
        h_errnop: *mut c_int,
    ) -> c_int;
}

/// `gethostbyname(3)`.
#[no_mangle]
pub unsafe extern "C" fn ei_gethostbyname(name: *const c_char) -> *mut hostent {
    if name.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: a NUL-terminated name, the caller's contract.
    unsafe { gethostbyname(name) }
}

/// `gethostbyaddr(3)`.
#[no_mangle]
pub unsafe extern "C" fn ei_gethostbyaddr(
    addr: *const c_char,
    len: c_int,
    kind: c_int,
) -> *mut hostent {
    if addr.is_null() || len < 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: len bytes of address, the caller's contract.
    unsafe { gethostbyaddr(addr.cast(), len as socklen_t, kind) }
}

/// `gethostbyname_r(3)`, returning the entry or NULL (`*h_errnop` set).
#[no_mangle]
pub unsafe extern "C" fn ei_gethostbyname_r(
    name: *const c_char,
    hostp: *mut hostent,
    buffer: *mut c_char,
    buflen: c_int,
    h_errnop: *mut c_int,
) -> *mut hostent {
    if name.is_null() || hostp.is_null() || buffer.is_null() || buflen < 0 {
        return std::ptr::null_mut();
    }
    let mut result = std::ptr::null_mut();
    let mut herr = 0;
    // SAFETY: the caller's buffers, as documented.
    unsafe {
        gethostbyname_r(
            name,
            hostp,
            buffer,
            buflen as size_t,
            &mut result,
            &mut herr,
        )
    };
    if !h_errnop.is_null() {
        // SAFETY: checked non-NULL.
        unsafe { *h_errnop = herr };
    }
    result
}

/// `gethostbyaddr_r(3)`, returning the entry or NULL (`*h_errnop` set).
#[no_mangle]
pub unsafe extern "C" fn ei_gethostbyaddr_r(
    addr: *const c_char,
    length: c_int,
    kind: c_int,
    hostp: *mut hostent,
    buffer: *mut c_char,
    buflen: c_int,
    h_errnop: *mut c_int,
) -> *mut hostent {
    if addr.is_null() || hostp.is_null() || buffer.is_null() || buflen < 0 || length < 0 {
        return std::ptr::null_mut();
    }
    let mut result = std::ptr::null_mut();
    let mut herr = 0;
    // SAFETY: the caller's buffers, as documented.
    unsafe {
        gethostbyaddr_r(
            addr.cast(),
            length as socklen_t,
            kind,
            hostp,
            buffer,
            buflen as size_t,
            &mut result,
            &mut herr,
        )
    };
    if !h_errnop.is_null() {
        // SAFETY: checked non-NULL.
        unsafe { *h_errnop = herr };
    }
    result
}

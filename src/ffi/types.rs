//! `#[repr(C)]` mirrors of the structs in OTP's `ei.h`, field for field.
//! The ABI test (`c-tests/abi`) compares every size and offset with OTP's
//! own header.
#![allow(non_camel_case_types)]
// Every struct of ei.h is mirrored for the ABI, used from Rust or not.
#![allow(dead_code)]

use libc::{c_char, c_int, c_long, c_uint, c_ulonglong, c_void, ssize_t};

/// `MAXATOMLEN`: an atom of 255 Latin-1 characters and its NUL.
pub const MAXATOMLEN: usize = 255 + 1;
/// `MAXATOMLEN_UTF8`: an atom of 255 UTF-8 characters and its NUL.
pub const MAXATOMLEN_UTF8: usize = 255 * 4 + 1;
/// `EI_MAXHOSTNAMELEN`.
pub const EI_MAXHOSTNAMELEN: usize = MAXATOMLEN - 2;
/// `EI_MAXALIVELEN`.
pub const EI_MAXALIVELEN: usize = MAXATOMLEN - 2;
/// `MAXNODELEN`.
pub const MAXNODELEN: usize = MAXATOMLEN;
/// `EI_MAX_COOKIE_SIZE`.
pub const EI_MAX_COOKIE_SIZE: usize = 512;

/// `erlang_char_encoding`: `ERLANG_ASCII`, `ERLANG_LATIN1`, `ERLANG_UTF8`, or
/// a bitwise or of them. An `int` here because C passes combinations that
/// are not enumerators; `ei.h` declares the enum itself.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct erlang_char_encoding(pub c_int);

/// The type of `erlang_fun.type`: `EI_FUN_CLOSURE` or `EI_FUN_EXPORT`
/// (an enum declared inside `erlang_fun` in `ei.h`; an `int` in size).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct erlang_fun_type(pub c_int);

pub const EI_FUN_CLOSURE: c_int = 0;
pub const EI_FUN_EXPORT: c_int = 1;

/// A pid.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_pid {
    /// Node name, UTF-8, NUL-terminated.
    pub node: [c_char; MAXATOMLEN_UTF8],
    pub num: c_uint,
    pub serial: c_uint,
    pub creation: c_uint,
}

/// A port.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_port {
    /// Node name, UTF-8, NUL-terminated.
    pub node: [c_char; MAXATOMLEN_UTF8],
    pub id: c_ulonglong,
    pub creation: c_uint,
}

/// A reference: `len` words of `n` are used.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_ref {
    /// Node name, UTF-8, NUL-terminated.
    pub node: [c_char; MAXATOMLEN_UTF8],
    pub len: c_int,
    pub n: [c_uint; 5],
    pub creation: c_uint,
}

/// A sequential trace token.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_trace {
    pub serial: c_long,
    pub prev: c_long,
    pub from: erlang_pid,
    pub label: c_long,
    pub flags: c_long,
}

/// A received message's envelope.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_msg {
    pub msgtype: c_long,
    pub from: erlang_pid,
    pub to: erlang_pid,
    pub toname: [c_char; MAXATOMLEN_UTF8],
    pub cookie: [c_char; MAXATOMLEN_UTF8],
    pub token: erlang_trace,
}

/// `erlang_fun.u.closure`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_fun_closure {
    pub md5: [c_char; 16],
    pub index: c_long,
    pub old_index: c_long,
    pub uniq: c_long,
    pub n_free_vars: c_long,
    pub pid: erlang_pid,
    pub free_var_len: c_long,
    /// Encoded free variables, `malloc`ed; released by `free_fun`.
    pub free_vars: *mut c_char,
}

/// `erlang_fun.u.exprt`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_fun_export {
    /// The function name; points into `module`'s buffer or, when
    /// `func_allocated`, to memory released by `free_fun`.
    pub func: *mut c_char,
    pub func_allocated: c_int,
}

/// `erlang_fun.u`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union erlang_fun_u {
    pub closure: erlang_fun_closure,
    pub exprt: erlang_fun_export,
}

/// A fun. `ei.h` spells this struct out by hand (its trailer) because its
/// enum is scoped inside it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_fun {
    pub arity: c_long,
    pub module: [c_char; MAXATOMLEN_UTF8],
    pub r#type: erlang_fun_type,
    pub u: erlang_fun_u,
}

/// A bignum: `arity` digit bytes stored as little-endian 16-bit digits.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct erlang_big {
    pub arity: c_uint,
    pub is_neg: c_int,
    pub digits: *mut c_void,
}

/// `ei_term.value`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union ei_term_value {
    pub i_val: c_long,
    pub d_val: f64,
    pub atom_name: [c_char; MAXATOMLEN_UTF8],
    pub pid: erlang_pid,
    pub port: erlang_port,
    pub r#ref: erlang_ref,
}

/// What `ei_decode_ei_term` decodes into.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ei_term {
    pub ei_type: c_char,
    pub arity: c_int,
    pub size: c_int,
    pub value: ei_term_value,
}

/// An IPv4 address (`struct in_addr *`), as libei's connect functions
/// take it.
pub type Erl_IpAddr = *mut libc::in_addr;

/// The peer of an accepted connection.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ErlConnect {
    /// IPv4 address, network byte order.
    pub ipadr: [c_char; 4],
    pub nodename: [c_char; 257],
}

/// User socket callbacks (`ei_connect_init_ussi`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ei_socket_callbacks {
    pub flags: c_int,
    pub socket:
        Option<unsafe extern "C" fn(ctx: *mut *mut c_void, setup_ctx: *mut c_void) -> c_int>,
    pub close: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub listen: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            addr: *mut c_void,
            len: *mut c_int,
            backlog: c_int,
        ) -> c_int,
    >,
    pub accept: Option<
        unsafe extern "C" fn(
            ctx: *mut *mut c_void,
            addr: *mut c_void,
            len: *mut c_int,
            tmo: c_uint,
        ) -> c_int,
    >,
    pub connect: Option<
        unsafe extern "C" fn(ctx: *mut c_void, addr: *mut c_void, len: c_int, tmo: c_uint) -> c_int,
    >,
    pub writev: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            iov: *const c_void,
            iovcnt: c_int,
            len: *mut ssize_t,
            tmo: c_uint,
        ) -> c_int,
    >,
    pub write: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            buf: *const c_char,
            len: *mut ssize_t,
            tmo: c_uint,
        ) -> c_int,
    >,
    pub read: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            buf: *mut c_char,
            len: *mut ssize_t,
            tmo: c_uint,
        ) -> c_int,
    >,
    pub handshake_packet_header_size:
        Option<unsafe extern "C" fn(ctx: *mut c_void, sz: *mut c_int) -> c_int>,
    pub connect_handshake_complete: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub accept_handshake_complete: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub get_fd: Option<unsafe extern "C" fn(ctx: *mut c_void, fd: *mut c_int) -> c_int>,
}

/// A C node's identity.
///
/// cbindgen:field-names=[thishostname, thisnodename, thisalivename, ei_connect_cookie, creation, self, cbs, setup_context, pidsn]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ei_cnode_s {
    pub thishostname: [c_char; 255],
    pub thisnodename: [c_char; 257],
    pub thisalivename: [c_char; 255],
    pub ei_connect_cookie: [c_char; 513],
    pub creation: c_uint,
    /// The C node's own pid (`ei_self`). Named `self` in C.
    pub self_: erlang_pid,
    pub cbs: *mut ei_socket_callbacks,
    pub setup_context: *mut c_void,
    pub pidsn: c_uint,
}

/// `ei_cnode`, as C programs name it (`struct ei_cnode_s`).
pub type ei_cnode = ei_cnode_s;

/// A growable buffer for the `ei_x_*` functions. `buff` comes from
/// `malloc`: C code may `free` it or call `ei_x_free`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ei_x_buff_TAG {
    pub buff: *mut c_char,
    pub buffsz: c_int,
    pub index: c_int,
}

/// `ei_x_buff`, as C programs name it (`struct ei_x_buff_TAG`).
pub type ei_x_buff = ei_x_buff_TAG;

// The array sizes above are literals because cbindgen prints them as
// written; they must agree with OTP's macros.
const _: () = {
    assert!(EI_MAXHOSTNAMELEN + 1 == 255);
    assert!(EI_MAXALIVELEN + 1 == 255);
    assert!(MAXNODELEN + 1 == 257);
    assert!(EI_MAX_COOKIE_SIZE + 1 == 513);
};

//! `ei_rpc`, `ei_rpc_to`, `ei_xrpc_to`, `ei_rpc_from`: calls run by the
//! peer's `rex` server (`rpc:call/4` for C nodes).
//!
//! A call is the message `{Self, {call, Mod, Fun, Args, GroupLeader}}` sent
//! to the name `rex`; the answer is `{rex, Reply}` sent to `Self`. With
//! `EI_RPC_FETCH_STDOUT` the group leader is `send_stdout_to_caller`, and
//! what the call prints arrives first, as `{rex_stdout, Binary}` messages.
//!
//! The protocol half (encoding the request, finding the reply in
//! `{rex, Reply}`, reading frames) is safe code that `global.rs` shares;
//! the exports below it only check and convert C arguments.

use libc::{c_char, c_int, c_uint};

use super::boundary::{self, array_str};
use super::connect::{ei_self, ei_send_reg_encoded_tmo, ei_xreceive_msg_tmo, run, Fail};
use super::sockets::{self, INF_TMO};
use super::types::*;
use crate::dist::message::{self, Received};
use crate::dist::trace;
use crate::etf::atom::enc;
use crate::etf::{self, encode, tag, Decoder};

const ERL_TIMEOUT: c_int = -5;
const ERL_TICK: c_int = 0;
const ERL_NO_TIMEOUT: c_int = -1;
/// `EI_RPC_FETCH_STDOUT`.
const FETCH_STDOUT: c_int = 1;

// ---- failures --------------------------------------------------------------------

/// This thread's `erl_errno`.
fn errno() -> c_int {
    // SAFETY: the thread's own erl_errno, valid for the thread's lifetime.
    unsafe { *boundary::__erl_errno_place() }
}

/// The result of another export: a negative value is a failure whose
/// `erl_errno` that export set.
pub(super) fn status(r: c_int) -> Result<c_int, Fail> {
    if r < 0 {
        Err(Fail::errno(errno()))
    } else {
        Ok(r)
    }
}

// ---- the protocol -------------------------------------------------------------

/// Where the output of a call goes: the `GroupLeader` of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Output {
    /// The peer's own `user` (its standard output).
    User,
    /// Back to the caller, as `{rex_stdout, Binary}` messages.
    Caller,
}

/// A pid as the safe encoder takes it.
fn encode_pid(v: &mut Vec<u8>, p: &erlang_pid) -> etf::Result<()> {
    encode::pid(v, array_str(&p.node)?, p.num, p.serial, p.creation)
}

/// The request `{From, {call, Module, Function, Args, GroupLeader}}` with
/// its version byte; `args` writes `Args`. `module` and `function` are
/// Latin-1 atoms of at most 255 characters.
pub(super) fn request(
    from: &erlang_pid,
    module: &[u8],
    function: &[u8],
    args: impl FnOnce(&mut Vec<u8>) -> etf::Result<()>,
    output: Output,
) -> etf::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(128);
    encode::version(&mut v)?;
    encode::tuple_header(&mut v, 2)?;
    encode_pid(&mut v, from)?;
    encode::tuple_header(&mut v, 5)?;
    encode::atom(&mut v, b"call", enc::LATIN1)?;
    encode::atom(&mut v, module, enc::LATIN1)?;
    encode::atom(&mut v, function, enc::LATIN1)?;
    args(&mut v)?;
    let leader: &[u8] = match output {
        Output::User => b"user",
        Output::Caller => b"send_stdout_to_caller",
    };
    encode::atom(&mut v, leader, enc::LATIN1)?;
    Ok(v)
}

/// True when `args` is exactly one well-formed term (no version byte): a
/// malformed one would make the peer drop the connection.
fn one_term(args: &[u8]) -> bool {
    let mut d = Decoder::new(args);
    d.skip().is_ok() && d.position() == args.len()
}

/// Reads `{rex, ` at the start of a message (version byte first) and
/// returns the decoder, positioned on the reply; `None` for anything else.
pub(super) fn rex_tuple(msg: &[u8]) -> Option<Decoder<'_, [u8]>> {
    let mut d = Decoder::new(msg);
    if d.version().ok()? != tag::VERSION_MAGIC || d.tuple_header().ok()? != 2 {
        return None;
    }
    (d.atom().ok()?.bytes == b"rex").then_some(d)
}

/// Where the reply of a `{rex, Reply}` message begins; `None` unless
/// `Reply` is one whole term that ends the message.
fn rex_reply(msg: &[u8]) -> Option<usize> {
    let mut d = rex_tuple(msg)?;
    let start = d.position();
    d.skip().ok()?;
    (d.position() == msg.len()).then_some(start)
}

/// True when the message is `{rex, Atom}`.
pub(super) fn is_rex_atom(msg: &[u8], atom: &[u8]) -> bool {
    rex_tuple(msg).is_some_and(|mut d| d.atom().is_ok_and(|a| a.bytes == atom))
}

/// Sends an encoded request to the peer's `rex` from `from`.
fn send_to_rex(fd: c_int, from: &erlang_pid, msg: &mut [u8]) -> Result<(), Fail> {
    let len = c_int::try_from(msg.len()).map_err(|_| Fail::errno(libc::EMSGSIZE))?;
    // SAFETY: valid pointers for the call's duration.
    status(unsafe {
        ei_send_reg_encoded_tmo(fd, from, c"rex".as_ptr(), msg.as_mut_ptr().cast(), len, 0)
    })?;
    Ok(())
}

/// Sends `{From, {call, Module, Function, Args, GroupLeader}}` to `rex`.
pub(super) fn call_rex(
    fd: c_int,
    from: &erlang_pid,
    module: &[u8],
    function: &[u8],
    args: impl FnOnce(&mut Vec<u8>) -> etf::Result<()>,
    output: Output,
) -> Result<(), Fail> {
    let mut msg = request(from, module, function, args, output).map_err(|e| {
        trace::log(1, format_args!("rpc: cannot encode the request: {e}"));
        Fail::inval()
    })?;
    send_to_rex(fd, from, &mut msg)
}

/// Reads frames until a message arrives (ticks are answered) and returns
/// its kind as libei reports it, with its payload in `payload`. No
/// time-out, as in libei's global functions.
pub(super) fn next_message(fd: c_int, payload: &mut Vec<u8>) -> Result<i64, Fail> {
    let sock = sockets::lookup(fd)?;
    let mut t = sock.transport();
    let mut header = Vec::new();
    loop {
        payload.clear();
        match message::receive(&mut t, &mut header, payload, None)? {
            Received::Tick => continue,
            Received::Message {
                control,
                payload_len,
            } => {
                payload.truncate(payload_len);
                return Ok(control.reported_kind());
            }
        }
    }
}

/// The node's pid (`ei_self`), or `EINVAL`.
///
/// # Safety
/// `ec` is NULL or a valid `ei_cnode` that outlives the returned reference.
pub(super) unsafe fn self_pid<'a>(ec: *mut ei_cnode) -> Result<&'a erlang_pid, Fail> {
    // SAFETY: the caller's contract; ei_self returns NULL or a pointer
    // into *ec.
    unsafe { ei_self(ec).as_ref() }.ok_or_else(Fail::inval)
}

// ---- exports ------------------------------------------------------------------------

/// Sends the request of an rpc `mod:fun(Args)` to the peer on `fd`;
/// `buf` holds `len` bytes: the argument list, encoded without a version
/// byte. With `flags` `EI_RPC_FETCH_STDOUT`, what the call prints comes
/// back as `{rex_stdout, Binary}` messages before the reply. Receive the
/// reply with [`ei_rpc_from`]. Returns 0, or -1 with `erl_errno` set
/// (`EINVAL` for a NULL pointer, an unnamed node, an atom over 255
/// characters, or `buf` not exactly one term; libei sends such a buffer
/// and the peer drops the connection).
#[no_mangle]
pub unsafe extern "C" fn ei_xrpc_to(
    ec: *mut ei_cnode,
    fd: c_int,
    r#mod: *mut c_char,
    fun: *mut c_char,
    buf: *const c_char,
    len: c_int,
    flags: c_int,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract, for every pointer.
        let from = unsafe { self_pid(ec) }?;
        let (module, function) = unsafe { (boundary::cstr(r#mod)?, boundary::cstr(fun)?) };
        let len = usize::try_from(len).map_err(|_| Fail::inval())?;
        let args = unsafe { boundary::bytes(buf, len) }?;
        if !one_term(args) {
            trace::log(1, format_args!("rpc: the arguments are not one term"));
            return Err(Fail::inval());
        }
        let output = if flags & FETCH_STDOUT != 0 {
            Output::Caller
        } else {
            Output::User
        };
        call_rex(
            fd,
            from,
            module,
            function,
            |v| {
                v.extend_from_slice(args);
                Ok(())
            },
            output,
        )?;
        Ok(0)
    })
}

/// [`ei_xrpc_to`] without flags.
#[no_mangle]
pub unsafe extern "C" fn ei_rpc_to(
    ec: *mut ei_cnode,
    fd: c_int,
    r#mod: *mut c_char,
    fun: *mut c_char,
    buf: *const c_char,
    len: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_xrpc_to(ec, fd, r#mod, fun, buf, len, 0) }
}

/// Receives the next message, waiting at most `timeout` milliseconds
/// (negative: no limit; 0 also means no limit, as in libei), into `x`
/// (grown as needed) with its envelope in `msg`: the `{rex, Reply}` of an
/// rpc, or a `{rex_stdout, Binary}`, or any other message sent to the
/// node, whole, with its version byte. Returns `ERL_MSG`, `ERL_TICK` (a
/// tick was answered), `ERL_TIMEOUT` (`erl_errno` `ETIMEDOUT`) or
/// `ERL_ERROR`. `ec` is not used.
#[no_mangle]
pub unsafe extern "C" fn ei_rpc_from(
    ec: *mut ei_cnode,
    fd: c_int,
    timeout: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
) -> c_int {
    let _ = ec;
    let ms = c_uint::try_from(timeout).unwrap_or(INF_TMO);
    // SAFETY: forwarding.
    let r = unsafe { ei_xreceive_msg_tmo(fd, msg, x, ms) };
    if r < 0 && errno() == libc::ETIMEDOUT {
        ERL_TIMEOUT
    } else {
        r
    }
}

/// Calls `mod:fun(Args)` on the peer and waits (without limit) for the
/// reply; `inbuf` holds the argument list (`inbuflen` bytes, no version
/// byte). On success returns 0 and `x` holds the reply term alone: no
/// version byte, `x->index` its length (libei's layout, whatever its
/// manual says). A call that fails on the peer still succeeds here, with
/// `{badrpc, Reason}` in `x`. Ticks are answered while waiting; a first
/// message other than `{rex, Reply}` fails with `EBADMSG`, as in libei
/// (it stays consumed, in `x`; the reply is still to come). Other
/// failures as [`ei_xrpc_to`] and [`ei_rpc_from`].
#[no_mangle]
pub unsafe extern "C" fn ei_rpc(
    ec: *mut ei_cnode,
    fd: c_int,
    r#mod: *mut c_char,
    fun: *mut c_char,
    inbuf: *const c_char,
    inbuflen: c_int,
    x: *mut ei_x_buff,
) -> c_int {
    run(|| {
        if x.is_null() {
            return Err(Fail::inval());
        }
        // SAFETY: forwarding the caller's arguments.
        status(unsafe { ei_rpc_to(ec, fd, r#mod, fun, inbuf, inbuflen) })?;
        // SAFETY: an all-zero erlang_msg is valid (integers and arrays).
        let mut msg: erlang_msg = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: msg is ours; x is the caller's.
            match unsafe { ei_rpc_from(ec, fd, ERL_NO_TIMEOUT, &mut msg, x) } {
                ERL_TICK => continue,
                r => {
                    status(r)?;
                    break;
                }
            }
        }
        // SAFETY: checked non-NULL; ei_rpc_from left `index` bytes in buff.
        let x = unsafe { &mut *x };
        let len = usize::try_from(x.index).map_err(|_| Fail::inval())?;
        let buf: &mut [u8] = if len == 0 || x.buff.is_null() {
            &mut []
        } else {
            // SAFETY: as above.
            unsafe { std::slice::from_raw_parts_mut(x.buff.cast(), len) }
        };
        let start = rex_reply(buf).ok_or_else(|| Fail::bad_reply("not {rex, Reply}"))?;
        buf.copy_within(start.., 0);
        x.index = c_int::try_from(len - start).map_err(|_| Fail::inval())?;
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(node: &str) -> erlang_pid {
        // SAFETY: an all-zero erlang_pid is valid.
        let mut p: erlang_pid = unsafe { std::mem::zeroed() };
        boundary::set_array_str(&mut p.node, node.as_bytes()).unwrap();
        p.num = 1;
        p.serial = 2;
        p.creation = 3;
        p
    }

    #[test]
    fn request_is_what_rex_expects() {
        let from = pid("c@h");
        let args = [106u8]; // []
        let got = request(
            &from,
            b"erlang",
            b"node",
            |v| {
                v.extend_from_slice(&args);
                Ok(())
            },
            Output::Caller,
        )
        .unwrap();
        let mut d = Decoder::new(&got);
        assert_eq!(d.version().unwrap(), 131);
        assert_eq!(d.tuple_header().unwrap(), 2);
        assert_eq!(d.pid().unwrap().num, 1);
        assert_eq!(d.tuple_header().unwrap(), 5);
        assert_eq!(d.atom().unwrap().bytes, b"call");
        assert_eq!(d.atom().unwrap().bytes, b"erlang");
        assert_eq!(d.atom().unwrap().bytes, b"node");
        assert_eq!(d.list_header().unwrap(), 0);
        assert_eq!(d.atom().unwrap().bytes, b"send_stdout_to_caller");
        assert_eq!(d.position(), got.len());
    }

    #[test]
    fn request_refuses_long_atoms() {
        let long = vec![b'a'; 256];
        let r = request(&pid("c@h"), &long, b"f", |_| Ok(()), Output::User);
        assert!(r.is_err());
    }

    #[test]
    fn arguments_must_be_one_term() {
        assert!(one_term(&[106]));
        assert!(one_term(&[108, 0, 0, 0, 1, 97, 1, 106]));
        assert!(!one_term(&[]));
        assert!(!one_term(&[131, 106]));
        assert!(!one_term(&[106, 106]));
        assert!(!one_term(&[108, 0, 0, 0, 1, 97]));
    }

    #[test]
    fn finds_the_reply() {
        // {rex, ok}
        let m = [131, 104, 2, 119, 3, b'r', b'e', b'x', 119, 2, b'o', b'k'];
        assert_eq!(rex_reply(&m), Some(8));
        assert!(is_rex_atom(&m, b"ok"));
        assert!(!is_rex_atom(&m, b"yes"));
        // Latin-1 atoms too
        let m = [131, 104, 2, 100, 0, 3, b'r', b'e', b'x', 97, 7];
        assert_eq!(rex_reply(&m), Some(9));
        // not rex, wrong arity, no version, truncated, trailing bytes
        for bad in [
            &[131, 104, 2, 119, 3, b'r', b'e', b'y', 97, 1][..],
            &[131, 104, 3, 119, 3, b'r', b'e', b'x', 97, 1, 97, 1],
            &[104, 2, 119, 3, b'r', b'e', b'x', 97, 1],
            &[131, 104, 2, 119, 3, b'r', b'e', b'x'],
            &[131, 104, 2, 119, 3, b'r', b'e', b'x', 97, 1, 97],
            &[],
        ] {
            assert_eq!(rex_reply(bad), None, "{bad:?}");
        }
    }
}

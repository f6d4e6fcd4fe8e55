//! `ei_connect_init` and friends, epmd, connect/listen/accept, send and
//! receive: thin shells over `crate::dist` and `crate::epmd`.
//!
//! Return values follow libei: a descriptor or 0 on success; on failure a
//! negative code (`ERL_ERROR`, `ERL_NO_DAEMON`, `ERL_NO_PORT`,
//! `ERL_CONNECT_FAIL`) with `erl_errno` set. A `_tmo` function whose time
//! runs out fails with `erl_errno` `ETIMEDOUT`. A timeout bounds the whole
//! call, not each socket operation.

use std::io;
use std::net::{Ipv4Addr, ToSocketAddrs};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use libc::{c_char, c_int, c_long, c_uchar, c_uint, c_void};

use super::boundary::{array_bytes_mut, array_str, cstr, guard, set_array_str, set_errno};
use super::decode::{ei_decode_trace, store_pid};
use super::sockets::{
    self, check, deadline_ms, default_callbacks, lookup, tmo_ms, wait_fd, UserTransport,
    FLG_FULL_IMPL,
};
use super::types::*;
use crate::dist::handshake::{self, Local};
use crate::dist::message::{self, kind, PayloadBuf, PidView, SendCache};
use crate::dist::transport::Deadline;
use crate::dist::{self, flags, trace};
use crate::epmd;

const ERL_ERROR: c_int = -1;
const ERL_NO_DAEMON: c_int = -2;
const ERL_NO_PORT: c_int = -3;
const ERL_CONNECT_FAIL: c_int = -4;
const ERL_TICK: c_int = 0;
const ERL_MSG: c_int = 1;

/// A failed call: what to return and what to leave in `erl_errno`.
#[derive(Debug)]
pub(super) struct Fail {
    pub(super) code: c_int,
    pub(super) errno: c_int,
}

impl Fail {
    pub(super) fn new(code: c_int, errno: c_int) -> Self {
        Fail { code, errno }
    }
    /// `ERL_ERROR` with `errno`.
    pub(super) fn errno(errno: c_int) -> Self {
        Fail::new(ERL_ERROR, errno)
    }
    pub(super) fn inval() -> Self {
        Fail::errno(libc::EINVAL)
    }
    /// A reply that is not the one expected (`EBADMSG`).
    pub(super) fn bad_reply(what: &str) -> Self {
        trace::log(1, format_args!("rpc: {what}"));
        Fail::errno(libc::EBADMSG)
    }
}

impl From<dist::Error> for Fail {
    fn from(e: dist::Error) -> Self {
        trace::log(1, format_args!("{e}"));
        Fail::new(ERL_ERROR, e.errno())
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail::new(ERL_ERROR, dist::io_errno(&e))
    }
}

impl From<crate::etf::Error> for Fail {
    fn from(e: crate::etf::Error) -> Self {
        Fail::new(ERL_ERROR, e.errno())
    }
}

/// Runs an export's body; failures set `erl_errno` and return their code,
/// and a panic becomes `ERL_ERROR` with `EIO`.
pub(super) fn run(f: impl FnOnce() -> Result<c_int, Fail>) -> c_int {
    guard(|| match f() {
        Ok(v) => v,
        Err(e) => {
            set_errno(e.errno);
            e.code
        }
    })
}

fn text(b: &[u8]) -> Result<&str, Fail> {
    std::str::from_utf8(b).map_err(|_| Fail::inval())
}

unsafe fn node<'a>(ec: *const ei_cnode) -> Result<&'a ei_cnode, Fail> {
    // SAFETY: the caller's contract.
    unsafe { ec.as_ref() }.ok_or_else(Fail::inval)
}

unsafe fn node_mut<'a>(ec: *mut ei_cnode) -> Result<&'a mut ei_cnode, Fail> {
    // SAFETY: the caller's contract.
    unsafe { ec.as_mut() }.ok_or_else(Fail::inval)
}

/// The node's identity for a handshake.
fn local(ec: &ei_cnode) -> Result<Local<'_>, Fail> {
    Ok(Local {
        name: text(array_str(&ec.thisnodename)?)?,
        host: text(array_str(&ec.thishostname)?)?,
        cookie: array_str(&ec.ei_connect_cookie)?,
        creation: ec.creation,
        flags: flags::ADVERTISED,
    })
}

fn callbacks(ec: &ei_cnode) -> *mut ei_socket_callbacks {
    if ec.cbs.is_null() {
        default_callbacks()
    } else {
        ec.cbs
    }
}

// ---- node identity ------------------------------------------------------------

/// The cookie in `~/.erlang.cookie` (its first word), as libei reads it.
fn home_cookie() -> Option<Vec<u8>> {
    let home = std::env::var_os("HOME")?;
    let text = std::fs::read(std::path::Path::new(&home).join(".erlang.cookie")).ok()?;
    let word: Vec<u8> = text
        .iter()
        .copied()
        .take_while(|c| !c.is_ascii_whitespace())
        .collect();
    Some(word)
}

/// Sets a node's identity. `thisalivename == NULL` asks the first node we
/// connect to for a name (dynamic names).
#[no_mangle]
pub unsafe extern "C" fn ei_connect_xinit_ussi(
    ec: *mut ei_cnode,
    thishostname: *const c_char,
    thisalivename: *const c_char,
    thisnodename: *const c_char,
    thisipaddr: Erl_IpAddr,
    cookie: *const c_char,
    creation: c_uint,
    cbs: *mut ei_socket_callbacks,
    cbs_sz: c_int,
    setup_context: *mut c_void,
) -> c_int {
    // libei ignores the address too: connections use the host's routes.
    let _ = thisipaddr;
    run(|| {
        // SAFETY: the caller's contract, for every pointer.
        let ec = unsafe { node_mut(ec) }?;
        if cbs.is_null() || (cbs_sz as usize) < std::mem::size_of::<ei_socket_callbacks>() {
            trace::log(
                1,
                format_args!("ei_connect_xinit: invalid ei_socket_callbacks"),
            );
            return Err(Fail::inval());
        }
        let cookie = if cookie.is_null() {
            home_cookie().ok_or_else(|| Fail::new(ERL_ERROR, libc::EIO))?
        } else {
            unsafe { cstr(cookie) }?.to_vec()
        };
        let host = unsafe { cstr(thishostname) }?;
        let (alive, name): (&[u8], &[u8]) = if thisalivename.is_null() {
            (b"", b"")
        } else {
            (unsafe { cstr(thisalivename) }?, unsafe {
                cstr(thisnodename)
            }?)
        };
        // Check everything before changing anything.
        if cookie.len() >= ec.ei_connect_cookie.len()
            || host.len() >= ec.thishostname.len()
            || alive.len() >= ec.thisalivename.len()
            || name.len() >= ec.thisnodename.len()
        {
            trace::log(
                1,
                format_args!("ei_connect_xinit: a name or the cookie is too long"),
            );
            return Err(Fail::new(ERL_ERROR, libc::ERANGE));
        }
        set_array_str(&mut ec.ei_connect_cookie, &cookie)?;
        set_array_str(&mut ec.thishostname, host)?;
        set_array_str(&mut ec.thisalivename, alive)?;
        set_array_str(&mut ec.thisnodename, name)?;
        ec.creation = if creation < 4 {
            creation + 0xE1_0000
        } else {
            creation
        };
        ec.pidsn = 0;
        set_array_str(&mut ec.self_.node, name)?;
        ec.self_.num = 0;
        ec.self_.serial = 0;
        ec.self_.creation = ec.creation;
        ec.cbs = cbs;
        ec.setup_context = setup_context;
        trace::init_from_env();
        Ok(0)
    })
}

/// [`ei_connect_xinit_ussi`] with the default (TCP) callbacks.
#[no_mangle]
pub unsafe extern "C" fn ei_connect_xinit(
    ec: *mut ei_cnode,
    thishostname: *const c_char,
    thisalivename: *const c_char,
    thisnodename: *const c_char,
    thisipaddr: Erl_IpAddr,
    cookie: *const c_char,
    creation: c_uint,
) -> c_int {
    let cbs = default_callbacks();
    let sz = std::mem::size_of::<ei_socket_callbacks>() as c_int;
    // SAFETY: forwarding the caller's arguments.
    unsafe {
        ei_connect_xinit_ussi(
            ec,
            thishostname,
            thisalivename,
            thisnodename,
            thisipaddr,
            cookie,
            creation,
            cbs,
            sz,
            std::ptr::null_mut(),
        )
    }
}

/// This host's name, shortened at its first dot, as libei names nodes.
fn short_host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: buf is valid for writes of its length.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return None;
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    let host = std::str::from_utf8(&buf[..end]).ok()?.to_owned();
    // libei uses the canonical name from the resolver when it has one
    // other than "localhost"; the resolver's canonical name is the same
    // short name for hosts without a domain, which is what matters here.
    Some(host.split('.').next().unwrap_or(&host).to_owned())
}

/// Sets a node's identity from its alive name: `alive@thishost`.
#[no_mangle]
pub unsafe extern "C" fn ei_connect_init_ussi(
    ec: *mut ei_cnode,
    this_node_name: *const c_char,
    cookie: *const c_char,
    creation: c_uint,
    cbs: *mut ei_socket_callbacks,
    cbs_sz: c_int,
    setup_context: *mut c_void,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let alive = unsafe { cstr(this_node_name) }?;
        if alive.is_empty() || alive.len() > EI_MAXALIVELEN as usize {
            return Err(Fail::new(ERL_ERROR, libc::ERANGE));
        }
        let host = short_host_name().ok_or_else(|| Fail::new(ERL_ERROR, libc::EIO))?;
        let mut name = alive.to_vec();
        name.push(b'@');
        name.extend_from_slice(host.as_bytes());
        if name.len() > MAXNODELEN as usize {
            return Err(Fail::new(ERL_ERROR, libc::ERANGE));
        }
        let mut alive_z = alive.to_vec();
        alive_z.push(0);
        name.push(0);
        let mut host_z = host.into_bytes();
        host_z.push(0);
        // SAFETY: NUL-terminated copies; the caller's other pointers.
        Ok(unsafe {
            ei_connect_xinit_ussi(
                ec,
                host_z.as_ptr().cast(),
                alive_z.as_ptr().cast(),
                name.as_ptr().cast(),
                std::ptr::null_mut(),
                cookie,
                creation,
                cbs,
                cbs_sz,
                setup_context,
            )
        })
    })
}

/// [`ei_connect_init_ussi`] with the default (TCP) callbacks.
#[no_mangle]
pub unsafe extern "C" fn ei_connect_init(
    ec: *mut ei_cnode,
    this_node_name: *const c_char,
    cookie: *const c_char,
    creation: c_uint,
) -> c_int {
    let cbs = default_callbacks();
    let sz = std::mem::size_of::<ei_socket_callbacks>() as c_int;
    // SAFETY: forwarding the caller's arguments.
    unsafe {
        ei_connect_init_ussi(
            ec,
            this_node_name,
            cookie,
            creation,
            cbs,
            sz,
            std::ptr::null_mut(),
        )
    }
}

/// The node's full name.
#[no_mangle]
pub unsafe extern "C" fn ei_thisnodename(ec: *const ei_cnode) -> *const c_char {
    // SAFETY: the caller's contract.
    match unsafe { ec.as_ref() } {
        Some(ec) => ec.thisnodename.as_ptr(),
        None => std::ptr::null(),
    }
}

/// The node's host name.
#[no_mangle]
pub unsafe extern "C" fn ei_thishostname(ec: *const ei_cnode) -> *const c_char {
    // SAFETY: the caller's contract.
    match unsafe { ec.as_ref() } {
        Some(ec) => ec.thishostname.as_ptr(),
        None => std::ptr::null(),
    }
}

/// The node's alive name.
#[no_mangle]
pub unsafe extern "C" fn ei_thisalivename(ec: *const ei_cnode) -> *const c_char {
    // SAFETY: the caller's contract.
    match unsafe { ec.as_ref() } {
        Some(ec) => ec.thisalivename.as_ptr(),
        None => std::ptr::null(),
    }
}

/// True once the node has a name: set by `ei_connect_init` and the like,
/// or, for a dynamic name, by the first connection.
#[inline]
fn named(ec: &ei_cnode) -> bool {
    ec.thisnodename[0] != 0
}

/// The node's own pid; NULL (`EINVAL`) before it has a name.
#[no_mangle]
pub unsafe extern "C" fn ei_self(ec: *mut ei_cnode) -> *mut erlang_pid {
    guard(|| {
        // SAFETY: the caller's contract.
        match unsafe { ec.as_mut() } {
            Some(ec) if named(ec) => &mut ec.self_ as *mut erlang_pid,
            _ => {
                set_errno(libc::EINVAL);
                std::ptr::null_mut()
            }
        }
    })
}

/// A new pid on this node, distinct from every other this node made.
#[no_mangle]
pub unsafe extern "C" fn ei_make_pid(ec: *mut ei_cnode, pid: *mut erlang_pid) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let (ec, pid) = unsafe { (node_mut(ec)?, pid.as_mut().ok_or_else(Fail::inval)?) };
        if !named(ec) {
            return Err(Fail::inval());
        }
        // SAFETY: pidsn is an aligned c_uint the caller lets us update;
        // other threads making pids update it atomically too.
        let sn = unsafe { AtomicU32::from_ptr(std::ptr::addr_of_mut!(ec.pidsn)) };
        let next = |x: u32| {
            let n = x.wrapping_add(1);
            // Serial 0 is left to ei_self's pid and pids built from it.
            Some(if n & 0x0fff_8000 == 0 { 0x8000 } else { n })
        };
        let prev = sn
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, next)
            .unwrap_or(0);
        let new = next(prev).unwrap_or(0x8000);
        let name = array_str(&ec.thisnodename)?.to_vec();
        set_array_str(&mut pid.node, &name)?;
        pid.creation = ec.creation;
        pid.num = new & 0x7fff;
        pid.serial = (new >> 15) & 0x1fff;
        Ok(0)
    })
}

static REF_COUNT: AtomicU64 = AtomicU64::new(0);

/// A new reference on this node, distinct from every other this process
/// made.
#[no_mangle]
pub unsafe extern "C" fn ei_make_ref(ec: *mut ei_cnode, r: *mut erlang_ref) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let (ec, r) = unsafe { (node(ec)?, r.as_mut().ok_or_else(Fail::inval)?) };
        if !named(ec) {
            return Err(Fail::inval());
        }
        let n = REF_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
        set_array_str(&mut r.node, array_str(&ec.thisnodename)?)?;
        r.creation = ec.creation;
        r.len = 3;
        r.n = [
            (n & 0x3ffff) as c_uint,
            ((n >> 18) & 0xffff_ffff) as c_uint,
            (n >> 50) as c_uint,
            0,
            0,
        ];
        Ok(0)
    })
}

/// Sets the trace level (see `EI_TRACELEVEL`).
#[no_mangle]
pub extern "C" fn ei_set_tracelevel(level: c_int) {
    trace::set_level(level);
}

/// The trace level.
#[no_mangle]
pub extern "C" fn ei_get_tracelevel() -> c_int {
    trace::level()
}

// ---- epmd -----------------------------------------------------------------------------

fn epmd_fail(e: epmd::Error, code: c_int) -> Fail {
    trace::log(1, format_args!("{e}"));
    match e {
        epmd::Error::NoDaemon(_) => Fail::new(ERL_NO_DAEMON, e.errno()),
        _ => Fail::new(code, e.errno()),
    }
}

fn timeout(ms: c_uint) -> Option<std::time::Duration> {
    (ms != 0 && ms != sockets::INF_TMO).then(|| std::time::Duration::from_millis(u64::from(ms)))
}

/// Registers the node with epmd, listening on `port`. Returns the
/// descriptor that keeps the registration: closing it unregisters. Without
/// epmd: -1 with `erl_errno` `ECONNREFUSED`.
#[no_mangle]
pub unsafe extern "C" fn ei_publish_tmo(ec: *mut ei_cnode, port: c_int, ms: c_uint) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let ec = unsafe { node(ec) }?;
        let alive = text(array_str(&ec.thisalivename)?)?;
        let port = u16::try_from(port).map_err(|_| Fail::inval())?;
        let reg = epmd::publish(alive, port, epmd::NODE_TYPE_HIDDEN, timeout(ms)).map_err(|e| {
            let f = epmd_fail(e, ERL_ERROR);
            Fail::new(ERL_ERROR, f.errno)
        })?;
        trace::log(
            2,
            format_args!(
                "published {alive} on port {port} (creation {})",
                reg.creation
            ),
        );
        Ok(std::os::fd::IntoRawFd::into_raw_fd(reg.stream))
    })
}

/// [`ei_publish_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_publish(ec: *mut ei_cnode, port: c_int) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_publish_tmo(ec, port, 0) }
}

/// Asks epmd to forget `alive` (epmd refuses unless run with
/// `-relaxed_command_check`; closing the descriptor `ei_publish` returned
/// is the way to unregister).
#[no_mangle]
pub unsafe extern "C" fn ei_unpublish_tmo(alive: *const c_char, ms: c_uint) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let alive = text(unsafe { cstr(alive) }?)?;
        match epmd::unpublish(alive, timeout(ms)) {
            Ok(true) => Ok(0),
            Ok(false) => Err(Fail::new(ERL_ERROR, libc::EIO)),
            Err(e) => Err(epmd_fail(e, ERL_ERROR)),
        }
    })
}

/// [`ei_unpublish_tmo`] for this node.
#[no_mangle]
pub unsafe extern "C" fn ei_unpublish(ec: *mut ei_cnode) -> c_int {
    // SAFETY: the caller's contract.
    match unsafe { ec.as_ref() } {
        Some(ec) => unsafe { ei_unpublish_tmo(ec.thisalivename.as_ptr(), 0) },
        None => {
            set_errno(libc::EINVAL);
            ERL_ERROR
        }
    }
}

// ---- connecting --------------------------------------------------------------------

/// The IPv4 address of `host`; our own short host name falls back to
/// loopback, as libei does on a host without a resolvable name.
fn resolve(host: &str) -> Result<Ipv4Addr, Fail> {
    let found = (host, 0u16).to_socket_addrs().ok().and_then(|mut it| {
        it.find_map(|a| match a.ip() {
            std::net::IpAddr::V4(v4) => Some(v4),
            std::net::IpAddr::V6(_) => None,
        })
    });
    match found {
        Some(ip) => Ok(ip),
        None if short_host_name().as_deref() == Some(host) => Ok(Ipv4Addr::LOCALHOST),
        None => {
            trace::log(1, format_args!("cannot resolve host {host}"));
            Err(Fail::new(ERL_ERROR, libc::EHOSTUNREACH))
        }
    }
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    // SAFETY: an all-zero sockaddr_in is valid.
    let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    a.sin_family = libc::AF_INET as libc::sa_family_t;
    a.sin_port = port.to_be();
    a.sin_addr.s_addr = u32::from(ip).to_be();
    a
}

/// Calls the callbacks' `connect`; unless they handle timeouts themselves,
/// connects without blocking and waits for the deadline, as libei does.
fn connect_via(t: &UserTransport, addr: &libc::sockaddr_in, deadline: Deadline) -> io::Result<()> {
    // SAFETY: the program's callbacks, kept alive by the program.
    let cbs = unsafe { &*t.cbs };
    let f = cbs
        .connect
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOTSUP))?;
    let len = std::mem::size_of::<libc::sockaddr_in>() as c_int;
    let addr_p = addr as *const libc::sockaddr_in as *mut c_void;
    if deadline.is_none() || cbs.flags & FLG_FULL_IMPL != 0 {
        let tmo = tmo_ms(deadline)?;
        // SAFETY: a valid address of len bytes.
        return crate::dist::transport::retry_interrupted(|| {
            check(unsafe { f(t.ctx, addr_p, len, tmo) })
        });
    }
    let fd = t.fd()?;
    // SAFETY: fcntl on the callbacks' descriptor.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    unsafe { libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) };
    // SAFETY: a valid address of len bytes.
    let r = check(unsafe { f(t.ctx, addr_p, len, 0) });
    let r = match r {
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EINPROGRESS | libc::EAGAIN | libc::EINTR)
            ) =>
        {
            wait_fd(fd, libc::POLLOUT, deadline).and_then(|()| {
                let mut err: c_int = 0;
                let mut sz = std::mem::size_of::<c_int>() as libc::socklen_t;
                // SAFETY: reading SO_ERROR into err.
                unsafe {
                    libc::getsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_ERROR,
                        (&mut err as *mut c_int).cast(),
                        &mut sz,
                    )
                };
                check(err)
            })
        }
        r => r,
    };
    // SAFETY: restoring the flags.
    unsafe { libc::fcntl(fd, libc::F_SETFL, fl) };
    r
}

fn close_ctx(t: &UserTransport) -> io::Result<()> {
    // SAFETY: the program's callbacks.
    match unsafe { (*t.cbs).close } {
        // SAFETY: closing the context we (or the program) opened.
        Some(f) => check(unsafe { f(t.ctx) }),
        None => Ok(()),
    }
}

/// Opens a connection to `ip:port` and runs the handshake.
fn connect_to(
    ec: &mut ei_cnode,
    ip: Ipv4Addr,
    port: u16,
    deadline: Deadline,
) -> Result<c_int, Fail> {
    let cbs = callbacks(ec);
    let mut ctx: *mut c_void = std::ptr::null_mut();
    // SAFETY: the program's callbacks (or ours).
    let socket = unsafe { (*cbs).socket }.ok_or_else(Fail::inval)?;
    // SAFETY: as above.
    check(unsafe { socket(&mut ctx, ec.setup_context) })
        .map_err(|e| Fail::new(ERL_CONNECT_FAIL, dist::io_errno(&e)))?;
    let user = UserTransport { cbs, ctx };
    if let Err(e) = connect_via(&user, &sockaddr(ip, port), deadline) {
        trace::log(1, format_args!("connect to {ip}:{port} failed: {e}"));
        let _ = close_ctx(&user);
        return Err(Fail::new(ERL_CONNECT_FAIL, dist::io_errno(&e)));
    }
    let (fd, peer) = establish(user, Side::Connect, ec, deadline)?;
    if let Some((name, creation)) = &peer.assigned {
        if let Err(e) = adopt_name(ec, name, *creation) {
            abandon(fd, &user);
            return Err(e);
        }
    }
    trace::log(2, format_args!("connected to {} (fd {fd})", peer.name));
    Ok(fd)
}

/// The side of the handshake a connected socket runs.
#[derive(Clone, Copy)]
enum Side {
    Connect,
    Accept,
}

/// Runs the handshake on a connected socket, records the socket, and calls
/// the callbacks' handshake-complete hook; on failure closes the socket.
fn establish(
    user: UserTransport,
    side: Side,
    ec: &ei_cnode,
    deadline: Deadline,
) -> Result<(c_int, handshake::Peer), Fail> {
    let outcome = (|| -> Result<(c_int, handshake::Peer), Fail> {
        let fd = user.fd()?;
        let me = local(ec)?;
        let run = match side {
            Side::Connect => handshake::initiate::<dyn crate::dist::Transport>,
            Side::Accept => handshake::accept::<dyn crate::dist::Transport>,
        };
        let peer = if sockets::is_default(user.cbs) {
            run(&mut sockets::FdTransport(fd), &me, deadline)?
        } else {
            run(&mut { user }, &me, deadline)?
        };
        sockets::register(fd, user.cbs.cast_mut(), user.ctx);
        // SAFETY: the program's callbacks (or ours).
        let done = unsafe {
            match side {
                Side::Connect => (*user.cbs).connect_handshake_complete,
                Side::Accept => (*user.cbs).accept_handshake_complete,
            }
        };
        if let Some(done) = done {
            // SAFETY: as above.
            if let Err(e) = check(unsafe { done(user.ctx) }) {
                sockets::unregister(fd);
                return Err(e.into());
            }
        }
        Ok((fd, peer))
    })();
    if outcome.is_err() {
        let _ = close_ctx(&user);
    }
    outcome
}

/// Forgets and closes a socket [`establish`] set up.
fn abandon(fd: c_int, user: &UserTransport) {
    sockets::unregister(fd);
    let _ = close_ctx(user);
}

/// Takes the name a peer gave us (dynamic names).
fn adopt_name(ec: &mut ei_cnode, name: &str, creation: u32) -> Result<(), Fail> {
    let alive = name.split('@').next().unwrap_or_default();
    set_array_str(&mut ec.thisnodename, name.as_bytes())?;
    set_array_str(&mut ec.thisalivename, alive.as_bytes())?;
    set_array_str(&mut ec.self_.node, name.as_bytes())?;
    ec.creation = creation;
    ec.self_.creation = creation;
    ec.self_.num = 0;
    ec.self_.serial = 0;
    Ok(())
}

/// Looks `alive` up with the epmd at `ip` and connects.
fn xconnect(
    ec: &mut ei_cnode,
    ip: Ipv4Addr,
    alive: &str,
    deadline: Deadline,
) -> Result<c_int, Fail> {
    let left = crate::dist::transport::remaining(deadline)?;
    let entry = epmd::port_please(std::net::IpAddr::V4(ip), alive, left)
        .map_err(|e| epmd_fail(e, ERL_NO_PORT))?;
    connect_to(ec, ip, entry.port, deadline)
}

/// Connects to `nodename` (`alive@host`).
#[no_mangle]
pub unsafe extern "C" fn ei_connect_tmo(
    ec: *mut ei_cnode,
    nodename: *mut c_char,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (ec, name) = unsafe { (node_mut(ec)?, cstr(nodename)?) };
        if name.len() > MAXNODELEN as usize {
            return Err(Fail::new(ERL_ERROR, libc::ERANGE));
        }
        let (alive, host) = text(name)?.split_once('@').ok_or_else(Fail::inval)?;
        let ip = resolve(host)?;
        xconnect(ec, ip, alive, deadline)
    })
}

/// [`ei_connect_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_connect(ec: *mut ei_cnode, nodename: *mut c_char) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_connect_tmo(ec, nodename, 0) }
}

unsafe fn ip_arg(adr: Erl_IpAddr) -> Result<Ipv4Addr, Fail> {
    // SAFETY: the caller's contract.
    let a = unsafe { adr.as_ref() }.ok_or_else(Fail::inval)?;
    Ok(Ipv4Addr::from(u32::from_be(a.s_addr)))
}

/// Connects to the node `alivename` on the host at `adr`.
#[no_mangle]
pub unsafe extern "C" fn ei_xconnect_tmo(
    ec: *mut ei_cnode,
    adr: Erl_IpAddr,
    alivename: *mut c_char,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (ec, ip, alive) = unsafe { (node_mut(ec)?, ip_arg(adr)?, cstr(alivename)?) };
        xconnect(ec, ip, text(alive)?, deadline)
    })
}

/// [`ei_xconnect_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_xconnect(
    ec: *mut ei_cnode,
    adr: Erl_IpAddr,
    alivename: *mut c_char,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_xconnect_tmo(ec, adr, alivename, 0) }
}

fn port_arg(port: c_int) -> Result<u16, Fail> {
    u16::try_from(port).map_err(|_| Fail::inval())
}

/// Connects to the node listening on `hostname:port`, without epmd.
#[no_mangle]
pub unsafe extern "C" fn ei_connect_host_port_tmo(
    ec: *mut ei_cnode,
    hostname: *mut c_char,
    port: c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (ec, host) = unsafe { (node_mut(ec)?, cstr(hostname)?) };
        let ip = resolve(text(host)?)?;
        connect_to(ec, ip, port_arg(port)?, deadline)
    })
}

/// [`ei_connect_host_port_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_connect_host_port(
    ec: *mut ei_cnode,
    hostname: *mut c_char,
    port: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_connect_host_port_tmo(ec, hostname, port, 0) }
}

/// Connects to the node listening on `adr:port`, without epmd.
#[no_mangle]
pub unsafe extern "C" fn ei_xconnect_host_port_tmo(
    ec: *mut ei_cnode,
    adr: Erl_IpAddr,
    port: c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (ec, ip) = unsafe { (node_mut(ec)?, ip_arg(adr)?) };
        connect_to(ec, ip, port_arg(port)?, deadline)
    })
}

/// [`ei_xconnect_host_port_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_xconnect_host_port(
    ec: *mut ei_cnode,
    adr: Erl_IpAddr,
    port: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_xconnect_host_port_tmo(ec, adr, port, 0) }
}

// ---- listening and accepting -------------------------------------------------------

/// Opens a listening socket on `adr:*port` (port 0: any); stores the
/// address and port it got.
#[no_mangle]
pub unsafe extern "C" fn ei_xlisten(
    ec: *mut ei_cnode,
    adr: Erl_IpAddr,
    port: *mut c_int,
    backlog: c_int,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract.
        let (ec, ip, port_p) = unsafe {
            (
                node(ec)?,
                ip_arg(adr)?,
                port.as_mut().ok_or_else(Fail::inval)?,
            )
        };
        let cbs = callbacks(ec);
        let mut ctx: *mut c_void = std::ptr::null_mut();
        // SAFETY: the program's callbacks (or ours).
        let (socket, listen) = unsafe { ((*cbs).socket, (*cbs).listen) };
        let (socket, listen) = (
            socket.ok_or_else(Fail::inval)?,
            listen.ok_or_else(Fail::inval)?,
        );
        // SAFETY: as above.
        check(unsafe { socket(&mut ctx, ec.setup_context) })?;
        let user = UserTransport { cbs, ctx };
        let mut addr = sockaddr(ip, port_arg(*port_p)?);
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as c_int;
        let r = (|| -> Result<c_int, Fail> {
            // SAFETY: a valid sockaddr_in of len bytes.
            check(unsafe {
                listen(
                    ctx,
                    (&mut addr as *mut libc::sockaddr_in).cast(),
                    &mut len,
                    backlog,
                )
            })?;
            if (len as usize) < std::mem::size_of::<libc::sockaddr_in>() {
                return Err(Fail::new(ERL_ERROR, libc::EIO));
            }
            let fd = user.fd()?;
            sockets::register(fd, cbs, ctx);
            // SAFETY: checked non-NULL by ip_arg.
            unsafe { (*adr).s_addr = addr.sin_addr.s_addr };
            *port_p = c_int::from(u16::from_be(addr.sin_port));
            trace::log(2, format_args!("listening on port {} (fd {fd})", *port_p));
            Ok(fd)
        })();
        if r.is_err() {
            let _ = close_ctx(&user);
        }
        r
    })
}

/// [`ei_xlisten`] on every address.
#[no_mangle]
pub unsafe extern "C" fn ei_listen(ec: *mut ei_cnode, port: *mut c_int, backlog: c_int) -> c_int {
    let mut any = libc::in_addr { s_addr: 0 };
    // SAFETY: forwarding, with a valid address.
    unsafe { ei_xlisten(ec, &mut any, port, backlog) }
}

/// Accepts a connection from another node on the listening socket `lfd`
/// and runs the handshake; fills `conp` (optional) with the peer.
#[no_mangle]
pub unsafe extern "C" fn ei_accept_tmo(
    ec: *mut ei_cnode,
    lfd: c_int,
    conp: *mut ErlConnect,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let ec = unsafe { node(ec) }?;
        let sock = lookup(lfd)?;
        let (cbs, listen_ctx) = sock.callbacks();
        if !std::ptr::eq(cbs, callbacks(ec)) {
            return Err(Fail::inval());
        }
        // SAFETY: the program's callbacks (or ours).
        let accept = unsafe { (*cbs).accept }.ok_or_else(Fail::inval)?;
        if deadline.is_some() && unsafe { (*cbs).flags } & FLG_FULL_IMPL == 0 {
            wait_fd(lfd, libc::POLLIN, deadline)?;
        }
        // SAFETY: an all-zero sockaddr_in is valid.
        let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as c_int;
        let mut ctx = listen_ctx;
        let tmo = tmo_ms(deadline)?;
        // SAFETY: a valid address buffer of len bytes.
        check(unsafe {
            accept(
                &mut ctx,
                (&mut addr as *mut libc::sockaddr_in).cast(),
                &mut len,
                tmo,
            )
        })?;
        let user = UserTransport { cbs, ctx };
        let (fd, peer) = establish(user, Side::Accept, ec, deadline)?;
        // SAFETY: the caller's contract.
        if let Some(c) = unsafe { conp.as_mut() } {
            c.ipadr = addr.sin_addr.s_addr.to_ne_bytes().map(|b| b as c_char);
            if let Err(e) = set_array_str(&mut c.nodename, peer.name.as_bytes()) {
                abandon(fd, &user);
                return Err(e.into());
            }
        }
        trace::log(2, format_args!("accepted {} (fd {fd})", peer.name));
        Ok(fd)
    })
}

/// [`ei_accept_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_accept(ec: *mut ei_cnode, lfd: c_int, conp: *mut ErlConnect) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_accept_tmo(ec, lfd, conp, 0) }
}

/// Closes a connection (or listening socket) the library opened.
#[no_mangle]
pub extern "C" fn ei_close_connection(fd: c_int) -> c_int {
    run(|| {
        let sock = lookup(fd)?;
        let (cbs, ctx) = sock.callbacks();
        sockets::unregister(fd);
        close_ctx(&UserTransport { cbs, ctx })?;
        Ok(0)
    })
}

// ---- sending ---------------------------------------------------------------------------

fn pid_view(p: &erlang_pid) -> Result<PidView<'_>, Fail> {
    Ok(PidView {
        node: array_str(&p.node)?,
        num: p.num,
        serial: p.serial,
        creation: p.creation,
    })
}

unsafe fn payload<'a>(buf: *const c_char, len: c_int) -> Result<&'a [u8], Fail> {
    let len = usize::try_from(len).map_err(|_| Fail::inval())?;
    // SAFETY: the caller's contract.
    Ok(unsafe { super::boundary::bytes(buf, len) }?)
}

/// Writes one message on `fd` while holding its write lock.
fn send_on(
    fd: c_int,
    f: impl FnOnce(&mut sockets::Conn<'_>, Option<&mut SendCache>) -> dist::Result<()>,
) -> Result<c_int, Fail> {
    let sock = lookup(fd)?;
    let mut g = sock.lock_writes();
    f(&mut sock.transport().locked_by_caller(), g.as_deref_mut())?;
    set_errno(0);
    Ok(0)
}

/// Sends an encoded message (with its version byte) to `to`.
#[no_mangle]
pub unsafe extern "C" fn ei_send_encoded_tmo(
    fd: c_int,
    to: *const erlang_pid,
    msg: *mut c_char,
    msglen: c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (to, msg) = unsafe { (to.as_ref().ok_or_else(Fail::inval)?, payload(msg, msglen)?) };
        let to = pid_view(to)?;
        send_on(fd, |t, cache| match cache {
            Some(c) => message::send_to_pid_cached(t, c, to, msg, deadline),
            None => message::send_to_pid(t, to, msg, deadline),
        })
    })
}

/// [`ei_send_encoded_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_send_encoded(
    fd: c_int,
    to: *const erlang_pid,
    msg: *mut c_char,
    msglen: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_send_encoded_tmo(fd, to, msg, msglen, 0) }
}

/// Sends an encoded message to `to`.
#[no_mangle]
pub unsafe extern "C" fn ei_send_tmo(
    fd: c_int,
    to: *mut erlang_pid,
    buf: *mut c_char,
    len: c_int,
    ms: c_uint,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_send_encoded_tmo(fd, to, buf, len, ms) }
}

/// [`ei_send_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_send(
    fd: c_int,
    to: *mut erlang_pid,
    buf: *mut c_char,
    len: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_send_encoded_tmo(fd, to, buf, len, 0) }
}

/// Sends an encoded message from `from` to the process registered as `to`
/// on the peer.
#[no_mangle]
pub unsafe extern "C" fn ei_send_reg_encoded_tmo(
    fd: c_int,
    from: *const erlang_pid,
    to: *const c_char,
    msg: *mut c_char,
    msglen: c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (from, to, msg) = unsafe {
            (
                from.as_ref().ok_or_else(Fail::inval)?,
                cstr(to)?,
                payload(msg, msglen)?,
            )
        };
        let from = pid_view(from)?;
        send_on(fd, |t, cache| match cache {
            Some(c) => message::send_to_name_cached(t, c, from, to, msg, deadline),
            None => message::send_to_name(t, from, to, msg, deadline),
        })
    })
}

/// [`ei_send_reg_encoded_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_send_reg_encoded(
    fd: c_int,
    from: *const erlang_pid,
    to: *const c_char,
    msg: *mut c_char,
    msglen: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_send_reg_encoded_tmo(fd, from, to, msg, msglen, 0) }
}

/// Sends an encoded message from this node to the process registered as
/// `server_name` on the peer.
#[no_mangle]
pub unsafe extern "C" fn ei_reg_send_tmo(
    ec: *mut ei_cnode,
    fd: c_int,
    server_name: *mut c_char,
    buf: *mut c_char,
    len: c_int,
    ms: c_uint,
) -> c_int {
    // SAFETY: the caller's contract.
    let from = unsafe { ei_self(ec) };
    if from.is_null() {
        return ERL_ERROR;
    }
    // SAFETY: forwarding.
    unsafe { ei_send_reg_encoded_tmo(fd, from, server_name, buf, len, ms) }
}

/// [`ei_reg_send_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_reg_send(
    ec: *mut ei_cnode,
    fd: c_int,
    server_name: *mut c_char,
    buf: *mut c_char,
    len: c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_reg_send_tmo(ec, fd, server_name, buf, len, 0) }
}

// ---- receiving -----------------------------------------------------------------------

thread_local! {
    /// Each thread's buffer for control messages, reused between calls.
    static HEADER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A C buffer that `realloc` may grow (`ei_x_buff` of `ei_xreceive_msg`,
/// `ei_receive_encoded`'s buffer), or may not (`ei_receive_msg`).
struct CBuf<'a> {
    buf: &'a mut *mut c_char,
    size: &'a mut c_int,
    growable: bool,
}

impl PayloadBuf for CBuf<'_> {
    fn grow(&mut self, len: usize) -> dist::Result<bool> {
        let have = usize::try_from(*self.size).unwrap_or(0);
        if len <= have && !self.buf.is_null() {
            return Ok(true);
        }
        if !self.growable {
            return Ok(len == 0);
        }
        let new_size = c_int::try_from(len).map_err(|_| dist::Error::TooLarge(len as u64))?;
        // SAFETY: the buffer came from malloc (libei's contract for these
        // buffers); realloc keeps its contents.
        let p = unsafe { libc::realloc((*self.buf).cast(), len.max(1)) };
        if p.is_null() {
            return Err(dist::Error::Io(io::ErrorKind::OutOfMemory.into()));
        }
        *self.buf = p.cast();
        *self.size = new_size;
        Ok(true)
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        let n = usize::try_from(*self.size).unwrap_or(0);
        if self.buf.is_null() || n == 0 {
            return &mut [];
        }
        // SAFETY: the buffer holds `size` bytes (grown above or the caller's
        // promise).
        unsafe { std::slice::from_raw_parts_mut((*self.buf).cast(), n) }
    }
}

/// Fills libei's message envelope from a control message.
fn fill_msg(msg: &mut erlang_msg, c: &message::Control<'_>) -> Result<(), Fail> {
    msg.msgtype = c.reported_kind() as c_long;
    if let Some(p) = &c.from {
        put_pid(p, &mut msg.from)?;
    }
    if let Some(p) = &c.to {
        put_pid(p, &mut msg.to)?;
    }
    if let Some(a) = &c.to_name {
        put_array_str(&mut msg.toname, a.bytes)?;
    }
    if let Some(a) = &c.cookie {
        put_array_str(&mut msg.cookie, a.bytes)?;
    }
    if let Some(tok) = c.token {
        let mut idx: c_int = 0;
        // SAFETY: tok is one whole term (skipped when parsed).
        if unsafe { ei_decode_trace(tok.as_ptr().cast(), &mut idx, &mut msg.token) } != 0 {
            return Err(Fail::new(ERL_ERROR, libc::EBADMSG));
        }
    }
    Ok(())
}

/// [`store_pid`], copying a UTF-8 node name that fits straight away (as
/// `store_pid` does, without its conversions of other names).
#[inline]
fn put_pid(p: &crate::etf::decode::PidRef<'_>, out: &mut erlang_pid) -> Result<(), Fail> {
    let node = p.node.bytes;
    if p.node.utf8 && node.len() < MAXATOMLEN_UTF8 {
        let dst = array_bytes_mut(&mut out.node);
        dst[..node.len()].copy_from_slice(node);
        dst[node.len()] = 0;
        out.num = p.num;
        out.serial = p.serial;
        out.creation = p.creation;
        return Ok(());
    }
    Ok(store_pid(p, out)?)
}

/// [`set_array_str`] with one copy.
#[inline]
fn put_array_str(dst: &mut [c_char], src: &[u8]) -> Result<(), Fail> {
    if src.len() >= dst.len() {
        return Ok(set_array_str(dst, src)?);
    }
    let dst = array_bytes_mut(dst);
    dst[..src.len()].copy_from_slice(src);
    dst[src.len()] = 0;
    Ok(())
}

/// Reads one frame into `buf`; `Ok(None)` for a tick, else the kind as
/// libei reports it and the payload's length. A frame that fits the
/// buffer (or that the buffer may grow to hold) is read straight into it.
#[inline(always)]
fn receive_into(
    fd: c_int,
    msg: &mut erlang_msg,
    mut buf: CBuf<'_>,
    deadline: Deadline,
) -> Result<Option<(i64, usize)>, Fail> {
    let sock = lookup(fd)?;
    let mut t = sock.transport();
    let Some(len) = message::read_frame_length(&mut t, deadline)? else {
        return Ok(None);
    };
    let deliver = |control: &message::Control<'_>, len| {
        fill_msg(msg, control)?;
        Ok((control.reported_kind(), len))
    };
    if message::fits_in_place(&mut buf, len)? {
        return message::receive_frame_in_place(&mut t, len, &mut buf, deadline, deliver)?
            .map(Some);
    }
    HEADER.with(|h| {
        let mut h = h.borrow_mut();
        message::receive_frame_with(&mut t, len, &mut h, &mut buf, deadline, deliver)?.map(Some)
    })
}

unsafe fn do_receive_msg(
    fd: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
    growable: bool,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (msg, x) = unsafe {
            (
                msg.as_mut().ok_or_else(Fail::inval)?,
                x.as_mut().ok_or_else(Fail::inval)?,
            )
        };
        let buf = CBuf {
            buf: &mut x.buff,
            size: &mut x.buffsz,
            growable,
        };
        match receive_into(fd, msg, buf, deadline)? {
            None => Err(Fail::new(ERL_TICK, libc::EAGAIN)),
            Some((k, len)) => {
                x.index = c_int::try_from(len).map_err(|_| Fail::new(ERL_ERROR, libc::EMSGSIZE))?;
                match k {
                    kind::SEND
                    | kind::REG_SEND
                    | kind::LINK
                    | kind::UNLINK
                    | kind::GROUP_LEADER
                    | kind::EXIT
                    | kind::EXIT2
                    | kind::MONITOR_P
                    | kind::DEMONITOR_P
                    | kind::MONITOR_P_EXIT => Ok(ERL_MSG),
                    _ => Err(Fail::new(ERL_ERROR, libc::EIO)),
                }
            }
        }
    })
}

/// Receives a message into `x`'s buffer, which must be large enough.
/// Returns `ERL_MSG`, `ERL_TICK` (a tick was answered; `erl_errno`
/// `EAGAIN`) or `ERL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn ei_receive_msg_tmo(
    fd: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
    ms: c_uint,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { do_receive_msg(fd, msg, x, false, ms) }
}

/// [`ei_receive_msg_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_receive_msg(
    fd: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { do_receive_msg(fd, msg, x, false, 0) }
}

/// Receives a message into `x`, growing its buffer as needed.
#[no_mangle]
pub unsafe extern "C" fn ei_xreceive_msg_tmo(
    fd: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
    ms: c_uint,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { do_receive_msg(fd, msg, x, true, ms) }
}

/// [`ei_xreceive_msg_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_xreceive_msg(
    fd: c_int,
    msg: *mut erlang_msg,
    x: *mut ei_x_buff,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { do_receive_msg(fd, msg, x, true, 0) }
}

/// Receives a message into the `malloc`ed `*bufp` (grown with `realloc`
/// as needed). Returns the message kind, `ERL_TICK` or `ERL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn ei_receive_encoded_tmo(
    fd: c_int,
    bufp: *mut *mut c_char,
    bufsz: *mut c_int,
    msg: *mut erlang_msg,
    msglen: *mut c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        // SAFETY: the caller's contract.
        let (bufp, bufsz, msg, msglen) = unsafe {
            (
                bufp.as_mut().ok_or_else(Fail::inval)?,
                bufsz.as_mut().ok_or_else(Fail::inval)?,
                msg.as_mut().ok_or_else(Fail::inval)?,
                msglen.as_mut().ok_or_else(Fail::inval)?,
            )
        };
        let buf = CBuf {
            buf: bufp,
            size: bufsz,
            growable: true,
        };
        match receive_into(fd, msg, buf, deadline)? {
            None => {
                *msglen = 0;
                Ok(ERL_TICK)
            }
            Some((k, len)) => {
                *msglen = c_int::try_from(len).map_err(|_| Fail::new(ERL_ERROR, libc::EMSGSIZE))?;
                Ok(k as c_int)
            }
        }
    })
}

/// [`ei_receive_encoded_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_receive_encoded(
    fd: c_int,
    bufp: *mut *mut c_char,
    bufsz: *mut c_int,
    msg: *mut erlang_msg,
    msglen: *mut c_int,
) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_receive_encoded_tmo(fd, bufp, bufsz, msg, msglen, 0) }
}

/// Receives one raw frame (pass-through byte, control message and payload)
/// into `bufp`. Returns its length, or `ERL_TICK` for an answered tick. A
/// frame longer than `bufsize` is read and dropped (`EMSGSIZE`), so the
/// connection stays usable.
#[no_mangle]
pub unsafe extern "C" fn ei_receive_tmo(
    fd: c_int,
    bufp: *mut c_uchar,
    bufsize: c_int,
    ms: c_uint,
) -> c_int {
    run(|| {
        let deadline = deadline_ms(ms);
        let size = usize::try_from(bufsize).map_err(|_| Fail::inval())?;
        if bufp.is_null() {
            return Err(Fail::inval());
        }
        // SAFETY: the caller's buffer holds bufsize bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(bufp, size) };
        let sock = lookup(fd)?;
        let mut t = sock.transport();
        match message::receive_raw(&mut t, buf, deadline)? {
            None => Err(Fail::new(ERL_TICK, libc::EAGAIN)),
            Some(n) => Ok(n as c_int),
        }
    })
}

/// [`ei_receive_tmo`] without a timeout.
#[no_mangle]
pub unsafe extern "C" fn ei_receive(fd: c_int, bufp: *mut c_uchar, bufsize: c_int) -> c_int {
    // SAFETY: forwarding.
    unsafe { ei_receive_tmo(fd, bufp, bufsize, 0) }
}

//! Sockets under the C API: plain file descriptors, the program's own
//! socket callbacks (`ei_socket_callbacks`), libei's default callbacks
//! (`ei_default_socket_callbacks`), and the table that remembers, per file
//! descriptor, how to reach a connection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use libc::{c_char, c_int, c_uint, c_void, ssize_t};

use crate::dist::message::SendCache;
use crate::dist::transport::{remaining, retry_interrupted, Deadline, Transport};

use super::types::ei_socket_callbacks;

/// `EI_SCLBK_INF_TMO`: no timeout.
pub const INF_TMO: c_uint = !0;
/// `EI_SCLBK_FLG_FULL_IMPL`: the callbacks handle timeouts themselves.
pub const FLG_FULL_IMPL: c_int = 1;

// ---- plain file descriptors ------------------------------------------------

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// Waits until `fd` is ready for `events` or the deadline passes.
pub fn wait_fd(fd: c_int, events: i16, deadline: Deadline) -> io::Result<()> {
    if deadline.is_none() {
        return Ok(());
    }
    loop {
        let left = remaining(deadline)?.unwrap_or_default();
        let ms = c_int::try_from(left.as_millis().max(1)).unwrap_or(c_int::MAX);
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut p, 1, ms) } {
            -1 => {
                let e = last_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            0 => {
                if remaining(deadline).is_err() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
            }
            _ => return Ok(()),
        }
    }
}

/// One `recv` (`read` when `fd` is no socket); interrupted ones are
/// retried. (`recv` costs the kernel less than `read` on a socket.)
#[inline(always)]
fn fd_read(fd: c_int, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is valid for writes of its length.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n >= 0 {
        return Ok(n as usize);
    }
    fd_read_failed(fd, buf)
}

/// [`fd_read`] after a failed `recv`: `read` on a descriptor that is no
/// socket, retried while interrupted.
#[cold]
#[inline(never)]
fn fd_read_failed(fd: c_int, buf: &mut [u8]) -> io::Result<usize> {
    retry_failed(|socket| {
        // SAFETY: buf is valid for writes of its length.
        unsafe {
            if socket {
                libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0)
            } else {
                libc::read(fd, buf.as_mut_ptr().cast(), buf.len())
            }
        }
    })
}

/// After a socket call failed: makes `call(true)` (the socket call) again
/// while interrupted, and `call(false)` (the plain descriptor call) from
/// `ENOTSOCK` on.
fn retry_failed(mut call: impl FnMut(bool) -> isize) -> io::Result<usize> {
    let mut socket = true;
    let mut e = last_error();
    loop {
        if socket && e.raw_os_error() == Some(libc::ENOTSOCK) {
            socket = false;
        } else if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
        let n = call(socket);
        if n >= 0 {
            return Ok(n as usize);
        }
        e = last_error();
    }
}

/// Writes with `sendmsg(MSG_NOSIGNAL)` so that a closed peer is `EPIPE`,
/// not a signal that kills the program; `writev` when `fd` is no socket.
#[inline(always)]
fn fd_writev(fd: c_int, bufs: &[IoSlice<'_>], nonblocking: bool) -> io::Result<usize> {
    let flags = libc::MSG_NOSIGNAL | if nonblocking { libc::MSG_DONTWAIT } else { 0 };
    let n = sendmsg(fd, bufs, flags);
    if n >= 0 {
        return Ok(n as usize);
    }
    fd_writev_failed(fd, bufs, flags)
}

/// [`fd_writev`] of one buffer: `send`, which costs the kernel less than
/// `sendmsg`.
#[inline(always)]
fn fd_send(fd: c_int, buf: &[u8], nonblocking: bool) -> io::Result<usize> {
    let flags = libc::MSG_NOSIGNAL | if nonblocking { libc::MSG_DONTWAIT } else { 0 };
    // SAFETY: buf is valid for reads of its length.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), flags) };
    if n >= 0 {
        return Ok(n as usize);
    }
    fd_writev_failed(fd, &[IoSlice::new(buf)], flags)
}

/// One `sendmsg` of `bufs`.
#[inline(always)]
fn sendmsg(fd: c_int, bufs: &[IoSlice<'_>], flags: c_int) -> isize {
    // SAFETY: an all-zero msghdr is valid.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    // IoSlice is ABI-compatible with struct iovec on Unix.
    m.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    m.msg_iovlen = bufs.len() as _;
    // SAFETY: m points at bufs, valid for reads.
    unsafe { libc::sendmsg(fd, &m, flags) }
}

/// [`fd_writev`] after a failed write: `writev` on a descriptor that is
/// no socket, retried while interrupted.
#[cold]
#[inline(never)]
fn fd_writev_failed(fd: c_int, bufs: &[IoSlice<'_>], flags: c_int) -> io::Result<usize> {
    retry_failed(|socket| {
        if socket {
            sendmsg(fd, bufs, flags)
        } else {
            // SAFETY: bufs is valid for reads.
            unsafe { libc::writev(fd, bufs.as_ptr().cast(), bufs.len() as c_int) }
        }
    })
}

/// A connection reached through its file descriptor.
#[derive(Debug, Clone, Copy)]
pub struct FdTransport(pub c_int);

impl Transport for FdTransport {
    #[inline]
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        if deadline.is_some() {
            wait_fd(self.0, libc::POLLIN, deadline)?;
        }
        fd_read(self.0, buf)
    }
    #[inline]
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize> {
        write_when_ready(self.0, deadline, |nonblocking| {
            fd_send(self.0, buf, nonblocking)
        })
    }
    #[inline]
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        write_when_ready(self.0, deadline, |nonblocking| {
            fd_writev(self.0, bufs, nonblocking)
        })
    }
}

/// Makes `write` (told whether it must not block: with a deadline) until
/// it does not report `WouldBlock`, first waiting, with a deadline, for
/// `fd` to take more.
#[inline(always)]
fn write_when_ready(
    fd: c_int,
    deadline: Deadline,
    mut write: impl FnMut(bool) -> io::Result<usize>,
) -> io::Result<usize> {
    loop {
        if deadline.is_some() {
            wait_fd(fd, libc::POLLOUT, deadline)?;
        }
        match write(deadline.is_some()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}

// ---- the program's callbacks ----------------------------------------------

/// Milliseconds left before `deadline`, as the callbacks take them.
pub fn tmo_ms(deadline: Deadline) -> io::Result<c_uint> {
    Ok(match remaining(deadline)? {
        None => INF_TMO,
        Some(d) => c_uint::try_from(d.as_millis().max(1)).unwrap_or(INF_TMO - 1),
    })
}

/// Turns a callback's return value (0 or an `errno`) into a result.
pub fn check(err: c_int) -> io::Result<()> {
    match err {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

fn missing() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOTSUP)
}

/// A connection reached through the program's socket callbacks.
#[derive(Clone, Copy)]
pub struct UserTransport {
    pub cbs: *const ei_socket_callbacks,
    pub ctx: *mut c_void,
}

impl UserTransport {
    fn cbs(&self) -> &ei_socket_callbacks {
        // SAFETY: the program keeps its callbacks alive while it uses them.
        unsafe { &*self.cbs }
    }

    /// Unless the callbacks handle timeouts themselves, waits on their
    /// file descriptor first, as libei does.
    fn wait(&self, events: i16, deadline: Deadline) -> io::Result<()> {
        if deadline.is_none() || self.cbs().flags & FLG_FULL_IMPL != 0 {
            return Ok(());
        }
        wait_fd(self.fd()?, events, deadline)
    }

    /// The file descriptor the callbacks report.
    pub fn fd(&self) -> io::Result<c_int> {
        let f = self.cbs().get_fd.ok_or_else(missing)?;
        let mut fd = -1;
        // SAFETY: calling the program's callback with its context.
        check(unsafe { f(self.ctx, &mut fd) })?;
        Ok(fd)
    }
}

impl Transport for UserTransport {
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        self.wait(libc::POLLIN, deadline)?;
        let f = self.cbs().read.ok_or_else(missing)?;
        let mut len = buf.len() as ssize_t;
        let tmo = tmo_ms(deadline)?;
        // SAFETY: buf is valid for writes of len bytes.
        retry_interrupted(|| {
            check(unsafe { f(self.ctx, buf.as_mut_ptr().cast(), &mut len, tmo) })
        })?;
        Ok((len.max(0) as usize).min(buf.len()))
    }
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize> {
        self.wait(libc::POLLOUT, deadline)?;
        let f = self.cbs().write.ok_or_else(missing)?;
        let mut len = buf.len() as ssize_t;
        let tmo = tmo_ms(deadline)?;
        // SAFETY: buf is valid for reads of len bytes.
        retry_interrupted(|| check(unsafe { f(self.ctx, buf.as_ptr().cast(), &mut len, tmo) }))?;
        Ok((len.max(0) as usize).min(buf.len()))
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        let Some(f) = self.cbs().writev else {
            return match bufs.iter().find(|b| !b.is_empty()) {
                Some(b) => self.write(b, deadline),
                None => Ok(0),
            };
        };
        self.wait(libc::POLLOUT, deadline)?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut len: ssize_t = 0;
        let tmo = tmo_ms(deadline)?;
        // SAFETY: IoSlice is ABI-compatible with struct iovec.
        retry_interrupted(|| {
            check(unsafe {
                f(
                    self.ctx,
                    bufs.as_ptr().cast(),
                    bufs.len() as c_int,
                    &mut len,
                    tmo,
                )
            })
        })?;
        Ok((len.max(0) as usize).min(total))
    }
    fn handshake_header_size(&mut self) -> io::Result<usize> {
        let f = self
            .cbs()
            .handshake_packet_header_size
            .ok_or_else(missing)?;
        let mut sz = 0;
        // SAFETY: calling the program's callback.
        check(unsafe { f(self.ctx, &mut sz) })?;
        Ok(sz.max(0) as usize)
    }
}

// ---- libei's default callbacks -----------------------------------------------

/// The descriptor behind a default-callbacks context (`(void *) fd`).
fn ctx_fd(ctx: *mut c_void) -> Result<c_int, c_int> {
    let v = ctx as isize;
    if v < 0 || v > c_int::MAX as isize {
        Err(libc::EBADF)
    } else {
        Ok(v as c_int)
    }
}

fn errno_of(e: io::Error) -> c_int {
    e.raw_os_error().unwrap_or(libc::EIO)
}

fn sys(r: c_int) -> Result<c_int, c_int> {
    if r < 0 {
        Err(errno_of(last_error()))
    } else {
        Ok(r)
    }
}

fn result(r: Result<(), c_int>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e,
    }
}

unsafe extern "C" fn tcp_socket(ctx: *mut *mut c_void, _setup: *mut c_void) -> c_int {
    result((|| {
        if ctx.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: plain socket(2).
        let fd =
            sys(unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) })?;
        // SAFETY: checked non-NULL.
        unsafe { *ctx = fd as isize as *mut c_void };
        Ok(())
    })())
}

unsafe extern "C" fn tcp_close(ctx: *mut c_void) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        // SAFETY: closing the descriptor the context names.
        sys(unsafe { libc::close(fd) }).map(drop)
    })())
}

unsafe extern "C" fn tcp_listen(
    ctx: *mut c_void,
    addr: *mut c_void,
    len: *mut c_int,
    backlog: c_int,
) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        if addr.is_null() || len.is_null() {
            return Err(libc::EINVAL);
        }
        let on: c_int = 1;
        // SAFETY: plain socket calls on caller-provided address storage.
        unsafe {
            sys(libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_REUSEADDR,
                (&on as *const c_int).cast(),
                std::mem::size_of::<c_int>() as libc::socklen_t,
            ))?;
            let mut sz = *len as libc::socklen_t;
            sys(libc::bind(fd, addr.cast(), sz))?;
            sys(libc::getsockname(fd, addr.cast(), &mut sz))?;
            *len = sz as c_int;
            sys(libc::listen(fd, backlog))?;
        }
        Ok(())
    })())
}

unsafe extern "C" fn tcp_accept(
    ctx: *mut *mut c_void,
    addr: *mut c_void,
    len: *mut c_int,
    _tmo: c_uint,
) -> c_int {
    result((|| {
        if ctx.is_null() || len.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: checked non-NULL.
        let fd = ctx_fd(unsafe { *ctx })?;
        // SAFETY: accept(2) into caller-provided address storage.
        unsafe {
            let mut sz = *len as libc::socklen_t;
            let conn = loop {
                let r = libc::accept4(fd, addr.cast(), &mut sz, libc::SOCK_CLOEXEC);
                if r >= 0 || last_error().kind() != io::ErrorKind::Interrupted {
                    break sys(r)?;
                }
            };
            *len = sz as c_int;
            *ctx = conn as isize as *mut c_void;
        }
        Ok(())
    })())
}

unsafe extern "C" fn tcp_connect(
    ctx: *mut c_void,
    addr: *mut c_void,
    len: c_int,
    _tmo: c_uint,
) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        // SAFETY: connect(2) to a caller-provided address.
        sys(unsafe { libc::connect(fd, addr.cast(), len as libc::socklen_t) }).map(drop)
    })())
}

unsafe extern "C" fn tcp_writev(
    ctx: *mut c_void,
    iov: *const c_void,
    iovcnt: c_int,
    len: *mut ssize_t,
    _tmo: c_uint,
) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        if len.is_null() || iovcnt < 0 || (iov.is_null() && iovcnt > 0) {
            return Err(libc::EINVAL);
        }
        let bufs: &[IoSlice<'_>] = if iovcnt == 0 {
            &[]
        } else {
            // SAFETY: the caller passes iovcnt iovecs; IoSlice is ABI-compatible.
            unsafe { std::slice::from_raw_parts(iov.cast(), iovcnt as usize) }
        };
        let n = fd_writev(fd, bufs, false).map_err(errno_of)?;
        // SAFETY: checked non-NULL.
        unsafe { *len = n as ssize_t };
        Ok(())
    })())
}

unsafe extern "C" fn tcp_write(
    ctx: *mut c_void,
    buf: *const c_char,
    len: *mut ssize_t,
    _tmo: c_uint,
) -> c_int {
    if len.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: checked non-NULL.
    let iov = libc::iovec {
        iov_base: buf as *mut c_void,
        iov_len: unsafe { *len }.max(0) as usize,
    };
    // SAFETY: one iovec, as the caller's buffer.
    unsafe { tcp_writev(ctx, (&iov as *const libc::iovec).cast(), 1, len, 0) }
}

unsafe extern "C" fn tcp_read(
    ctx: *mut c_void,
    buf: *mut c_char,
    len: *mut ssize_t,
    _tmo: c_uint,
) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        if len.is_null() || buf.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: the caller's buffer holds *len bytes.
        let b = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), (*len).max(0) as usize) };
        let n = fd_read(fd, b).map_err(errno_of)?;
        // SAFETY: checked non-NULL.
        unsafe { *len = n as ssize_t };
        Ok(())
    })())
}

unsafe extern "C" fn tcp_hs_packet_header_size(ctx: *mut c_void, sz: *mut c_int) -> c_int {
    result((|| {
        ctx_fd(ctx)?;
        if sz.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: checked non-NULL.
        unsafe { *sz = 2 };
        Ok(())
    })())
}

unsafe extern "C" fn tcp_handshake_complete(ctx: *mut c_void) -> c_int {
    result((|| {
        let fd = ctx_fd(ctx)?;
        let one: c_int = 1;
        let sz = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: plain setsockopt calls.
        unsafe {
            sys(libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&one as *const c_int).cast(),
                sz,
            ))?;
            sys(libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_KEEPALIVE,
                (&one as *const c_int).cast(),
                sz,
            ))?;
        }
        Ok(())
    })())
}

unsafe extern "C" fn tcp_get_fd(ctx: *mut c_void, fd: *mut c_int) -> c_int {
    result((|| {
        let f = ctx_fd(ctx)?;
        if fd.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: checked non-NULL.
        unsafe { *fd = f };
        Ok(())
    })())
}

/// libei's plain TCP/IPv4 callbacks, which programs using the `_ussi`
/// functions pass or wrap (ei.h does not declare it; libei exports it).
/// Mutable, as libei's is, because C declares it without `const`.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static mut ei_default_socket_callbacks: ei_socket_callbacks = ei_socket_callbacks {
    flags: 0,
    socket: Some(tcp_socket),
    close: Some(tcp_close),
    listen: Some(tcp_listen),
    accept: Some(tcp_accept),
    connect: Some(tcp_connect),
    writev: Some(tcp_writev),
    write: Some(tcp_write),
    read: Some(tcp_read),
    handshake_packet_header_size: Some(tcp_hs_packet_header_size),
    connect_handshake_complete: Some(tcp_handshake_complete),
    accept_handshake_complete: Some(tcp_handshake_complete),
    get_fd: Some(tcp_get_fd),
};

/// The address of [`ei_default_socket_callbacks`].
pub fn default_callbacks() -> *mut ei_socket_callbacks {
    std::ptr::addr_of_mut!(ei_default_socket_callbacks)
}

/// True when `cbs` are the default callbacks: connections then run on the
/// file descriptor directly.
pub fn is_default(cbs: *const ei_socket_callbacks) -> bool {
    cbs.is_null() || std::ptr::eq(cbs, default_callbacks())
}

// ---- the table ------------------------------------------------------------------

/// What we know about a connection or listening socket, by descriptor.
pub struct SocketInfo {
    pub cbs: *mut ei_socket_callbacks,
    pub ctx: *mut c_void,
    /// Held for each whole message written, so that a tick answered by a
    /// receiving thread never lands inside another thread's message; it
    /// guards the connection's cache of its last `REG_SEND` control message.
    write_lock: Mutex<SendCache>,
}

// SAFETY: the callbacks and context are the program's; libei shares them
// between threads the same way, and our writes are serialised by the lock.
unsafe impl Send for SocketInfo {}
// SAFETY: as above.
unsafe impl Sync for SocketInfo {}

/// Hashes a descriptor by multiplying it (descriptors are small distinct
/// integers, chosen by the kernel, so no hash flooding is possible): every
/// send and receive looks its descriptor up, and SipHash would cost more
/// than the rest of the lookup.
#[derive(Default)]
struct FdHasher(u64);

impl std::hash::Hasher for FdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_i32(&mut self, fd: i32) {
        self.0 = u64::from(fd as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type FdMap = HashMap<c_int, Arc<SocketInfo>, std::hash::BuildHasherDefault<FdHasher>>;

static TABLE: LazyLock<RwLock<FdMap>> = LazyLock::new(Default::default);

/// Bumped, under the table's write lock, by every change to the table.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Each thread's last entry found by [`lookup`]: the table's
    /// generation then, the descriptor and the entry. Every send and
    /// receive looks its descriptor up, mostly the same one again.
    static LAST: RefCell<(u64, c_int, Option<Arc<SocketInfo>>)> =
        const { RefCell::new((u64::MAX, -1, None)) };
}

/// Records a socket (replacing what a closed descriptor of the same number
/// left behind).
pub fn register(fd: c_int, cbs: *mut ei_socket_callbacks, ctx: *mut c_void) {
    let info = Arc::new(SocketInfo {
        cbs,
        ctx,
        write_lock: Mutex::new(SendCache::default()),
    });
    let mut table = TABLE.write().unwrap_or_else(|e| e.into_inner());
    table.insert(fd, info);
    GENERATION.fetch_add(1, Ordering::Release);
}

/// Forgets a socket.
pub fn unregister(fd: c_int) -> Option<Arc<SocketInfo>> {
    let mut table = TABLE.write().unwrap_or_else(|e| e.into_inner());
    let info = table.remove(&fd);
    GENERATION.fetch_add(1, Ordering::Release);
    info
}

/// How to reach the socket `fd`: its table entry, or, for a descriptor the
/// library did not open, the descriptor itself with the default callbacks.
#[inline]
pub fn lookup(fd: c_int) -> io::Result<Sock> {
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    let generation = GENERATION.load(Ordering::Acquire);
    let cached = LAST
        .try_with(|last| match &*last.borrow() {
            (g, f, Some(info)) if *g == generation && *f == fd => Some(info.clone()),
            _ => None,
        })
        .ok()
        .flatten();
    match cached {
        Some(info) => Ok(Sock {
            fd,
            info: Some(info),
        }),
        None => Ok(lookup_table(fd)),
    }
}

/// [`lookup`] in the table, remembered as this thread's last entry.
#[inline(never)]
fn lookup_table(fd: c_int) -> Sock {
    let table = TABLE.read().unwrap_or_else(|e| e.into_inner());
    // Read under the lock: the generation of exactly this table.
    let generation = GENERATION.load(Ordering::Acquire);
    let info = table.get(&fd).cloned();
    drop(table);
    if let Some(i) = &info {
        let _ = LAST.try_with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = (generation, fd, Some(i.clone()));
            }
        });
    }
    Sock { fd, info }
}

/// A socket found by [`lookup`].
pub struct Sock {
    pub fd: c_int,
    pub info: Option<Arc<SocketInfo>>,
}

impl Sock {
    /// The callbacks and context (default ones for an unknown descriptor).
    pub fn callbacks(&self) -> (*mut ei_socket_callbacks, *mut c_void) {
        match &self.info {
            Some(i) => (i.cbs, i.ctx),
            None => (default_callbacks(), self.fd as isize as *mut c_void),
        }
    }

    /// A transport over this socket. Writes through it take the write
    /// lock one call at a time (for the receive path's ticks and acks).
    pub fn transport(&self) -> Conn<'_> {
        let (cbs, ctx) = self.callbacks();
        let lock = self.info.as_ref().map(|i| &i.write_lock);
        if is_default(cbs) {
            Conn {
                inner: Inner::Fd(FdTransport(self.fd)),
                lock,
                per_write: true,
            }
        } else {
            Conn {
                inner: Inner::User(UserTransport { cbs, ctx }),
                lock,
                per_write: true,
            }
        }
    }

    /// Takes the write lock for a whole message.
    pub fn lock_writes(&self) -> Option<MutexGuard<'_, SendCache>> {
        self.info
            .as_ref()
            .map(|i| i.write_lock.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

enum Inner {
    Fd(FdTransport),
    User(UserTransport),
}

/// A transport over a [`Sock`].
pub struct Conn<'a> {
    inner: Inner,
    lock: Option<&'a Mutex<SendCache>>,
    per_write: bool,
}

impl Conn<'_> {
    /// Writes without taking the lock per call: the caller holds it.
    pub fn locked_by_caller(mut self) -> Self {
        self.per_write = false;
        self
    }
}

impl Transport for Conn<'_> {
    #[inline]
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Fd(t) => t.read(buf, deadline),
            Inner::User(t) => t.read(buf, deadline),
        }
    }
    #[inline]
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize> {
        let lock = if self.per_write { self.lock } else { None };
        let _g = lock.map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
        match &mut self.inner {
            Inner::Fd(t) => t.write(buf, deadline),
            Inner::User(t) => t.write(buf, deadline),
        }
    }
    #[inline]
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        let lock = if self.per_write { self.lock } else { None };
        let _g = lock.map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
        match &mut self.inner {
            Inner::Fd(t) => t.write_vectored(bufs, deadline),
            Inner::User(t) => t.write_vectored(bufs, deadline),
        }
    }
    fn handshake_header_size(&mut self) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Fd(_) => Ok(2),
            Inner::User(t) => t.handshake_header_size(),
        }
    }
}

/// A deadline `ms` milliseconds from now; 0 means none (libei's rule).
pub fn deadline_ms(ms: c_uint) -> Deadline {
    if ms == 0 || ms == INF_TMO {
        None
    } else {
        Instant::now().checked_add(std::time::Duration::from_millis(u64::from(ms)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A descriptor that is no socket (a pipe) is read and written with
    /// `read` and `writev` once `recv`, `send` and `sendmsg` refuse it.
    #[test]
    fn pipes_are_read_and_written_too() {
        let mut fds = [0 as c_int; 2];
        // SAFETY: fds has room for the two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (mut r, mut w) = (FdTransport(fds[0]), FdTransport(fds[1]));
        assert_eq!(w.write(b"one ", None).unwrap(), 4);
        let two = [IoSlice::new(b"two "), IoSlice::new(b"three")];
        assert_eq!(w.write_vectored(&two, None).unwrap(), 9);
        let mut got = [0u8; 13];
        let mut n = 0;
        while n < got.len() {
            n += r.read(&mut got[n..], None).unwrap();
        }
        assert_eq!(&got, b"one two three");
        // SAFETY: both descriptors are ours.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}

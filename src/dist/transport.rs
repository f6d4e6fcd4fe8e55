//! The byte stream under a connection, with deadlines.
//!
//! A [`Transport`] is a blocking, connected byte stream: a [`TcpStream`],
//! or, in the C API, a file descriptor or the program's own socket
//! callbacks. Every operation takes a [`Deadline`]; when it passes, the
//! operation fails with [`io::ErrorKind::TimedOut`].

use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::error::{Error, Result};

/// When an operation must be done by; `None` waits for ever.
pub type Deadline = Option<Instant>;

/// A deadline `timeout` from now (`None`: no deadline).
pub fn deadline_after(timeout: Option<Duration>) -> Deadline {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

/// Time left until `deadline`: `Ok(None)` for no deadline, an error once
/// it has passed.
pub fn remaining(deadline: Deadline) -> io::Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(d) => match d.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(io::ErrorKind::TimedOut.into()),
        },
    }
}

/// A connected byte stream.
pub trait Transport {
    /// Reads at most `buf.len()` bytes; `Ok(0)` means the peer closed.
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize>;

    /// Writes some of `buf`, returning how much.
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize>;

    /// Writes some of `bufs`, in order, returning how much.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(b) => self.write(b, deadline),
            None => Ok(0),
        }
    }

    /// Bytes of length before each handshake message: 2 on plain TCP, 4
    /// where the transport asks for it (TLS distribution does).
    fn handshake_header_size(&mut self) -> io::Result<usize> {
        Ok(2)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        (**self).read(buf, deadline)
    }
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize> {
        (**self).write(buf, deadline)
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        (**self).write_vectored(bufs, deadline)
    }
    fn handshake_header_size(&mut self) -> io::Result<usize> {
        (**self).handshake_header_size()
    }
}

/// A [`TcpStream`] the caller owns: deadlines become the socket's read
/// and write timeouts, set only when they change.
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl TcpTransport {
    /// Wraps a connected stream (with Nagle's algorithm off, as
    /// distribution connections run).
    pub fn new(stream: TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(None)?;
        stream.set_write_timeout(None)?;
        Ok(TcpTransport {
            stream,
            read_timeout: None,
            write_timeout: None,
        })
    }

    /// The stream.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }

    fn set_read(&mut self, deadline: Deadline) -> io::Result<()> {
        let t = remaining(deadline)?;
        if t != self.read_timeout {
            self.stream.set_read_timeout(t)?;
            self.read_timeout = t;
        }
        Ok(())
    }

    fn set_write(&mut self, deadline: Deadline) -> io::Result<()> {
        let t = remaining(deadline)?;
        if t != self.write_timeout {
            self.stream.set_write_timeout(t)?;
            self.write_timeout = t;
        }
        Ok(())
    }
}

fn timeout_kind(e: io::Error) -> io::Error {
    // SO_RCVTIMEO expiring shows up as EAGAIN.
    if e.kind() == io::ErrorKind::WouldBlock {
        io::ErrorKind::TimedOut.into()
    } else {
        e
    }
}

impl Transport for TcpTransport {
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        self.set_read(deadline)?;
        retry_interrupted(|| self.stream.read(buf)).map_err(timeout_kind)
    }
    fn write(&mut self, buf: &[u8], deadline: Deadline) -> io::Result<usize> {
        self.set_write(deadline)?;
        retry_interrupted(|| self.stream.write(buf)).map_err(timeout_kind)
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>], deadline: Deadline) -> io::Result<usize> {
        self.set_write(deadline)?;
        retry_interrupted(|| self.stream.write_vectored(bufs)).map_err(timeout_kind)
    }
}

/// Runs `f` again while it fails with `EINTR`.
pub fn retry_interrupted<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Fills `buf` completely; the peer closing first is [`Error::Closed`].
#[inline(always)]
pub fn read_exact<T: Transport + ?Sized>(
    t: &mut T,
    buf: &mut [u8],
    deadline: Deadline,
) -> Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    // One read, as almost always; the rest out of line.
    match t.read(buf, deadline)? {
        n if n >= buf.len() => Ok(()),
        n => read_exact_rest(t, buf, n, deadline),
    }
}

/// [`read_exact`] after a first read of `done` bytes.
#[inline(never)]
fn read_exact_rest<T: Transport + ?Sized>(
    t: &mut T,
    buf: &mut [u8],
    mut done: usize,
    deadline: Deadline,
) -> Result<()> {
    if done == 0 {
        return Err(Error::Closed);
    }
    while done < buf.len() {
        match t.read(&mut buf[done..], deadline)? {
            0 => return Err(Error::Closed),
            n => done += n.min(buf.len() - done),
        }
    }
    Ok(())
}

/// Writes all of `buf`.
#[inline(always)]
pub fn write_all<T: Transport + ?Sized>(t: &mut T, buf: &[u8], deadline: Deadline) -> Result<()> {
    match t.write(buf, deadline)? {
        n if n == buf.len() => Ok(()),
        0 => Err(Error::Io(io::ErrorKind::WriteZero.into())),
        n => write_all_rest(t, &[buf], n, deadline),
    }
}

/// Writes all of `bufs`.
#[inline(always)]
pub fn write_all_vectored<T: Transport + ?Sized>(
    t: &mut T,
    bufs: &[&[u8]],
    deadline: Deadline,
) -> Result<()> {
    // One vectored write of everything, as almost always; the rest out of
    // line.
    if bufs.len() <= MAX_SLICES {
        let mut slices: [IoSlice<'_>; MAX_SLICES] = [IoSlice::new(&[]); MAX_SLICES];
        let mut total = 0;
        for (slice, buf) in slices.iter_mut().zip(bufs) {
            *slice = IoSlice::new(buf);
            total += buf.len();
        }
        let written = t.write_vectored(&slices[..bufs.len()], deadline)?;
        if written == total {
            return Ok(());
        }
        if written == 0 {
            return Err(Error::Io(io::ErrorKind::WriteZero.into()));
        }
        return write_all_rest(t, bufs, written, deadline);
    }
    write_all_rest(t, bufs, 0, deadline)
}

/// Buffers offered to one vectored write.
const MAX_SLICES: usize = 4;

/// [`write_all_vectored`] once `written` bytes of `bufs` are written.
#[inline(never)]
fn write_all_rest<T: Transport + ?Sized>(
    t: &mut T,
    bufs: &[&[u8]],
    mut written: usize,
    deadline: Deadline,
) -> Result<()> {
    let mut idx = 0; // first buffer not completely written
    let mut off = 0; // bytes of bufs[idx] already written
    loop {
        while written > 0 && idx < bufs.len() {
            let left = bufs[idx].len() - off;
            if written >= left {
                written -= left;
                idx += 1;
                off = 0;
            } else {
                off += written;
                written = 0;
            }
        }
        while idx < bufs.len() && off == bufs[idx].len() {
            idx += 1;
            off = 0;
        }
        if idx == bufs.len() {
            return Ok(());
        }
        let mut slices: [IoSlice<'_>; MAX_SLICES] = [IoSlice::new(&[]); MAX_SLICES];
        let n = (bufs.len() - idx).min(MAX_SLICES);
        slices[0] = IoSlice::new(&bufs[idx][off..]);
        for i in 1..n {
            slices[i] = IoSlice::new(bufs[idx + i]);
        }
        written = t.write_vectored(&slices[..n], deadline)?;
        if written == 0 {
            return Err(Error::Io(io::ErrorKind::WriteZero.into()));
        }
    }
}

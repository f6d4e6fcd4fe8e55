//! Distribution: joining a cluster of Erlang nodes as a (hidden) C node.
//!
//! - [`handshake`]: both sides of the handshake, over any [`Transport`];
//! - [`message`]: frames on an established connection — ticks, control
//!   messages, payloads;
//! - [`transport`]: the byte stream under a connection, with deadlines;
//! - [`flags`]: capability flags; [`trace`]: tracing to standard error.
//!
//! [`Node`] and [`Connection`] put these together for Rust programs over
//! `std::net` sockets; the C API uses the same pieces over file
//! descriptors or the program's socket callbacks.
#![forbid(unsafe_code)]

pub mod error;
pub mod flags;
pub mod handshake;
pub mod message;
pub mod trace;
pub mod transport;

use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

pub use error::{io_errno, Error, Result};
pub use message::{Control, PidView, Received};
pub use transport::{Deadline, TcpTransport, Transport};

use crate::etf::term::Pid;

/// A C node's identity, for Rust programs.
#[derive(Debug, Clone)]
pub struct Node {
    name: String,
    cookie: Vec<u8>,
    creation: u32,
}

impl Node {
    /// A node named `alive@host` with `cookie`.
    pub fn new(name: &str, cookie: &[u8], creation: u32) -> Result<Node> {
        match name.split_once('@') {
            Some((a, h))
                if !a.is_empty() && !h.is_empty() && name.len() <= handshake::MAX_NODE_NAME => {}
            _ => return Err(Error::InvalidArgument("node name must be alive@host")),
        }
        Ok(Node {
            name: name.to_owned(),
            cookie: cookie.to_vec(),
            creation,
        })
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node's own pid (`<name.0.0>`).
    pub fn pid(&self) -> Pid {
        Pid {
            node: self.name.clone(),
            num: 0,
            serial: 0,
            creation: self.creation,
        }
    }

    fn local(&self) -> handshake::Local<'_> {
        handshake::Local {
            name: &self.name,
            host: self.name.split_once('@').map_or("", |(_, h)| h),
            cookie: &self.cookie,
            creation: self.creation,
            flags: flags::ADVERTISED,
        }
    }

    /// Connects to `node` (`alive@host`), looking it up with epmd.
    pub fn connect(&self, node: &str, timeout: Option<Duration>) -> Result<Connection> {
        let deadline = transport::deadline_after(timeout);
        let (alive, host) = node
            .split_once('@')
            .ok_or(Error::InvalidArgument("node name must be alive@host"))?;
        let ip = (host, 0u16)
            .to_socket_addrs()?
            .map(|a| a.ip())
            .next()
            .ok_or(Error::InvalidArgument("cannot resolve host"))?;
        let entry =
            crate::epmd::port_please(ip, alive, transport::remaining(deadline)?).map_err(|e| {
                match e {
                    crate::epmd::Error::NoDaemon(io) | crate::epmd::Error::Io(io) => Error::Io(io),
                    _ => Error::Refused(e.to_string()),
                }
            })?;
        let addr = std::net::SocketAddr::new(ip, entry.port);
        let stream = match transport::remaining(deadline)? {
            Some(t) => TcpStream::connect_timeout(&addr, t)?,
            None => TcpStream::connect(addr)?,
        };
        let mut t = TcpTransport::new(stream)?;
        let peer = handshake::initiate(&mut t, &self.local(), deadline)?;
        Ok(Connection {
            t,
            peer,
            header: Vec::new(),
        })
    }

    /// Accepts one connection from another node on `listener`.
    pub fn accept(&self, listener: &TcpListener, timeout: Option<Duration>) -> Result<Connection> {
        let (stream, _) = listener.accept()?;
        let mut t = TcpTransport::new(stream)?;
        let peer = handshake::accept(&mut t, &self.local(), transport::deadline_after(timeout))?;
        Ok(Connection {
            t,
            peer,
            header: Vec::new(),
        })
    }
}

/// An established connection to another node.
#[derive(Debug)]
pub struct Connection {
    t: TcpTransport,
    peer: handshake::Peer,
    header: Vec<u8>,
}

impl Connection {
    /// What the handshake learned about the peer.
    pub fn peer(&self) -> &handshake::Peer {
        &self.peer
    }

    /// The socket.
    pub fn stream(&self) -> &TcpStream {
        self.t.stream()
    }

    /// Sends an encoded term (with its version byte) to `to`.
    pub fn send(&mut self, to: &Pid, payload: &[u8], timeout: Option<Duration>) -> Result<()> {
        let to = PidView {
            node: to.node.as_bytes(),
            num: to.num,
            serial: to.serial,
            creation: to.creation,
        };
        message::send_to_pid(&mut self.t, to, payload, transport::deadline_after(timeout))
    }

    /// Sends an encoded term from `from` to the process registered as
    /// `name` on the peer.
    pub fn send_to_name(
        &mut self,
        from: &Pid,
        name: &str,
        payload: &[u8],
        timeout: Option<Duration>,
    ) -> Result<()> {
        let from = PidView {
            node: from.node.as_bytes(),
            num: from.num,
            serial: from.serial,
            creation: from.creation,
        };
        message::send_to_name(
            &mut self.t,
            from,
            name.as_bytes(),
            payload,
            transport::deadline_after(timeout),
        )
    }

    /// Receives one frame; the payload lands in `payload` (resized to it).
    pub fn receive<'c>(
        &'c mut self,
        payload: &mut Vec<u8>,
        timeout: Option<Duration>,
    ) -> Result<Received<'c>> {
        payload.clear();
        let r = message::receive(
            &mut self.t,
            &mut self.header,
            payload,
            transport::deadline_after(timeout),
        )?;
        if let Received::Message { payload_len, .. } = r {
            payload.truncate(payload_len);
        }
        Ok(r)
    }
}

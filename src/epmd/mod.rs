//! A client for epmd, the Erlang port mapper daemon.
//!
//! - [`publish`] registers a node (`ALIVE2_REQ`); the registration lasts as
//!   long as the returned connection stays open.
//! - [`port_please`] looks a node up (`PORT_PLEASE2_REQ`).
//! - [`names`] lists the registered nodes (`NAMES_REQ`).
//!
//! The response parsers work on any [`Read`], so they are tested and fuzzed
//! without a daemon. epmd listens on port 4369 unless `ERL_EPMD_PORT` says
//! otherwise.
#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// epmd's standard port.
pub const DEFAULT_PORT: u16 = 4369;

/// Longest alive name (the part of a node name before `@`), in bytes.
pub const MAX_ALIVE_LEN: usize = 254;

const ALIVE2_REQ: u8 = 120;
const ALIVE2_RESP: u8 = 121;
const ALIVE2_X_RESP: u8 = 118;
const PORT_PLEASE2_REQ: u8 = 122;
const PORT2_RESP: u8 = 119;
const NAMES_REQ: u8 = 110;
const STOP_REQ: u8 = b's';

/// Node type of a hidden node (a C node), and of a normal Erlang node.
pub const NODE_TYPE_HIDDEN: u8 = 72;
pub const NODE_TYPE_NORMAL: u8 = 77;

/// Distribution versions we speak.
pub const DIST_HIGH: u16 = 6;
pub const DIST_LOW: u16 = 5;

/// What can go wrong talking to epmd.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// epmd could not be reached.
    #[error("cannot reach epmd: {0}")]
    NoDaemon(io::Error),
    /// The conversation with epmd failed.
    #[error("epmd i/o error: {0}")]
    Io(#[from] io::Error),
    /// epmd refused (a registration under a name in use, ...).
    #[error("epmd refused the request (result {0})")]
    Refused(u8),
    /// epmd does not know the node.
    #[error("node not registered with epmd")]
    NotFound,
    /// epmd's answer made no sense.
    #[error("malformed epmd response: {0}")]
    Malformed(&'static str),
    /// The node speaks no distribution version we do.
    #[error("node's distribution versions {0}..={1} do not include ours")]
    Version(u16, u16),
    /// The alive name is empty or too long.
    #[error("invalid alive name")]
    BadName,
}

impl Error {
    /// The `errno` libei would leave in `erl_errno`.
    pub fn errno(&self) -> i32 {
        match self {
            Error::NoDaemon(e) | Error::Io(e) => crate::dist::io_errno(e),
            Error::BadName => libc::ERANGE,
            _ => libc::EIO,
        }
    }
}

/// Results of this module.
pub type Result<T> = std::result::Result<T, Error>;

/// The port epmd listens on: `ERL_EPMD_PORT`, else 4369.
pub fn epmd_port() -> u16 {
    std::env::var("ERL_EPMD_PORT")
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// A registration: keep it (and its stream) open to stay registered.
#[derive(Debug)]
pub struct Registration {
    /// The connection to epmd; closing it unregisters the node.
    pub stream: TcpStream,
    /// The creation epmd assigned.
    pub creation: u32,
}

/// A node's entry in epmd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    /// Its distribution port.
    pub port: u16,
    /// 77 normal, 72 hidden.
    pub node_type: u8,
    /// 0: TCP/IP v4.
    pub protocol: u8,
    /// Highest and lowest distribution versions.
    pub highest: u16,
    pub lowest: u16,
}

fn connect(host: IpAddr, deadline: Option<Instant>) -> Result<TcpStream> {
    let addr = SocketAddr::new(host, epmd_port());
    let stream = match remaining(deadline).map_err(Error::NoDaemon)? {
        Some(t) => TcpStream::connect_timeout(&addr, t),
        None => TcpStream::connect(addr),
    }
    .map_err(Error::NoDaemon)?;
    // A new socket has no timeouts: set them only for a deadline (two
    // system calls fewer per lookup without one).
    if let Some(t) = remaining(deadline)? {
        stream.set_read_timeout(Some(t))?;
        stream.set_write_timeout(Some(t))?;
    }
    Ok(stream)
}

fn remaining(deadline: Option<Instant>) -> io::Result<Option<Duration>> {
    crate::dist::transport::remaining(deadline)
}

fn check_alive(alive: &str) -> Result<()> {
    if alive.is_empty() || alive.len() > MAX_ALIVE_LEN {
        return Err(Error::BadName);
    }
    Ok(())
}

fn request(body: &[u8]) -> Vec<u8> {
    let mut req = Vec::with_capacity(2 + body.len());
    req.extend_from_slice(&(body.len() as u16).to_be_bytes());
    req.extend_from_slice(body);
    req
}

/// Timeouts on epmd's socket surface as `WouldBlock`: make them `TimedOut`.
fn io_err(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        Error::Io(io::ErrorKind::TimedOut.into())
    } else {
        Error::Io(e)
    }
}

/// The `ALIVE2_REQ` body for a node.
pub fn alive2_request(alive: &str, port: u16, node_type: u8) -> Result<Vec<u8>> {
    check_alive(alive)?;
    let mut b = vec![ALIVE2_REQ];
    b.extend_from_slice(&port.to_be_bytes());
    b.push(node_type);
    b.push(0); // TCP/IP v4
    b.extend_from_slice(&DIST_HIGH.to_be_bytes());
    b.extend_from_slice(&DIST_LOW.to_be_bytes());
    b.extend_from_slice(&(alive.len() as u16).to_be_bytes());
    b.extend_from_slice(alive.as_bytes());
    b.extend_from_slice(&0u16.to_be_bytes()); // no extra
    Ok(request(&b))
}

/// Parses epmd's answer to `ALIVE2_REQ`: the creation.
pub fn parse_alive2_response<R: Read>(r: &mut R) -> Result<u32> {
    let mut head = [0u8; 2];
    r.read_exact(&mut head).map_err(io_err)?;
    match head {
        [ALIVE2_X_RESP, 0] => {
            let mut c = [0u8; 4];
            r.read_exact(&mut c).map_err(io_err)?;
            Ok(u32::from_be_bytes(c))
        }
        [ALIVE2_RESP, 0] => {
            let mut c = [0u8; 2];
            r.read_exact(&mut c).map_err(io_err)?;
            Ok(u32::from(u16::from_be_bytes(c)))
        }
        [ALIVE2_X_RESP | ALIVE2_RESP, code] => Err(Error::Refused(code)),
        _ => Err(Error::Malformed("not an ALIVE2 response")),
    }
}

/// Registers `alive` (listening on `port`) with the epmd on this host.
pub fn publish(
    alive: &str,
    port: u16,
    node_type: u8,
    timeout: Option<Duration>,
) -> Result<Registration> {
    let deadline = crate::dist::transport::deadline_after(timeout);
    let req = alive2_request(alive, port, node_type)?;
    let mut stream = connect(IpAddr::V4(Ipv4Addr::LOCALHOST), deadline)?;
    stream.write_all(&req).map_err(io_err)?;
    let creation = parse_alive2_response(&mut stream)?;
    // The registration outlives any timeout given for making it.
    if deadline.is_some() {
        stream.set_read_timeout(None)?;
        stream.set_write_timeout(None)?;
    }
    Ok(Registration { stream, creation })
}

/// Parses epmd's answer to `PORT_PLEASE2_REQ`.
pub fn parse_port2_response<R: Read>(r: &mut R) -> Result<NodeEntry> {
    let mut head = [0u8; 2];
    r.read_exact(&mut head).map_err(io_err)?;
    if head[0] != PORT2_RESP {
        return Err(Error::Malformed("not a PORT2 response"));
    }
    if head[1] != 0 {
        return Err(Error::NotFound);
    }
    let mut b = [0u8; 8];
    r.read_exact(&mut b).map_err(io_err)?;
    let e = NodeEntry {
        port: u16::from_be_bytes([b[0], b[1]]),
        node_type: b[2],
        protocol: b[3],
        highest: u16::from_be_bytes([b[4], b[5]]),
        lowest: u16::from_be_bytes([b[6], b[7]]),
    };
    // The name and extra fields follow; we need neither.
    if e.protocol != 0 {
        return Err(Error::Malformed("unknown protocol"));
    }
    if e.highest < DIST_LOW || e.lowest > DIST_HIGH || e.lowest > e.highest {
        return Err(Error::Version(e.lowest, e.highest));
    }
    Ok(e)
}

/// Looks up `alive` with the epmd on `host`.
pub fn port_please(host: IpAddr, alive: &str, timeout: Option<Duration>) -> Result<NodeEntry> {
    let deadline = crate::dist::transport::deadline_after(timeout);
    check_alive(alive)?;
    let mut body = vec![PORT_PLEASE2_REQ];
    body.extend_from_slice(alive.as_bytes());
    let mut stream = connect(host, deadline)?;
    stream.write_all(&request(&body)).map_err(io_err)?;
    parse_port2_response(&mut stream)
}

/// Lists the nodes registered with the epmd on `host`, as epmd prints them
/// (`name N at port P` lines).
pub fn names(host: IpAddr, timeout: Option<Duration>) -> Result<Vec<(String, u16)>> {
    let deadline = crate::dist::transport::deadline_after(timeout);
    let mut stream = connect(host, deadline)?;
    stream.write_all(&request(&[NAMES_REQ])).map_err(io_err)?;
    parse_names_response(&mut stream.take(1 << 20))
}

/// Parses epmd's answer to `NAMES_REQ`.
pub fn parse_names_response<R: Read>(r: &mut R) -> Result<Vec<(String, u16)>> {
    let mut port = [0u8; 4];
    r.read_exact(&mut port).map_err(io_err)?;
    let mut text = Vec::new();
    r.read_to_end(&mut text).map_err(io_err)?;
    let text = String::from_utf8_lossy(&text);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("name ") else {
            continue;
        };
        let Some((name, port)) = rest.rsplit_once(" at port ") else {
            return Err(Error::Malformed("bad NAMES line"));
        };
        let port = port
            .trim()
            .parse()
            .map_err(|_| Error::Malformed("bad port in NAMES"))?;
        out.push((name.to_owned(), port));
    }
    Ok(out)
}

/// Asks epmd to forget `alive` (`STOP_REQ`; epmd refuses unless started
/// with `-relaxed_command_check`). Ok(true) if it did.
pub fn unpublish(alive: &str, timeout: Option<Duration>) -> Result<bool> {
    let deadline = crate::dist::transport::deadline_after(timeout);
    check_alive(alive)?;
    let mut body = vec![STOP_REQ];
    body.extend_from_slice(alive.as_bytes());
    let mut stream = connect(IpAddr::V4(Ipv4Addr::LOCALHOST), deadline)?;
    stream.write_all(&request(&body)).map_err(io_err)?;
    let mut answer = [0u8; 7];
    match stream.read_exact(&mut answer) {
        Ok(()) => Ok(&answer == b"STOPPED"),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(io_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alive2_round() {
        let req = alive2_request("foo", 4242, NODE_TYPE_HIDDEN).unwrap();
        assert_eq!(&req[..3], &[0, 16, ALIVE2_REQ]);
        assert_eq!(
            parse_alive2_response(&mut &[118u8, 0, 0, 1, 2, 3][..]).unwrap(),
            0x010203
        );
        assert_eq!(
            parse_alive2_response(&mut &[121u8, 0, 0, 7][..]).unwrap(),
            7
        );
        assert!(matches!(
            parse_alive2_response(&mut &[118u8, 1][..]),
            Err(Error::Refused(1))
        ));
        assert!(matches!(
            parse_alive2_response(&mut &[0u8, 0][..]),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            parse_alive2_response(&mut &[118u8][..]),
            Err(Error::Io(_))
        ));
        assert!(alive2_request("", 1, NODE_TYPE_HIDDEN).is_err());
        assert!(alive2_request(&"x".repeat(255), 1, NODE_TYPE_HIDDEN).is_err());
    }

    #[test]
    fn port2_responses() {
        let ok = [119u8, 0, 0x1f, 0x90, 77, 0, 0, 6, 0, 5];
        let e = parse_port2_response(&mut &ok[..]).unwrap();
        assert_eq!((e.port, e.highest, e.lowest), (8080, 6, 5));
        assert!(matches!(
            parse_port2_response(&mut &[119u8, 1][..]),
            Err(Error::NotFound)
        ));
        let old = [119u8, 0, 0, 1, 77, 0, 0, 4, 0, 3];
        assert!(matches!(
            parse_port2_response(&mut &old[..]),
            Err(Error::Version(3, 4))
        ));
        assert!(matches!(
            parse_port2_response(&mut &ok[..5]),
            Err(Error::Io(_))
        ));
    }

    #[test]
    fn names_response() {
        let mut r = b"\0\0\x11\x11name foo at port 1234\nname b@r at port 5\n".as_slice();
        assert_eq!(
            parse_names_response(&mut r).unwrap(),
            vec![("foo".to_owned(), 1234), ("b@r".to_owned(), 5)]
        );
    }
}

//! Errors of the distribution layer.

use std::io;

/// Why a connection, handshake, send or receive failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket failed; `TimedOut` when a deadline passed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The peer closed the connection.
    #[error("connection closed by peer")]
    Closed,
    /// The peer broke the handshake protocol.
    #[error("handshake failed: {0}")]
    Handshake(&'static str),
    /// The peer refused us during the handshake (its status message).
    #[error("peer refused the connection: {0}")]
    Refused(String),
    /// The challenge digest did not match: the cookies differ.
    #[error("challenge digest mismatch (cookies differ)")]
    BadDigest,
    /// The peer lacks capabilities every OTP 25+ node has.
    #[error("peer lacks mandatory distribution flags")]
    MissingFlags,
    /// A frame's control message or payload is malformed.
    #[error("malformed message: {0}")]
    BadMessage(&'static str),
    /// A frame is longer than the limit, or than the caller's buffer.
    #[error("message too large ({0} bytes)")]
    TooLarge(u64),
    /// The caller passed something unusable (a bad node name, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// Encoding a control message failed.
    #[error("encoding failed: {0}")]
    Encode(#[from] crate::etf::Error),
}

impl Error {
    /// The `errno` value libei leaves in `erl_errno` for this error.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Io(e) => io_errno(e),
            Error::Closed
            | Error::Handshake(_)
            | Error::Refused(_)
            | Error::BadDigest
            | Error::MissingFlags => libc::EIO,
            Error::BadMessage(_) => libc::EBADMSG,
            Error::TooLarge(_) => libc::EMSGSIZE,
            Error::InvalidArgument(_) | Error::Encode(_) => libc::EINVAL,
        }
    }

    /// True when a deadline expired.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::TimedOut)
    }
}

/// The `errno` for an I/O error: the OS's own code when there is one.
pub fn io_errno(e: &io::Error) -> i32 {
    if let Some(code) = e.raw_os_error() {
        return code;
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => libc::ETIMEDOUT,
        io::ErrorKind::ConnectionRefused => libc::ECONNREFUSED,
        io::ErrorKind::OutOfMemory => libc::ENOMEM,
        io::ErrorKind::InvalidInput => libc::EINVAL,
        _ => libc::EIO,
    }
}

/// Results of the distribution layer.
pub type Result<T> = std::result::Result<T, Error>;

use thiserror::Error;

/// Why an encode or decode failed. The C layer maps every variant to `-1`
/// and an `erl_errno` value (see [`Error::errno`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Error {
    /// The input ends before the term does.
    #[error("term is truncated")]
    Truncated,
    /// The tag at this position is not one the operation accepts.
    #[error("unexpected tag {0}")]
    UnexpectedTag(u8),
    /// The bytes are a well-tagged term but carry an impossible value.
    #[error("malformed term: {0}")]
    Malformed(&'static str),
    /// The value does not fit the requested type (e.g. a bignum into `i64`).
    #[error("value out of range")]
    OutOfRange,
    /// The value does not fit the caller's buffer or a documented limit.
    #[error("value too large: {0}")]
    TooLarge(&'static str),
    /// Nesting deeper than [`crate::etf::MAX_DEPTH`].
    #[error("term nested too deeply")]
    TooDeep,
    /// An argument given to an encoder cannot be encoded.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// Memory could not be allocated.
    #[error("out of memory")]
    NoMemory,
}

impl Error {
    /// The `errno` value the C API stores in `erl_errno` for this error.
    pub fn errno(self) -> i32 {
        match self {
            Error::Truncated | Error::UnexpectedTag(_) | Error::Malformed(_) => libc::EBADMSG,
            Error::OutOfRange => libc::ERANGE,
            Error::TooLarge(_) | Error::TooDeep => libc::EMSGSIZE,
            Error::InvalidArgument(_) => libc::EINVAL,
            Error::NoMemory => libc::ENOMEM,
        }
    }
}

/// Result of codec operations.
pub type Result<T> = std::result::Result<T, Error>;

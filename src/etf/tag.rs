//! Tags of the external term format, as in OTP's `erts/doc` "External Term
//! Format" guide (and the `ERL_*_EXT` macros of `ei.h`).

/// The version byte that starts every externally encoded term.
pub const VERSION_MAGIC: u8 = 131;

pub const NEW_FLOAT_EXT: u8 = b'F';
pub const BIT_BINARY_EXT: u8 = b'M';
pub const NEW_PID_EXT: u8 = b'X';
pub const NEW_PORT_EXT: u8 = b'Y';
pub const NEWER_REFERENCE_EXT: u8 = b'Z';
pub const SMALL_INTEGER_EXT: u8 = b'a';
pub const INTEGER_EXT: u8 = b'b';
pub const FLOAT_EXT: u8 = b'c';
pub const ATOM_EXT: u8 = b'd';
pub const REFERENCE_EXT: u8 = b'e';
pub const PORT_EXT: u8 = b'f';
pub const PID_EXT: u8 = b'g';
pub const SMALL_TUPLE_EXT: u8 = b'h';
pub const LARGE_TUPLE_EXT: u8 = b'i';
pub const NIL_EXT: u8 = b'j';
pub const STRING_EXT: u8 = b'k';
pub const LIST_EXT: u8 = b'l';
pub const BINARY_EXT: u8 = b'm';
pub const SMALL_BIG_EXT: u8 = b'n';
pub const LARGE_BIG_EXT: u8 = b'o';
pub const NEW_FUN_EXT: u8 = b'p';
pub const EXPORT_EXT: u8 = b'q';
pub const NEW_REFERENCE_EXT: u8 = b'r';
pub const SMALL_ATOM_EXT: u8 = b's';
pub const MAP_EXT: u8 = b't';
pub const FUN_EXT: u8 = b'u';
pub const ATOM_UTF8_EXT: u8 = b'v';
pub const SMALL_ATOM_UTF8_EXT: u8 = b'w';
pub const V4_PORT_EXT: u8 = b'x';
/// Not a term: the tag of a compressed term (zlib), after the version byte.
pub const COMPRESSED: u8 = b'P';

/// Largest value encoded as `INTEGER_EXT` by libei (OTP's `ERL_MAX`).
pub const ERL_MAX: i64 = (1 << 27) - 1;
/// Smallest value encoded as `INTEGER_EXT` by libei (OTP's `ERL_MIN`).
pub const ERL_MIN: i64 = -(1 << 27);

#![forbid(unsafe_code)]

//! The external term format: a safe codec over bounded buffers.
//!
//! - [`decode::Decoder`] reads terms item by item (the shape of libei's
//!   `ei_decode_*` functions) from any [`decode::Source`];
//! - [`encode`] writes them to any [`encode::Sink`];
//! - [`Term`] is an owned term for Rust users, with [`Term::decode`] and
//!   [`Term::encode`];
//! - [`print`] renders terms as `ei_print_term` does, [`format`] builds them
//!   from `ei_x_format` strings.
//!
//! Decoding never panics, never allocates more than a small multiple of its
//! input, and nests at most [`MAX_DEPTH`] deep.

pub mod atom;
pub mod big;
pub mod decode;
pub mod encode;
mod error;
pub mod format;
pub mod print;
pub mod tag;
pub mod term;

pub use decode::Decoder;
pub use error::{Error, Result};
pub use term::Term;

/// Deepest nesting of tuples, lists (as elements, not tails), maps and funs
/// that [`Term::decode`] accepts: deeper input is [`Error::TooDeep`]. The
/// bound keeps recursive work on an owned term (drop, encode, compare) well
/// within a thread's stack. The item-by-item [`Decoder`], `skip` and the
/// printer need no bound: they do not recurse.
pub const MAX_DEPTH: usize = 1024;

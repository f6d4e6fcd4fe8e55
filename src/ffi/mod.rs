//! The C API: thin `unsafe` shells over the safe core, and the only place
//! in the crate where `unsafe` appears.
//!
//! Every export checks its arguments, converts C types, calls the core, and
//! maps the result to libei's convention (0 or a count on success; -1 and
//! `erl_errno` on failure, with `*index` untouched). [`boundary::guard`]
//! wraps each body so that no panic unwinds into C.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![allow(unsafe_op_in_unsafe_fn)]
// C's `long` is 32 or 64 bits depending on the platform: conversions that
// are no-ops here are not on every target.
#![allow(clippy::useless_conversion, clippy::unnecessary_cast)]

mod boundary;
mod connect;
mod decode;
mod encode;
mod format;
mod global;
#[cfg(feature = "gmp")]
mod gmp;
mod misc;
mod print;
mod resolve;
mod rpc;
mod sockets;
pub mod types;
mod xbuf;

//! ei-rs: Erlang's `erl_interface` (libei) rebuilt in Rust.
//!
//! The crate is both a Rust library and, through `src/ffi`, a C library
//! (`libei.so`, `libei.a`, `include/ei.h`) that is a drop-in replacement for
//! OTP's libei. The Rust API lives in [`etf`]; the C API is documented in
//! `ei.h`.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod dist;
pub mod epmd;
pub mod etf;

mod ffi;

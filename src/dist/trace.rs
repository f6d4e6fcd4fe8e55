//! Connection tracing to standard error, as libei's `ei_set_tracelevel`.
//!
//! Levels: 1 errors, 2 connection events, 3 handshake steps, 4 control
//! messages, 5 message payloads. Cookies are never traced, nor are
//! challenge digests (they would allow guessing the cookie offline).

use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering};

static LEVEL: AtomicI32 = AtomicI32::new(0);

/// Sets the trace level (0 turns tracing off).
pub fn set_level(level: i32) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// The trace level.
pub fn level() -> i32 {
    LEVEL.load(Ordering::Relaxed)
}

/// Sets the level from `EI_TRACELEVEL` or `ERL_DEBUG_DIST`, as libei does
/// when a node is initialised.
pub fn init_from_env() {
    for var in ["EI_TRACELEVEL", "ERL_DEBUG_DIST"] {
        if let Ok(v) = std::env::var(var) {
            set_level(v.trim().parse().unwrap_or(0));
            return;
        }
    }
}

/// True when messages of `level` are traced.
pub fn enabled(level: i32) -> bool {
    self::level() >= level
}

/// Writes one trace line at `level`.
pub fn log(level: i32, args: std::fmt::Arguments<'_>) {
    if enabled(level) {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "ei-rs[{level}]: {args}");
    }
}

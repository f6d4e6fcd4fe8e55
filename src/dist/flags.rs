//! Distribution capability flags, as OTP's `kernel/include/dist.hrl`
//! defines them.

pub const PUBLISHED: u64 = 0x01;
pub const ATOM_CACHE: u64 = 0x02;
pub const EXTENDED_REFERENCES: u64 = 0x04;
pub const DIST_MONITOR: u64 = 0x08;
pub const FUN_TAGS: u64 = 0x10;
pub const DIST_MONITOR_NAME: u64 = 0x20;
pub const HIDDEN_ATOM_CACHE: u64 = 0x40;
pub const NEW_FUN_TAGS: u64 = 0x80;
pub const EXTENDED_PIDS_PORTS: u64 = 0x100;
pub const EXPORT_PTR_TAG: u64 = 0x200;
pub const BIT_BINARIES: u64 = 0x400;
pub const NEW_FLOATS: u64 = 0x800;
pub const UNICODE_IO: u64 = 0x1000;
pub const DIST_HDR_ATOM_CACHE: u64 = 0x2000;
pub const SMALL_ATOM_TAGS: u64 = 0x4000;
pub const UTF8_ATOMS: u64 = 0x10000;
pub const MAP_TAG: u64 = 0x20000;
pub const BIG_CREATION: u64 = 0x40000;
pub const SEND_SENDER: u64 = 0x80000;
pub const BIG_SEQTRACE_LABELS: u64 = 0x100000;
pub const EXIT_PAYLOAD: u64 = 0x400000;
pub const FRAGMENTS: u64 = 0x800000;
pub const HANDSHAKE_23: u64 = 0x0100_0000;
pub const UNLINK_ID: u64 = 0x0200_0000;
/// Shorthand for all of [`MANDATORY_25`] (the prose docs give another
/// value; this is the code's).
pub const MANDATORY_25_DIGEST: u64 = 0x0400_0000;
pub const SPAWN: u64 = 0x01 << 32;
pub const NAME_ME: u64 = 0x02 << 32;
pub const V4_NC: u64 = 0x04 << 32;
pub const ALIAS: u64 = 0x08 << 32;

/// Flags every OTP 25 node has (`MANDATORY_DFLAGS_25`).
pub const MANDATORY_25: u64 = EXTENDED_REFERENCES
    | FUN_TAGS
    | EXTENDED_PIDS_PORTS
    | UTF8_ATOMS
    | NEW_FUN_TAGS
    | BIG_CREATION
    | NEW_FLOATS
    | MAP_TAG
    | EXPORT_PTR_TAG
    | BIT_BINARIES
    | HANDSHAKE_23;

/// Flags OTP 26 and later also require (`MANDATORY_DFLAGS_26`).
pub const MANDATORY_26: u64 = V4_NC | UNLINK_ID;

/// What we require of a peer: what OTP 25 made mandatory. A peer that
/// sends the digest flag has all of them.
pub const REQUIRED: u64 = MANDATORY_25;

/// What a C node advertises: OTP 25's and 26's mandatory sets plus the
/// monitor and small-atom capabilities, as libei does. A C node is hidden
/// ([`PUBLISHED`] is not set).
pub const ADVERTISED: u64 =
    MANDATORY_25 | MANDATORY_25_DIGEST | MANDATORY_26 | DIST_MONITOR | SMALL_ATOM_TAGS;

/// A peer's flags with the digest flag expanded.
pub fn expand(flags: u64) -> u64 {
    if flags & MANDATORY_25_DIGEST != 0 {
        flags | MANDATORY_25
    } else {
        flags
    }
}

/// True if a peer advertising `flags` has everything we need.
pub fn acceptable(flags: u64) -> bool {
    expand(flags) & REQUIRED == REQUIRED
}

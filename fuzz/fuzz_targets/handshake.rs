//! Both sides of the distribution handshake against a peer whose every
//! message comes from the input. The first byte picks the side and the
//! length-prefix size (2, or 4 as TLS callbacks ask). Properties: no panic,
//! no hang (the script ends), every outcome an error or a peer whose name
//! is `alive@host`, and nothing written beyond a handful of messages.
#![no_main]

use ei::dist::flags;
use ei::dist::handshake::{self, Local};
use libfuzzer_sys::fuzz_target;

mod wire;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let header = if mode & 2 == 0 { 2 } else { 4 };
    let me = Local {
        name: if mode & 4 == 0 { "fuzz@localhost" } else { "" },
        host: "localhost",
        cookie: b"cookie",
        creation: 7,
        flags: flags::ADVERTISED,
    };
    let mut t = wire::Script::new(rest, header);
    let r = if mode & 1 == 0 {
        handshake::initiate(&mut t, &me, None)
    } else {
        handshake::accept(&mut t, &me, None)
    };
    if let Ok(peer) = r {
        assert!(peer.name.contains('@'), "{peer:?}");
        assert!(flags::acceptable(peer.flags));
    }
    assert!(t.written < 4 * handshake::MAX_HANDSHAKE_MESSAGE);
});

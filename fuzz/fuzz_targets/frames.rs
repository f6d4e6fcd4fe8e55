//! Frames of an established connection from the input: ticks, control
//! messages and payloads, read into a growable and into a fixed buffer, and
//! as raw frames. Properties: no panic; a payload never exceeds its frame;
//! the growable buffer grows with the bytes that arrived (at most one
//! growth step beyond them), not with the length a frame claims.
#![no_main]

use ei::dist::message::{self, Received};
use libfuzzer_sys::fuzz_target;

mod wire;

fuzz_target!(|data: &[u8]| {
    let mut header = Vec::new();
    let mut grow = Vec::new();
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        let before = t.input.len();
        match message::receive(&mut t, &mut header, &mut grow, None) {
            Ok(Received::Message { payload_len, .. }) => assert!(payload_len <= before),
            Ok(Received::Tick) => {}
            Err(_) => {}
        }
        assert!(
            grow.len() <= 2 * data.len() + (2 << 20),
            "buffer {} for {} input bytes",
            grow.len(),
            data.len()
        );
        assert!(t.input.len() < before, "no progress");
    }
    let mut fixed = [0u8; 300];
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        let _ = message::receive(&mut t, &mut header, &mut fixed[..], None);
    }
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        if let Ok(Some(n)) = message::receive_raw(&mut t, &mut fixed, None) {
            assert!(n <= fixed.len());
        }
    }
    // Control messages alone.
    if let Ok((_, layout)) = message::parse_control(data) {
        assert!(layout.payload_start <= data.len());
        let _ = message::check_payload(&data[layout.payload_start..], &layout);
    }
    let _ = message::check_frame(data);
});

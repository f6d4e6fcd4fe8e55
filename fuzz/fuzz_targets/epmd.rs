//! epmd's answers from the input: ALIVE2, PORT2 and NAMES responses.
//! Property: no panic, and NAMES never yields more entries than lines.
#![no_main]

use ei::epmd;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = epmd::parse_alive2_response(&mut &data[..]);
    if let Ok(e) = epmd::parse_port2_response(&mut &data[..]) {
        assert!(e.lowest <= e.highest);
    }
    if let Ok(names) = epmd::parse_names_response(&mut &data[..]) {
        assert!(names.len() <= data.iter().filter(|&&b| b == b'\n').count() + 1);
    }
});

//! `Decoder::skip` and `Decoder::type_info` on arbitrary bytes. Properties:
//! no panic; a failed skip leaves the position unchanged; a successful one
//! ends inside the buffer and no proper prefix of the skipped bytes skips;
//! skipping term after term always makes progress.
#![no_main]

use ei::etf::Decoder;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::check_skip(data);
    // Term after term, as a C program walking a buffer would.
    let mut d = Decoder::new(data);
    if data.first() == Some(&131) {
        d.version().expect("version byte");
    }
    loop {
        let before = d.position();
        let ti = d.type_info();
        assert_eq!(d.position(), before, "type_info moved");
        match d.skip() {
            Ok(()) => {
                assert!(ti.is_ok(), "skip works where type_info fails");
                assert!(d.position() > before && d.position() <= data.len());
            }
            Err(_) => {
                assert_eq!(d.position(), before, "failed skip moved");
                break;
            }
        }
    }
});

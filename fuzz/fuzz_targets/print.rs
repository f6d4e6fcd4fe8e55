//! `print::print_to_vec` and `print::print_term` on arbitrary bytes.
//! Properties: no panic; a failed print leaves the position unchanged; a
//! term that prints also skips, to the same end.
#![no_main]

use ei::etf::print;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let r = print::print_to_vec(data);
    let body = if data.first() == Some(&131) {
        &data[1..]
    } else {
        data
    };
    let end = common::check_print(body);
    assert_eq!(
        r.is_ok(),
        end.is_some(),
        "print_to_vec and print_term disagree"
    );
});

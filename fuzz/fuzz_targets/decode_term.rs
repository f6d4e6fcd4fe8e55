//! `Term::from_external` / `Term::decode` on arbitrary bytes, with and
//! without a version byte. Properties (see common.rs): no panic; a decoded
//! term re-encodes to bytes that decode to an equal term; `Term::decode`,
//! `skip` and the printer agree on where a term ends.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::check_external(data);
    common::check_term(data);
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(131);
    v.extend_from_slice(data);
    common::check_external(&v);
});

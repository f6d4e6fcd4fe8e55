//! Properties shared by the fuzz targets and `tests/bad_input.rs` (which
//! includes this file with `#[path]`). Every check panics when a property
//! fails, so the fuzzer reports it as a crash.
//!
//! The properties:
//! - no decoder, `skip`, printer or `Term` function panics on any input;
//! - a failed `Decoder` call leaves the position where it was; a successful
//!   one advances it within the buffer;
//! - the decoders agree with each other: a term that `Term::decode` accepts
//!   is skipped and printed to the same end position; a term that prints
//!   skips to the same end position;
//! - ETF is prefix-free: no proper prefix of a term that skips is a term;
//! - a decoded `Term` that encodes re-decodes to an equal `Term`, and
//!   encoding that gives the same bytes again.

#![allow(dead_code)]

use ei::etf::print;
use ei::etf::{Decoder, Error, Term};

/// Encodes `t`; when that works, decodes the bytes back and checks the
/// result equals `t` and encodes to the same bytes.
/// Encoding may fail only with the errors `Term::encode` documents (atoms
/// over 255 characters, non-finite floats, ...), never by panicking.
pub fn round_trip(t: &Term) {
    let bytes = match t.to_external() {
        Ok(b) => b,
        Err(Error::InvalidArgument(_)) | Err(Error::TooLarge(_)) | Err(Error::OutOfRange) => return,
        Err(e) => panic!("encoding a decoded term failed unexpectedly: {e:?}\n{t:?}"),
    };
    let t2 = match Term::from_external(&bytes) {
        Ok(t2) => t2,
        Err(e) => panic!("re-encoded term does not decode: {e:?}\nterm {t:?}\nbytes {bytes:?}"),
    };
    assert!(
        same(t, &t2),
        "round trip changed the term\nbefore {t:?}\nafter  {t2:?}\nbytes  {bytes:?}"
    );
    let bytes2 = t2.to_external().expect("re-decoded term must encode");
    assert_eq!(bytes, bytes2, "encoding is not stable over a round trip");
}

/// True when decode(encode(t)) == t exactly (or encoding fails as
/// documented).
pub fn strict_round_trip(t: &Term) -> bool {
    match t.to_external() {
        Ok(b) => Term::from_external(&b).is_ok_and(|t2| same(t, &t2)),
        Err(_) => true,
    }
}

/// Same term, floats compared by value text rather than `==`: NaN equals
/// NaN (`PartialEq` never equates them) and -0.0 differs from 0.0.
pub fn same(a: &Term, b: &Term) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// `Decoder::skip` from the start of `buf` (no version byte). Returns the end
/// position on success. Checks position discipline and prefix-freeness.
pub fn check_skip(buf: &[u8]) -> Option<usize> {
    let mut d = Decoder::new(buf);
    match d.skip() {
        Ok(()) => {
            let end = d.position();
            assert!(
                end > 0 && end <= buf.len(),
                "skip ended at {end} of {}",
                buf.len()
            );
            // A proper prefix of a term is never a term.
            let mut p = Decoder::new(&buf[..end - 1]);
            assert!(p.skip().is_err(), "a proper prefix of a term skipped");
            assert_eq!(p.position(), 0, "failed skip moved the decoder");
            Some(end)
        }
        Err(_) => {
            assert_eq!(d.position(), 0, "failed skip moved the decoder");
            None
        }
    }
}

/// `print::print_term` from the start of `buf` (no version byte). Returns
/// the end position on success; checks position discipline and that `skip`
/// agrees on where the term ends.
pub fn check_print(buf: &[u8]) -> Option<usize> {
    let mut d = Decoder::new(buf);
    let mut out = Vec::new();
    match print::print_term(&mut d, &mut out) {
        Ok(()) => {
            let end = d.position();
            assert!(end > 0 && end <= buf.len());
            assert!(!out.is_empty(), "a printed term has text");
            let mut s = Decoder::new(buf);
            assert!(s.skip().is_ok(), "term prints but does not skip");
            assert_eq!(s.position(), end, "print and skip disagree on the end");
            Some(end)
        }
        Err(_) => {
            assert_eq!(d.position(), 0, "failed print moved the decoder");
            None
        }
    }
}

/// `Term::decode` from the start of `buf` (no version byte); on success
/// checks that `skip` and `print_term` agree on the end and that the term
/// round-trips.
pub fn check_term(buf: &[u8]) -> Option<(Term, usize)> {
    let (t, used) = Term::decode(buf).ok()?;
    assert!(used > 0 && used <= buf.len());
    let mut s = Decoder::new(buf);
    assert!(s.skip().is_ok(), "Term::decode accepts a term skip refuses");
    assert_eq!(
        s.position(),
        used,
        "Term::decode and skip disagree on the end"
    );
    let mut p = Decoder::new(buf);
    let mut out = Vec::new();
    assert!(
        print::print_term(&mut p, &mut out).is_ok(),
        "Term::decode accepts a term print refuses"
    );
    assert_eq!(
        p.position(),
        used,
        "Term::decode and print disagree on the end"
    );
    round_trip(&t);
    Some((t, used))
}

/// `Term::from_external` on `buf` (version byte included), with the checks
/// of [`check_term`] on success.
pub fn check_external(buf: &[u8]) -> Option<Term> {
    let r = Term::from_external(buf);
    if let Ok(t) = &r {
        assert_eq!(buf.first(), Some(&131));
        let (t2, used) = check_term(&buf[1..]).expect("from_external accepts, decode refuses");
        assert_eq!(used, buf.len() - 1);
        assert!(same(t, &t2));
    }
    r.ok()
}

/// Every check on one input, as given and with a version byte in front.
pub fn check_all(data: &[u8]) {
    check_external(data);
    check_term(data);
    check_skip(data);
    check_print(data);
    let _ = print::print_to_vec(data);
    let d = Decoder::new(data);
    if let Ok(ti) = d.type_info() {
        assert!(!data.is_empty());
        let _ = ti;
    }
    assert_eq!(d.position(), 0);
}

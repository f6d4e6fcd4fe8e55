//! Drives the item-by-item `Decoder` methods (the `ei_decode_*` shapes) in
//! an order chosen by the input: the first byte says how many of the
//! following bytes are operations, the rest is the buffer they decode.
//! Properties: no panic; every call either succeeds, advancing the position
//! within the buffer, or fails and leaves the position where it was; the
//! helpers applied to what was decoded (atom text, strings, bignum
//! conversions, fun free variables) do not panic either.
#![no_main]

use ei::etf::decode::{FunRef, StrRef};
use ei::etf::{big, print, Decoder, Term};
use libfuzzer_sys::fuzz_target;

/// Runs one consuming call and checks the position discipline.
macro_rules! step {
    ($d:ident, $len:expr, $call:expr) => {{
        let before = $d.position();
        let r = $call;
        match &r {
            Ok(_) => assert!(
                $d.position() > before && $d.position() <= $len,
                "{} moved {} -> {} (len {})",
                stringify!($call),
                before,
                $d.position(),
                $len
            ),
            Err(_) => assert_eq!($d.position(), before, "failed {} moved", stringify!($call)),
        }
        r
    }};
}

fn big_helpers(negative: bool, digits: &[u8]) {
    let _ = big::to_f64(negative, digits);
    let mut s = Vec::new();
    big::push_print_text(negative, digits, &mut s);
    assert!(!s.is_empty() && s != b"-");
    let dec = big::to_decimal(negative, digits);
    assert!(!dec.is_empty());
    let _ = Term::from_big(negative, digits);
    let d16: Vec<u16> = digits
        .chunks(2)
        .map(|c| c[0] as u16 | (c.get(1).copied().unwrap_or(0) as u16) << 8)
        .collect();
    let _ = big::compare_digits16(negative, &d16, !negative, &d16);
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let k = (k as usize % 33).min(rest.len());
    let (ops, buf) = rest.split_at(k);
    let len = buf.len();
    let mut d = Decoder::new(buf);
    for &op in ops {
        let arg = (op >> 5) as usize;
        match op & 31 {
            0 => {
                let _ = step!(d, len, d.version());
            }
            1 => {
                let before = d.position();
                if let Ok(ti) = d.type_info() {
                    assert!(before < len);
                    let _ = ti;
                }
                assert_eq!(d.position(), before);
            }
            2 => {
                let _ = step!(d, len, d.long());
            }
            3 => {
                let _ = step!(d, len, d.ulong());
            }
            4 => {
                let _ = step!(d, len, d.char());
            }
            5 => {
                if let Ok(b) = step!(d, len, d.big()) {
                    big_helpers(b.negative, b.digits);
                }
            }
            6 => {
                if let Ok(Err(b)) = step!(d, len, d.integer()) {
                    big_helpers(b.negative, b.digits);
                }
            }
            7 => {
                let _ = step!(d, len, d.double());
            }
            8 => {
                if let Ok(a) = step!(d, len, d.atom()) {
                    let _ = a.to_string_checked();
                    let _ = (a.encoding(), a.is_ascii());
                    let mut v = Vec::new();
                    a.push_utf8(&mut v);
                }
            }
            9 => {
                let _ = step!(d, len, d.boolean());
            }
            10 => {
                if let Ok(s) = step!(d, len, d.string()) {
                    let v = s.to_vec();
                    assert_eq!(v.len(), s.len());
                    assert_eq!(s.is_empty(), v.is_empty());
                    if let StrRef::IntList(b) = s {
                        assert_eq!(b.len() % 2, 0);
                    }
                }
            }
            11 => {
                let _ = step!(d, len, d.binary());
            }
            12 => {
                if let Ok((bytes, bits)) = step!(d, len, d.bitstring()) {
                    assert_eq!(bits.div_ceil(8), bytes.len());
                }
            }
            13 => {
                let _ = step!(d, len, d.tuple_header());
            }
            14 => {
                let _ = step!(d, len, d.list_header());
            }
            15 => {
                let _ = step!(d, len, d.map_header());
            }
            16 => {
                if let Ok(p) = step!(d, len, d.pid()) {
                    let _ = p.node.to_string_checked();
                }
            }
            17 => {
                let _ = step!(d, len, d.port());
            }
            18 => {
                if let Ok(r) = step!(d, len, d.reference()) {
                    assert!(r.len <= 5);
                }
            }
            19 => {
                if let Ok(FunRef::Closure {
                    n_free_vars,
                    free_vars,
                    ..
                }) = step!(d, len, d.fun())
                {
                    let mut fv = Decoder::new(free_vars);
                    for _ in 0..n_free_vars.min(64) {
                        if step!(fv, free_vars.len(), fv.skip()).is_err() {
                            break;
                        }
                    }
                }
            }
            20 => {
                let _ = step!(d, len, d.skip());
            }
            21 => {
                let mut pieces = 0usize;
                if let Ok(total) = step!(d, len, d.iodata(&mut |b: &[u8]| pieces += b.len())) {
                    assert_eq!(total, pieces, "iodata total disagrees with its pieces");
                }
            }
            22 => {
                let mut out = Vec::new();
                let _ = step!(d, len, print::print_term(&mut d, &mut out));
            }
            23 => {
                let _ = step!(d, len, Term::decode_from(&mut d));
            }
            24 => {
                let _ = match arg & 3 {
                    0 => step!(d, len, d.u8().map(u64::from)),
                    1 => step!(d, len, d.u16().map(u64::from)),
                    2 => step!(d, len, d.u32().map(u64::from)),
                    _ => step!(d, len, d.u64()),
                };
            }
            25 => {
                let _ = step!(d, len, d.take(arg + 1));
            }
            26 => {
                let before = d.position();
                let t = d.peek_tag();
                assert_eq!(t.is_ok(), before < len);
            }
            27 => {
                let p = d.position();
                d.set_position(match arg {
                    0 => 0,
                    1 => p.saturating_sub(1),
                    2 => p.saturating_add(1),
                    3 => len,
                    4 => len + 1,
                    5 => usize::MAX,
                    6 => usize::MAX - 1,
                    _ => p / 2,
                });
            }
            28 => {
                let p = d.position();
                let start = match arg {
                    0 => 0,
                    1 => p.saturating_sub(1),
                    2 => p,
                    3 => p.saturating_add(1),
                    _ => usize::MAX,
                };
                if let Ok(s) = d.slice_from(start) {
                    assert_eq!(s.len(), p - start);
                }
                assert_eq!(d.position(), p);
            }
            29 => {
                let _ = step!(d, len, d.reference());
            }
            30 => {
                let _ = step!(d, len, d.fun());
            }
            _ => {
                let _ = step!(d, len, d.integer());
            }
        }
    }
});

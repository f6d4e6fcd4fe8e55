//! `format::format` (the engine of `ei_x_format`) over arbitrary format
//! bytes, with plentiful arguments of every type: once with a fixed argument
//! list cycling through the types, once with arguments matching the
//! format's `~x` directives in order (so encoding gets past type checks).
//! Properties: no panic; on error nothing is written; `format_unbuffered`
//! (what `ei_x_format` uses) agrees with it; on success the output
//! is exactly one complete term (it skips to its end and prints), the
//! counting sink agrees on its size, and at most the given arguments were
//! taken.
#![no_main]

use ei::etf::atom::AtomRef;
use ei::etf::decode::PidRef;
use ei::etf::encode::Counter;
use ei::etf::format::{format, format_unbuffered, ArgList, FormatArg};
use ei::etf::{print, Decoder, Error, Term};
use libfuzzer_sys::fuzz_target;

const LONG: &[u8] = &[b'x'; 300];

fn pid(i: usize) -> FormatArg<'static> {
    let (bytes, utf8): (&[u8], bool) = match i % 3 {
        0 => (b"node@host", true),
        1 => (&[b'n', 0xe9, b'@', b'h'], false),
        _ => ("λ@h".as_bytes(), true),
    };
    FormatArg::Pid(PidRef {
        node: AtomRef { bytes, utf8 },
        num: i as u32,
        serial: u32::MAX - i as u32,
        creation: 3,
    })
}

fn str_arg(i: usize) -> FormatArg<'static> {
    FormatArg::Str(match i % 5 {
        0 => b"hello",
        1 => b"",
        2 => &[0xe9, 0xff, b'\'', b'"', b'~'],
        3 => LONG,
        _ => b"with space",
    })
}

fn int_arg(i: usize) -> FormatArg<'static> {
    FormatArg::Int([0, -1, 255, 256, i64::MIN, i64::MAX, 1 << 27, -(1 << 27) - 1][i % 8])
}

fn double_arg(i: usize) -> FormatArg<'static> {
    FormatArg::Double([0.0, -1.5, 1e300, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY][i % 6])
}

/// The argument for the `i`-th directive `d`.
fn matching(d: u8, i: usize) -> FormatArg<'static> {
    match d {
        b'a' | b's' => str_arg(i),
        b'c' => FormatArg::Char(i as u8),
        b'i' | b'l' => int_arg(i),
        b'u' => FormatArg::ULong([0, u64::MAX, 1 << 31][i % 3]),
        b'f' | b'd' => double_arg(i),
        b'p' => pid(i),
        _ => FormatArg::Char(0),
    }
}

fn fixed() -> Vec<FormatArg<'static>> {
    (0..64)
        .map(|i| match i % 7 {
            0 => str_arg(i),
            1 => FormatArg::Char(i as u8),
            2 => int_arg(i),
            3 => FormatArg::ULong(u64::MAX - i as u64),
            4 => double_arg(i),
            5 => pid(i),
            _ => str_arg(i + 1),
        })
        .collect()
}

fn check(fmt: &[u8], args: Vec<FormatArg<'static>>) {
    let n = args.len();
    let mut list = ArgList::new(args.clone());
    let mut out = Vec::new();
    let r = format(fmt, &mut list, &mut out);
    assert!(list.consumed() <= n);
    // What the C API uses: the same result, written straight into the sink.
    let mut direct = Vec::new();
    let rd = format_unbuffered(fmt, &mut ArgList::new(args.clone()), &mut direct);
    assert_eq!(
        rd.is_ok(),
        r.is_ok(),
        "format and format_unbuffered disagree"
    );
    if r.is_ok() {
        assert_eq!(direct, out, "format_unbuffered wrote other bytes");
    }
    let mut counter = Counter(0);
    let rc = format(fmt, &mut ArgList::new(args), &mut counter);
    match r {
        Err(_) => {
            assert!(out.is_empty(), "failed format wrote {out:?}");
            assert!(rc.is_err(), "Vec sink fails where Counter works");
        }
        Ok(()) => {
            assert_eq!(rc, Ok(()));
            assert_eq!(counter.0, out.len(), "Counter and Vec sinks disagree");
            let mut d = Decoder::new(&out);
            assert!(d.skip().is_ok(), "format output does not skip: {out:?}");
            assert_eq!(d.position(), out.len(), "format output is not one term");
            match Term::decode(&out) {
                Ok((_, used)) => assert_eq!(used, out.len()),
                Err(Error::TooDeep) => {}
                Err(e) => panic!("format output does not decode: {e:?} {out:?}"),
            }
            assert!(
                print::print_to_vec(&out).is_ok(),
                "format output does not print"
            );
        }
    }
}

fuzz_target!(|fmt: &[u8]| {
    check(fmt, fixed());
    let directives: Vec<u8> = fmt
        .windows(2)
        .filter(|w| w[0] == b'~')
        .map(|w| w[1])
        .collect();
    let args = directives
        .iter()
        .enumerate()
        .map(|(i, &d)| matching(d, i))
        .collect();
    check(fmt, args);
});

//! Benchmarks of the safe Rust core (`cargo bench`): the codec on a fixed
//! mix of terms like the C benchmark's (bench/terms.h), the control-message
//! parsing and checking of every received frame, and handshake digests.
//! The side-by-side comparison with OTP's libei is `scripts/bench.sh`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ei::dist::handshake;
use ei::dist::message::{self, PidView};
use ei::etf::format::{format, ArgList, FormatArg};
use ei::etf::term::{Pid, Ref};
use ei::etf::{print, Decoder, Term};

/// A term of about 1 KiB with every kind of item: integers of every width,
/// doubles, atoms (ASCII and UTF-8), strings, binaries, pids, refs, tuples,
/// lists and maps nested three deep.
fn record(i: i64) -> Term {
    let pid = Term::Pid(Pid {
        node: "bench@localhost".into(),
        num: 100 + i as u32,
        serial: 0,
        creation: 1_700_000_000,
    });
    let reference = Term::Ref(Ref {
        node: "bench@localhost".into(),
        words: vec![1, 2, 3],
        creation: 1_700_000_000,
    });
    let inner = Term::Map(vec![
        (Term::Atom("depth".into()), Term::Integer(3)),
        (
            Term::Atom("ok".into()),
            Term::Tuple(vec![pid.clone(), reference.clone()]),
        ),
    ]);
    Term::Tuple(vec![
        Term::Atom("record".into()),
        Term::Integer(i),
        Term::Integer(-1_000_000 * i),
        Term::Integer(i64::MAX - i),
        Term::Float(3.25 * i as f64),
        Term::Atom("größe_λ".into()),
        Term::String(b"a string of some length".to_vec()),
        Term::Binary(vec![7; 16]),
        Term::List((0..20).map(|k| Term::Integer(k * 1000 + i)).collect()),
        Term::Map(vec![
            (Term::Atom("pid".into()), pid),
            (Term::Atom("ref".into()), reference),
            (
                Term::Atom("nested".into()),
                Term::Map(vec![(Term::Integer(1), inner)]),
            ),
            (Term::Binary(b"key".to_vec()), Term::Float(-0.5)),
        ]),
    ])
}

fn mix() -> Term {
    Term::List(
        (0..8)
            .map(record)
            .chain([Term::Binary(vec![0x5a; 4096])])
            .collect(),
    )
}

fn codec(c: &mut Criterion) {
    let term = mix();
    let bytes = term.to_external().unwrap();
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("Term::to_external", |b| {
        b.iter(|| black_box(&term).to_external().unwrap())
    });
    g.bench_function("Term::from_external", |b| {
        b.iter(|| Term::from_external(black_box(&bytes)).unwrap())
    });
    g.bench_function("Decoder::skip", |b| {
        b.iter(|| {
            let mut d = Decoder::new(black_box(&bytes[1..]));
            d.skip().unwrap();
            d.position()
        })
    });
    g.bench_function("print_to_vec", |b| {
        b.iter(|| print::print_to_vec(black_box(&bytes[1..])).unwrap())
    });
    g.finish();

    let fmt = b"{record, ~i, ~l, ~u, ~f, ~a, ~s, [1, 2, 3, {x, y}], {k, ~p}}";
    let pid = ei::etf::decode::PidRef {
        node: ei::etf::atom::AtomRef {
            bytes: b"bench@localhost",
            utf8: true,
        },
        num: 1,
        serial: 2,
        creation: 3,
    };
    let args = vec![
        FormatArg::Int(42),
        FormatArg::Int(-1 << 40),
        FormatArg::ULong(u64::MAX),
        FormatArg::Double(2.5),
        FormatArg::Str(b"atom"),
        FormatArg::Str(b"a string"),
        FormatArg::Pid(pid),
    ];
    c.bench_function("format", |b| {
        b.iter_batched(
            || (ArgList::new(args.clone()), Vec::with_capacity(256)),
            |(mut a, mut out)| {
                format(black_box(fmt), &mut a, &mut out).unwrap();
                out
            },
            BatchSize::SmallInput,
        )
    });
}

fn frames(c: &mut Criterion) {
    // A REG_SEND frame as Erlang sends one, built by our own encoder.
    let from = PidView {
        node: b"erl_node@localhost",
        num: 80,
        serial: 0,
        creation: 1_700_000_000,
    };
    let payload = Term::Tuple(vec![Term::Atom("data".into()), Term::Binary(vec![1; 16])])
        .to_external()
        .unwrap();
    let mut wire = Vec::new();
    message::send_to_name(&mut VecWire(&mut wire), from, b"bench_echo", &payload, None).unwrap();
    let frame = &wire[4..];
    c.bench_function("check_frame (REG_SEND, 16-byte binary)", |b| {
        b.iter(|| message::check_frame(black_box(frame)).unwrap())
    });
    c.bench_function("parse_control (REG_SEND)", |b| {
        b.iter(|| message::parse_control(black_box(&frame[1..])).unwrap().1)
    });
    c.bench_function("handshake digest", |b| {
        b.iter(|| handshake::digest(black_box(0x1234_5678), b"some_cookie"))
    });
}

/// A transport that keeps what is written.
struct VecWire<'a>(&'a mut Vec<u8>);

impl ei::dist::Transport for VecWire<'_> {
    fn read(&mut self, _: &mut [u8], _: ei::dist::Deadline) -> std::io::Result<usize> {
        Ok(0)
    }
    fn write(&mut self, buf: &[u8], _: ei::dist::Deadline) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
}

criterion_group!(benches, codec, frames);
criterion_main!(benches);

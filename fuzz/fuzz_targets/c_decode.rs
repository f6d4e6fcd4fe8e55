//! The C API's decoders (`ei_decode_*`, `ei_get_type`, `ei_skip_term`,
//! `ei_s_print_term`), fast paths included, called as a C program calls
//! them, against the safe `Decoder`. The input is copied into a heap block
//! of exactly its size; every function is called at every position where a
//! whole term starts (the C API has no buffer length, so a term that runs
//! past the end may be read past it, as libei does). Every output goes to
//! a heap block of exactly the size the API asks the caller for, so that
//! AddressSanitizer reports any read or write outside them. Properties:
//! - no crash, no read past the term, no write past an output;
//! - a call succeeds exactly when the safe decoder's reading of the same
//!   kind succeeds (atoms may also fail on their encoding), and then moves
//!   the index to the same place, and what it stores matches (integers,
//!   doubles, strings, binaries, bitstrings, bignums, iodata, headers, the
//!   numbers of pids, ports and references);
//! - where there is no such reading (traces, integer lists, `ei_term`,
//!   printing), a call that succeeds ends inside the term (whole-term calls
//!   at its end);
//! - a call that fails returns -1 and leaves the index and every output
//!   untouched.
#![no_main]

use ei::etf::Decoder;
use libfuzzer_sys::fuzz_target;
use std::alloc::{alloc, dealloc, Layout};
use std::ffi::{c_char, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong, c_void};

// Sizes of ei.h's structs (x86_64 and aarch64 Linux, as OTP's header and
// ours give them; the ABI test checks ours against OTP's).
const PID: usize = 1036;
const PORT: usize = 1040;
const REF: usize = 1052;
const TRACE: usize = 1072;
const FUN: usize = 2144;
const TERM: usize = 1072;
const MAXATOMLEN: usize = 256;
const NODE: usize = 1021; // MAXATOMLEN_UTF8: the node name at the start of pid, port, ref
const PATTERN: u8 = 0xA5;

extern "C" {
    fn ei_get_type(
        buf: *const c_char,
        index: *const c_int,
        ty: *mut c_int,
        size: *mut c_int,
    ) -> c_int;
    fn ei_skip_term(buf: *const c_char, index: *mut c_int) -> c_int;
    fn ei_decode_version(buf: *const c_char, index: *mut c_int, v: *mut c_int) -> c_int;
    fn ei_decode_long(buf: *const c_char, index: *mut c_int, p: *mut c_long) -> c_int;
    fn ei_decode_ulong(buf: *const c_char, index: *mut c_int, p: *mut c_ulong) -> c_int;
    fn ei_decode_longlong(buf: *const c_char, index: *mut c_int, p: *mut c_longlong) -> c_int;
    fn ei_decode_ulonglong(buf: *const c_char, index: *mut c_int, p: *mut c_ulonglong) -> c_int;
    fn ei_decode_double(buf: *const c_char, index: *mut c_int, p: *mut f64) -> c_int;
    fn ei_decode_boolean(buf: *const c_char, index: *mut c_int, p: *mut c_int) -> c_int;
    fn ei_decode_char(buf: *const c_char, index: *mut c_int, p: *mut c_char) -> c_int;
    fn ei_decode_string(buf: *const c_char, index: *mut c_int, p: *mut c_char) -> c_int;
    fn ei_decode_atom(buf: *const c_char, index: *mut c_int, p: *mut c_char) -> c_int;
    fn ei_decode_atom_as(
        buf: *const c_char,
        index: *mut c_int,
        p: *mut c_char,
        destlen: c_int,
        want: c_int,
        was: *mut c_int,
        result: *mut c_int,
    ) -> c_int;
    fn ei_decode_binary(
        buf: *const c_char,
        index: *mut c_int,
        p: *mut c_void,
        len: *mut c_long,
    ) -> c_int;
    fn ei_decode_bitstring(
        buf: *const c_char,
        index: *mut c_int,
        pp: *mut *const c_char,
        bitoffs: *mut c_uint,
        nbits: *mut usize,
    ) -> c_int;
    fn ei_decode_pid(buf: *const c_char, index: *mut c_int, p: *mut c_void) -> c_int;
    fn ei_decode_port(buf: *const c_char, index: *mut c_int, p: *mut c_void) -> c_int;
    fn ei_decode_ref(buf: *const c_char, index: *mut c_int, p: *mut c_void) -> c_int;
    fn ei_decode_trace(buf: *const c_char, index: *mut c_int, p: *mut c_void) -> c_int;
    fn ei_decode_fun(buf: *const c_char, index: *mut c_int, p: *mut c_void) -> c_int;
    fn free_fun(p: *mut c_void);
    fn ei_decode_tuple_header(buf: *const c_char, index: *mut c_int, arity: *mut c_int) -> c_int;
    fn ei_decode_list_header(buf: *const c_char, index: *mut c_int, arity: *mut c_int) -> c_int;
    fn ei_decode_map_header(buf: *const c_char, index: *mut c_int, arity: *mut c_int) -> c_int;
    fn ei_decode_ei_term(buf: *const c_char, index: *mut c_int, term: *mut c_void) -> c_int;
    fn ei_decode_intlist(
        buf: *const c_char,
        index: *mut c_int,
        a: *mut c_long,
        count: *mut c_int,
    ) -> c_int;
    fn ei_decode_iodata(
        buf: *const c_char,
        index: *mut c_int,
        size: *mut c_int,
        out: *mut c_char,
    ) -> c_int;
    fn ei_alloc_big(digit_bytes: c_uint) -> *mut c_void;
    fn ei_free_big(b: *mut c_void);
    fn ei_decode_big(buf: *const c_char, index: *mut c_int, b: *mut c_void) -> c_int;
    fn ei_s_print_term(s: *mut *mut c_char, buf: *const c_char, index: *mut c_int) -> c_int;
    fn free(p: *mut c_void);
}

/// A heap block of exactly `size` bytes (8-aligned), filled with PATTERN.
struct Block {
    ptr: *mut u8,
    len: usize,
    layout: Layout,
}

impl Block {
    fn new(size: usize) -> Block {
        let layout = Layout::from_size_align(size.max(1), 8).unwrap();
        // SAFETY: the layout is not zero-sized.
        let ptr = unsafe { alloc(layout) };
        assert!(!ptr.is_null());
        // SAFETY: ptr holds layout.size() bytes.
        unsafe { ptr.write_bytes(PATTERN, layout.size()) };
        Block {
            ptr,
            len: size,
            layout,
        }
    }

    fn from(bytes: &[u8]) -> Block {
        let b = Block::new(bytes.len());
        // SAFETY: the block holds bytes.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), b.ptr, bytes.len()) };
        b
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the block holds len (or 1 if 0) initialised bytes.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    fn untouched(&self) -> bool {
        self.bytes().iter().all(|&b| b == PATTERN)
    }

    fn u32_at(&self, off: usize) -> u32 {
        u32::from_ne_bytes(self.bytes()[off..off + 4].try_into().unwrap())
    }

    /// The NUL-terminated text at `off`, which must end inside `max` bytes.
    fn text_at(&self, off: usize, max: usize) -> &[u8] {
        let b = &self.bytes()[off..off + max];
        let n = b
            .iter()
            .position(|&c| c == 0)
            .expect("no NUL in the output");
        &b[..n]
    }

    fn c(&self) -> *mut c_char {
        self.ptr.cast()
    }

    fn v(&self) -> *mut c_void {
        self.ptr.cast()
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}

/// One call at `pos` with its outputs: `call` gets the buffer and the index
/// and returns the result; `expect` is where the safe decoder ends up, or
/// None where it fails. A call may succeed only where the safe decoder does,
/// and must then end where it ends; it must succeed there too if `must`.
/// A failed call returns -1 and leaves the index and `outs` untouched.
/// Returns whether the call succeeded.
fn checked(
    what: &str,
    buf: &Block,
    pos: usize,
    expect: Option<usize>,
    must: bool,
    outs: &[&Block],
    call: impl FnOnce(*const c_char, *mut c_int) -> c_int,
) -> bool {
    let mut index = pos as c_int;
    let r = call(buf.c(), &mut index);
    if r == 0 {
        assert!(
            expect.is_some(),
            "{what} at {pos} succeeded where the safe decoder fails"
        );
        assert_eq!(Some(index as usize), expect, "{what} at {pos}: index");
        return true;
    }
    assert_eq!(r, -1, "{what} at {pos}: result");
    assert!(
        !must || expect.is_none(),
        "{what} at {pos} failed where the safe decoder succeeds"
    );
    assert_eq!(
        index as usize, pos,
        "{what} at {pos}: a failed call moved the index"
    );
    for o in outs {
        assert!(
            o.untouched(),
            "{what} at {pos}: a failed call wrote an output"
        );
    }
    false
}

/// `checked` for calls that must succeed exactly where the safe decoder does.
fn check(
    what: &str,
    buf: &Block,
    pos: usize,
    expect: Option<usize>,
    outs: &[&Block],
    call: impl FnOnce(*const c_char, *mut c_int) -> c_int,
) -> bool {
    checked(what, buf, pos, expect, true, outs, call)
}

/// The safe decoder's reading at `pos`: its value and the end, or None.
fn safe<T>(
    data: &[u8],
    pos: usize,
    f: impl FnOnce(&mut Decoder<'_, [u8]>) -> ei::etf::Result<T>,
) -> Option<(T, usize)> {
    let mut d = Decoder::at(data, pos);
    f(&mut d).ok().map(|v| (v, d.position()))
}

fn stop<T>(r: &Option<(T, usize)>) -> Option<usize> {
    r.as_ref().map(|(_, e)| *e)
}

/// Calls a decoder of one value of type `$ty` (into a block of exactly its
/// size, then with a NULL output) and compares what it stored with `$want`.
macro_rules! value {
    ($f:ident, $ty:ty, $buf:expr, $pos:expr, $want:expr) => {{
        let want: Option<($ty, usize)> = $want;
        let out = Block::new(std::mem::size_of::<$ty>());
        if check(
            stringify!($f),
            $buf,
            $pos,
            stop(&want),
            &[&out],
            |b, i| unsafe { $f(b, i, out.ptr.cast::<$ty>()) },
        ) {
            // SAFETY: the call stored a value there.
            let got = unsafe { out.ptr.cast::<$ty>().read() };
            let w = want.unwrap().0;
            assert!(
                got.to_ne_bytes() == w.to_ne_bytes(),
                "{} at {}: {:?}, safe decoder {:?}",
                stringify!($f),
                $pos,
                got,
                w
            );
        }
        // A NULL output: the same result and index, nothing stored.
        check(
            stringify!($f),
            $buf,
            $pos,
            stop(&want),
            &[],
            |b, i| unsafe { $f(b, i, std::ptr::null_mut()) },
        );
    }};
}

fn header(r: ei::etf::Result<u32>) -> ei::etf::Result<c_int> {
    r.and_then(|n| c_int::try_from(n).map_err(|_| ei::etf::Error::OutOfRange))
}

fn at_term(data: &[u8], buf: &Block, pos: usize, end: usize) {
    // ei_get_type: the index is not moved; a type for every whole term.
    let (mut ty, mut size) = (-1 as c_int, -1 as c_int);
    let i = pos as c_int;
    let r = unsafe { ei_get_type(buf.c(), &i, &mut ty, &mut size) };
    let info = Decoder::at(data, pos).type_info();
    assert_eq!(r == 0, info.is_ok(), "ei_get_type at {pos}");
    if let Ok(info) = info {
        assert_eq!(
            (ty, size as u32),
            (info.tag as c_int, info.size),
            "ei_get_type at {pos}"
        );
    }

    check("ei_skip_term", buf, pos, Some(end), &[], |b, i| unsafe {
        ei_skip_term(b, i)
    });

    value!(
        ei_decode_version,
        c_int,
        buf,
        pos,
        safe(data, pos, |d| d.version().map(c_int::from))
    );
    value!(
        ei_decode_long,
        c_long,
        buf,
        pos,
        safe(data, pos, |d| d.long())
    );
    value!(
        ei_decode_ulong,
        c_ulong,
        buf,
        pos,
        safe(data, pos, |d| d.ulong())
    );
    value!(
        ei_decode_longlong,
        c_longlong,
        buf,
        pos,
        safe(data, pos, |d| d.long())
    );
    value!(
        ei_decode_ulonglong,
        c_ulonglong,
        buf,
        pos,
        safe(data, pos, |d| d.ulong())
    );
    value!(
        ei_decode_double,
        f64,
        buf,
        pos,
        safe(data, pos, |d| d.double())
    );
    value!(
        ei_decode_boolean,
        c_int,
        buf,
        pos,
        safe(data, pos, |d| d.boolean().map(c_int::from))
    );
    value!(
        ei_decode_char,
        c_char,
        buf,
        pos,
        safe(data, pos, |d| d.char().map(|c| c as c_char))
    );
    value!(
        ei_decode_tuple_header,
        c_int,
        buf,
        pos,
        safe(data, pos, |d| header(d.tuple_header()))
    );
    value!(
        ei_decode_list_header,
        c_int,
        buf,
        pos,
        safe(data, pos, |d| header(d.list_header()))
    );
    value!(
        ei_decode_map_header,
        c_int,
        buf,
        pos,
        safe(data, pos, |d| header(d.map_header()))
    );

    // Strings: the output holds the string and a NUL, no more.
    let s = safe(data, pos, |d| d.string().map(|s| s.to_vec()));
    let out = Block::new(s.as_ref().map_or(1, |(s, _)| s.len() + 1));
    if check(
        "ei_decode_string",
        buf,
        pos,
        stop(&s),
        &[&out],
        |b, i| unsafe { ei_decode_string(b, i, out.c()) },
    ) {
        let want = &s.as_ref().unwrap().0;
        assert_eq!(
            &out.bytes()[..want.len()],
            &want[..],
            "ei_decode_string at {pos}"
        );
        assert_eq!(out.bytes()[want.len()], 0, "ei_decode_string at {pos}: NUL");
    }

    // Binaries: the output holds the bytes, no more.
    let bin = safe(data, pos, |d| d.binary().map(|b| b.to_vec()));
    let out = Block::new(bin.as_ref().map_or(0, |(b, _)| b.len()));
    let len = Block::new(8);
    if check(
        "ei_decode_binary",
        buf,
        pos,
        stop(&bin),
        &[&out, &len],
        |b, i| unsafe { ei_decode_binary(b, i, out.v(), len.ptr.cast()) },
    ) {
        let want = &bin.as_ref().unwrap().0;
        assert_eq!(
            &out.bytes()[..want.len()],
            &want[..],
            "ei_decode_binary at {pos}"
        );
        assert_eq!(
            unsafe { len.ptr.cast::<c_long>().read() },
            want.len() as c_long
        );
    }

    // Bitstrings point into the buffer.
    let bits = safe(data, pos, |d| {
        d.bitstring()
            .map(|(b, n)| (b.as_ptr() as usize - data.as_ptr() as usize, n))
    });
    let (mut p, mut offs, mut n) = (std::ptr::null::<c_char>(), 7 as c_uint, 7usize);
    if check(
        "ei_decode_bitstring",
        buf,
        pos,
        stop(&bits),
        &[],
        |b, i| unsafe { ei_decode_bitstring(b, i, &mut p, &mut offs, &mut n) },
    ) {
        let (off, nbits) = bits.unwrap().0;
        assert_eq!(
            (p as usize - buf.ptr as usize, offs, n),
            (off, 0, nbits),
            "ei_decode_bitstring at {pos}"
        );
    }

    // Atoms: into MAXATOMLEN bytes as Latin-1, and with ei_decode_atom_as
    // into exactly destlen bytes for every encoding asked for.
    let atom = safe(data, pos, |d| d.atom().map(|a| a.bytes.to_vec()));
    let out = Block::new(MAXATOMLEN);
    // Atoms outside Latin-1 (or the encoding asked for) may fail.
    if checked(
        "ei_decode_atom",
        buf,
        pos,
        stop(&atom),
        false,
        &[&out],
        |b, i| unsafe { ei_decode_atom(b, i, out.c()) },
    ) {
        out.text_at(0, MAXATOMLEN);
    }
    // Every size and encoding on atoms; one of each elsewhere (they fail).
    let (sizes, wants) = if atom.is_some() {
        (
            &[1usize, 2, 5, 33, MAXATOMLEN, NODE][..],
            &[1, 2, 4, 3, 6, 7][..],
        )
    } else {
        (&[NODE][..], &[7][..])
    };
    for &destlen in sizes {
        for &want in wants {
            let out = Block::new(destlen);
            let (mut was, mut result) = (-1 as c_int, -1 as c_int);
            if checked(
                "ei_decode_atom_as",
                buf,
                pos,
                stop(&atom),
                false,
                &[&out],
                |b, i| unsafe {
                    ei_decode_atom_as(b, i, out.c(), destlen as c_int, want, &mut was, &mut result)
                },
            ) {
                out.text_at(0, destlen);
            }
        }
    }

    // Pids, ports and references: the numbers, and a NUL-terminated node.
    let pid = safe(data, pos, |d| {
        d.pid().map(|p| (p.num, p.serial, p.creation))
    });
    let out = Block::new(PID);
    if check(
        "ei_decode_pid",
        buf,
        pos,
        stop(&pid),
        &[&out],
        |b, i| unsafe { ei_decode_pid(b, i, out.v()) },
    ) {
        out.text_at(0, NODE);
        let got = (out.u32_at(1024), out.u32_at(1028), out.u32_at(1032));
        assert_eq!(got, pid.unwrap().0, "ei_decode_pid at {pos}");
    }
    let port = safe(data, pos, |d| d.port().map(|p| (p.id, p.creation)));
    let out = Block::new(PORT);
    if check(
        "ei_decode_port",
        buf,
        pos,
        stop(&port),
        &[&out],
        |b, i| unsafe { ei_decode_port(b, i, out.v()) },
    ) {
        out.text_at(0, NODE);
        let id = u64::from_ne_bytes(out.bytes()[1024..1032].try_into().unwrap());
        assert_eq!(
            (id, out.u32_at(1032)),
            port.unwrap().0,
            "ei_decode_port at {pos}"
        );
    }
    let rf = safe(data, pos, |d| {
        d.reference().map(|r| (r.len, r.n, r.creation))
    });
    let out = Block::new(REF);
    if check(
        "ei_decode_ref",
        buf,
        pos,
        stop(&rf),
        &[&out],
        |b, i| unsafe { ei_decode_ref(b, i, out.v()) },
    ) {
        out.text_at(0, NODE);
        let (len, n, creation) = rf.unwrap().0;
        assert_eq!(
            out.u32_at(1024) as usize,
            len,
            "ei_decode_ref at {pos}: len"
        );
        for (k, w) in n.iter().enumerate().take(len) {
            assert_eq!(
                out.u32_at(1028 + 4 * k),
                *w,
                "ei_decode_ref at {pos}: word {k}"
            );
        }
        assert_eq!(
            out.u32_at(1048),
            creation,
            "ei_decode_ref at {pos}: creation"
        );
    }

    // No safe counterpart of its own: a trace is a 5-tuple of longs and a
    // pid; a whole term is where it ends if it succeeds.
    let out = Block::new(TRACE);
    checked(
        "ei_decode_trace",
        buf,
        pos,
        Some(end),
        false,
        &[&out],
        |b, i| unsafe { ei_decode_trace(b, i, out.v()) },
    );

    let fun = safe(data, pos, |d| d.fun().map(|_| ()));
    let out = Block::new(FUN);
    if check(
        "ei_decode_fun",
        buf,
        pos,
        stop(&fun),
        &[&out],
        |b, i| unsafe { ei_decode_fun(b, i, out.v()) },
    ) {
        unsafe { free_fun(out.v()) };
    }

    // Bignums: the caller allocates the digits ei_get_type reports.
    let big = safe(data, pos, |d| {
        d.big().map(|b| (b.negative, b.digits.to_vec()))
    });
    if let Some(((neg, digits), e)) = &big {
        let b = unsafe { ei_alloc_big(digits.len() as c_uint) };
        assert!(!b.is_null());
        let mut index = pos as c_int;
        assert_eq!(
            unsafe { ei_decode_big(buf.c(), &mut index, b) },
            0,
            "ei_decode_big at {pos}"
        );
        assert_eq!(index as usize, *e, "ei_decode_big at {pos}: index");
        // erlang_big: unsigned int arity, int is_neg, void *digits.
        let (arity, is_neg, dp) = unsafe {
            let p = b.cast::<u8>();
            (
                p.cast::<c_uint>().read(),
                p.add(4).cast::<c_int>().read(),
                p.add(8).cast::<*const u8>().read(),
            )
        };
        assert_eq!(
            (arity as usize, is_neg != 0),
            (digits.len(), *neg),
            "ei_decode_big at {pos}"
        );
        let got = unsafe { std::slice::from_raw_parts(dp, digits.len()) };
        assert_eq!(got, &digits[..], "ei_decode_big at {pos}: digits");
        unsafe { ei_free_big(b) };
    }

    // One level of any term into an ei_term.
    let out = Block::new(TERM);
    let mut index = pos as c_int;
    let r = unsafe { ei_decode_ei_term(buf.c(), &mut index, out.v()) };
    assert!((-1..=1).contains(&r), "ei_decode_ei_term at {pos}: {r}");
    if r <= 0 {
        // -1: failed; 0: a term an ei_term cannot hold, not consumed.
        assert_eq!(
            index as usize, pos,
            "ei_decode_ei_term at {pos}: {r} moved the index"
        );
    } else {
        assert!(
            index as usize > pos && index as usize <= end,
            "ei_decode_ei_term at {pos}: index {index}"
        );
    }

    // Integer lists: count first, then exactly that many longs.
    let mut count: c_int = -1;
    if checked(
        "ei_decode_intlist",
        buf,
        pos,
        Some(end),
        false,
        &[],
        |b, i| unsafe { ei_decode_intlist(b, i, std::ptr::null_mut(), &mut count) },
    ) {
        let out = Block::new(count as usize * 8);
        let mut again: c_int = -1;
        check(
            "ei_decode_intlist",
            buf,
            pos,
            Some(end),
            &[],
            |b, i| unsafe { ei_decode_intlist(b, i, out.ptr.cast(), &mut again) },
        );
        assert_eq!(again, count, "ei_decode_intlist at {pos}: count");
    }

    // iodata: the size first, then exactly that many bytes.
    let io = safe(data, pos, |d| {
        let mut v = Vec::new();
        d.iodata(&mut |s| v.extend_from_slice(s)).map(|_| v)
    });
    let mut size: c_int = -1;
    if check(
        "ei_decode_iodata",
        buf,
        pos,
        stop(&io),
        &[],
        |b, i| unsafe { ei_decode_iodata(b, i, &mut size, std::ptr::null_mut()) },
    ) {
        let want = &io.as_ref().unwrap().0;
        assert_eq!(size as usize, want.len(), "ei_decode_iodata at {pos}: size");
        let out = Block::new(want.len());
        check(
            "ei_decode_iodata",
            buf,
            pos,
            stop(&io),
            &[],
            |b, i| unsafe { ei_decode_iodata(b, i, &mut size, out.c()) },
        );
        assert_eq!(out.bytes(), &want[..], "ei_decode_iodata at {pos}: bytes");
    }

    // Printing reads the whole term and nothing after it.
    let mut s: *mut c_char = std::ptr::null_mut();
    let mut index = pos as c_int;
    let r = unsafe { ei_s_print_term(&mut s, buf.c(), &mut index) };
    if r >= 0 {
        assert_eq!(index as usize, end, "ei_s_print_term at {pos}: index");
        assert!(!s.is_null());
        // r bytes and a NUL (an atom holding NUL bytes prints whole, so
        // the text may hold NULs too).
        let text = unsafe { std::slice::from_raw_parts(s.cast::<u8>(), r as usize + 1) };
        assert_eq!(
            text[r as usize], 0,
            "ei_s_print_term at {pos}: no NUL after {r} bytes"
        );
    }
    if !s.is_null() {
        unsafe { free(s.cast()) };
    }
}

fuzz_target!(|data: &[u8]| {
    // Every position is tried, so keep inputs small.
    let data = &data[..data.len().min(512)];
    let buf = Block::from(data);
    for pos in 0..data.len() {
        let mut d = Decoder::at(data, pos);
        if d.skip().is_ok() {
            at_term(data, &buf, pos, d.position());
        }
    }
});

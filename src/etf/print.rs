//! Text rendering of encoded terms: the engine behind `ei_print_term` and
//! `ei_s_print_term`.
//!
//! The output is byte for byte what OTP's libei (`ei_printterm.c`) prints for
//! every term libei prints correctly. Where libei is wrong this prints the
//! correct form instead:
//!
//! - atoms outside Latin-1 (libei fails on them) are printed as their UTF-8
//!   bytes, with the same quoting rule (non-ASCII bytes force quotes); atoms
//!   longer than 255 characters (libei fails) and atoms containing NUL bytes
//!   (libei stops at the NUL) are printed whole;
//! - string bytes >= 0x80 print as `\xe9` (libei sign-extends them to
//!   `\xffffffe9`);
//! - port ids print as unsigned 64-bit numbers, and pid numbers and serials,
//!   port creations and reference words as unsigned 32-bit numbers (libei
//!   uses `%d`, which truncates or turns them negative); closure indexes of
//!   `NEW_FUN_EXT` print as the unsigned 32-bit value they are encoded as;
//! - bignums of any size print (libei overflows a 2000-byte stack buffer
//!   near 8,000 bits).
//!
//! The printer does not recurse: nested terms are tracked on an explicit
//! stack of small frames, so any nesting depth works. It never allocates
//! from a length read off the input, only for text it actually prints.

use super::atom::{self, AtomRef};
use super::big;
use super::decode::{Decoder, FunRef, Source, StrRef};
use super::tag::*;
use super::{Error, Result};

/// Longest prefix of a binary that is printed (libei's `BINPRINTSIZE`).
const BIN_PRINT_SIZE: usize = 30;

/// What the printer does once the term it just printed is complete.
enum Frame {
    /// Inside a tuple with `left` elements still to print.
    Tuple { left: u32 },
    /// Inside a list with `left` elements still to print before the tail.
    List { left: u32 },
    /// The tail of an improper list is being printed.
    Tail,
    /// Inside a map with `left` pairs still to finish; `value` is true when
    /// the key of the current pair has been printed.
    Map { left: u32, value: bool },
}

/// Prints the term at the decoder's position into `out`, as libei's
/// `ei_s_print_term` does, and advances the decoder past it.
///
/// On error the decoder's position is left where it was; `out` may hold
/// partial text (as libei's `ei_s_print_term` leaves partial text). The
/// number of bytes appended to `out` is what libei returns.
pub fn print_term<S: Source + ?Sized>(d: &mut Decoder<S>, out: &mut Vec<u8>) -> Result<()> {
    let start = d.position();
    let r = print_inner(d, out);
    if r.is_err() {
        d.set_position(start);
    }
    r
}

/// The text of the term at the start of `buf`; a leading version byte (131)
/// is skipped. Latin-1 atoms make the text not always UTF-8, hence bytes.
pub fn print_to_vec(buf: &[u8]) -> Result<Vec<u8>> {
    let mut d = Decoder::new(buf);
    if buf.first() == Some(&VERSION_MAGIC) {
        d.version()?;
    }
    let mut out = Vec::new();
    print_term(&mut d, &mut out)?;
    Ok(out)
}

fn print_inner<S: Source + ?Sized>(d: &mut Decoder<S>, out: &mut Vec<u8>) -> Result<()> {
    let mut stack: Vec<Frame> = Vec::new();
    'term: loop {
        // Print the term at the current position. Containers with elements
        // push a frame and go round again for their first element.
        match d.peek_tag()? {
            ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                print_atom(d.atom()?, out);
            }
            PID_EXT | NEW_PID_EXT => {
                let p = d.pid()?;
                out.push(b'<');
                p.node.push_utf8(out);
                out.push(b'.');
                push_u64(out, p.num.into());
                out.push(b'.');
                push_u64(out, p.serial.into());
                out.push(b'>');
            }
            PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT => {
                let p = d.port()?;
                out.extend_from_slice(b"#Port<");
                push_u64(out, p.id);
                out.push(b'.');
                push_u64(out, p.creation.into());
                out.push(b'>');
            }
            REFERENCE_EXT | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let r = d.reference()?;
                out.extend_from_slice(b"#Ref<");
                for (i, w) in r.n[..r.len].iter().enumerate() {
                    if i > 0 {
                        out.push(b'.');
                    }
                    push_u64(out, (*w).into());
                }
                out.push(b'>');
            }
            NIL_EXT => {
                d.list_header()?;
                out.extend_from_slice(b"[]");
            }
            LIST_EXT => {
                let n = d.list_header()?;
                out.push(b'[');
                if n > 0 {
                    stack.push(Frame::List { left: n });
                    continue 'term;
                }
                // A LIST_EXT of arity 0: only its tail follows.
                if list_tail(d, out, &mut stack)? {
                    continue 'term;
                }
            }
            STRING_EXT => match d.string()? {
                StrRef::Bytes(b) => print_string(b, out),
                other => print_string(&other.to_vec(), out),
            },
            SMALL_TUPLE_EXT | LARGE_TUPLE_EXT => {
                let n = d.tuple_header()?;
                out.push(b'{');
                if n > 0 {
                    stack.push(Frame::Tuple { left: n });
                    continue 'term;
                }
                out.push(b'}');
            }
            MAP_EXT => {
                let n = d.map_header()?;
                out.extend_from_slice(b"#{");
                if n > 0 {
                    stack.push(Frame::Map {
                        left: n,
                        value: false,
                    });
                    continue 'term;
                }
                out.push(b'}');
            }
            BINARY_EXT => {
                let b = d.binary()?;
                out.extend_from_slice(b"#Bin<");
                print_bytes(&b[..b.len().min(BIN_PRINT_SIZE)], out);
                if b.len() > BIN_PRINT_SIZE {
                    out.extend_from_slice(b",...");
                }
                out.push(b'>');
            }
            BIT_BINARY_EXT => {
                let (b, bits) = d.bitstring()?;
                out.extend_from_slice(b"#Bits<");
                if bits.div_ceil(8) > BIN_PRINT_SIZE {
                    print_bytes(&b[..BIN_PRINT_SIZE], out);
                    out.extend_from_slice(b",...");
                } else {
                    let whole = bits / 8;
                    print_bytes(&b[..whole], out);
                    let rest = bits % 8;
                    if rest != 0 {
                        if whole > 0 {
                            out.push(b',');
                        }
                        push_u64(out, (b[whole] >> (8 - rest)).into());
                        out.push(b':');
                        push_u64(out, rest as u64);
                    }
                }
                out.push(b'>');
            }
            SMALL_INTEGER_EXT | INTEGER_EXT => {
                let v = d.long()?;
                push_i64(out, v);
            }
            SMALL_BIG_EXT | LARGE_BIG_EXT => {
                let b = d.big()?;
                big::push_print_text(b.negative, b.digits, out);
            }
            FLOAT_EXT | NEW_FLOAT_EXT => {
                let v = d.double()?;
                print_double(v, out);
            }
            NEW_FUN_EXT | EXPORT_EXT | FUN_EXT => match d.fun()? {
                FunRef::Export {
                    module,
                    function,
                    arity,
                } => {
                    out.extend_from_slice(b"fun ");
                    module.push_utf8(out);
                    out.push(b':');
                    function.push_utf8(out);
                    out.push(b'/');
                    push_i64(out, arity);
                }
                FunRef::Closure {
                    module,
                    index,
                    uniq,
                    ..
                } => {
                    out.extend_from_slice(b"#Fun{");
                    module.push_utf8(out);
                    out.push(b'.');
                    push_i64(out, index);
                    out.push(b'.');
                    push_u64(out, uniq as u64);
                    out.push(b'}');
                }
            },
            t => return Err(Error::UnexpectedTag(t)),
        }

        // The term is complete: close every container it completes, and
        // move on to the next element of the innermost open one.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(());
            };
            match top {
                Frame::Tuple { left } => {
                    *left -= 1;
                    if *left > 0 {
                        out.extend_from_slice(b", ");
                        continue 'term;
                    }
                    out.push(b'}');
                    stack.pop();
                }
                Frame::List { left } => {
                    *left -= 1;
                    if *left > 0 {
                        out.extend_from_slice(b", ");
                        continue 'term;
                    }
                    stack.pop();
                    if list_tail(d, out, &mut stack)? {
                        continue 'term;
                    }
                }
                Frame::Tail => {
                    out.push(b']');
                    stack.pop();
                }
                Frame::Map { left, value } => {
                    if !*value {
                        *value = true;
                        out.extend_from_slice(b" => ");
                        continue 'term;
                    }
                    *value = false;
                    *left -= 1;
                    if *left > 0 {
                        out.extend_from_slice(b", ");
                        continue 'term;
                    }
                    out.push(b'}');
                    stack.pop();
                }
            }
        }
    }
}

/// After a list's elements: a `NIL_EXT` tail closes the list (returns
/// false); any other tail prints `" | "`, pushes [`Frame::Tail`] and returns
/// true (the tail is the next term to print).
fn list_tail<S: Source + ?Sized>(
    d: &mut Decoder<S>,
    out: &mut Vec<u8>,
    stack: &mut Vec<Frame>,
) -> Result<bool> {
    if d.peek_tag()? == NIL_EXT {
        d.list_header()?;
        out.push(b']');
        Ok(false)
    } else {
        out.extend_from_slice(b" | ");
        stack.push(Frame::Tail);
        Ok(true)
    }
}

/// Bytes as unsigned decimals separated by commas.
fn print_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    // Each byte's text with a trailing comma comes from a table: a fixed
    // 4-byte copy into a stack buffer, then one append per chunk; the last
    // comma is dropped at the end.
    for chunk in bytes.chunks(32) {
        let mut buf = [0u8; 32 * 4];
        let mut n = 0;
        for &b in chunk {
            let entry = &BYTE_TEXT[b as usize];
            buf[n..n + 4].copy_from_slice(entry);
            n += byte_text_len(b);
        }
        out.extend_from_slice(&buf[..n]);
    }
    if !bytes.is_empty() {
        out.pop();
    }
}

/// An atom: converted to Latin-1 when it fits (as libei's `ei_decode_atom`
/// does), else its UTF-8 bytes; quoted unless it starts with an ASCII
/// lowercase letter and has only ASCII alphanumerics, `_` and `@`.
fn print_atom(a: AtomRef, out: &mut Vec<u8>) {
    let text = a.bytes;
    if text.is_ascii() {
        // Latin-1 and UTF-8 agree on ASCII: no conversion.
        let bare = text.first().is_some_and(u8::is_ascii_lowercase)
            && text.iter().all(|&c| BARE_ATOM_BYTE[c as usize]);
        if bare {
            out.extend_from_slice(text);
        } else {
            quoted(text, out);
        }
    } else if a.utf8 {
        // A byte >= 0x80 in the text (Latin-1 or UTF-8) always forces
        // quotes. Convert straight into `out`; if the atom is not within
        // Latin-1, take back the partial conversion and copy it as it is.
        out.push(b'\'');
        let mark = out.len();
        if atom::utf8_to_latin1(text, out).is_none() {
            out.truncate(mark);
            out.extend_from_slice(text);
        }
        out.push(b'\'');
    } else {
        quoted(text, out);
    }
}

fn quoted(text: &[u8], out: &mut Vec<u8>) {
    out.reserve(text.len() + 2);
    out.push(b'\'');
    out.extend_from_slice(text);
    out.push(b'\'');
}

/// The bytes an unquoted atom may hold: ASCII alphanumerics, `_` and `@`.
static BARE_ATOM_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'@';
        c += 1;
    }
    t
};

/// A string in double quotes, with libei's escapes: `\n \r \t \v \b \f`,
/// and `\x` + lowercase hex for other bytes below `' '` and bytes >= 0x80.
/// Quotes and backslashes are not escaped (libei does not escape them).
fn print_string(s: &[u8], out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut rest = s;
    loop {
        // Copy the run of bytes that print as themselves in one go.
        let run = rest
            .iter()
            .position(|&c| !(b' '..=0x7f).contains(&c))
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        let Some((&c, tail)) = rest[run..].split_first() else {
            break;
        };
        rest = tail;
        match c {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\x");
                if c >= 0x10 {
                    out.push(HEX[(c >> 4) as usize]);
                }
                out.push(HEX[(c & 0xf) as usize]);
            }
        }
    }
    out.push(b'"');
}

/// A float as C's `printf("%f")` (glibc) prints it: fixed notation with six
/// decimals; `inf`, `-inf`, `nan`, `-nan` for the values Erlang cannot hold.
fn print_double(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
    } else if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
    } else if !push_f64_fixed6(v, out) {
        // Beyond the fast path's range (|v| above about 1e32): Rust's exact
        // fixed-precision formatting, which rounds like glibc (correctly,
        // ties to even on the exact binary value).
        push_f64_fixed6_slow(v, out);
    }
}

/// `printf("%f", v)` for any finite `v` by Rust's exact formatting.
fn push_f64_fixed6_slow(v: f64, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(out, "{v:.6}");
}

/// `"00".."99"`: two decimal digits per entry.
const DEC_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The decimal digits of `v` at the end of `buf`; returns where they start.
fn u64_digits(mut v: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    while v >= 100 {
        let r = (v % 100) as usize;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DEC_PAIRS[2 * r..2 * r + 2]);
    }
    if v >= 10 {
        i -= 2;
        let r = v as usize;
        buf[i..i + 2].copy_from_slice(&DEC_PAIRS[2 * r..2 * r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    i
}

/// Appends `v` in decimal (as `%llu` prints it).
pub(crate) fn push_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let start = u64_digits(v, &mut buf);
    out.extend_from_slice(&buf[start..]);
}

/// Appends `v` in decimal, with a `-` when negative (as `%lld` prints it).
pub(crate) fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Appends `v` as exactly `N` decimal digits with leading zeros; `v` must
/// be below `10^N` (`N` even).
fn push_padded<const N: usize>(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; N];
    let mut i = N;
    while i > 0 {
        let r = (v % 100) as usize;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DEC_PAIRS[2 * r..2 * r + 2]);
    }
    out.extend_from_slice(&buf);
}

/// The text of every byte value followed by a comma, in 4 bytes (padded
/// with zeros); [`byte_text_len`] says how many of them count.
static BYTE_TEXT: [[u8; 4]; 256] = {
    let mut t = [[0u8; 4]; 256];
    let mut v = 0;
    while v < 256 {
        let (h, d, u) = ((v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8);
        t[v] = if v >= 100 {
            [b'0' + h, b'0' + d, b'0' + u, b',']
        } else if v >= 10 {
            [b'0' + d, b'0' + u, b',', 0]
        } else {
            [b'0' + u, b',', 0, 0]
        };
        v += 1;
    }
    t
};

/// The length of a [`BYTE_TEXT`] entry, comma included.
fn byte_text_len(b: u8) -> usize {
    1 + (b >= 10) as usize + (b >= 100) as usize + 1
}

/// `printf("%f", v)` for finite `v` by exact integer arithmetic, when the
/// shifted value fits in a `u128` (at least every `|v| <= 10^32`); returns
/// false, appending nothing, otherwise (always when `|v| >= 2^128 / 10^6`).
///
/// `v = m * 2^e` exactly (`m < 2^53`), so `v * 10^6 = m * 5^6 * 2^(e + 6)`
/// with `m * 5^6 < 2^67`. When `e + 6 >= 0` that is an integer (shifted
/// left); otherwise it is rounded to the nearest integer, ties to even, by
/// looking at the bits shifted out: this is exactly glibc's rounding of the
/// exact binary value. The rounded count of millionths then splits into
/// the integer part and six decimals.
fn push_f64_fixed6(v: f64, out: &mut Vec<u8>) -> bool {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if biased == 0 {
        (frac, -1074) // subnormal (or zero)
    } else {
        (frac | 1u64 << 52, biased - 1075)
    };
    let n = u128::from(m) * 15_625; // m * 5^6
    let shift = e + 6;
    let millionths: u128 = if shift >= 0 {
        if n != 0 && shift as u32 >= n.leading_zeros() {
            return false;
        }
        n << shift
    } else {
        let k = shift.unsigned_abs();
        if k >= 68 {
            // n < 2^67 <= half of 2^k: rounds to 0.
            0
        } else {
            let q = n >> k;
            let r = n & ((1u128 << k) - 1);
            let half = 1u128 << (k - 1);
            if r > half || (r == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        }
    };
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let int = millionths / 1_000_000;
    let dec = (millionths % 1_000_000) as u64;
    match u64::try_from(int) {
        Ok(i) => push_u64(out, i),
        Err(_) => {
            // int < 2^128 / 10^6 < 2^108: the part above 10^19 fits in u64.
            const TEN19: u128 = 10_000_000_000_000_000_000;
            push_u64(out, (int / TEN19) as u64);
            let low = (int % TEN19) as u64;
            // 19 digits: one, then 18 in pairs.
            out.push(b'0' + (low / 1_000_000_000_000_000_000) as u8);
            push_padded::<18>(out, low % 1_000_000_000_000_000_000);
        }
    }
    out.push(b'.');
    push_padded::<6>(out, dec);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(buf: &[u8]) -> String {
        let mut d = Decoder::new(buf);
        let mut out = Vec::new();
        print_term(&mut d, &mut out).unwrap();
        assert_eq!(d.position(), buf.len(), "decoder must end after the term");
        String::from_utf8(out).unwrap()
    }

    fn p_bytes(buf: &[u8]) -> Vec<u8> {
        let mut d = Decoder::new(buf);
        let mut out = Vec::new();
        print_term(&mut d, &mut out).unwrap();
        out
    }

    fn atom(s: &str) -> Vec<u8> {
        let mut v = vec![SMALL_ATOM_UTF8_EXT, s.len() as u8];
        v.extend_from_slice(s.as_bytes());
        v
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn atoms_and_quoting() {
        assert_eq!(p(&atom("ok")), "ok");
        assert_eq!(p(&atom("a_B@9")), "a_B@9");
        assert_eq!(p(&atom("Ok")), "'Ok'");
        assert_eq!(p(&atom("_x")), "'_x'");
        assert_eq!(p(&atom("hello world")), "'hello world'");
        assert_eq!(p(&atom("")), "''");
        assert_eq!(p(&[ATOM_EXT, 0, 2, b'h', b'i']), "hi");
        // UTF-8 atom within Latin-1 prints as Latin-1 bytes, quoted.
        assert_eq!(p_bytes(&atom("é")), b"'\xe9'");
        assert_eq!(p_bytes(&atom("aé")), b"'a\xe9'");
        // Latin-1 atom prints its bytes.
        assert_eq!(p_bytes(&[SMALL_ATOM_EXT, 1, 0xe9]), b"'\xe9'");
        // Outside Latin-1: UTF-8 bytes, quoted.
        assert_eq!(p(&atom("λx")), "'λx'");
    }

    #[test]
    fn numbers() {
        assert_eq!(p(&[SMALL_INTEGER_EXT, 255]), "255");
        assert_eq!(p(&[INTEGER_EXT, 255, 255, 255, 255]), "-1");
        assert_eq!(p(&[INTEGER_EXT, 128, 0, 0, 0]), "-2147483648");
        assert_eq!(
            p(&[SMALL_BIG_EXT, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128]),
            "-9223372036854775808"
        );
        assert_eq!(p(&[SMALL_BIG_EXT, 0, 1]), "-0");
        assert_eq!(
            p(&[SMALL_BIG_EXT, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "16#10000000000000000"
        );
        // Bignums far beyond libei's 2000-byte buffer.
        let mut huge = vec![LARGE_BIG_EXT, 0, 0, 4, 0, 1];
        huge.extend(std::iter::repeat_n(0xab, 1024));
        let s = p(&huge);
        assert_eq!(s.len(), 1 + 3 + 2048);
        assert!(s.starts_with("-16#ABAB"));
        let f = |v: f64| {
            let mut b = vec![NEW_FLOAT_EXT];
            b.extend_from_slice(&v.to_bits().to_be_bytes());
            p(&b)
        };
        assert_eq!(f(1.5), "1.500000");
        assert_eq!(f(-0.0), "-0.000000");
        assert_eq!(f(1.0 / 128.0), "0.007812");
        assert_eq!(f(3.0 / 128.0), "0.023438");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
        assert_eq!(f(f64::NAN), "nan");
        assert_eq!(f(-f64::NAN), "-nan");
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(p(&[STRING_EXT, 0, 3, b'a', b'"', b'\\']), "\"a\"\\\"");
        assert_eq!(
            p(&[STRING_EXT, 0, 9, b'\n', b'\r', b'\t', 11, 8, 12, 0, 27, 127]),
            "\"\\n\\r\\t\\v\\b\\f\\x0\\x1b\x7f\""
        );
        assert_eq!(p(&[STRING_EXT, 0, 2, 0xe9, 0x80]), "\"\\xe9\\x80\"");
        assert_eq!(p(&[STRING_EXT, 0, 0]), "\"\"");
    }

    #[test]
    fn lists_tuples_maps() {
        assert_eq!(p(&[NIL_EXT]), "[]");
        let l = cat(&[&[LIST_EXT, 0, 0, 0, 2], &atom("a"), &atom("b"), &[NIL_EXT]]);
        assert_eq!(p(&l), "[a, b]");
        let improper = cat(&[&[LIST_EXT, 0, 0, 0, 2], &atom("a"), &atom("b"), &atom("c")]);
        assert_eq!(p(&improper), "[a, b | c]");
        let empty_ext = cat(&[&[LIST_EXT, 0, 0, 0, 0], &atom("t")]);
        assert_eq!(p(&empty_ext), "[ | t]");
        let nested_tail = cat(&[&[
            LIST_EXT, 0, 0, 0, 1, 97, 1, LIST_EXT, 0, 0, 0, 1, 97, 2, 97, 3,
        ]]);
        assert_eq!(p(&nested_tail), "[1 | [2 | 3]]");
        assert_eq!(p(&[SMALL_TUPLE_EXT, 0]), "{}");
        let t = cat(&[
            &[SMALL_TUPLE_EXT, 3, 97, 1],
            &[SMALL_TUPLE_EXT, 0],
            &[NIL_EXT],
        ]);
        assert_eq!(p(&t), "{1, {}, []}");
        assert_eq!(p(&[MAP_EXT, 0, 0, 0, 0]), "#{}");
        let m = cat(&[
            &[MAP_EXT, 0, 0, 0, 2],
            &atom("a"),
            &[97, 1],
            &[SMALL_TUPLE_EXT, 1, 97, 2],
            &[MAP_EXT, 0, 0, 0, 1, 97, 3, 97, 4],
        ]);
        assert_eq!(p(&m), "#{a => 1, {2} => #{3 => 4}}");
        assert_eq!(p(&[LARGE_TUPLE_EXT, 0, 0, 0, 1, 106]), "{[]}");
    }

    #[test]
    fn binaries() {
        assert_eq!(p(&[BINARY_EXT, 0, 0, 0, 0]), "#Bin<>");
        assert_eq!(p(&[BINARY_EXT, 0, 0, 0, 3, 1, 2, 255]), "#Bin<1,2,255>");
        let mut b = vec![BINARY_EXT, 0, 0, 0, 31];
        b.extend(0..31u8);
        let expect = format!(
            "#Bin<{},...>",
            (0..30).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        );
        assert_eq!(p(&b), expect);
        assert_eq!(p(&[BIT_BINARY_EXT, 0, 0, 0, 1, 3, 0xa0]), "#Bits<5:3>");
        assert_eq!(
            p(&[BIT_BINARY_EXT, 0, 0, 0, 2, 4, 1, 0xf0]),
            "#Bits<1,15:4>"
        );
        assert_eq!(p(&[BIT_BINARY_EXT, 0, 0, 0, 1, 8, 7]), "#Bits<7>");
        assert_eq!(p(&[BIT_BINARY_EXT, 0, 0, 0, 0, 0]), "#Bits<>");
    }

    #[test]
    fn node_containers_and_funs() {
        let pid = cat(&[
            &[NEW_PID_EXT],
            &atom("n@h"),
            &[0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7],
        ]);
        assert_eq!(p(&pid), "<n@h.5.6>");
        let port = cat(&[
            &[V4_PORT_EXT],
            &atom("n@h"),
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9],
        ]);
        assert_eq!(p(&port), "#Port<4294967296.9>");
        let r = cat(&[
            &[NEWER_REFERENCE_EXT, 0, 3],
            &atom("n@h"),
            &[0, 0, 0, 1],
            &[0, 0, 0, 1, 0, 0, 0, 2, 255, 255, 255, 255],
        ]);
        assert_eq!(p(&r), "#Ref<1.2.4294967295>");
        let exp = cat(&[&[EXPORT_EXT], &atom("lists"), &atom("map"), &[97, 2]]);
        assert_eq!(p(&exp), "fun lists:map/2");
    }

    /// Buffers and the text OTP's libei (erl_interface 5.3, OTP 25)
    /// `ei_s_print_term` printed for them.
    #[rustfmt::skip]
    const LIBEI: &[(&[u8], &[u8])] = &[
        (&[119, 2, 111, 107], b"ok"),
        (&[119, 11, 72, 101, 108, 108, 111, 32, 87, 111, 114, 108, 100], b"'Hello World'"),
        (&[119, 5, 97, 95, 66, 64, 57], b"a_B@9"),
        (&[119, 0], b"''"),
        (&[119, 5, 195, 169, 116, 195, 169], b"'\xe9t\xe9'"),
        (&[115, 2, 104, 233], b"'h\xe9'"),
        (&[97, 0], b"0"),
        (&[98, 255, 255, 255, 255], b"-1"),
        (&[97, 255], b"255"),
        (&[98, 0, 0, 1, 0], b"256"),
        (&[110, 4, 1, 0, 0, 0, 128], b"-2147483648"),
        (&[110, 6, 0, 0, 0, 0, 0, 0, 1], b"1099511627776"),
        (&[110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128], b"-9223372036854775808"),
        (&[110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255], b"18446744073709551615"),
        (&[110, 0, 1], b"-0"),
        (&[110, 0, 0], b"0"),
        (&[110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], b"16#10000000000000000"),
        (&[110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], b"-16#0"),
        (&[110, 3, 0, 1, 2, 3], b"197121"),
        (&[110, 10, 1, 239, 205, 171, 137, 103, 69, 35, 1, 15, 0], b"-16#F0123456789ABCDEF"),
        (&[70, 63, 248, 0, 0, 0, 0, 0, 0], b"1.500000"),
        (&[70, 128, 0, 0, 0, 0, 0, 0, 0], b"-0.000000"),
        (&[70, 126, 55, 228, 60, 136, 0, 117, 156], b"1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000"),
        (&[70, 63, 128, 0, 0, 0, 0, 0, 0], b"0.007812"),
        (&[70, 63, 185, 153, 153, 153, 153, 153, 154], b"0.100000"),
        (&[70, 62, 122, 215, 242, 154, 188, 175, 72], b"0.000000"),
        (&[70, 65, 157, 111, 52, 87, 243, 91, 167], b"123456789.987654"),
        (&[70, 127, 240, 0, 0, 0, 0, 0, 0], b"inf"),
        (&[70, 255, 240, 0, 0, 0, 0, 0, 0], b"-inf"),
        (&[70, 127, 248, 0, 0, 0, 0, 0, 0], b"nan"),
        (&[70, 255, 248, 0, 0, 0, 0, 0, 0], b"-nan"),
        (&[99, 49, 46, 53, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 101, 43, 48, 48, 0, 0, 0, 0, 0], b"1.500000"),
        (&[107, 0, 5, 104, 101, 108, 108, 111], b"\"hello\""),
        (&[107, 0, 7, 97, 34, 98, 92, 99, 39, 100], b"\"a\"b\\c'd\""),
        (&[107, 0, 10, 10, 13, 9, 11, 8, 12, 1, 27, 127, 126], b"\"\\n\\r\\t\\v\\b\\f\\x1\\x1b\x7f~\""),
        (&[107, 0, 3, 97, 0, 98], b"\"a\\x0b\""),
        (&[107, 0, 0], b"\"\""),
        (&[106], b"[]"),
        (&[108, 0, 0, 0, 2, 119, 1, 97, 97, 1, 106], b"[a, 1]"),
        (&[108, 0, 0, 0, 2, 119, 1, 97, 97, 1, 119, 1, 116], b"[a, 1 | t]"),
        (&[108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 97, 3], b"[1 | [2 | 3]]"),
        (&[108, 0, 0, 0, 0, 106], b"[]"),
        (&[108, 0, 0, 0, 0, 97, 5], b"[ | 5]"),
        (&[108, 0, 0, 0, 3, 97, 104, 97, 105, 97, 10, 106], b"[104, 105, 10]"),
        (&[104, 0], b"{}"),
        (&[104, 3, 119, 1, 97, 104, 0, 107, 0, 1, 115], b"{a, {}, \"s\"}"),
        (&[116, 0, 0, 0, 0], b"#{}"),
        (&[116, 0, 0, 0, 2, 119, 1, 107, 97, 1, 104, 1, 116, 0, 0, 0, 1, 97, 3, 106, 107, 0, 1, 118], b"#{k => 1, {#{3 => []}} => \"v\"}"),
        (&[109, 0, 0, 0, 0], b"#Bin<>"),
        (&[109, 0, 0, 0, 3, 1, 2, 255], b"#Bin<1,2,255>"),
        (&[109, 0, 0, 0, 30, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196, 203], b"#Bin<0,7,14,21,28,35,42,49,56,63,70,77,84,91,98,105,112,119,126,133,140,147,154,161,168,175,182,189,196,203>"),
        (&[109, 0, 0, 0, 31, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196, 203, 210], b"#Bin<0,7,14,21,28,35,42,49,56,63,70,77,84,91,98,105,112,119,126,133,140,147,154,161,168,175,182,189,196,203,...>"),
        (&[77, 0, 0, 0, 31, 3, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196, 203, 192], b"#Bits<0,7,14,21,28,35,42,49,56,63,70,77,84,91,98,105,112,119,126,133,140,147,154,161,168,175,182,189,196,203,...>"),
        (&[77, 0, 0, 0, 30, 5, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196, 200], b"#Bits<0,7,14,21,28,35,42,49,56,63,70,77,84,91,98,105,112,119,126,133,140,147,154,161,168,175,182,189,196,25:5>"),
        (&[109, 0, 0, 0, 30, 0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196, 203], b"#Bin<0,7,14,21,28,35,42,49,56,63,70,77,84,91,98,105,112,119,126,133,140,147,154,161,168,175,182,189,196,203>"),
        (&[77, 0, 0, 0, 1, 3, 160], b"#Bits<5:3>"),
        (&[77, 0, 0, 0, 2, 4, 1, 240], b"#Bits<1,15:4>"),
        (&[77, 0, 0, 0, 1, 8, 7], b"#Bits<7>"),
        (&[77, 0, 0, 0, 0, 0], b"#Bits<>"),
        (&[88, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 42, 0, 0, 0, 7, 0, 0, 0, 3], b"<node@host.42.7>"),
        (&[103, 115, 3, 110, 233, 104, 0, 0, 0, 1, 0, 0, 0, 2, 3], b"<n\xc3\xa9h.1.2>"),
        (&[89, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 77, 0, 0, 0, 5], b"#Port<77.5>"),
        (&[102, 115, 1, 110, 0, 0, 0, 9, 2], b"#Port<9.2>"),
        (&[90, 0, 1, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 4, 0, 0, 0, 1], b"#Ref<1>"),
        (&[101, 115, 1, 110, 0, 0, 0, 9, 2], b"#Ref<9>"),
        (&[114, 0, 0, 115, 1, 110, 1], b"#Ref<>"),
        (&[113, 119, 5, 108, 105, 115, 116, 115, 119, 3, 109, 97, 112, 97, 2], b"fun lists:map/2"),
        (&[113, 119, 3, 77, 111, 100, 119, 5, 70, 117, 110, 32, 120, 97, 2], b"fun Mod:Fun x/2"),
        (&[112, 0, 0, 0, 61, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 119, 5, 109, 121, 109, 111, 100, 97, 9, 98, 255, 255, 255, 254, 88, 119, 3, 110, 64, 104, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], b"#Fun{mymod.3.18446744073709551614}"),
        (&[117, 0, 0, 0, 0, 88, 119, 3, 110, 64, 104, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 119, 5, 109, 121, 109, 111, 100, 97, 3, 98, 0, 0, 48, 57], b"#Fun{mymod.3.12345}"),
        (&[104, 3, 97, 1, 108, 0, 0, 0, 2, 100, 0, 1, 120, 107, 0, 2, 104, 105, 106, 116, 0, 0, 0, 1, 97, 1, 97, 2], b"{1, [x, \"hi\"], #{1 => 2}}"),
    ];

    #[test]
    fn matches_libei() {
        for (buf, expect) in LIBEI {
            let mut d = Decoder::new(buf);
            let mut out = Vec::new();
            print_term(&mut d, &mut out).unwrap_or_else(|e| panic!("{buf:?}: {e}"));
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(expect),
                "{buf:?}"
            );
            assert_eq!(&out[..], *expect, "{buf:?}");
            assert_eq!(d.position(), buf.len(), "{buf:?}");
        }
    }

    /// Where libei prints wrongly, the correct form (libei's output noted).
    #[test]
    fn fixes_libei() {
        // libei: `"caf\xffffffe9"`.
        assert_eq!(p(&[107, 0, 4, 99, 97, 102, 233]), "\"caf\\xe9\"");
        // libei fails: not Latin-1.
        assert_eq!(p(&[119, 2, 206, 187]), "'λ'");
        // libei: `a` (stops at the NUL).
        assert_eq!(p_bytes(&[100, 0, 3, 97, 0, 98]), b"'a\0b'");
        // libei: `<node@host.-2147483647.7>`.
        let pid = [
            88, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 128, 0, 0, 1, 0, 0, 0, 7, 0, 0,
            0, 3,
        ];
        assert_eq!(p(&pid), "<node@host.2147483649.7>");
        // libei: `#Port<591751049.5>` (low 32 bits).
        let port = [
            120, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 1, 35, 69, 103, 137,
            0, 0, 0, 5,
        ];
        assert_eq!(p(&port), "#Port<4886718345.5>");
        // libei: `#Port<5.-2147483648>`.
        let port = [
            89, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 5, 128, 0, 0, 0,
        ];
        assert_eq!(p(&port), "#Port<5.2147483648>");
        // libei: `#Ref<1.2.-1>`.
        let r = [
            90, 0, 3, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 0, 4, 0, 0, 0, 1,
            0, 0, 0, 2, 255, 255, 255, 255,
        ];
        assert_eq!(p(&r), "#Ref<1.2.4294967295>");
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let n = 100_000;
        let mut buf = Vec::new();
        for _ in 0..n {
            buf.extend_from_slice(&[LIST_EXT, 0, 0, 0, 1]);
        }
        buf.push(NIL_EXT);
        buf.extend(std::iter::repeat_n(NIL_EXT, n));
        let s = p(&buf);
        assert_eq!(s.len(), 2 * n + 2);
        let mut buf = Vec::new();
        for _ in 0..n {
            buf.extend_from_slice(&[SMALL_TUPLE_EXT, 1]);
        }
        buf.push(97);
        buf.push(1);
        assert_eq!(p(&buf).len(), 2 * n + 1);
    }

    #[test]
    fn errors_leave_position() {
        let l = cat(&[
            &[SMALL_TUPLE_EXT, 9, 97, 1, 97, 2],
            &[LIST_EXT, 0, 0, 0, 2],
            &atom("a"),
        ]);
        for cut in 0..l.len() {
            let buf = cat(&[&[97, 0], &l[..cut]]);
            let mut d = Decoder::new(&buf);
            d.set_position(2);
            let mut out = Vec::new();
            assert!(print_term(&mut d, &mut out).is_err(), "cut {cut}");
            assert_eq!(d.position(), 2);
        }
        let mut d = Decoder::new(&[131, 97, 1]);
        assert_eq!(
            print_term(&mut d, &mut Vec::new()),
            Err(Error::UnexpectedTag(131))
        );
        // Huge claimed lengths fail without allocating.
        let mut d = Decoder::new(&[LIST_EXT, 255, 255, 255, 255, 97, 1]);
        assert!(print_term(&mut d, &mut Vec::new()).is_err());
        let mut d = Decoder::new(&[BINARY_EXT, 255, 255, 255, 255]);
        assert!(print_term(&mut d, &mut Vec::new()).is_err());
        assert_eq!(print_to_vec(&[131, 100, 0, 1, b'x']).unwrap(), b"x");
    }

    /// A xorshift generator for the comparisons below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn integer_digits_match_the_formatter() {
        let mut values = vec![0, 1, 9, 10, 99, 100, 101, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(next) = p.checked_mul(10) {
            values.extend([p - 1, p, p + 1, next / 2]);
            p = next;
        }
        values.extend([p - 1, p, p + 1]);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let r = rng.next();
            values.push(r);
            values.push(r >> (r % 64));
        }
        for &v in &values {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes());
            for s in [v as i64, (v as i64).wrapping_neg()] {
                let mut out = Vec::new();
                push_i64(&mut out, s);
                assert_eq!(out, s.to_string().as_bytes());
            }
        }
        for s in [i64::MIN, i64::MAX, -1, 0] {
            let mut out = Vec::new();
            push_i64(&mut out, s);
            assert_eq!(out, s.to_string().as_bytes());
        }
        for v in (0..1_000_000u64).step_by(7).chain([999_999]) {
            let mut out = Vec::new();
            push_padded::<6>(&mut out, v);
            assert_eq!(out, format!("{v:06}").as_bytes());
        }
        let mut out = Vec::new();
        push_padded::<18>(&mut out, 12_345);
        assert_eq!(out, b"000000000000012345");
    }

    #[test]
    fn bytes_and_strings_match_the_formatter() {
        let all: Vec<u8> = (0..=255).collect();
        let mut rng = Rng(12345);
        let mut cases: Vec<Vec<u8>> = vec![vec![], all.clone()];
        for len in 0..80 {
            cases.push((0..len).map(|_| rng.next() as u8).collect());
        }
        for bytes in &cases {
            let mut out = b"x".to_vec();
            print_bytes(bytes, &mut out);
            let expect: Vec<String> = bytes.iter().map(u8::to_string).collect();
            assert_eq!(out, format!("x{}", expect.join(",")).as_bytes());

            let mut out = b"x".to_vec();
            print_string(bytes, &mut out);
            let mut expect = b"x\"".to_vec();
            for &c in bytes {
                match c {
                    b' '..=0x7f => expect.push(c),
                    b'\n' => expect.extend_from_slice(b"\\n"),
                    b'\r' => expect.extend_from_slice(b"\\r"),
                    b'\t' => expect.extend_from_slice(b"\\t"),
                    0x0b => expect.extend_from_slice(b"\\v"),
                    0x08 => expect.extend_from_slice(b"\\b"),
                    0x0c => expect.extend_from_slice(b"\\f"),
                    _ => expect.extend_from_slice(format!("\\x{c:x}").as_bytes()),
                }
            }
            expect.push(b'"');
            assert_eq!(out, expect);
        }
    }

    /// The fast `%f` path against Rust's exact formatting; returns whether
    /// the fast path took the value.
    fn check_fixed6(v: f64) -> bool {
        let mut slow = Vec::new();
        push_f64_fixed6_slow(v, &mut slow);
        let mut fast = Vec::new();
        let took = push_f64_fixed6(v, &mut fast);
        if took {
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow),
                "{v:e} ({:#x})",
                v.to_bits()
            );
        } else {
            assert!(fast.is_empty());
        }
        let mut printed = Vec::new();
        print_double(v, &mut printed);
        assert_eq!(printed, slow, "{v:e}");
        took
    }

    #[test]
    fn doubles_match_exact_formatting() {
        let mut values = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),             // smallest subnormal
            f64::from_bits((1 << 52) - 1), // largest subnormal
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            0.5e-6,
            1.5e-6,
            2.5e-6,
            0.0000005,
            0.0000015,
            0.9999995,
            0.99999949999,
            9_999_999.999_999_5,
            1.0 / 3.0,
            2.0 / 3.0,
            123_456_789.987_654,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            u64::MAX as f64,
            i64::MIN as f64,
            3.402_823_669_209_384_6e32,
            3.402_823_669_209_385e32,
        ];
        // Every power of two, and its neighbours.
        for k in -1074..=1023 {
            let p = 2f64.powi(k);
            values.extend([
                p,
                f64::from_bits(p.to_bits() + 1),
                f64::from_bits(p.to_bits() - 1),
            ]);
        }
        // Powers of ten, 1e-20 .. 1e300, and their neighbours.
        for k in -20..=300 {
            let p: f64 = format!("1e{k}").parse().unwrap();
            values.extend([
                p,
                f64::from_bits(p.to_bits() + 1),
                f64::from_bits(p.to_bits() - 1),
            ]);
        }
        // Exact ties at the sixth decimal are the odd multiples of 1/128
        // (the only binary fractions that end in 5 at the 7th decimal).
        for i in 0..100_000u64 {
            let t = i as f64 / 128.0;
            values.extend([
                t,
                f64::from_bits(t.to_bits() + 1),
                f64::from_bits(t.to_bits().saturating_sub(1)),
            ]);
        }
        // Near-ties: decimal halves of millionths, which are not exact.
        for i in 0..50_000u64 {
            values.push((i as f64 + 0.5) / 1e6);
            values.push(i as f64 * 1.000_000_5);
        }
        // The benchmark's doubles.
        for i in 0..40 {
            let s = if i % 2 == 1 { -1.0 } else { 1.0 };
            values.push(s * (i + 1) as f64 * 1.25e-3 * 10f64.powi(i % 10));
        }
        // Random bit patterns (all exponents), and random values of moderate size.
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..100_000 {
            let r = rng.next();
            values.push(f64::from_bits(r));
            let scale = 10f64.powi((r % 40) as i32 - 12);
            values.push((rng.next() >> 11) as f64 / (1u64 << 53) as f64 * scale);
        }
        let mut fast = 0;
        for &v in values.iter().filter(|v| v.is_finite()) {
            fast += check_fixed6(v) as usize;
            fast += check_fixed6(-v) as usize;
        }
        assert!(fast > values.len(), "the fast path took too few values");
        // The fast path's bound: below 2^128 millionths.
        assert!(check_fixed6(1e32));
        assert!(!check_fixed6(3.402_823_669_209_385e32));
        assert!(!check_fixed6(1e300));
    }
}

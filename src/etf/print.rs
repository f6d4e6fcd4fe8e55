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
use std::io::Write;

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
                write_out(out, format_args!(".{}.{}>", p.num, p.serial));
            }
            PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT => {
                let p = d.port()?;
                write_out(out, format_args!("#Port<{}.{}>", p.id, p.creation));
            }
            REFERENCE_EXT | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let r = d.reference()?;
                out.extend_from_slice(b"#Ref<");
                for (i, w) in r.n[..r.len].iter().enumerate() {
                    if i > 0 {
                        out.push(b'.');
                    }
                    write_out(out, format_args!("{w}"));
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
                        let delim = if whole > 0 { "," } else { "" };
                        let v = b[whole] >> (8 - rest);
                        write_out(out, format_args!("{delim}{v}:{rest}"));
                    }
                }
                out.push(b'>');
            }
            SMALL_INTEGER_EXT | INTEGER_EXT => {
                let v = d.long()?;
                write_out(out, format_args!("{v}"));
            }
            SMALL_BIG_EXT | LARGE_BIG_EXT => {
                let b = d.big()?;
                let mut s = String::new();
                big::to_print_string(b.negative, b.digits, &mut s);
                out.extend_from_slice(s.as_bytes());
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
                    write_out(out, format_args!("/{arity}"));
                }
                FunRef::Closure {
                    module,
                    index,
                    uniq,
                    ..
                } => {
                    out.extend_from_slice(b"#Fun{");
                    module.push_utf8(out);
                    write_out(out, format_args!(".{index}.{}}}", uniq as u64));
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

/// Appends formatted text (writing to a `Vec` cannot fail).
fn write_out(out: &mut Vec<u8>, args: std::fmt::Arguments) {
    let _ = out.write_fmt(args);
}

/// Bytes as unsigned decimals separated by commas.
fn print_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_out(out, format_args!("{b}"));
    }
}

/// An atom: converted to Latin-1 when it fits (as libei's `ei_decode_atom`
/// does), else its UTF-8 bytes; quoted unless it starts with an ASCII
/// lowercase letter and has only ASCII alphanumerics, `_` and `@`.
fn print_atom(a: AtomRef, out: &mut Vec<u8>) {
    let mut latin1 = Vec::new();
    let text: &[u8] = if a.utf8 && !a.bytes.is_ascii() {
        match atom::utf8_to_latin1(a.bytes, &mut latin1) {
            Some(()) => &latin1,
            None => a.bytes,
        }
    } else {
        a.bytes
    };
    let bare = text.first().is_some_and(u8::is_ascii_lowercase)
        && text
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'@');
    if !bare {
        out.push(b'\'');
    }
    out.extend_from_slice(text);
    if !bare {
        out.push(b'\'');
    }
}

/// A string in double quotes, with libei's escapes: `\n \r \t \v \b \f`,
/// and `\x` + lowercase hex for other bytes below `' '` and bytes >= 0x80.
/// Quotes and backslashes are not escaped (libei does not escape them).
fn print_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b' '..=0x7f => out.push(c),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => write_out(out, format_args!("\\x{c:x}")),
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
    } else {
        // Rust's exact fixed-precision formatting rounds like glibc
        // (correctly, ties to even on the exact binary value).
        write_out(out, format_args!("{v:.6}"));
    }
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
}

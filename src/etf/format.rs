//! Terms built from format strings: the engine behind `ei_x_format` and
//! `ei_x_format_wo_ver`.
//!
//! The grammar is libei's (`ei_format.c`):
//!
//! - atoms: bare (`[a-z][A-Za-z0-9_@]*`, silently cut at 255 characters) or
//!   quoted (`'any text'`, no escapes: the atom ends at the next `'`); the
//!   text is taken as Latin-1 and written as a UTF-8 atom;
//! - integers `[+-]?[0-9]+` (saturating at the `long` range, as `sscanf`
//!   does), floats `[+-]?[0-9]+\.[0-9]*` with an optional exponent;
//! - strings `"any text"` (no escapes: the string ends at the next `"`),
//!   written as `STRING_EXT` (`NIL_EXT` when empty);
//! - `{...}` tuples and `[...]` lists (proper, with a `NIL_EXT` tail);
//!   elements are separated by commas or by whitespace alone;
//! - directives, each taking one argument: `~a` atom (Latin-1 text), `~c`
//!   character, `~s` string, `~i` int, `~l` long, `~u` unsigned long, `~f`
//!   and `~d` double, `~p` pid. Maps are not part of the grammar (libei has
//!   no syntax for them).
//!
//! Whitespace before the term is skipped and anything after it is ignored.
//! As in libei, a `~` anywhere in the format (even inside a quoted atom or
//! a string, or after the term) must be followed by one of the directive
//! letters, or the whole format is refused.
//!
//! The bytes are those of libei for every format libei handles correctly.
//! Where libei's parser goes wrong this one does the right thing instead:
//!
//! - improper lists `[a, b | c]` are encoded as such (libei drops the list
//!   header and writes the elements loose);
//! - a separator preceded by whitespace (`{a ,b}`, `[a |b]`) works (libei
//!   swallows the character after the separator, here the `b`);
//! - elements glued together without a separator (`{a'b'}`), a leading
//!   separator (`[,a]`, `[|a]`) or an empty tail (`[a|]`) are errors
//!   (libei swallows characters or writes a broken list);
//! - the exponent of a float is part of the number (`{1.5e3}` is
//!   `{1500.0}`; libei reads the value with its exponent but then parses
//!   the exponent's digits again as another element);
//! - a directive inside a quoted atom or a string is plain text and takes no
//!   argument (libei reserves an argument for it, which shifts the arguments
//!   of the directives that follow when their types differ).
//!
//! Arguments are taken strictly in the order of the directives, and only
//! after the whole format has been parsed: a syntax error consumes none.
//! Nothing is written unless the whole term is ([`format_unbuffered`], for
//! sinks whose owner discards a failed encoding, may leave part of it). The
//! parser does not recurse, so nesting depth is limited only by the
//! format's length. It runs twice: once to check the format and learn each
//! container's arity, once to write the term as it reads it.

use super::atom::{self, enc};
use super::decode::PidRef;
use super::encode::{self, Sink};
use super::tag::{ATOM_UTF8_EXT, NEW_PID_EXT, SMALL_ATOM_UTF8_EXT};
use super::{Error, Result};

/// The arguments of a format, taken one at a time in directive order.
///
/// The C layer implements this over a `va_list`; [`ArgList`] implements it
/// over a vector.
pub trait FormatArgs<'a> {
    /// `~a`, `~s`: the bytes of a NUL-terminated C string (without the NUL).
    fn str(&mut self) -> Result<&'a [u8]>;
    /// `~c` (C passes an `int`; libei keeps its low byte).
    fn char(&mut self) -> Result<u8>;
    /// `~i` (a C `int`).
    fn int(&mut self) -> Result<i64>;
    /// `~l` (a C `long`).
    fn long(&mut self) -> Result<i64>;
    /// `~u` (a C `unsigned long`).
    fn ulong(&mut self) -> Result<u64>;
    /// `~f`, `~d` (a C `double`; `float` is promoted).
    fn double(&mut self) -> Result<f64>;
    /// `~p` (an `erlang_pid *`); the node name is UTF-8.
    fn pid(&mut self) -> Result<PidRef<'a>>;
}

/// One argument for [`ArgList`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormatArg<'a> {
    /// For `~a` and `~s`.
    Str(&'a [u8]),
    /// For `~c`.
    Char(u8),
    /// For `~i` and `~l`.
    Int(i64),
    /// For `~u`.
    ULong(u64),
    /// For `~f` and `~d`.
    Double(f64),
    /// For `~p`.
    Pid(PidRef<'a>),
}

/// Arguments from a vector, checked against the directives that take them.
#[derive(Debug, Clone, Default)]
pub struct ArgList<'a> {
    args: Vec<FormatArg<'a>>,
    next: usize,
}

impl<'a> ArgList<'a> {
    /// The arguments, first to last.
    pub fn new(args: Vec<FormatArg<'a>>) -> Self {
        ArgList { args, next: 0 }
    }

    /// How many arguments have been taken.
    pub fn consumed(&self) -> usize {
        self.next
    }

    fn take(&mut self) -> Result<FormatArg<'a>> {
        let a = *self
            .args
            .get(self.next)
            .ok_or(Error::InvalidArgument("too few format arguments"))?;
        self.next += 1;
        Ok(a)
    }
}

const WRONG_TYPE: Error = Error::InvalidArgument("format argument of the wrong type");

impl<'a> FormatArgs<'a> for ArgList<'a> {
    fn str(&mut self) -> Result<&'a [u8]> {
        match self.take()? {
            FormatArg::Str(s) => Ok(s),
            _ => Err(WRONG_TYPE),
        }
    }

    fn char(&mut self) -> Result<u8> {
        match self.take()? {
            FormatArg::Char(c) => Ok(c),
            _ => Err(WRONG_TYPE),
        }
    }

    fn int(&mut self) -> Result<i64> {
        self.long()
    }

    fn long(&mut self) -> Result<i64> {
        match self.take()? {
            FormatArg::Int(v) => Ok(v),
            _ => Err(WRONG_TYPE),
        }
    }

    fn ulong(&mut self) -> Result<u64> {
        match self.take()? {
            FormatArg::ULong(v) => Ok(v),
            FormatArg::Int(v) if v >= 0 => Ok(v as u64),
            _ => Err(WRONG_TYPE),
        }
    }

    fn double(&mut self) -> Result<f64> {
        match self.take()? {
            FormatArg::Double(v) => Ok(v),
            _ => Err(WRONG_TYPE),
        }
    }

    fn pid(&mut self) -> Result<PidRef<'a>> {
        match self.take()? {
            FormatArg::Pid(p) => Ok(p),
            _ => Err(WRONG_TYPE),
        }
    }
}

const SYNTAX: Error = Error::InvalidArgument("ei_x_format: syntax error");

/// Encodes the term described by `fmt` (without a version byte) to `out`,
/// taking arguments from `args` in directive order, as libei's
/// `ei_x_format_wo_ver` does. `fmt` ends at its first NUL byte, if any.
///
/// On error nothing is written to `out`. A syntax error takes no argument;
/// an argument that cannot be encoded stops the encoding there.
pub fn format<'a, A, S>(fmt: &[u8], args: &mut A, out: &mut S) -> Result<()>
where
    A: FormatArgs<'a> + ?Sized,
    S: Sink + ?Sized,
{
    let mut buf = Vec::new();
    format_unbuffered(fmt, args, &mut buf)?;
    out.reserve(buf.len())?;
    out.put(&buf)
}

/// [`format()`] writing straight to `out`, for sinks whose owner discards a
/// failed encoding (the C layer's `ei_x_buff` moves its index only on
/// success): on error `out` may hold part of the term. Otherwise the same
/// bytes and errors; a syntax error takes no argument and writes nothing.
pub fn format_unbuffered<'a, A, S>(fmt: &[u8], args: &mut A, out: &mut S) -> Result<()>
where
    A: FormatArgs<'a> + ?Sized,
    S: Sink + ?Sized,
{
    let fmt = check_directives(fmt)?;
    // Pass 1 checks the whole format without taking arguments, and records
    // the arity of every container, which its header needs before its
    // elements are written. The capacities cover usual formats, so that
    // the vectors do not grow step by step.
    let mut stack = Vec::with_capacity(8);
    let mut shape = Shape {
        arities: Vec::with_capacity(8 + fmt.len() / 16),
        directives: 0,
    };
    parse(fmt, &mut stack, &mut shape)?;
    // A guess at the size, to grow the sink once rather than step by step.
    // Only a hint, so a failure is no error: the writes report their own.
    let guess = fmt
        .len()
        .saturating_mul(2)
        .saturating_add(shape.directives.saturating_mul(16));
    let _ = out.reserve(guess);
    // Pass 2 parses the (now valid) format again and writes each element as
    // it is read, taking the arguments.
    let mut emit = Emit {
        args,
        out,
        arities: &shape.arities,
    };
    parse(fmt, &mut stack, &mut emit)
}

/// Cuts `fmt` at its first NUL, then does libei's first pass: every `~`
/// must be followed by a directive letter.
fn check_directives(fmt: &[u8]) -> Result<&[u8]> {
    // Eight bytes at a time: a mask of the NUL and `~` bytes in the word
    // (the high bit of each such byte), then each of them in turn. Adding
    // 0x7F to the low seven bits of a byte sets its high bit unless they
    // are all zero, without a carry into the next byte; or-ing the byte
    // itself in leaves the high bit clear exactly for a zero byte.
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const TILDES: u64 = 0x0101_0101_0101_0101 * b'~' as u64;
    let zero_bytes = |w: u64| !(((w & LOW7) + LOW7) | w | LOW7);
    let mut i = 0;
    while let Some(word) = fmt.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let mut hits = zero_bytes(w) | zero_bytes(w ^ TILDES);
        while hits != 0 {
            let at = i + hits.trailing_zeros() as usize / 8;
            if fmt[at] == 0 {
                return Ok(&fmt[..at]);
            }
            if !directive_follows(fmt, at) {
                return Err(SYNTAX);
            }
            hits &= hits - 1;
        }
        i += 8;
    }
    for at in i..fmt.len() {
        match fmt[at] {
            0 => return Ok(&fmt[..at]),
            b'~' if !directive_follows(fmt, at) => return Err(SYNTAX),
            _ => {}
        }
    }
    Ok(fmt)
}

/// Whether a directive letter follows the `~` at `fmt[at]`.
fn directive_follows(fmt: &[u8], at: usize) -> bool {
    fmt.get(at + 1).is_some_and(|&c| is_directive(c))
}

fn is_directive(c: u8) -> bool {
    matches!(
        c,
        b'a' | b'c' | b's' | b'i' | b'l' | b'u' | b'f' | b'd' | b'p'
    )
}

/// C's `isspace` in the "C" locale.
#[inline(always)]
fn is_space(c: u8) -> bool {
    // Most characters are above the space: one comparison for them.
    c <= b' ' && matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn skip_space(fmt: &[u8], mut i: usize) -> usize {
    while i < fmt.len() && is_space(fmt[i]) {
        i += 1;
    }
    i
}

/// The characters of a bare atom after its first: `[A-Za-z0-9_@]`.
const ATOM_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'@';
        c += 1;
    }
    t
};

/// A term that is not a container, as the parser reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Leaf<'f> {
    /// A bare atom: ASCII, at most 255 characters (longer ones are cut).
    Atom(&'f [u8]),
    /// A quoted atom: Latin-1 text, of any length (pass 1 refuses long ones).
    QuotedAtom(&'f [u8]),
    Str(&'f [u8]),
    /// `[+-]?[0-9]+`
    Int(&'f [u8]),
    /// `[+-]?[0-9]+\.[0-9]*`, then an exponent when `exponent`.
    Float {
        text: &'f [u8],
        exponent: bool,
    },
    /// A directive letter: one argument.
    Arg(u8),
}

/// An open container while parsing.
struct Open {
    /// Containers are numbered in the order they open.
    id: usize,
    list: bool,
    /// Elements read so far, the tail included.
    count: u32,
    /// True once `|` has been read (lists only).
    tail: bool,
}

/// What a pass does with what the parser reads, in format order.
trait Build<'f> {
    /// A container opens; its elements follow until [`Build::close`].
    fn open(&mut self, list: bool, id: usize) -> Result<()>;
    /// The innermost container closes.
    fn close(&mut self, open: &Open) -> Result<()>;
    fn leaf(&mut self, leaf: Leaf<'f>) -> Result<()>;
}

/// Parses the whole term, handing what it reads to `b`. `stack` is scratch
/// space (kept by the caller so that both passes use one allocation).
fn parse<'f, B: Build<'f>>(fmt: &'f [u8], stack: &mut Vec<Open>, b: &mut B) -> Result<()> {
    stack.clear();
    // The innermost open container is kept here, the ones around it on
    // `stack`. At the top level (`stack` empty) it is a placeholder.
    let mut open = Open {
        id: usize::MAX,
        list: false,
        count: 0,
        tail: false,
    };
    let mut containers = 0;
    let mut i = 0;
    loop {
        // An element.
        i = skip_space(fmt, i);
        match fmt.get(i).copied() {
            Some(c @ (b'{' | b'[')) => {
                let list = c == b'[';
                i += 1;
                b.open(list, containers)?;
                let inner = Open {
                    id: containers,
                    list,
                    count: 0,
                    tail: false,
                };
                stack.push(std::mem::replace(&mut open, inner));
                containers += 1;
                // Its first element, unless it is empty.
                i = skip_space(fmt, i);
                if fmt.get(i) != Some(&closer(list)) {
                    continue;
                }
                i += 1;
                b.close(&open)?;
                open = stack.pop().expect("an enclosing container");
            }
            Some(_) => {
                let (leaf, next) = lex(fmt, i)?;
                b.leaf(leaf)?;
                i = next;
            }
            None => return Err(SYNTAX),
        }
        // After an element (which may have closed containers): a separator,
        // a closing bracket or, after whitespace, the next element.
        loop {
            if stack.is_empty() {
                return Ok(());
            }
            open.count = open.count.checked_add(1).ok_or(Error::TooLarge("arity"))?;
            let start = i;
            i = skip_space(fmt, i);
            match fmt.get(i).copied() {
                Some(c) if c == closer(open.list) => {
                    i += 1;
                    b.close(&open)?;
                    open = stack.pop().expect("an enclosing container");
                    // The container was an element of the one around it.
                }
                _ if open.tail => return Err(SYNTAX),
                Some(b',') => {
                    i += 1;
                    break;
                }
                Some(b'|') if open.list => {
                    i += 1;
                    open.tail = true;
                    break;
                }
                // Whitespace alone separates elements.
                Some(c) if i > start && c != b',' && c != b'|' => break,
                _ => return Err(SYNTAX),
            }
        }
    }
}

fn closer(list: bool) -> u8 {
    if list {
        b']'
    } else {
        b'}'
    }
}

/// A term that is not a container, starting at `fmt[i]` (not whitespace):
/// what it is and the position after it.
#[inline(always)]
fn lex(fmt: &[u8], i: usize) -> Result<(Leaf<'_>, usize)> {
    let c = fmt[i];
    let next = fmt.get(i + 1).copied();
    match c {
        b'~' => match next {
            Some(d) if is_directive(d) => Ok((Leaf::Arg(d), i + 2)),
            _ => Err(SYNTAX),
        },
        b'"' | b'\'' => {
            let body = &fmt[i + 1..];
            let len = body.iter().position(|&b| b == c).ok_or(SYNTAX)?;
            let text = &body[..len];
            let leaf = if c == b'"' {
                Leaf::Str(text)
            } else {
                Leaf::QuotedAtom(text)
            };
            Ok((leaf, i + 1 + len + 1))
        }
        b'0'..=b'9' => number(fmt, i),
        b'-' | b'+' if next.is_some_and(|d| d.is_ascii_digit()) => number(fmt, i),
        b'a'..=b'z' => {
            let len = 1 + fmt[i + 1..]
                .iter()
                .position(|&b| !ATOM_CHAR[b as usize])
                .unwrap_or(fmt.len() - i - 1);
            let text = &fmt[i..i + len.min(atom::MAX_ATOM_CHARS)];
            Ok((Leaf::Atom(text), i + len))
        }
        _ => Err(SYNTAX),
    }
}

/// `[+-]?digits` (an integer) or `[+-]?digits.digits*` with an optional
/// exponent (a float).
fn number(fmt: &[u8], start: usize) -> Result<(Leaf<'_>, usize)> {
    let digits_from = |mut i: usize| {
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = start;
    if matches!(fmt[i], b'-' | b'+') {
        i += 1;
    }
    i = digits_from(i);
    if fmt.get(i) != Some(&b'.') {
        return Ok((Leaf::Int(&fmt[start..i]), i));
    }
    i = digits_from(i + 1);
    // An exponent, when digits follow (as strtod reads it).
    let mut exponent = false;
    if matches!(fmt.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(fmt.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        if fmt.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits_from(j);
            exponent = true;
        }
    }
    let text = &fmt[start..i];
    Ok((Leaf::Float { text, exponent }, i))
}

/// `[+-]?digits` as `sscanf("%ld")` reads it: saturating on overflow.
fn parse_long(text: &[u8]) -> i64 {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut v: i64 = 0;
    for &d in digits {
        let d = (d - b'0') as i64;
        let next = v.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(n) => v = n,
            None => return if negative { i64::MIN } else { i64::MAX },
        }
    }
    v
}

/// The value of a float literal as `strtod` reads it (correctly rounded);
/// infinite ones are refused.
fn parse_float(text: &[u8]) -> Result<f64> {
    if let Some(v) = parse_short_float(text) {
        return Ok(v);
    }
    let text = std::str::from_utf8(text).map_err(|_| SYNTAX)?;
    let v: f64 = text.parse().map_err(|_| SYNTAX)?;
    if !v.is_finite() {
        return Err(Error::InvalidArgument("float is not finite"));
    }
    Ok(v)
}

/// Fast path of [`parse_float`] for `[+-]?digits.digits*` with at most 15
/// digits and no exponent. With the point dropped the digits make an
/// integer below 2^53, exact as an `f64`, and so is the power of ten that
/// scales it (10^15 at most; every power up to 10^22 is exact). One IEEE
/// division of two exact values is correctly rounded: the same value as
/// `str::parse` gives.
fn parse_short_float(text: &[u8]) -> Option<f64> {
    let (negative, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    // 15 digits and the point.
    if body.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut scale: u64 = 1;
    let mut fraction = false;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + (c - b'0') as u64;
                if fraction {
                    scale *= 10;
                }
            }
            b'.' if !fraction => fraction = true,
            _ => return None,
        }
    }
    let v = mantissa as f64 / scale as f64;
    Some(if negative { -v } else { v })
}

/// Pass 1: records each container's header arity and counts directives;
/// refuses quoted atoms over 255 characters and infinite floats.
struct Shape {
    /// By container number. A list's 0 is the empty list.
    arities: Vec<u32>,
    directives: usize,
}

impl<'f> Build<'f> for Shape {
    fn open(&mut self, _list: bool, _id: usize) -> Result<()> {
        self.arities.push(0);
        Ok(())
    }

    fn close(&mut self, open: &Open) -> Result<()> {
        // A tail is an element of its own, not counted in the arity.
        self.arities[open.id] = if open.tail {
            open.count - 1
        } else {
            open.count
        };
        Ok(())
    }

    fn leaf(&mut self, leaf: Leaf<'f>) -> Result<()> {
        match leaf {
            Leaf::QuotedAtom(text) if text.len() > atom::MAX_ATOM_CHARS => {
                Err(Error::TooLarge("atom longer than 255 characters"))
            }
            // Without an exponent, under 300 characters cannot reach
            // f64::MAX (1.8e308): no need to compute the value yet.
            Leaf::Float { text, exponent } if exponent || text.len() > 300 => {
                parse_float(text).map(drop)
            }
            Leaf::Arg(_) => {
                self.directives += 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Pass 2: writes the term, taking the arguments.
struct Emit<'p, A: ?Sized, S: ?Sized> {
    args: &'p mut A,
    out: &'p mut S,
    /// From pass 1.
    arities: &'p [u32],
}

impl<'f, 'a, A, S> Build<'f> for Emit<'_, A, S>
where
    A: FormatArgs<'a> + ?Sized,
    S: Sink + ?Sized,
{
    fn open(&mut self, list: bool, id: usize) -> Result<()> {
        let arity = self.arities[id];
        if list {
            // Arity 0 writes the empty list.
            encode::list_header(self.out, arity)
        } else {
            encode::tuple_header(self.out, arity)
        }
    }

    fn close(&mut self, open: &Open) -> Result<()> {
        if open.list && !open.tail && open.count > 0 {
            encode::empty_list(self.out)
        } else {
            Ok(())
        }
    }

    fn leaf(&mut self, leaf: Leaf<'f>) -> Result<()> {
        let out = &mut *self.out;
        match leaf {
            Leaf::Atom(text) => ascii_atom(out, text),
            Leaf::QuotedAtom(text) => latin1_atom(out, text),
            Leaf::Str(text) => encode::string(out, text),
            Leaf::Int(text) => encode::long(out, parse_long(text)),
            Leaf::Float { text, .. } => encode::double(out, parse_float(text)?),
            Leaf::Arg(d) => {
                let args = &mut *self.args;
                match d {
                    b'a' => latin1_atom(out, args.str()?),
                    b'c' => encode::char(out, args.char()?),
                    b's' => encode::string(out, args.str()?),
                    b'i' => encode::long(out, args.int()?),
                    b'l' => encode::long(out, args.long()?),
                    b'u' => encode::ulong(out, args.ulong()?),
                    b'f' | b'd' => encode::double(out, args.double()?),
                    b'p' => pid(out, args.pid()?),
                    _ => Err(SYNTAX),
                }
            }
        }
    }
}

/// An atom whose text is ASCII and at most 255 characters, as
/// `encode::atom(.., enc::LATIN1)` writes it (the text is its own UTF-8;
/// from 128 characters on libei uses the long form) without its checks.
fn ascii_atom<S: Sink + ?Sized>(out: &mut S, text: &[u8]) -> Result<()> {
    debug_assert!(text.len() <= atom::MAX_ATOM_CHARS && text.is_ascii());
    let len = text.len() as u8;
    if len < 128 {
        out.put_tagged_then(SMALL_ATOM_UTF8_EXT, [len], text)
    } else {
        out.put_tagged_then(ATOM_UTF8_EXT, [0, len], text)
    }
}

/// An atom of Latin-1 text (`~a`, quoted atoms).
fn latin1_atom<S: Sink + ?Sized>(out: &mut S, text: &[u8]) -> Result<()> {
    if text.len() <= atom::MAX_ATOM_CHARS && text.is_ascii() {
        ascii_atom(out, text)
    } else {
        encode::atom(out, text, enc::LATIN1)
    }
}

/// A pid, as `encode::pid` writes it.
fn pid<S: Sink + ?Sized>(out: &mut S, p: PidRef) -> Result<()> {
    let node = p.node.bytes;
    if node.len() > atom::MAX_ATOM_CHARS || !node.is_ascii() {
        let mut utf8 = Vec::new();
        p.node.push_utf8(&mut utf8);
        return encode::pid(out, &utf8, p.num, p.serial, p.creation);
    }
    // An ASCII node name is the same in Latin-1 and UTF-8 and needs none of
    // encode::pid's UTF-8 checks. A UTF-8 atom takes the long form only
    // from 256 bytes on, so this one is short.
    out.put_tagged_then(NEW_PID_EXT, [SMALL_ATOM_UTF8_EXT, node.len() as u8], node)?;
    out.put_array(encode::pid_numbers(p.num, p.serial, p.creation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etf::atom::AtomRef;

    #[allow(non_snake_case)]
    fn S(s: &[u8]) -> FormatArg<'_> {
        FormatArg::Str(s)
    }
    #[allow(non_snake_case)]
    fn C(c: u8) -> FormatArg<'static> {
        FormatArg::Char(c)
    }
    #[allow(non_snake_case)]
    fn I(v: i64) -> FormatArg<'static> {
        FormatArg::Int(v)
    }
    #[allow(non_snake_case)]
    fn U(v: u64) -> FormatArg<'static> {
        FormatArg::ULong(v)
    }
    #[allow(non_snake_case)]
    fn D(v: f64) -> FormatArg<'static> {
        FormatArg::Double(v)
    }
    #[allow(non_snake_case)]
    fn P(node: &[u8], num: u32, serial: u32, creation: u32) -> FormatArg<'_> {
        FormatArg::Pid(PidRef {
            node: AtomRef {
                bytes: node,
                utf8: true,
            },
            num,
            serial,
            creation,
        })
    }

    fn run(fmt: &[u8], args: &[FormatArg]) -> (Result<Vec<u8>>, usize) {
        let mut a = ArgList::new(args.to_vec());
        let mut out = Vec::new();
        let r = format(fmt, &mut a, &mut out);
        if r.is_err() {
            assert!(out.is_empty(), "nothing written on error");
        }
        (r.map(|()| out), a.consumed())
    }

    type Case = (
        &'static [u8],
        Vec<FormatArg<'static>>,
        Option<&'static [u8]>,
    );

    /// Formats, arguments, and what OTP's libei (erl_interface 5.3, OTP 25)
    /// `ei_x_format_wo_ver` wrote (`None`: it returned -1).
    #[rustfmt::skip]
    #[allow(clippy::approx_constant)] // 3.14159 is from libei's manual
    fn libei_table() -> Vec<Case> {
        vec![
        (b"foo", vec![], Some(&[119, 3, 102, 111, 111])),
        (b"  foo_Bar@9 rest", vec![], Some(&[119, 9, 102, 111, 111, 95, 66, 97, 114, 64, 57])),
        (b"'hello world'", vec![], Some(&[119, 11, 104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100])),
        (b"''", vec![], Some(&[119, 0])),
        (b"'a\\\\b'", vec![], Some(&[119, 4, 97, 92, 92, 98])),
        (b"\"str\"", vec![], Some(&[107, 0, 3, 115, 116, 114])),
        (b"\"\"", vec![], Some(&[106])),
        (b"\"a\\\\b\\nc\"", vec![], Some(&[107, 0, 7, 97, 92, 92, 98, 92, 110, 99])),
        (b"\"\\t~a\"", vec![], Some(&[107, 0, 4, 92, 116, 126, 97])),
        (b"123", vec![], Some(&[97, 123])),
        (b"-5", vec![], Some(&[98, 255, 255, 255, 251])),
        (b"+7", vec![], Some(&[97, 7])),
        (b"300", vec![], Some(&[98, 0, 0, 1, 44])),
        (b"134217727", vec![], Some(&[98, 7, 255, 255, 255])),
        (b"134217728", vec![], Some(&[110, 4, 0, 0, 0, 0, 8])),
        (b"-134217728", vec![], Some(&[98, 248, 0, 0, 0])),
        (b"-134217729", vec![], Some(&[110, 4, 1, 1, 0, 0, 8])),
        (b"99999999999999999999", vec![], Some(&[110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 127])),
        (b"-99999999999999999999", vec![], Some(&[110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128])),
        (b"007", vec![], Some(&[97, 7])),
        (b"1.5", vec![], Some(&[70, 63, 248, 0, 0, 0, 0, 0, 0])),
        (b"-0.25", vec![], Some(&[70, 191, 208, 0, 0, 0, 0, 0, 0])),
        (b"1.", vec![], Some(&[70, 63, 240, 0, 0, 0, 0, 0, 0])),
        (b"1.5e3", vec![], Some(&[70, 64, 151, 112, 0, 0, 0, 0, 0])),
        (b"1.5E-2", vec![], Some(&[70, 63, 142, 184, 81, 235, 133, 30, 184])),
        (b"0.1", vec![], Some(&[70, 63, 185, 153, 153, 153, 153, 153, 154])),
        (b"-0.0", vec![], Some(&[70, 128, 0, 0, 0, 0, 0, 0, 0])),
        (b"1.2.3", vec![], Some(&[70, 63, 243, 51, 51, 51, 51, 51, 51])),
        (b"12abc", vec![], Some(&[97, 12])),
        (b"{}", vec![], Some(&[104, 0])),
        (b"[]", vec![], Some(&[106])),
        (b"[ ]", vec![], Some(&[106])),
        (b"{ }", vec![], Some(&[104, 0])),
        (b"{a,b}", vec![], Some(&[104, 2, 119, 1, 97, 119, 1, 98])),
        (b"{a, b}", vec![], Some(&[104, 2, 119, 1, 97, 119, 1, 98])),
        (b"{a , b}", vec![], Some(&[104, 2, 119, 1, 97, 119, 1, 98])),
        (b"{ a , b }", vec![], Some(&[104, 2, 119, 1, 97, 119, 1, 98])),
        (b"[a,b]", vec![], Some(&[108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 106])),
        (b"[a, b]", vec![], Some(&[108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 106])),
        (b"[a , b]", vec![], Some(&[108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 106])),
        (b"[ a , b ]", vec![], Some(&[108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 106])),
        (b"[1 2]", vec![], Some(&[108, 0, 0, 0, 2, 97, 1, 97, 2, 106])),
        (b"{1 2}", vec![], Some(&[104, 2, 97, 1, 97, 2])),
        (b"{a 'B' \"s\" [x] {y} 1.5 ~i}", vec![I(3)], Some(&[104, 7, 119, 1, 97, 119, 1, 66, 107, 0, 1, 115, 108, 0, 0, 0, 1, 119, 1, 120, 106, 104, 1, 119, 1, 121, 70, 63, 248, 0, 0, 0, 0, 0, 0, 97, 3])),
        (b"{[a],{b,[]}}", vec![], Some(&[104, 2, 108, 0, 0, 0, 1, 119, 1, 97, 106, 104, 2, 119, 1, 98, 106])),
        (b"[[[]]]", vec![], Some(&[108, 0, 0, 0, 1, 108, 0, 0, 0, 1, 106, 106, 106])),
        (b"{a,{b,{c,[d,[e]]}}}", vec![], Some(&[104, 2, 119, 1, 97, 104, 2, 119, 1, 98, 104, 2, 119, 1, 99, 108, 0, 0, 0, 2, 119, 1, 100, 108, 0, 0, 0, 1, 119, 1, 101, 106, 106])),
        (b"\x09\x0a{\x09a\x0a,\x09b\x0a}", vec![], Some(&[104, 2, 119, 1, 97, 119, 1, 98])),
        (b"\x0b{\x0ca\x0d}", vec![], Some(&[104, 1, 119, 1, 97])),
        (b"{a}b", vec![], Some(&[104, 1, 119, 1, 97])),
        (b"{a} junk", vec![], Some(&[104, 1, 119, 1, 97])),
        (b"{a}}", vec![], Some(&[104, 1, 119, 1, 97])),
        (b"[a]]", vec![], Some(&[108, 0, 0, 0, 1, 119, 1, 97, 106])),
        (b"'\xe9t\xe9'", vec![], Some(&[119, 5, 195, 169, 116, 195, 169])),
        (b"'\xc3\xa9'", vec![], Some(&[119, 4, 195, 131, 194, 169])),
        (b"\"\xc3\xa9\"", vec![], Some(&[107, 0, 2, 195, 169])),
        (b"'~a'", vec![], Some(&[119, 2, 126, 97])),
        (b"\"~s\"", vec![], Some(&[107, 0, 2, 126, 115])),
        (b"{,a}", vec![], None),
        (b"[a,]", vec![], None),
        (b"{a,}", vec![], None),
        (b"{a,,b}", vec![], None),
        (b"[a,,b]", vec![], None),
        (b"#{a => 1}", vec![], None),
        (b"Foo", vec![], None),
        (b"_x", vec![], None),
        (b"", vec![], None),
        (b"   ", vec![], None),
        (b"{a", vec![], None),
        (b"[a", vec![], None),
        (b"'abc", vec![], None),
        (b"\"abc", vec![], None),
        (b"-", vec![], None),
        (b"+", vec![], None),
        (b"- 1", vec![], None),
        (b"-.5", vec![], None),
        (b"~x", vec![I(1)], None),
        (b"{a} ~", vec![I(1)], None),
        (b"~", vec![], None),
        (b"~~", vec![], None),
        (b"'~q'", vec![], None),
        (b"~a", vec![S(b"hello")], Some(&[119, 5, 104, 101, 108, 108, 111])),
        (b"~a", vec![S(b"H\xe9")], Some(&[119, 3, 72, 195, 169])),
        (b"~a", vec![S(b"")], Some(&[119, 0])),
        (b"~a", vec![S(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")], Some(&[119, 127, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97])),
        (b"~a", vec![S(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")], Some(&[118, 0, 128, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97])),
        (b"~a", vec![S(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")], Some(&[118, 0, 255, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97])),
        (b"~a", vec![S(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")], None),
        (b"~c", vec![C(120)], Some(&[97, 120])),
        (b"~c", vec![C(200)], Some(&[97, 200])),
        (b"~c", vec![C(0)], Some(&[97, 0])),
        (b"~s", vec![S(b"hi")], Some(&[107, 0, 2, 104, 105])),
        (b"~s", vec![S(b"")], Some(&[106])),
        (b"~s", vec![S(b"a\"\x0a\xe9")], Some(&[107, 0, 4, 97, 34, 10, 233])),
        (b"~i", vec![I(-1)], Some(&[98, 255, 255, 255, 255])),
        (b"~i", vec![I(300)], Some(&[98, 0, 0, 1, 44])),
        (b"~i", vec![I(2147483647)], Some(&[110, 4, 0, 255, 255, 255, 127])),
        (b"~i", vec![I(-2147483648)], Some(&[110, 4, 1, 0, 0, 0, 128])),
        (b"~l", vec![I(1099511627776)], Some(&[110, 6, 0, 0, 0, 0, 0, 0, 1])),
        (b"~l", vec![I(i64::MIN)], Some(&[110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128])),
        (b"~l", vec![I(255)], Some(&[97, 255])),
        (b"~u", vec![U(u64::MAX)], Some(&[110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255])),
        (b"~u", vec![U(5)], Some(&[97, 5])),
        (b"~u", vec![U(134217728)], Some(&[110, 4, 0, 0, 0, 0, 8])),
        (b"~f", vec![D(1.5)], Some(&[70, 63, 248, 0, 0, 0, 0, 0, 0])),
        (b"~d", vec![D(-2.0)], Some(&[70, 192, 0, 0, 0, 0, 0, 0, 0])),
        (b"{~a,~i,~d}", vec![S(b"numbers"), I(12), D(3.14159)], Some(&[104, 3, 119, 7, 110, 117, 109, 98, 101, 114, 115, 97, 12, 70, 64, 9, 33, 249, 240, 27, 134, 110])),
        (b"[{name,~a},{age,~i},{data,~s}]", vec![S(b"Madonna"), I(21), S(b"bla")], Some(&[108, 0, 0, 0, 3, 104, 2, 119, 4, 110, 97, 109, 101, 119, 7, 77, 97, 100, 111, 110, 110, 97, 104, 2, 119, 3, 97, 103, 101, 97, 21, 104, 2, 119, 4, 100, 97, 116, 97, 107, 0, 3, 98, 108, 97, 106])),
        (b"{~s, [~c, ~c], ~u, ~l}", vec![S(b"x"), C(1), C(2), U(7), I(-7)], Some(&[104, 4, 107, 0, 1, 120, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106, 97, 7, 98, 255, 255, 255, 249])),
        (b"~p", vec![P(b"n@h", 1, 2, 3)], Some(&[88, 119, 3, 110, 64, 104, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])),
        (b"{~p,~a}", vec![P(b"node@host", 300, 0, 1234567), S(b"x")], Some(&[104, 2, 88, 119, 9, 110, 111, 100, 101, 64, 104, 111, 115, 116, 0, 0, 1, 44, 0, 0, 0, 0, 0, 18, 214, 135, 119, 1, 120])),
        (b"[~i, ~i]", vec![I(1), I(2)], Some(&[108, 0, 0, 0, 2, 97, 1, 97, 2, 106])),
        (b" ~a trailing ~i", vec![S(b"first"), I(5)], Some(&[119, 5, 102, 105, 114, 115, 116])),
        (b"{'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}", vec![], None),
        (b"'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", vec![], Some(&[118, 0, 255, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97, 97])),
        (b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", vec![], Some(&[118, 0, 255, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98])),
        ]
    }

    #[test]
    fn matches_libei() {
        let mut bad = Vec::new();
        for (fmt, args, expect) in libei_table() {
            let (r, _) = run(fmt, &args);
            let ok = match expect {
                Some(bytes) => r.as_deref() == Ok(bytes),
                None => r.is_err(),
            };
            if !ok {
                bad.push(format!("{}: {r:?}", String::from_utf8_lossy(fmt)));
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
    }

    /// Where libei's parser goes wrong: the correct encoding (libei's output
    /// noted).
    #[test]
    fn fixes_libei() {
        let ok = |fmt: &[u8], args: &[FormatArg]| run(fmt, args).0.unwrap();
        let err =
            |fmt: &[u8]| assert!(run(fmt, &[]).0.is_err(), "{}", String::from_utf8_lossy(fmt));
        // Improper lists. libei: [119,1,97,119,1,98] (no list header).
        assert_eq!(ok(b"[a|b]", &[]), [108, 0, 0, 0, 1, 119, 1, 97, 119, 1, 98]);
        assert_eq!(
            ok(b"[a, b | c]", &[]),
            [108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 119, 1, 99]
        );
        // libei: {[a, b]}, the `|` read as a comma.
        assert_eq!(
            ok(b"{[~a | ~a]}", &[S(b"a"), S(b"b")]),
            [104, 1, 108, 0, 0, 0, 1, 119, 1, 97, 119, 1, 98]
        );
        // A list as the tail: [a | [b]], encoded as written.
        assert_eq!(
            ok(b"[a|[b]]", &[]),
            [108, 0, 0, 0, 1, 119, 1, 97, 108, 0, 0, 0, 1, 119, 1, 98, 106]
        );
        // Whitespace before a separator. libei: {a}, [a], [a].
        assert_eq!(ok(b"{a ,b}", &[]), [104, 2, 119, 1, 97, 119, 1, 98]);
        assert_eq!(
            ok(b"[a ,b]", &[]),
            [108, 0, 0, 0, 2, 119, 1, 97, 119, 1, 98, 106]
        );
        assert_eq!(
            ok(b"[a |b]", &[]),
            [108, 0, 0, 0, 1, 119, 1, 97, 119, 1, 98]
        );
        // Exponents. libei: {1500.0, 3}.
        assert_eq!(
            ok(b"{1.5e3}", &[]),
            [104, 1, 70, 64, 151, 112, 0, 0, 0, 0, 0]
        );
        // libei: [], [], a list without tail, {a,b}, {1.2,3}, {a,b}, -1, -1.
        err(b"[,a]");
        err(b"[|a]");
        err(b"[a|]");
        err(b"{a|b}");
        err(b"{1.2.3}");
        err(b"{a'b'}");
        err(b"[a|b c]");
        err(b"[a|b|c]");
        // libei encodes these (Erlang cannot decode them); the codec refuses.
        assert!(run(b"~d", &[D(f64::INFINITY)]).0.is_err());
        assert!(run(b"~f", &[D(f64::NAN)]).0.is_err());
    }

    #[test]
    fn arguments_in_order_and_only_when_valid() {
        // A syntax error anywhere takes no argument.
        let (r, n) = run(b"{~a, ~i, $}", &[S(b"x"), I(1)]);
        assert!(r.is_err());
        assert_eq!(n, 0);
        let (r, n) = run(b"{~a} ~q", &[S(b"x")]);
        assert!(r.is_err());
        assert_eq!(n, 0);
        // An argument that cannot be encoded stops there.
        let long = [b'x'; 256];
        let (r, n) = run(b"{~i, ~a, ~i}", &[I(1), S(&long), I(2)]);
        assert!(r.is_err());
        assert_eq!(n, 2);
        // Too few arguments, wrong types.
        assert!(run(b"{~i, ~i}", &[I(1)]).0.is_err());
        assert!(run(b"~a", &[I(1)]).0.is_err());
        // Directives inside literals are text; trailing ones are not used.
        let (r, n) = run(b"{'~a', \"~s\", ~i} ~l", &[I(5), I(6)]);
        assert_eq!(
            r.unwrap(),
            [104, 3, 119, 2, 126, 97, 107, 0, 2, 126, 115, 97, 5]
        );
        assert_eq!(n, 1);
        // Order follows the format.
        let (r, n) = run(b"[~s, {~c, ~u}, ~d]", &[S(b"s"), C(7), U(8), D(0.5)]);
        assert_eq!(
            r.unwrap(),
            [
                108, 0, 0, 0, 3, 107, 0, 1, 115, 104, 2, 97, 7, 97, 8, 70, 63, 224, 0, 0, 0, 0, 0,
                0, 106
            ]
        );
        assert_eq!(n, 4);
    }

    #[test]
    fn strings_and_atoms() {
        let ok = |fmt: &[u8]| run(fmt, &[]).0.unwrap();
        // No escapes: a backslash is text and the literal ends at the quote.
        assert_eq!(ok(b"'a\\'"), [119, 2, 97, b'\\']);
        assert_eq!(ok(b"\"a\\\""), [107, 0, 2, 97, b'\\']);
        // Bare atoms are cut at 255 characters; quoted ones are refused.
        let bare = [b'b'; 300];
        assert_eq!(ok(&bare)[..3], [118, 0, 255]);
        let mut quoted = vec![b'\''];
        quoted.extend_from_slice(&[b'q'; 256]);
        quoted.push(b'\'');
        assert!(run(&quoted, &[]).0.is_err());
        // Long strings become lists.
        let mut s = vec![b'"'];
        s.extend_from_slice(&[b'z'; 70000]);
        s.push(b'"');
        let v = ok(&s);
        assert_eq!(v[..5], [108, 0, 1, 17, 112]);
        // The format ends at a NUL.
        assert_eq!(ok(b"abc\0def"), [119, 3, 97, 98, 99]);
        assert!(run(b"\0abc", &[]).0.is_err());
        // Latin-1 pid nodes are converted to UTF-8.
        let latin1_pid = FormatArg::Pid(PidRef {
            node: AtomRef {
                bytes: b"\xe9@h",
                utf8: false,
            },
            num: 1,
            serial: 2,
            creation: 3,
        });
        assert_eq!(
            run(b"~p", &[latin1_pid]).0.unwrap()[..7],
            [88, 119, 4, 0xc3, 0xa9, b'@', b'h']
        );
    }

    #[test]
    fn deep_nesting_and_hostile_input() {
        let n = 100_000;
        let mut fmt = vec![b'['; n];
        fmt.extend(std::iter::repeat_n(b']', n));
        let v = run(&fmt, &[]).0.unwrap();
        assert_eq!(v.len(), 5 * (n - 1) + 1 + (n - 1));
        let mut fmt = vec![b'{'; n];
        fmt.extend(std::iter::repeat_n(b'}', n - 1));
        assert!(run(&fmt, &[]).0.is_err());
        // Pseudo-random formats never panic.
        let alphabet = b"{}[]|,~aisp\"' 1.-e$\t";
        let mut seed: u32 = 12345;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (seed >> 16) as usize % 24;
            let mut f = Vec::with_capacity(len);
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                f.push(alphabet[(seed >> 16) as usize % alphabet.len()]);
            }
            let args = [S(b"x"), I(1), P(b"n@h", 1, 2, 3), S(b"y"), I(2), S(b"z")];
            let _ = run(&f, &args);
        }
    }

    #[test]
    fn sinks() {
        let mut c = crate::etf::encode::Counter(0);
        format(b"{a, [1, 2]}", &mut ArgList::default(), &mut c).unwrap();
        assert_eq!(c.0, 2 + 3 + 5 + 2 + 2 + 1);
        let mut buf = [0u8; 4];
        let mut s = crate::etf::encode::SliceSink::new(&mut buf, 0);
        assert!(format(b"{a, b}", &mut ArgList::default(), &mut s).is_err());
        assert_eq!(s.position(), 0);
    }

    #[test]
    fn unbuffered_is_the_same() {
        let mut cases = libei_table();
        cases.push((b"[a|b]", vec![], None));
        cases.push((b"{[~a | ~a], \"\", []}", vec![S(b"a"), S(b"b")], None));
        for (fmt, args, _) in cases {
            let (buffered, n) = run(fmt, &args);
            let mut list = ArgList::new(args.to_vec());
            let mut out = Vec::new();
            let r = format_unbuffered(fmt, &mut list, &mut out);
            assert_eq!(
                r.map(|()| out),
                buffered,
                "{}",
                String::from_utf8_lossy(fmt)
            );
            assert_eq!(list.consumed(), n);
        }
    }

    /// The fast paths for atoms and pids write what encode.rs writes.
    #[test]
    fn atoms_and_pids_as_encode_writes_them() {
        for len in [0, 1, 127, 128, 200, 255, 256] {
            for c in [b'x', 0xe9] {
                let text = vec![c; len];
                let mut expect = Vec::new();
                let e = encode::atom(&mut expect, &text, enc::LATIN1);
                let (r, _) = run(b"~a", &[S(&text)]);
                assert_eq!(r.ok(), e.ok().map(|()| expect.clone()), "~a {c} x {len}");
                let mut quoted = vec![b'\''];
                quoted.extend_from_slice(&text);
                quoted.push(b'\'');
                assert_eq!(run(&quoted, &[]).0.ok(), e.ok().map(|()| expect));
            }
            for node in [vec![b'n'; len], "λ".repeat(len / 2).into_bytes()] {
                let mut expect = Vec::new();
                let e = encode::pid(&mut expect, &node, 1, 2, 3);
                let (r, _) = run(b"~p", &[P(&node, 1, 2, 3)]);
                assert_eq!(r.ok(), e.ok().map(|()| expect), "pid node of {len}");
            }
        }
    }

    /// The fast path of float literals gives `str::parse`'s value.
    #[test]
    fn short_floats_as_parse_reads_them() {
        let mut texts: Vec<String> = [
            "0.0",
            "-0.0",
            "+0.5",
            "1.",
            "-1.",
            "3.25",
            "0.1",
            "0.3",
            "123456789012345.",
            "1.23456789012345",
            "-.5",
            "999999999999999.9",
            "0.000000000000001",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut seed: u64 = 7;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let digits = (seed >> 33) as usize % 17 + 1;
            let point = (seed >> 13) as usize % (digits + 1);
            let mut t = String::new();
            if seed & 1 == 1 {
                t.push('-');
            }
            let mut x = seed >> 20;
            for k in 0..digits {
                if k == point {
                    t.push('.');
                }
                t.push((b'0' + (x % 10) as u8) as char);
                x = (x / 10) ^ (seed >> 40);
            }
            if point == digits {
                t.push('.');
            }
            texts.push(t);
        }
        for t in texts {
            let expect: f64 = t.parse().unwrap();
            if let Some(v) = parse_short_float(t.as_bytes()) {
                assert_eq!(v.to_bits(), expect.to_bits(), "{t}");
            }
            // Literals in a format need a digit before the point.
            if t.trim_start_matches(['-', '+'])
                .starts_with(|c: char| c.is_ascii_digit())
            {
                let (r, _) = run(t.as_bytes(), &[]);
                let mut bytes = vec![crate::etf::tag::NEW_FLOAT_EXT];
                bytes.extend_from_slice(&expect.to_bits().to_be_bytes());
                assert_eq!(r.unwrap(), bytes, "{t}");
            }
        }
    }

    /// `~` and NUL found wherever they fall in the 8-byte words.
    #[test]
    fn directives_checked_at_every_offset() {
        let reference = |fmt: &[u8]| -> Result<usize> {
            let end = fmt.iter().position(|&b| b == 0).unwrap_or(fmt.len());
            let mut i = 0;
            while i < end {
                if fmt[i] == b'~' {
                    match fmt[..end].get(i + 1) {
                        Some(&c) if is_directive(c) => i += 1,
                        _ => return Err(SYNTAX),
                    }
                }
                i += 1;
            }
            Ok(end)
        };
        let alphabet = b"~~aq\0x ";
        let mut seed: u32 = 99;
        for _ in 0..50_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (seed >> 16) as usize % 30;
            let mut f = Vec::with_capacity(len);
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let c = alphabet[(seed >> 16) as usize % alphabet.len()];
                // Mostly plain text, so that hits fall anywhere.
                f.push(if (seed >> 8) % 4 == 0 { c } else { b'x' });
            }
            let got = check_directives(&f).map(<[u8]>::len);
            assert_eq!(got, reference(&f), "{f:?}");
        }
    }
}

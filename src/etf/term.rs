//! An owned Erlang term for Rust users.

use super::atom::AtomRef;
use super::decode::{Decoder, FunRef, PidRef, Source};
use super::encode::{self, Sink};
use super::tag::*;
use super::{Error, Result, MAX_DEPTH};

/// A process identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pid {
    pub node: String,
    pub num: u32,
    pub serial: u32,
    pub creation: u32,
}

/// A port identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Port {
    pub node: String,
    pub id: u64,
    pub creation: u32,
}

/// A reference (1 to 5 words).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ref {
    pub node: String,
    pub words: Vec<u32>,
    pub creation: u32,
}

/// A fun.
#[derive(Debug, Clone, PartialEq)]
pub enum Fun {
    /// A closure (`NEW_FUN_EXT`; arity -1 for the pre-R8 `FUN_EXT`).
    Closure {
        arity: i64,
        module: String,
        md5: [u8; 16],
        index: i64,
        old_index: i64,
        uniq: i64,
        pid: Pid,
        free_vars: Vec<Term>,
    },
    /// `fun Module:Function/Arity`.
    Export {
        module: String,
        function: String,
        arity: u8,
    },
}

/// An Erlang term.
///
/// Integers that fit `i64` are always [`Term::Integer`], larger ones
/// [`Term::BigInt`]. A list of bytes that arrived as `STRING_EXT` is a
/// [`Term::String`] (and is encoded back the same way).
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Integer(i64),
    /// A bignum outside `i64`: sign and little-endian magnitude bytes.
    BigInt {
        negative: bool,
        digits: Vec<u8>,
    },
    Float(f64),
    Atom(String),
    /// A list of integers 0..=255 in its compact form.
    String(Vec<u8>),
    /// A proper list (`[]` when empty).
    List(Vec<Term>),
    /// A list whose tail is not `[]`.
    ImproperList(Vec<Term>, Box<Term>),
    Tuple(Vec<Term>),
    /// Key/value pairs in the order they were encoded.
    Map(Vec<(Term, Term)>),
    Binary(Vec<u8>),
    /// A bitstring whose length is not a whole number of bytes: `bits` bits
    /// of `bytes`, most significant first.
    BitString {
        bytes: Vec<u8>,
        bits: usize,
    },
    Pid(Pid),
    Port(Port),
    Ref(Ref),
    Fun(Fun),
}

enum Frame {
    Tuple(Vec<Term>, u32),
    List(Vec<Term>, u32),
    ListTail(Vec<Term>),
    Map(Vec<(Term, Term)>, Option<Term>, u32),
    Fun(Box<Fun>, u32, usize),
}

fn atom_string(a: AtomRef) -> Result<String> {
    a.to_string_checked()
}

fn owned_pid(p: PidRef) -> Result<Pid> {
    Ok(Pid {
        node: atom_string(p.node)?,
        num: p.num,
        serial: p.serial,
        creation: p.creation,
    })
}

impl Term {
    /// Decodes one term (without a version byte) from the start of `buf`;
    /// returns it and the number of bytes used.
    ///
    /// Fails on truncated or malformed input, atoms that are not valid UTF-8,
    /// and nesting deeper than [`MAX_DEPTH`].
    pub fn decode(buf: &[u8]) -> Result<(Term, usize)> {
        let mut d = Decoder::new(buf);
        let t = Self::decode_from(&mut d)?;
        Ok((t, d.position()))
    }

    /// Decodes a version byte and a term that must fill `buf` exactly.
    pub fn from_external(buf: &[u8]) -> Result<Term> {
        let mut d = Decoder::new(buf);
        d.version()?;
        let t = Self::decode_from(&mut d)?;
        if d.position() != buf.len() {
            return Err(Error::Malformed("trailing bytes after term"));
        }
        Ok(t)
    }

    /// Decodes one term from `d`; on error `d` has not moved.
    pub fn decode_from<S: Source + ?Sized>(d: &mut Decoder<S>) -> Result<Term> {
        let start = d.position();
        let r = Self::decode_iter(d);
        if r.is_err() {
            d.set_position(start);
        }
        r
    }

    // Containers start empty and grow with the elements actually decoded
    // (each took input bytes): arities come off the wire and nest, so
    // reserving for them would let a few bytes of headers reserve gigabytes.
    fn decode_iter<S: Source + ?Sized>(d: &mut Decoder<S>) -> Result<Term> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Decode one item; containers push a frame and continue.
            let mut value = match d.peek_tag()? {
                SMALL_INTEGER_EXT | INTEGER_EXT | SMALL_BIG_EXT | LARGE_BIG_EXT => {
                    match d.integer()? {
                        Ok(v) => Term::Integer(v),
                        Err(b) => Term::from_big(b.negative, b.digits),
                    }
                }
                FLOAT_EXT | NEW_FLOAT_EXT => Term::Float(d.double()?),
                ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                    Term::Atom(atom_string(d.atom()?)?)
                }
                // An empty STRING_EXT is `[]`, as Erlang reads it.
                STRING_EXT => match d.string()?.to_vec() {
                    s if s.is_empty() => Term::List(Vec::new()),
                    s => Term::String(s),
                },
                NIL_EXT => {
                    d.list_header()?;
                    Term::List(Vec::new())
                }
                BINARY_EXT => Term::Binary(d.binary()?.to_vec()),
                // Normalised as Erlang reads it: whole bytes are a binary,
                // bits past the last used one are zero.
                BIT_BINARY_EXT => match d.bitstring()? {
                    (bytes, bits) if bits % 8 == 0 => Term::Binary(bytes.to_vec()),
                    (bytes, bits) => {
                        let mut bytes = bytes.to_vec();
                        if let Some(last) = bytes.last_mut() {
                            *last &= 0xffu8 << (8 - bits % 8);
                        }
                        Term::BitString { bytes, bits }
                    }
                },
                PID_EXT | NEW_PID_EXT => Term::Pid(owned_pid(d.pid()?)?),
                PORT_EXT | NEW_PORT_EXT | V4_PORT_EXT => {
                    let p = d.port()?;
                    Term::Port(Port {
                        node: atom_string(p.node)?,
                        id: p.id,
                        creation: p.creation,
                    })
                }
                REFERENCE_EXT | NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                    let r = d.reference()?;
                    Term::Ref(Ref {
                        node: atom_string(r.node)?,
                        words: r.n[..r.len].to_vec(),
                        creation: r.creation,
                    })
                }
                SMALL_TUPLE_EXT | LARGE_TUPLE_EXT => {
                    let n = d.tuple_header()?;
                    if n == 0 {
                        Term::Tuple(Vec::new())
                    } else {
                        stack.push(Frame::Tuple(Vec::new(), n));
                        Self::check_depth(&stack)?;
                        continue;
                    }
                }
                LIST_EXT => {
                    let n = d.list_header()?;
                    if n == 0 {
                        // A LIST_EXT of no elements is just its tail.
                        stack.push(Frame::ListTail(Vec::new()));
                    } else {
                        stack.push(Frame::List(Vec::new(), n));
                    }
                    Self::check_depth(&stack)?;
                    continue;
                }
                MAP_EXT => {
                    let n = d.map_header()?;
                    if n == 0 {
                        Term::Map(Vec::new())
                    } else {
                        stack.push(Frame::Map(Vec::new(), None, n));
                        Self::check_depth(&stack)?;
                        continue;
                    }
                }
                NEW_FUN_EXT | FUN_EXT | EXPORT_EXT => match d.fun()? {
                    FunRef::Export {
                        module,
                        function,
                        arity,
                    } => Term::Fun(Fun::Export {
                        module: atom_string(module)?,
                        function: atom_string(function)?,
                        arity: u8::try_from(arity).map_err(|_| Error::OutOfRange)?,
                    }),
                    FunRef::Closure {
                        arity,
                        module,
                        md5,
                        index,
                        old_index,
                        uniq,
                        n_free_vars,
                        pid,
                        free_vars,
                    } => {
                        let f = Fun::Closure {
                            arity,
                            module: atom_string(module)?,
                            md5,
                            index,
                            old_index,
                            uniq,
                            pid: owned_pid(pid)?,
                            free_vars: Vec::new(),
                        };
                        if n_free_vars == 0 {
                            if !free_vars.is_empty() {
                                return Err(Error::Malformed(
                                    "fun has bytes after its free variables",
                                ));
                            }
                            Term::Fun(f)
                        } else {
                            // Decode the free variables in place, then check
                            // they end where the fun said they would.
                            let end = d.position();
                            d.set_position(end - free_vars.len());
                            stack.push(Frame::Fun(Box::new(f), n_free_vars, end));
                            Self::check_depth(&stack)?;
                            continue;
                        }
                    }
                },
                t => return Err(Error::UnexpectedTag(t)),
            };
            // Hand the finished value to the enclosing frames.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(value);
                };
                match top {
                    Frame::Tuple(v, n) => {
                        v.push(value);
                        if v.len() < *n as usize {
                            break;
                        }
                        let Some(Frame::Tuple(v, _)) = stack.pop() else {
                            unreachable!()
                        };
                        value = Term::Tuple(v);
                    }
                    Frame::List(v, n) => {
                        v.push(value);
                        if v.len() == *n as usize {
                            let Some(Frame::List(v, _)) = stack.pop() else {
                                unreachable!()
                            };
                            stack.push(Frame::ListTail(v));
                        }
                        break;
                    }
                    Frame::ListTail(_) => {
                        let Some(Frame::ListTail(v)) = stack.pop() else {
                            unreachable!()
                        };
                        value = match value {
                            Term::List(tail) if tail.is_empty() => Term::List(v),
                            // A tail that is itself a list: flatten, as Erlang sees it.
                            Term::List(tail) => Term::List(v.into_iter().chain(tail).collect()),
                            Term::String(s) if !s.is_empty() => Term::List(
                                v.into_iter()
                                    .chain(s.into_iter().map(|c| Term::Integer(c as i64)))
                                    .collect(),
                            ),
                            Term::ImproperList(tv, tail) => {
                                Term::ImproperList(v.into_iter().chain(tv).collect(), tail)
                            }
                            other if v.is_empty() => other,
                            other => Term::ImproperList(v, Box::new(other)),
                        };
                    }
                    Frame::Map(v, key, n) => {
                        match key.take() {
                            None => *key = Some(value),
                            Some(k) => v.push((k, value)),
                        }
                        if v.len() < *n as usize {
                            break;
                        }
                        let Some(Frame::Map(v, _, _)) = stack.pop() else {
                            unreachable!()
                        };
                        value = Term::Map(v);
                    }
                    Frame::Fun(f, n, _) => {
                        let Fun::Closure { free_vars, .. } = f.as_mut() else {
                            unreachable!()
                        };
                        free_vars.push(value);
                        if free_vars.len() < *n as usize {
                            break;
                        }
                        let Some(Frame::Fun(f, _, end)) = stack.pop() else {
                            unreachable!()
                        };
                        if d.position() != end {
                            return Err(Error::Malformed(
                                "fun size disagrees with its free variables",
                            ));
                        }
                        value = Term::Fun(*f);
                    }
                }
            }
        }
    }

    fn check_depth(stack: &[Frame]) -> Result<()> {
        if stack.len() > MAX_DEPTH {
            Err(Error::TooDeep)
        } else {
            Ok(())
        }
    }

    /// A bignum from sign and little-endian magnitude, normalised: values
    /// that fit `i64` become [`Term::Integer`].
    pub fn from_big(negative: bool, digits: &[u8]) -> Term {
        let top = digits.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let digits = &digits[..top];
        if digits.len() <= 8 {
            let u = super::big::low_u64(digits);
            if !negative && u <= i64::MAX as u64 {
                return Term::Integer(u as i64);
            }
            if negative && u <= 1 << 63 {
                return Term::Integer((u as i64).wrapping_neg());
            }
        }
        Term::BigInt {
            negative,
            digits: digits.to_vec(),
        }
    }

    /// Encodes the term (without a version byte) into `s`.
    ///
    /// Fails on atoms over 255 characters, non-finite floats, references of
    /// more than 5 words, and sizes beyond the format's 32-bit lengths.
    /// Recursion follows the term's nesting.
    pub fn encode<S: Sink + ?Sized>(&self, s: &mut S) -> Result<()> {
        match self {
            Term::Integer(v) => encode::long(s, *v),
            Term::BigInt { negative, digits } => encode::big(s, *negative, digits),
            Term::Float(f) => encode::double(s, *f),
            Term::Atom(a) => encode::atom_utf8(s, a),
            Term::String(b) => encode::string(s, b),
            Term::List(items) => {
                if items.is_empty() {
                    return encode::empty_list(s);
                }
                encode::list_header(s, len32(items.len())?)?;
                for t in items {
                    t.encode(s)?;
                }
                encode::empty_list(s)
            }
            Term::ImproperList(items, tail) => {
                encode::list_header(s, len32(items.len())?)?;
                for t in items {
                    t.encode(s)?;
                }
                tail.encode(s)
            }
            Term::Tuple(items) => {
                encode::tuple_header(s, len32(items.len())?)?;
                items.iter().try_for_each(|t| t.encode(s))
            }
            Term::Map(pairs) => {
                encode::map_header(s, len32(pairs.len())?)?;
                for (k, v) in pairs {
                    k.encode(s)?;
                    v.encode(s)?;
                }
                Ok(())
            }
            Term::Binary(b) => encode::binary(s, b),
            Term::BitString { bytes, bits } => encode::bitstring(s, bytes, 0, *bits),
            Term::Pid(p) => encode::pid(s, p.node.as_bytes(), p.num, p.serial, p.creation),
            Term::Port(p) => encode::port(s, p.node.as_bytes(), p.id, p.creation),
            Term::Ref(r) => encode::reference(s, r.node.as_bytes(), &r.words, r.creation),
            Term::Fun(Fun::Export {
                module,
                function,
                arity,
            }) => encode::fun_export(s, module.as_bytes(), function.as_bytes(), *arity as i64),
            Term::Fun(Fun::Closure {
                arity,
                module,
                md5,
                index,
                old_index,
                uniq,
                pid,
                free_vars,
            }) => {
                let mut fv = Vec::new();
                for t in free_vars {
                    t.encode(&mut fv)?;
                }
                encode::fun_closure(
                    s,
                    &encode::Closure {
                        arity: *arity,
                        module: module.as_bytes(),
                        md5: *md5,
                        index: *index,
                        old_index: *old_index,
                        uniq: *uniq,
                        n_free_vars: len32(free_vars.len())?,
                        pid: (pid.node.as_bytes(), pid.num, pid.serial, pid.creation),
                        free_vars: &fv,
                    },
                )
            }
        }
    }

    /// The term in external format: version byte, then the term.
    pub fn to_external(&self) -> Result<Vec<u8>> {
        let mut v = vec![VERSION_MAGIC];
        self.encode(&mut v)?;
        Ok(v)
    }
}

fn len32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::TooLarge("more than 2^32-1 elements"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_nested() {
        let t = Term::Tuple(vec![
            Term::Atom("ok".into()),
            Term::List(vec![Term::Integer(1), Term::Float(2.5)]),
            Term::ImproperList(vec![Term::Integer(1)], Box::new(Term::Atom("t".into()))),
            Term::Map(vec![(
                Term::Binary(b"k".to_vec()),
                Term::String(b"v".to_vec()),
            )]),
            Term::BigInt {
                negative: true,
                digits: vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
            },
            Term::BitString {
                bytes: vec![0xf0],
                bits: 4,
            },
        ]);
        let bin = t.to_external().unwrap();
        assert_eq!(Term::from_external(&bin).unwrap(), t);
    }

    #[test]
    fn depth_is_bounded() {
        let mut buf = vec![131];
        for _ in 0..MAX_DEPTH + 1 {
            buf.extend_from_slice(&[104, 1]);
        }
        buf.push(106);
        assert_eq!(Term::from_external(&buf), Err(Error::TooDeep));
    }

    #[test]
    fn every_prefix_of_a_term_fails_cleanly() {
        let t = Term::Tuple(vec![
            Term::Pid(Pid {
                node: "n@h".into(),
                num: 1,
                serial: 2,
                creation: 3,
            }),
            Term::Atom("λ".into()),
        ]);
        let bin = t.to_external().unwrap();
        for n in 0..bin.len() {
            assert!(Term::from_external(&bin[..n]).is_err(), "prefix {n}");
        }
    }
}

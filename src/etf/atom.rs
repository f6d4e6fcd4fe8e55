//! Atom text: the Latin-1 / UTF-8 conversions libei performs, and the
//! limits Erlang puts on atoms.

use super::{Error, Result};

/// Longest atom Erlang accepts, in characters.
pub const MAX_ATOM_CHARS: usize = 255;
/// Longest atom in UTF-8 bytes (255 characters of up to 4 bytes).
pub const MAX_ATOM_UTF8_BYTES: usize = MAX_ATOM_CHARS * 4;

/// The character encodings of `erlang_char_encoding`, as bit flags.
pub mod enc {
    pub const ASCII: i32 = 1;
    pub const LATIN1: i32 = 2;
    pub const UTF8: i32 = 4;
}

/// Atom text as found in a buffer: raw bytes and whether the tag said UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomRef<'a> {
    /// The atom's bytes, in the encoding `utf8` names.
    pub bytes: &'a [u8],
    /// True for `ATOM_UTF8_EXT`/`SMALL_ATOM_UTF8_EXT`, false for the Latin-1 tags.
    pub utf8: bool,
}

impl<'a> AtomRef<'a> {
    /// The encoding the atom was stored in (`enc::LATIN1` or `enc::UTF8`).
    pub fn encoding(&self) -> i32 {
        if self.utf8 {
            enc::UTF8
        } else {
            enc::LATIN1
        }
    }

    /// True when every byte is ASCII.
    pub fn is_ascii(&self) -> bool {
        self.bytes.is_ascii()
    }

    /// Appends the atom as UTF-8 to `out`, converting from Latin-1 if needed.
    /// UTF-8 atoms are copied as they are (libei does not validate them).
    pub fn push_utf8(&self, out: &mut Vec<u8>) {
        if self.utf8 {
            out.extend_from_slice(self.bytes);
        } else {
            latin1_to_utf8(self.bytes, out);
        }
    }

    /// The atom as an owned `String`. Fails on invalid UTF-8.
    pub fn to_string_checked(&self) -> Result<String> {
        if self.utf8 {
            std::str::from_utf8(self.bytes)
                .map(str::to_owned)
                .map_err(|_| Error::Malformed("atom is not valid UTF-8"))
        } else {
            Ok(self.bytes.iter().map(|&b| b as char).collect())
        }
    }
}

/// Appends `src` (Latin-1) to `out` as UTF-8.
pub fn latin1_to_utf8(src: &[u8], out: &mut Vec<u8>) {
    for &b in src {
        if b < 0x80 {
            out.push(b);
        } else {
            out.push(0xC0 | (b >> 6));
            out.push(0x80 | (b & 0x3F));
        }
    }
}

/// Writes `src` (Latin-1) as UTF-8 at the start of `out`, which must hold
/// [`latin1_utf8_len`] bytes; returns how many it wrote.
pub fn latin1_to_utf8_slice(src: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    for &b in src {
        if b < 0x80 {
            out[n] = b;
            n += 1;
        } else {
            out[n] = 0xC0 | (b >> 6);
            out[n + 1] = 0x80 | (b & 0x3F);
            n += 2;
        }
    }
    n
}

/// Length of `src` (Latin-1) once converted to UTF-8.
#[inline]
pub fn latin1_utf8_len(src: &[u8]) -> usize {
    src.len() + count_high_bytes(src)
}

/// True when every byte of `src` is ASCII (below 0x80).
///
/// `<[u8]>::is_ascii` does the same; this one is quicker on atom-sized
/// text: it ORs whole words together, reading the last (or only) word of
/// the text so that it overlaps the one before rather than looping over the
/// leftover bytes.
#[inline(always)]
pub fn is_ascii(src: &[u8]) -> bool {
    let n = src.len();
    let word = |i: usize| {
        let b = &src[i..i + 8];
        u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    };
    let bits = if n >= 8 {
        let mut acc = word(n - 8);
        let mut i = 0;
        while i + 8 < n {
            acc |= word(i);
            i += 8;
        }
        acc
    } else if n >= 4 {
        let half = |i: usize| {
            let b = &src[i..i + 4];
            u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
        };
        u64::from(half(0) | half(n - 4))
    } else if n > 0 {
        // One to three bytes: these three cover them all.
        u64::from(src[0] | src[n / 2] | src[n - 1])
    } else {
        0
    };
    bits & 0x8080_8080_8080_8080 == 0
}

/// How many bytes of `src` are 0x80 or above: the non-ASCII bytes, which
/// are the Latin-1 characters that take two bytes in UTF-8.
#[inline]
pub fn count_high_bytes(src: &[u8]) -> usize {
    // Eight bytes at a time: `(w >> 7) & LOW` leaves each byte's top bit as
    // 0 or 1 in that byte, and multiplying by LOW sums the eight bytes into
    // the top one (at most 8, so no carry spills).
    const LOW: u64 = 0x0101_0101_0101_0101;
    let mut chunks = src.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let w = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        n += (((w >> 7) & LOW).wrapping_mul(LOW) >> 56) as usize;
    }
    for &b in chunks.remainder() {
        n += usize::from(b >> 7);
    }
    n
}

/// Converts UTF-8 to Latin-1 as libei does: fails (`None`) on any character
/// above U+00FF or any malformed sequence.
pub fn utf8_to_latin1(src: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b < 0x80 {
            out.push(b);
            i += 1;
        } else if b & 0xFE == 0xC2 && i + 1 < src.len() && src[i + 1] & 0xC0 == 0x80 {
            out.push((b << 6) | (src[i + 1] & 0x3F));
            i += 2;
        } else {
            return None;
        }
    }
    Some(())
}

/// Checks that `src` is UTF-8 of at most [`MAX_ATOM_CHARS`] characters, with
/// the same acceptance rules as libei's encoder.
#[inline]
pub fn verify_utf8_atom(src: &[u8]) -> Result<()> {
    // Text of at most 255 bytes has at most 255 characters, so only its
    // validity needs checking, and ASCII text is valid: the common case
    // costs one pass over the bytes, without counting characters.
    if src.len() <= MAX_ATOM_CHARS && is_ascii(src) {
        return Ok(());
    }
    verify_utf8_atom_general(src)
}

fn verify_utf8_atom_general(src: &[u8]) -> Result<()> {
    let not_utf8 = Error::InvalidArgument("atom is not UTF-8");
    if src.len() <= MAX_ATOM_CHARS {
        return if is_utf8(src) { Ok(()) } else { Err(not_utf8) };
    }
    let s = std::str::from_utf8(src).map_err(|_| not_utf8)?;
    if s.chars().count() > MAX_ATOM_CHARS {
        return Err(Error::TooLarge("atom longer than 255 characters"));
    }
    Ok(())
}

/// True when `src` is well-formed UTF-8: the same answer as
/// `std::str::from_utf8(src).is_ok()` (the byte ranges of Unicode's
/// table 3-7: no overlong forms, surrogates or code points beyond U+10FFFF),
/// in a plain loop that is quicker than the standard library's on short
/// text such as atoms.
pub fn is_utf8(src: &[u8]) -> bool {
    utf8_valid(src)
}

/// [`is_utf8`], inline: ASCII is skipped eight bytes at a time where
/// eight remain, and two-byte sequences (the Latin-1 letters, most of the
/// non-ASCII text in atoms) are checked before the general case.
#[inline(always)]
pub fn utf8_valid(src: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = src.len();
    let mut i = 0;
    while i < n {
        if let Some(w) = src.get(i..i + 8) {
            let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            let high = w & HIGH;
            if high == 0 {
                i += 8;
                continue;
            }
            // Up to the first byte of 0x80 or above.
            i += high.trailing_zeros() as usize / 8;
        }
        let b = src[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        if b.wrapping_sub(0xC2) < 0x1E {
            match src.get(i + 1) {
                Some(&c) if c & 0xC0 == 0x80 => {
                    i += 2;
                    continue;
                }
                _ => return false,
            }
        }
        // The sequence's length, and the range of its second byte, follow
        // from its first byte; any further bytes are 80..BF.
        let (width, second) = match b {
            0xE0 => (3, 0xA0..=0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80..=0xBF),
            0xED => (3, 0x80..=0x9F),
            0xF0 => (4, 0x90..=0xBF),
            0xF1..=0xF3 => (4, 0x80..=0xBF),
            0xF4 => (4, 0x80..=0x8F),
            _ => return false,
        };
        let Some(seq) = src.get(i + 1..i + width) else {
            return false;
        };
        if !second.contains(&seq[0]) || seq[1..].iter().any(|&c| c & 0xC0 != 0x80) {
            return false;
        }
        i += width;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// is_utf8 agrees with the standard library on every sequence of up to
    /// three bytes (plus a four-byte sample), behind ASCII prefixes that put
    /// it on either side of the eight-byte steps.
    #[test]
    fn is_utf8_agrees_with_std() {
        let mut seqs: Vec<Vec<u8>> = Vec::new();
        for a in 0..=255u8 {
            seqs.push(vec![a]);
            for b in (0..=255u8).step_by(3).chain([0x80, 0xbf, 0xc0]) {
                seqs.push(vec![a, b]);
                if a >= 0xe0 {
                    for c in [0x00, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0] {
                        seqs.push(vec![a, b, c]);
                        if a >= 0xf0 {
                            seqs.push(vec![a, b, c, 0x80]);
                            seqs.push(vec![a, b, c, 0x41]);
                        }
                    }
                }
            }
        }
        for prefix in [0usize, 1, 6, 7, 8, 9, 15, 16] {
            for suffix in [0usize, 1, 9] {
                for s in &seqs {
                    let mut v = vec![b'a'; prefix];
                    v.extend_from_slice(s);
                    v.extend(std::iter::repeat_n(b'z', suffix));
                    assert_eq!(is_utf8(&v), std::str::from_utf8(&v).is_ok(), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn latin1_round_trip() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut utf8 = Vec::new();
        latin1_to_utf8(&all, &mut utf8);
        assert_eq!(utf8.len(), latin1_utf8_len(&all));
        assert_eq!(std::str::from_utf8(&utf8).unwrap().chars().count(), 256);
        let mut back = Vec::new();
        utf8_to_latin1(&utf8, &mut back).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn utf8_outside_latin1_is_refused() {
        let mut out = Vec::new();
        assert!(utf8_to_latin1("λ".as_bytes(), &mut out).is_none());
        assert!(utf8_to_latin1(&[0xC3], &mut out).is_none());
    }

    #[test]
    fn high_bytes_are_counted() {
        for len in 0..40 {
            for hi in 0..len {
                let mut v = vec![b'a'; len];
                for b in v.iter_mut().skip(hi) {
                    *b = 0x80 | (*b & 0x7f);
                }
                let expected = v.iter().filter(|&&b| b >= 0x80).count();
                assert_eq!(count_high_bytes(&v), expected);
                let mut out = vec![0; latin1_utf8_len(&v)];
                let mut via_vec = Vec::new();
                latin1_to_utf8(&v, &mut via_vec);
                assert_eq!(latin1_to_utf8_slice(&v, &mut out), out.len());
                assert_eq!(out, via_vec);
            }
        }
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(count_high_bytes(&all), 128);
        assert!(!is_ascii(&all));
        assert!(is_ascii(&all[..128]));
    }

    #[test]
    fn ascii_is_recognised_at_every_length_and_position() {
        for len in 0..40 {
            assert!(is_ascii(&vec![0x7f; len]));
            for at in 0..len {
                let mut v = vec![b'a'; len];
                v[at] = 0x80;
                assert!(!is_ascii(&v), "len {len}, byte {at}");
            }
        }
    }

    #[test]
    fn utf8_is_validated_as_the_standard_library_does() {
        let agree = |b: &[u8]| assert_eq!(is_utf8(b), std::str::from_utf8(b).is_ok(), "{b:x?}");
        // Every sequence of up to three bytes.
        agree(&[]);
        for a in 0..=255u8 {
            agree(&[a]);
            for b in 0..=255u8 {
                agree(&[a, b]);
                for c in 0..=255u8 {
                    agree(&[a, b, c]);
                }
            }
        }
        // Four bytes: every first and second byte, the edges of the
        // continuation range in the last two.
        let edges = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for c in edges {
                    for d in edges {
                        agree(&[a, b, c, d]);
                        agree(&[b'x', a, b, c, d, b'y']);
                    }
                }
            }
        }
        // Mixed text, cut at every byte.
        let text = "aé€😀ñ\u{10ffff}z".as_bytes();
        for i in 0..=text.len() {
            agree(&text[..i]);
            agree(&text[i..]);
        }
    }

    #[test]
    fn atom_limits() {
        assert!(verify_utf8_atom(&[b'a'; 255]).is_ok());
        assert!(verify_utf8_atom(&[b'a'; 256]).is_err());
        assert!(verify_utf8_atom(&[b'a', 0xc3]).is_err());
        assert!(verify_utf8_atom("é".repeat(200).as_bytes()).is_ok());
        assert!(verify_utf8_atom(&[0xed, 0xa0, 0x80]).is_err());
        assert!(verify_utf8_atom("λ".repeat(255).as_bytes()).is_ok());
        assert!(verify_utf8_atom("λ".repeat(256).as_bytes()).is_err());
        assert!(verify_utf8_atom(&[0xff]).is_err());
    }
}

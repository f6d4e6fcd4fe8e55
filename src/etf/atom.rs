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

/// Length of `src` (Latin-1) once converted to UTF-8.
pub fn latin1_utf8_len(src: &[u8]) -> usize {
    src.len() + src.iter().filter(|&&b| b >= 0x80).count()
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
pub fn verify_utf8_atom(src: &[u8]) -> Result<()> {
    let s = std::str::from_utf8(src).map_err(|_| Error::InvalidArgument("atom is not UTF-8"))?;
    if s.chars().count() > MAX_ATOM_CHARS {
        return Err(Error::TooLarge("atom longer than 255 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn atom_limits() {
        assert!(verify_utf8_atom("λ".repeat(255).as_bytes()).is_ok());
        assert!(verify_utf8_atom("λ".repeat(256).as_bytes()).is_err());
        assert!(verify_utf8_atom(&[0xff]).is_err());
    }
}

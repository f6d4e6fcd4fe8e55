//! Bignum helpers shared by the Rust API and libei's `erlang_big` functions.
//!
//! Magnitudes are little-endian bytes, as on the wire; libei's `erlang_big`
//! holds the same bytes as little-endian 16-bit digits.

use std::cmp::Ordering;

/// The low 64 bits of a little-endian magnitude.
pub fn low_u64(digits: &[u8]) -> u64 {
    digits
        .iter()
        .take(8)
        .enumerate()
        .fold(0u64, |acc, (i, &b)| acc | (b as u64) << (8 * i))
}

/// The value as a float, computed as libei's `ei_big_to_double` does
/// (16-bit digit by digit, from the least significant). `None` when the
/// result is not finite.
pub fn to_f64(negative: bool, digits: &[u8]) -> Option<f64> {
    let mut d = 0.0f64;
    let mut base = 1.0f64;
    for pair in digits.chunks(2) {
        let digit = pair[0] as u32 | (pair.get(1).copied().unwrap_or(0) as u32) << 8;
        let next = digit as f64 * base + d;
        if !next.is_finite() {
            return None;
        }
        d = next;
        base *= 65536.0;
    }
    Some(if negative { -d } else { d })
}

/// Compares two bignums given as sign and little-endian 16-bit digits, as
/// `ei_big_comp` does: a longer digit array is larger regardless of leading
/// zeros (libei compares lengths first).
pub fn compare_digits16(xneg: bool, x: &[u16], yneg: bool, y: &[u16]) -> Ordering {
    if xneg != yneg {
        return if xneg {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let mag = x
        .len()
        .cmp(&y.len())
        .then_with(|| x.iter().rev().cmp(y.iter().rev()));
    if xneg {
        mag.reverse()
    } else {
        mag
    }
}

/// Appends the text of a bignum as libei's `ei_print_term` renders it:
/// decimal when the magnitude has at most 8 bytes, otherwise `16#` and
/// upper-case hex without leading zeros. A `-` precedes negative values.
pub fn push_print_text(negative: bool, digits: &[u8], out: &mut Vec<u8>) {
    if negative {
        out.push(b'-');
    }
    // libei counts 16-bit digits: (bytes + 1) / 2 <= 4.
    if digits.len() <= 8 {
        super::print::push_u64(out, low_u64(digits));
        return;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(b"16#");
    let significant = digits.iter().rposition(|&b| b != 0);
    match significant {
        None => out.push(b'0'),
        Some(top) => {
            out.reserve(2 * top + 2);
            let b = digits[top];
            if b >= 0x10 {
                out.push(HEX[(b >> 4) as usize]);
            }
            out.push(HEX[(b & 0xf) as usize]);
            for &b in digits[..top].iter().rev() {
                out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
            }
        }
    }
}

/// Exact decimal text of a bignum (for Rust users), e.g. `-12345678901234567890`.
pub fn to_decimal(negative: bool, digits: &[u8]) -> String {
    // Repeated division of base-2^32 limbs by 10^9.
    let mut limbs: Vec<u32> = digits
        .chunks(4)
        .map(|c| c.iter().rev().fold(0u32, |acc, &b| acc << 8 | b as u32))
        .collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    if limbs.is_empty() {
        return "0".to_owned();
    }
    let mut chunks = Vec::new();
    while !limbs.is_empty() {
        let mut rem: u64 = 0;
        for l in limbs.iter_mut().rev() {
            let cur = rem << 32 | *l as u64;
            *l = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut s = String::with_capacity(chunks.len() * 9 + 1);
    if negative {
        s.push('-');
    }
    let mut it = chunks.iter().rev();
    if let Some(first) = it.next() {
        s.push_str(&first.to_string());
    }
    for c in it {
        s.push_str(&format!("{c:09}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_forms() {
        let text = |negative, digits: &[u8]| {
            let mut out = Vec::new();
            push_print_text(negative, digits, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            text(true, &[1, 0, 0, 0, 0, 0, 0, 128]),
            "-9223372036854775809"
        );
        assert_eq!(
            text(false, &[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "16#10000000000000000"
        );
        assert_eq!(text(false, &[0xff; 8]), "18446744073709551615");
        assert_eq!(text(true, &[]), "-0");
        assert_eq!(text(false, &[0; 9]), "16#0");
        assert_eq!(
            text(
                true,
                &[0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x0f, 0]
            ),
            "-16#F0123456789ABCDEF"
        );
        // Against the formatter, over digit counts and values.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..40usize {
            for _ in 0..20 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut digits: Vec<u8> = (0..len)
                    .map(|i| (x >> (i % 8 * 8)) as u8 ^ i as u8)
                    .collect();
                if x % 3 == 0 {
                    if let Some(top) = digits.last_mut() {
                        *top &= 0x0f;
                    }
                }
                let neg = x & 1 == 1;
                let mut expect = String::from(if neg { "-" } else { "" });
                if len <= 8 {
                    expect += &low_u64(&digits).to_string();
                } else {
                    expect += "16#";
                    match digits.iter().rposition(|&b| b != 0) {
                        None => expect.push('0'),
                        Some(top) => {
                            expect += &format!("{:X}", digits[top]);
                            for b in digits[..top].iter().rev() {
                                expect += &format!("{b:02X}");
                            }
                        }
                    }
                }
                assert_eq!(text(neg, &digits), expect, "{digits:?}");
            }
        }
    }

    #[test]
    fn decimal() {
        assert_eq!(
            to_decimal(false, &[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "18446744073709551616"
        );
        assert_eq!(to_decimal(true, &[1]), "-1");
        assert_eq!(to_decimal(false, &[]), "0");
    }

    #[test]
    fn float() {
        assert_eq!(
            to_f64(true, &[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Some(-18446744073709551616.0)
        );
        assert_eq!(to_f64(false, &[0xff; 200]), None);
    }
}

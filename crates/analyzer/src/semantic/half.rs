//! IEEE 754 half precision, for vectors on disk: half the size of f32, and
//! a cosine error (about 1e-3) far below what separates two chunks.

/// `x` as a half, rounded to nearest even; out of range saturates to ±inf.
#[allow(clippy::cast_possible_truncation)] // every cast is of a value masked to 16 bits
pub(crate) fn to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man == 0 { 0 } else { 0x200 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = man | 0x80_0000;
        let shift = (14 - e) as u32;
        let kept = m >> shift;
        let rest = m & ((1 << shift) - 1);
        let halfway = 1 << (shift - 1);
        let round = u32::from(rest > halfway || (rest == halfway && kept & 1 == 1));
        return sign | (kept + round) as u16;
    }
    let h = ((e as u32) << 10) | (man >> 13);
    let rest = man & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent.
    let round = u32::from(rest > 0x1000 || (rest == 0x1000 && h & 1 == 1));
    sign | (h + round) as u16
}

/// A half as an f32 (exact).
pub(crate) fn from_f16(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: shift the mantissa up until its leading bit is the
            // implicit one.
            let mut e = 127 - 15 + 1;
            let mut m = man;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((m & 0x3ff) << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_are_within_half_precision() {
        for x in [
            0.0f32, -0.0, 1.0, -1.0, 0.5, 0.1, -0.333, 0.0625, 1e-3, 6.1e-5, 3e-6, -2e-7, 65504.0,
        ] {
            let y = from_f16(to_f16(x));
            assert!(
                (x - y).abs() <= x.abs() / 1024.0 + 6e-8,
                "{x} came back as {y}"
            );
        }
        assert_eq!(to_f16(1.0), 0x3c00);
        assert_eq!(to_f16(-2.0), 0xc000);
        assert!(from_f16(to_f16(1e6)).is_infinite());
        assert!(from_f16(to_f16(f32::NAN)).is_nan());
    }

    #[test]
    fn every_half_survives_the_trip_through_f32() {
        for h in 0..=u16::MAX {
            let x = from_f16(h);
            if !x.is_nan() {
                assert_eq!(to_f16(x), h, "{h:#06x} -> {x}");
            }
        }
    }
}

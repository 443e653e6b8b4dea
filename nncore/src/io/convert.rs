//! A tensor's little-endian bytes as the model's `f32` values, from F32 or, when the load
//! converts dtypes, from PyTorch's other float types: F64, F16 and BF16.

use ::safetensors::Dtype;

/// The float dtypes a load with `convert_dtypes` turns into F32.
pub(super) fn converts(dtype: Dtype) -> bool {
    matches!(dtype, Dtype::F64 | Dtype::F16 | Dtype::BF16)
}

/// The values of a float tensor's bytes, as `f32`; `dtype` is F32 or one that [`converts`].
pub(super) fn values(dtype: Dtype, bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    let width = dtype.bitsize() / 8;
    bytes.chunks_exact(width).map(move |b| match dtype {
        Dtype::F64 => f64_to_f32(f64::from_le_bytes(array(b))),
        Dtype::F16 => f16_to_f32(u16::from_le_bytes(array(b))),
        Dtype::BF16 => bf16_to_f32(u16::from_le_bytes(array(b))),
        _ => f32::from_le_bytes(array(b)),
    })
}

/// The first `N` bytes of a chunk of exactly `N`.
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

/// The nearest `f32` (ties to even), as PyTorch's `.float()`: beyond `f32::MAX` it is infinite,
/// below the smallest subnormal zero.
#[must_use]
pub(super) fn f64_to_f32(value: f64) -> f32 {
    value as f32
}

/// An IEEE half-precision value as `f32`, which holds every one exactly. A NaN keeps its sign
/// and payload and becomes quiet, as the x86 and ARM conversion instructions do.
#[must_use]
pub(super) fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits & 0x8000) << 16;
    let exponent = u32::from(bits >> 10) & 0x1f;
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = match exponent {
        // Zero or subnormal: mantissa × 2^-24, exact in f32 (2^-24 is 0x3380_0000).
        0 => (mantissa as f32 * f32::from_bits(0x3380_0000)).to_bits(),
        0x1f if mantissa == 0 => 0x7f80_0000,
        0x1f => 0x7fc0_0000 | mantissa << 13,
        // Rebias the exponent from 15 to 127; the mantissa gains 13 zero bits.
        _ => (exponent + 112) << 23 | mantissa << 13,
    };
    f32::from_bits(sign | magnitude)
}

/// A bfloat16 value as `f32`: its 16 bits are the top half of the `f32`'s, so every value,
/// NaN payloads included, is kept exactly (PyTorch's conversion).
#[must_use]
pub(super) fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a binary float with these fields, computed in f64 (exact for F16 and
    /// BF16), independently of the bit manipulation under test.
    fn reference(sign: u32, exponent: i32, mantissa: u32, mantissa_bits: i32, bias: i32) -> f64 {
        let scale = pow2(-mantissa_bits);
        let magnitude = if exponent == 0 {
            f64::from(mantissa) * scale * pow2(1 - bias)
        } else {
            (1.0 + f64::from(mantissa) * scale) * pow2(exponent - bias)
        };
        if sign == 1 { -magnitude } else { magnitude }
    }

    /// 2^k, for the normal range of f64.
    fn pow2(k: i32) -> f64 {
        f64::from_bits(((k + 1023) as u64) << 52)
    }

    #[test]
    fn f16_known_values() {
        let cases: [(u16, f32); 12] = [
            (0x0000, 0.0),
            (0x3c00, 1.0),
            (0xc000, -2.0),
            (0x3555, 0.333_251_95),
            (0x7bff, 65504.0),         // the largest finite half
            (0x0400, 6.103_515_6e-5),  // the smallest normal, 2^-14
            (0x0001, 5.960_464_5e-8),  // the smallest subnormal, 2^-24
            (0x03ff, 6.097_555e-5),    // the largest subnormal, 1023 × 2^-24
            (0x8001, -5.960_464_5e-8), // a negative subnormal
            (0x7c00, f32::INFINITY),
            (0xfc00, f32::NEG_INFINITY),
            (0x5640, 100.0),
        ];
        for (bits, expected) in cases {
            assert_eq!(
                f16_to_f32(bits).to_bits(),
                expected.to_bits(),
                "{bits:#06x}"
            );
        }
        // Negative zero keeps its sign.
        assert_eq!(f16_to_f32(0x8000).to_bits(), 0x8000_0000);
        // NaNs: quiet, sign and payload kept.
        assert_eq!(f16_to_f32(0x7e00).to_bits(), 0x7fc0_0000);
        assert_eq!(f16_to_f32(0x7c01).to_bits(), 0x7fc0_2000); // signaling, payload 1
        assert_eq!(f16_to_f32(0xfe01).to_bits(), 0xffc0_2000);
    }

    #[test]
    fn every_finite_f16_and_bf16_matches_its_arithmetic_value() {
        for bits in 0..=u16::MAX {
            let sign = u32::from(bits >> 15);
            let (exponent, mantissa) = (i32::from((bits >> 10) & 0x1f), u32::from(bits & 0x3ff));
            if exponent != 0x1f {
                let want = reference(sign, exponent, mantissa, 10, 15) as f32;
                assert_eq!(
                    f16_to_f32(bits).to_bits(),
                    want.to_bits(),
                    "f16 {bits:#06x}"
                );
            } else {
                assert_eq!(f16_to_f32(bits).is_nan(), mantissa != 0, "f16 {bits:#06x}");
            }
            let (exponent, mantissa) = (i32::from((bits >> 7) & 0xff), u32::from(bits & 0x7f));
            if exponent != 0xff {
                let want = reference(sign, exponent, mantissa, 7, 127) as f32;
                assert_eq!(
                    bf16_to_f32(bits).to_bits(),
                    want.to_bits(),
                    "bf16 {bits:#06x}"
                );
            }
        }
    }

    #[test]
    fn bf16_known_values() {
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
        assert_eq!(bf16_to_f32(0xc049), -3.140_625);
        assert_eq!(bf16_to_f32(0x0001).to_bits(), 0x0001_0000); // a subnormal
        assert_eq!(bf16_to_f32(0x7f80), f32::INFINITY);
        assert_eq!(bf16_to_f32(0xff80), f32::NEG_INFINITY);
        assert_eq!(bf16_to_f32(0x7f81).to_bits(), 0x7f81_0000); // a signaling NaN, as is
        assert_eq!(bf16_to_f32(0x8000).to_bits(), 0x8000_0000);
    }

    #[test]
    fn f64_rounds_to_nearest_even() {
        // 1 + 2^-24 is halfway between 1 and the next f32: ties go to the even one, 1.
        assert_eq!(f64_to_f32(1.0 + pow2(-24)), 1.0);
        // 1 + 3 × 2^-24 is halfway between 1 + 2^-23 and 1 + 2^-22: ties go to 1 + 2^-22.
        assert_eq!(f64_to_f32(1.0 + 3.0 * pow2(-24)), 1.0 + pow2(-22) as f32);
        assert_eq!(f64_to_f32(1.0 + pow2(-24) + pow2(-40)), 1.0 + f32::EPSILON);
        assert_eq!(f64_to_f32(0.1), 0.1f32);
        assert_eq!(f64_to_f32(1e39), f32::INFINITY);
        assert_eq!(f64_to_f32(-1e39), f32::NEG_INFINITY);
        assert_eq!(f64_to_f32(1e-46).to_bits(), 0);
        assert_eq!(f64_to_f32(f64::from(f32::from_bits(1))).to_bits(), 1);
        assert!(f64_to_f32(f64::NAN).is_nan());
    }

    #[test]
    fn values_reads_little_endian() {
        let f64_bytes = [0.5f64.to_le_bytes(), (-2.0f64).to_le_bytes()].concat();
        let got: alloc::vec::Vec<f32> = values(Dtype::F64, &f64_bytes).collect();
        assert_eq!(got, [0.5, -2.0]);
        let got: alloc::vec::Vec<f32> = values(Dtype::F16, &[0x00, 0x3c, 0x00, 0xc0]).collect();
        assert_eq!(got, [1.0, -2.0]);
        let got: alloc::vec::Vec<f32> = values(Dtype::BF16, &[0x80, 0x3f]).collect();
        assert_eq!(got, [1.0]);
        let got: alloc::vec::Vec<f32> = values(Dtype::F32, &1.5f32.to_le_bytes()).collect();
        assert_eq!(got, [1.5]);
    }
}

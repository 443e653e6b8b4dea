//! TensorFlow Lite's int8 `HARD_SWISH`, `x · relu6(x + 3) / 6`, in its 16-bit fixed point
//! (`reference_ops::HardSwish`, as TensorFlow Lite Micro computes it): the input at a 128 times
//! finer scale, a "relu-ish" factor in [0, 1] from it, their product rescaled to the output.
//! As a function of one int8 value it is also a 256-entry table ([`HardSwish::table`]).

use super::Int8Sample;
use super::elementwise::Lookup;
use super::fixed::Multiplier;
use super::params::QuantParams;

/// int8 hard swish with TensorFlow Lite's parameters (`HardSwishPrepare`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HardSwish {
    /// The input's quantization.
    pub input: QuantParams,
    /// The output's quantization.
    pub output: QuantParams,
    /// `input_scale / 128 / output_scale` as a 16-bit mantissa and a shift (≤ 0).
    pub output_multiplier: (i16, i32),
    /// `input_scale / 128 / (3 / 32768)` as a 16-bit mantissa and a shift.
    pub reluish_multiplier: (i16, i32),
}

impl HardSwish {
    /// The parameters for these quantizations (the factors in `f32`, as TensorFlow Lite computes
    /// them). `None` where TensorFlow Lite refuses them: an output scale below 1/128 of the input
    /// scale's (its output multiplier would shift left).
    #[must_use]
    pub const fn new(input: QuantParams, output: QuantParams) -> Option<Self> {
        let hires_input_scale = (1.0f32 / 128.0) * input.scale;
        let reluish_scale = 3.0f32 / 32768.0;
        let out = Multiplier::from_real((hires_input_scale / output.scale) as f64);
        let reluish = Multiplier::from_real((hires_input_scale / reluish_scale) as f64);
        if out.shift > 0 {
            return None;
        }
        Some(HardSwish {
            input,
            output,
            output_multiplier: (to_i16(out.mantissa), out.shift),
            reluish_multiplier: (to_i16(reluish.mantissa), reluish.shift),
        })
    }

    /// One output value.
    #[must_use]
    pub const fn apply(&self, x: i8) -> i8 {
        let input_value = x as i16 - self.input.zero_point as i16;
        let hires = input_value * (1 << 7);
        let preshift_output = rounding_high_mul(hires, self.output_multiplier.0);
        let (mantissa, exponent) = self.reluish_multiplier;
        let mut reluish = hires;
        if exponent > 0 {
            reluish = saturating_shl(reluish, exponent - 1);
        }
        reluish = rounding_high_mul(reluish, mantissa);
        if exponent > 0 {
            reluish = saturating_shl(reluish, 1);
        }
        if exponent < 0 {
            reluish = divide_by_pot(reluish, -exponent);
        }
        let reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift = high_mul(reluish, preshift_output);
        let y = divide_by_pot(preshift, -self.output_multiplier.1) as i32
            + self.output.zero_point as i32;
        if y > 127 {
            127
        } else if y < -128 {
            -128
        } else {
            y as i8
        }
    }

    /// The output for every input value: `table[q + 128]` for input `q`.
    #[must_use]
    pub const fn table(&self) -> [i8; 256] {
        let mut table = [0; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = self.apply((i as i32 - 128) as i8);
            i += 1;
        }
        table
    }

    /// The function as a [`Lookup`], the same outputs by a table.
    #[must_use]
    pub const fn lookup(&self) -> Lookup {
        Lookup {
            input: self.input,
            output: self.output,
            table: self.table(),
        }
    }

    /// `x` through the function, elementwise.
    #[must_use]
    pub fn forward<X: Int8Sample>(&self, x: &X) -> X {
        let mut y = *x;
        for v in y.flat_mut() {
            *v = self.apply(*v);
        }
        y
    }
}

/// `DownScaleInt32ToInt16Multiplier`: the 31-bit mantissa rounded to 15 bits.
const fn to_i16(m: i32) -> i16 {
    if m >= i32::MAX - (1 << 15) {
        return i16::MAX;
    }
    ((m + (1 << 15)) >> 16) as i16
}

/// gemmlowp's 16-bit `SaturatingRoundingDoublingHighMul`.
const fn rounding_high_mul(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// TensorFlow Lite's 16-bit `SaturatingDoublingHighMul` (truncating).
const fn high_mul(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// `SaturatingLeftShift` on 16 bits.
const fn saturating_shl(x: i16, amount: i32) -> i16 {
    let r = (x as i64) << amount;
    if r > i16::MAX as i64 {
        i16::MAX
    } else if r < i16::MIN as i64 {
        i16::MIN
    } else {
        r as i16
    }
}

/// gemmlowp's `RoundingDivideByPOT` on 16 bits (half away from zero).
const fn divide_by_pot(x: i16, exponent: i32) -> i16 {
    let exponent = if exponent > 15 { 15 } else { exponent };
    let mask = ((1i32 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i16;
    (x >> exponent) + (remainder > threshold) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_swish_is_close_to_its_formula() {
        let (input, output) = (QuantParams::new(0.05, 3), QuantParams::new(0.03, -110));
        let h = HardSwish::new(input, output).unwrap();
        for q in i8::MIN..=i8::MAX {
            let x = input.dequantize(q);
            let want = x * (x + 3.0).clamp(0.0, 6.0) / 6.0;
            let got = output.dequantize(h.apply(q));
            assert!((got - want).abs() <= 0.04, "{q}: {got} for {want}");
        }
        assert_eq!(h.table()[128 + 3], -110); // x = 0
        assert_eq!(h.lookup().get(3), -110);
        // An output scale far below the input's has no form: TensorFlow Lite refuses it too.
        assert!(HardSwish::new(input, QuantParams::new(1e-4, 0)).is_none());
    }
}

//! Quantization parameters as plain data: a tensor's scale and zero point, the fused activation
//! clamp, and the output stage that turns a layer's int32 accumulators into int8.

use super::fixed::{Multiplier, Rounding};
use super::rescale::round_scaled;

/// Affine quantization of one tensor, TensorFlow Lite's: `real = scale · (q − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantParams {
    /// The real step between two consecutive int8 values (positive).
    pub scale: f32,
    /// The int8 value that stands for real 0.
    pub zero_point: i8,
}

impl QuantParams {
    /// The parameters `scale` and `zero_point`.
    #[must_use]
    pub const fn new(scale: f32, zero_point: i8) -> Self {
        QuantParams { scale, zero_point }
    }

    /// `x` as int8: `round(x / scale) + zero_point` (half away from zero, the division in
    /// `f32`), clamped: TensorFlow Lite's `QUANTIZE` (`AffineQuantize`). Single precision only:
    /// no `f64` on a microcontroller.
    #[inline]
    #[must_use]
    pub const fn quantize(self, x: f32) -> i8 {
        let q = round_f32(x / self.scale);
        clamp_i8(q.saturating_add(self.zero_point as i32), [i8::MIN, i8::MAX])
    }

    /// The real value of `q`: `scale · (q − zero_point)`, TensorFlow Lite's `DEQUANTIZE`. It
    /// computes the product in `f64` and rounds it to `f32`; the product of the `f32` scale and
    /// a 9-bit integer is exact in `f64`, so one `f32` multiplication rounds it the same.
    #[inline]
    #[must_use]
    pub const fn dequantize(self, q: i8) -> f32 {
        self.scale * (q as i32 - self.zero_point as i32) as f32
    }
}

/// A fused activation: TensorFlow Lite's `fused_activation_function`, a clamp of the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// No clamp beyond int8's range.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `min(max(x, -1), 1)`.
    ReluN1To1,
}

impl Activation {
    /// The int8 range `[min, max]` of this activation on an output quantized by `output`:
    /// `CalculateActivationRangeQuantized` (each bound `round(bound / scale) + zero_point` in
    /// `f32`, intersected with int8's range).
    #[must_use]
    pub const fn range(self, output: QuantParams) -> [i8; 2] {
        let (lo, hi) = match self {
            Activation::None => return [i8::MIN, i8::MAX],
            Activation::Relu => (Some(0.0), None),
            Activation::Relu6 => (Some(0.0), Some(6.0)),
            Activation::ReluN1To1 => (Some(-1.0), Some(1.0)),
        };
        let full = [i8::MIN, i8::MAX];
        let min = match lo {
            Some(v) => clamp_i8(quantize_i32(output, v), full),
            None => i8::MIN,
        };
        let max = match hi {
            Some(v) => clamp_i8(quantize_i32(output, v), full),
            None => i8::MAX,
        };
        [min, max]
    }
}

/// `round(x / scale) + zero_point` without the int8 clamp.
const fn quantize_i32(p: QuantParams, x: f32) -> i32 {
    round_f32(x / p.scale).saturating_add(p.zero_point as i32)
}

/// `x` rounded half away from zero (C's `round`), saturated to `i32` (NaN gives 0): the same as
/// rounding `x as f64`, in single precision.
#[inline]
const fn round_f32(x: f32) -> i32 {
    // From 2^23 on every f32 is an integer; below, truncation is exact and so is `x − t`.
    if !(x < 8_388_608.0 && x > -8_388_608.0) {
        return x as i32;
    }
    let t = x as i32;
    let frac = x - t as f32;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// `x` clamped to `[range[0], range[1]]`.
#[inline]
pub(crate) const fn clamp_i8(x: i32, range: [i8; 2]) -> i8 {
    if x < range[0] as i32 {
        range[0]
    } else if x > range[1] as i32 {
        range[1]
    } else {
        x as i8
    }
}

/// What a layer with weights does after accumulating in int32, for each of its `N` output
/// channels: rescale by `input.scale · weight_scale[c] / output.scale`, add the output's zero
/// point, clamp to the fused activation's range.
///
/// Weights are int8 and symmetric (zero point 0), per output channel or, with every entry
/// equal, per tensor; biases are int32 at scale `input.scale · weight_scale[c]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutputStage<const N: usize> {
    /// The input tensor's quantization: its zero point is subtracted from every input.
    pub input: QuantParams,
    /// The output tensor's quantization.
    pub output: QuantParams,
    /// One weight scale per output channel.
    pub weight_scale: [f32; N],
    /// `input.scale · weight_scale[c] / output.scale` in fixed point, per channel.
    pub multiplier: [Multiplier; N],
    /// `[min, max]` of the output after the fused activation.
    pub clamp: [i8; 2],
    /// How the accumulator is rescaled.
    pub rounding: Rounding,
}

impl<const N: usize> OutputStage<N> {
    /// Per-channel weight scales, with TensorFlow Lite's multipliers
    /// (`PopulateConvolutionQuantizationParams`: the factor in `f64` from the `f32` scales).
    #[must_use]
    pub const fn per_channel(
        input: QuantParams,
        weight_scale: [f32; N],
        output: QuantParams,
        activation: Activation,
        rounding: Rounding,
    ) -> Self {
        let mut multiplier = [Multiplier::ZERO; N];
        let mut c = 0;
        while c < N {
            multiplier[c] = Multiplier::from_real(real_factor(input, weight_scale[c], output));
            c += 1;
        }
        OutputStage {
            input,
            output,
            weight_scale,
            multiplier,
            clamp: activation.range(output),
            rounding,
        }
    }

    /// One weight scale for the whole tensor, with the multiplier of TensorFlow Lite's per-tensor
    /// `FULLY_CONNECTED` (`GetQuantizedConvolutionMultipler`: `input.scale · weight_scale` in
    /// `f32`, then divided in `f64`). A per-tensor `CONV_2D` is [`OutputStage::per_channel`] with
    /// the scale repeated.
    #[must_use]
    pub const fn per_tensor(
        input: QuantParams,
        weight_scale: f32,
        output: QuantParams,
        activation: Activation,
        rounding: Rounding,
    ) -> Self {
        let product = (input.scale * weight_scale) as f64;
        let m = Multiplier::from_real(product / output.scale as f64);
        OutputStage {
            input,
            output,
            weight_scale: [weight_scale; N],
            multiplier: [m; N],
            clamp: activation.range(output),
            rounding,
        }
    }

    /// The int8 output of channel `c` for the accumulator `acc` (bias included). Always inlined:
    /// in a layer's loop over its channels the rounding is then decided once, not per channel.
    #[inline(always)]
    #[must_use]
    pub const fn finish(&self, c: usize, acc: i32) -> i8 {
        let scaled = match self.rounding {
            Rounding::Double => self.multiplier[c].apply_double_rounding(acc),
            Rounding::Single => self.multiplier[c].apply_single_rounding(acc),
            Rounding::Float => round_scaled(
                acc,
                self.multiplier[c],
                self.input.scale,
                self.weight_scale[c],
                self.output.scale,
            ),
        };
        clamp_i8(
            scaled.saturating_add(self.output.zero_point as i32),
            self.clamp,
        )
    }

    /// `-input.zero_point`, what TensorFlow Lite calls the input offset.
    #[inline]
    pub(crate) const fn input_offset(&self) -> i32 {
        -(self.input.zero_point as i32)
    }
}

/// `input.scale · weight_scale / output.scale` in `f64` from the `f32` scales.
const fn real_factor(input: QuantParams, weight_scale: f32, output: QuantParams) -> f64 {
    input.scale as f64 * weight_scale as f64 / output.scale as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_away_and_clamps() {
        let p = QuantParams::new(0.5, -3);
        assert_eq!(p.quantize(0.0), -3);
        assert_eq!(p.quantize(0.25), -2); // 0.5 rounds away from zero
        assert_eq!(p.quantize(-0.25), -4);
        assert_eq!(p.quantize(1000.0), 127);
        assert_eq!(p.quantize(-1000.0), -128);
        assert_eq!(p.dequantize(-3), 0.0);
        assert_eq!(p.dequantize(1), 2.0);
        for q in i8::MIN..=i8::MAX {
            assert_eq!(p.quantize(p.dequantize(q)), q);
        }
    }

    #[test]
    fn single_precision_quantization_is_the_double_one() {
        use crate::quant::fixed::round_to_i32;
        let mut bits = 0x3456_789au32;
        for _ in 0..100_000 {
            bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Values around the rounding boundaries, and every magnitude.
            let x = f32::from_bits(bits);
            let near = (bits % 4000) as f32 * 0.25 - 500.0;
            for v in [x, near, near + 0.5, -near - 0.5, x * 1e-30] {
                assert_eq!(round_f32(v), round_to_i32(v as f64), "{v}");
            }
            let p = QuantParams::new(f32::from_bits(0x3a00_0000 | (bits >> 9)), bits as i8);
            for q in [i8::MIN, -1, 0, 1, i8::MAX, (bits >> 8) as i8] {
                let double = (p.scale as f64 * (q as i32 - p.zero_point as i32) as f64) as f32;
                assert_eq!(p.dequantize(q).to_bits(), double.to_bits(), "{p:?} {q}");
            }
        }
        for v in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            2.5e9,
            -2.5e9,
            8_388_607.5,
        ] {
            assert_eq!(round_f32(v), round_to_i32(v as f64), "{v}");
        }
    }

    #[test]
    fn activation_ranges_follow_the_output_parameters() {
        let p = QuantParams::new(0.05, -20);
        assert_eq!(Activation::None.range(p), [-128, 127]);
        assert_eq!(Activation::Relu.range(p), [-20, 127]);
        assert_eq!(Activation::Relu6.range(p), [-20, 100]);
        assert_eq!(Activation::ReluN1To1.range(p), [-40, 0]);
        // A zero point below int8's range after the bound is clipped to it.
        let wide = QuantParams::new(0.01, 0);
        assert_eq!(Activation::Relu6.range(wide), [0, 127]);
    }

    #[test]
    fn the_output_stage_rescales_offsets_and_clamps() {
        let input = QuantParams::new(0.5, 0);
        let output = QuantParams::new(0.25, 10);
        let stage = OutputStage::<2>::per_channel(
            input,
            [0.5, 0.25],
            output,
            Activation::Relu,
            Rounding::Double,
        );
        // Channel 0: factor 1; channel 1: factor 0.5.
        assert_eq!(stage.finish(0, 7), 17);
        assert_eq!(stage.finish(1, 7), 14); // 3.5 rounds to 4
        assert_eq!(stage.finish(0, -100), 10); // the ReLU clamp at the zero point
        assert_eq!(stage.finish(0, 1000), 127);
        let float = OutputStage {
            rounding: Rounding::Float,
            ..stage
        };
        assert_eq!(float.finish(1, 7), 14);
        assert_eq!(float.finish(1, -9), 10);
    }
}

//! The int8 layers a quantized model needs beside TensorFlow Lite's weighted ops: ReLU and ReLU6
//! as clamps, any other elementwise activation as a 256-entry lookup table, flattening in PyTorch's
//! order, and a layer that does nothing.

use super::QuantLayer;
use super::fixed::round_to_i32;
use super::kernel::Kernel;
use super::params::{Activation, QuantParams, clamp_i8};
use super::sample::Int8Sample;

/// ReLU on its own: `max(x, zero_point)`, the output quantized as the input. (After a layer with
/// weights, ReLU is fused into that layer's output stage instead, and this clamp changes
/// nothing.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Relu {
    /// The quantization of the input and the output.
    pub quant: QuantParams,
}

impl<X: Int8Sample> QuantLayer<X, X> for Relu {
    const IN_PLACE: bool = true;

    #[inline]
    fn forward(&self, x: &X) -> X {
        let mut y = *x;
        self.forward_in_place(&mut y);
        y
    }

    #[inline]
    fn forward_in_place(&self, y: &mut X) {
        Kernel::detect().clamp_in_place(y.flat_mut(), self.quant.zero_point, i8::MAX);
    }
}

/// ReLU6 on its own: TensorFlow Lite's `RELU6` with the output quantized as the input, a clamp
/// to `[zero_point, round(6 / scale) + zero_point]` within int8 (after a layer with weights it
/// is fused into that layer's output stage instead).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Relu6 {
    /// The quantization of the input and the output.
    pub quant: QuantParams,
}

impl<X: Int8Sample> QuantLayer<X, X> for Relu6 {
    const IN_PLACE: bool = true;

    #[inline]
    fn forward(&self, x: &X) -> X {
        let mut y = *x;
        self.forward_in_place(&mut y);
        y
    }

    #[inline]
    fn forward_in_place(&self, y: &mut X) {
        let [lo, hi] = Activation::Relu6.range(self.quant);
        Kernel::detect().clamp_in_place(y.flat_mut(), lo, hi);
    }
}

/// An elementwise function as a table of its 256 int8 outputs: TensorFlow Lite's lookup-table
/// kernels (its int8 `TANH`, `LOGISTIC`, `GELU`, `ELU`, ...), for any activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    /// The input's quantization.
    pub input: QuantParams,
    /// The output's quantization.
    pub output: QuantParams,
    /// `table[q + 128]` is the output for input `q`.
    pub table: [i8; 256],
}

impl Lookup {
    /// The table of `f` from `input` to `output`, filled as TensorFlow Lite's `LUTPopulate` fills
    /// it: for each `q`, `x = input.scale · (q − input.zero_point)` in `f32`, then
    /// `round(f(x) · (1 / output.scale)) + output.zero_point` (half away from zero), clamped.
    #[must_use]
    pub fn new(input: QuantParams, output: QuantParams, f: impl Fn(f32) -> f32) -> Self {
        let inverse = 1.0 / output.scale;
        let table = core::array::from_fn(|i| {
            let q = i as i32 - 128;
            let x = input.scale * (q - input.zero_point as i32) as f32;
            let rescaled = round_to_i32((f(x) * inverse) as f64);
            clamp_i8(
                rescaled.saturating_add(output.zero_point as i32),
                [i8::MIN, i8::MAX],
            )
        });
        Lookup {
            input,
            output,
            table,
        }
    }

    /// The output for one input value.
    #[inline]
    #[must_use]
    pub const fn get(&self, q: i8) -> i8 {
        self.table[(q as i32 + 128) as usize]
    }
}

impl<X: Int8Sample> QuantLayer<X, X> for Lookup {
    const IN_PLACE: bool = true;

    #[inline]
    fn forward(&self, x: &X) -> X {
        let mut y = *x;
        self.forward_in_place(&mut y);
        y
    }

    #[inline]
    fn forward_in_place(&self, y: &mut X) {
        for v in y.flat_mut() {
            *v = self.get(*v);
        }
    }
}

/// A layer with nothing to do in int8: Dropout and Identity, and a BatchNorm folded into the
/// layer before it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Identity {
    /// The quantization of the input and the output.
    pub quant: QuantParams,
}

impl<X: Int8Sample> QuantLayer<X, X> for Identity {
    const IN_PLACE: bool = true;

    #[inline]
    fn forward(&self, x: &X) -> X {
        *x
    }

    #[inline]
    fn forward_in_place(&self, _: &mut X) {}
}

/// PyTorch's `Flatten` on int8 samples: the values in PyTorch's order (channels, then rows,
/// then columns), so that the `Linear` after it keeps its weights as they are. (TensorFlow Lite
/// flattens NHWC as it lies and reorders the next layer's weights instead, [`super::Reshape`];
/// the sums are the same.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flatten {
    /// The quantization of the input and the output.
    pub quant: QuantParams,
}

impl<const C: usize, const W: usize, const H: usize, const N: usize>
    QuantLayer<[[[i8; C]; W]; H], [i8; N]> for Flatten
{
    fn forward(&self, x: &[[[i8; C]; W]; H]) -> [i8; N] {
        const { assert!(N == C * H * W, "a flattening keeps the number of values") };
        core::array::from_fn(|i| x[i / W % H][i % W][i / (H * W)])
    }
}

impl<const C: usize, const L: usize, const N: usize> QuantLayer<[[i8; C]; L], [i8; N]> for Flatten {
    fn forward(&self, x: &[[i8; C]; L]) -> [i8; N] {
        const { assert!(N == C * L, "a flattening keeps the number of values") };
        core::array::from_fn(|i| x[i % L][i / L])
    }
}

impl<const N: usize> QuantLayer<[i8; N], [i8; N]> for Flatten {
    const IN_PLACE: bool = true;

    fn forward(&self, x: &[i8; N]) -> [i8; N] {
        *x
    }

    fn forward_in_place(&self, _: &mut [i8; N]) {}
}

/// The int8 form of a layer that has none (`Softmax`, `LogSoftmax`, adaptive pooling): no value
/// of it exists, so a model holding one cannot be built; quantizing such a model fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {}

impl<X, Y> QuantLayer<X, Y> for Refused {
    fn forward(&self, _: &X) -> Y {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    const P: QuantParams = QuantParams::new(0.05, -7);

    #[test]
    fn flatten_reads_channels_first() {
        let x: [[[f32; 3]; 2]; 4] = core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| (c * 6 + h * 3 + w) as f32 * 0.05))
        });
        let q = <[[[i8; 4]; 3]; 2]>::quantize(&x, P);
        let flat: [i8; 24] = Flatten { quant: P }.forward(&q);
        let want: [i8; 24] =
            core::array::from_fn(|i| P.quantize(x.as_flattened().as_flattened()[i]));
        assert_eq!(flat, want);
        let s: [[f32; 5]; 2] =
            core::array::from_fn(|c| core::array::from_fn(|l| (l * 2 + c) as f32));
        let flat: [i8; 10] = Flatten { quant: P }.forward(&<[[i8; 2]; 5]>::quantize(&s, P));
        assert_eq!(
            flat,
            core::array::from_fn(|i| P.quantize(s.as_flattened()[i]))
        );
    }

    #[test]
    fn relu_clamps_at_the_zero_point() {
        let y = Relu { quant: P }.forward(&[-128i8, -8, -7, 0, 127]);
        assert_eq!(y, [-7, -7, -7, 0, 127]);
    }

    #[test]
    fn relu6_clamps_at_zero_and_six() {
        // 6 / 0.05 = 120 steps above the zero point -7: 113.
        let y = Relu6 { quant: P }.forward(&[-128i8, -8, -7, 50, 113, 114, 127]);
        assert_eq!(y, [-7, -7, -7, 50, 113, 113, 113]);
        // A scale too small for 6: int8's top.
        let fine = QuantParams::new(0.01, 0);
        assert_eq!(Relu6 { quant: fine }.forward(&[-1i8, 127]), [0, 127]);
    }

    #[test]
    fn lookup_tables_follow_the_function() {
        let output = QuantParams::new(1.0 / 128.0, 0);
        let tanh = Lookup::new(P, output, crate::math::tanh);
        for q in [-128i8, -7, 0, 50, 127] {
            let x = P.dequantize(q);
            let want = (crate::math::tanh(x) * 128.0).round().clamp(-128.0, 127.0) as i8;
            assert_eq!(tanh.get(q), want, "{q}");
        }
        assert_eq!(tanh.get(-7), 0);
        // Saturated ends: tanh(6.35) · 128 rounds to 128, clamped to 127.
        assert_eq!(tanh.get(127), 127);
        let y = tanh.forward(&[[-128i8, 0], [127, -7]]);
        assert_eq!(y, [[tanh.get(-128), tanh.get(0)], [127, 0]]);
    }
}

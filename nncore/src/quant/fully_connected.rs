//! `FULLY_CONNECTED` on int8: TensorFlow Lite's `reference_integer_ops::FullyConnected` and
//! `FullyConnectedPerChannel`.

use core::mem::MaybeUninit;

use super::QuantLayer;
use super::kernel::Kernel;
use super::lines::Lines;
use super::params::OutputStage;

/// The outputs [`FullyConnected::forward_into_with`] computes at a time: their int32 sums are its
/// stack (512 bytes), whatever the layer's width. A multiple of 16, the rows the x86-64 kernels
/// take at a time; few enough blocks that the Arm kernels' offset inputs, made once a block,
/// cost little.
const ROWS: usize = 128;

/// A fully connected int8 layer, `y[o] = stage(bias[o] + Σ_i weight[o][i] · (x[i] − zx))`, `zx`
/// the input's zero point: TensorFlow Lite's `FULLY_CONNECTED` with int8 input, weights and
/// output and int32 bias.
///
/// `weight` is `[[i8; IN]; OUT]`, TensorFlow Lite's `[out, in]` (and PyTorch's), row-major. The
/// accumulator is int32 and wraps as TensorFlow Lite's does on two's-complement machines; the
/// dot products run on the CPU's integer multiply-add where it has one ([`Kernel`]).
///
/// Built with [`FullyConnected::new`] and read with its accessors: on x86-64 the layer keeps,
/// beside its bias, the bias of the sums the VNNI kernels compute (of `x + 128`, with
/// `(128 + zx) · Σ_i weight[o][i]` taken off once, at construction), and with AVX-512 each
/// output's rescale factor in `f64` (for [`Rounding::Float`](super::Rounding::Float)), so its
/// parts are not changed apart. There its weights start a cache line.
#[derive(Clone, Debug, PartialEq)]
pub struct FullyConnected<const IN: usize, const OUT: usize> {
    /// `weight[o][i]` connects input `i` to output `o`; symmetric (zero point 0).
    weight: Lines<[[i8; IN]; OUT]>,
    /// One bias per output, at scale `input.scale · weight_scale[o]`.
    bias: [i32; OUT],
    /// Zero points, rescale and activation clamp.
    stage: OutputStage<OUT>,
    /// `bias[o] − (128 + zx) · Σ_i weight[o][i]`, wrapping: the start of the sums of
    /// `weight[o][i] · (x[i] + 128)`, `vpdpbusd`'s unsigned inputs, which then need no row sums.
    #[cfg(target_arch = "x86_64")]
    unsigned_bias: [i32; OUT],
    /// Each output's rescale factor in `f64` where the stage rounds in `f64`
    /// ([`super::rescale::float_factors`]), for the AVX-512 output stage.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    pub(crate) real: [f64; OUT],
}

impl<const IN: usize, const OUT: usize> FullyConnected<IN, OUT> {
    /// The layer with these weights, biases and output stage.
    #[must_use]
    pub const fn new(weight: [[i8; IN]; OUT], bias: [i32; OUT], stage: OutputStage<OUT>) -> Self {
        FullyConnected {
            #[cfg(target_arch = "x86_64")]
            unsigned_bias: unsigned_bias(&weight, &bias, stage.input.zero_point),
            #[cfg(all(target_arch = "x86_64", nncore_avx512))]
            real: super::rescale::float_factors(&stage),
            weight: Lines(weight),
            bias,
            stage,
        }
    }

    /// `weight[o][i]` connects input `i` to output `o`; symmetric (zero point 0).
    #[must_use]
    #[inline]
    pub const fn weight(&self) -> &[[i8; IN]; OUT] {
        &self.weight.0
    }

    /// One bias per output, at scale `input.scale · weight_scale[o]`.
    #[must_use]
    #[inline]
    pub const fn bias(&self) -> &[i32; OUT] {
        &self.bias
    }

    /// Zero points, rescale and activation clamp.
    #[must_use]
    #[inline]
    pub const fn stage(&self) -> &OutputStage<OUT> {
        &self.stage
    }

    /// The weights, biases and output stage, to change and build anew with
    /// [`FullyConnected::new`].
    #[must_use]
    pub fn into_parts(self) -> ([[i8; IN]; OUT], [i32; OUT], OutputStage<OUT>) {
        (self.weight.0, self.bias, self.stage)
    }

    /// The sums' start and the offset of the inputs for `kernel`: on x86-64 the VNNI kernels
    /// sum `w · (x + 128)` from the bias with `(128 + zx) · Σ w` taken off (at construction),
    /// the others `w · (x − zx)` from the bias. Both give the same sums, wrapping.
    #[inline]
    pub(crate) fn start(&self, kernel: Kernel) -> (&[i32; OUT], i32) {
        #[cfg(target_arch = "x86_64")]
        if kernel.takes_row_sums() {
            return (&self.unsigned_bias, 128);
        }
        let _ = kernel;
        (&self.bias, self.stage.input_offset())
    }

    /// The int32 accumulators, bias included, before the output stage.
    #[must_use]
    pub fn accumulate(&self, x: &[i8; IN]) -> [i32; OUT] {
        self.accumulate_with(x, Kernel::detect())
    }

    /// [`FullyConnected::accumulate`] with the dot products of `kernel`; every kernel gives the
    /// same sums.
    #[must_use]
    pub fn accumulate_with(&self, x: &[i8; IN], kernel: Kernel) -> [i32; OUT] {
        let (start, offset) = self.start(kernel);
        let mut acc = *start;
        kernel.rows(&self.weight.0, x, offset, &mut acc);
        acc
    }

    /// The int8 output for `x`, with the fastest dot products this CPU has
    /// ([`Kernel::detect`]).
    #[must_use]
    #[inline]
    pub fn forward(&self, x: &[i8; IN]) -> [i8; OUT] {
        let mut y = [0; OUT];
        self.forward_into(x, &mut y);
        y
    }

    /// [`FullyConnected::forward`] written into `y`: the caller's storage, no copy of the
    /// output on the way back. Out of line on bare-metal Arm: inlined into a model's `forward`,
    /// the layers' sums and offset inputs took a slot each in its frame, not one for all.
    #[cfg_attr(all(target_arch = "arm", target_os = "none"), inline(never))]
    pub fn forward_into(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        self.forward_into_with(x, Kernel::detect(), y);
    }

    /// The int8 output for `x`, with the dot products of `kernel`; every kernel gives the same
    /// output.
    #[must_use]
    pub fn forward_with(&self, x: &[i8; IN], kernel: Kernel) -> [i8; OUT] {
        let mut y = [0; OUT];
        self.forward_into_with(x, kernel, &mut y);
        y
    }

    /// [`FullyConnected::forward_with`] written into `y`. On AVX-512 VNNI each group of sixteen
    /// sums goes through the output stage while in a register; elsewhere 128 outputs at a time,
    /// a block's sums then its output stage, so that at most 128 int32 sums (512 bytes) are on
    /// the stack whatever `OUT` is.
    pub fn forward_into_with(&self, x: &[i8; IN], kernel: Kernel, y: &mut [i8; OUT]) {
        let (start, offset) = self.start(kernel);
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if kernel.rows_staged_into(
            &self.weight.0,
            x,
            (start, offset),
            &self.stage,
            &self.real,
            y,
        ) {
            return;
        }
        let vector = self.stage.vector(kernel);
        if OUT <= ROWS {
            // One block: the sums built where they stay (not returned by value, which copied
            // them), from the bias (not a copy of it).
            let mut acc = [const { MaybeUninit::uninit() }; OUT];
            let acc = kernel.rows_into(&self.weight.0, x, offset, start, &mut acc);
            self.stage.finish_block_into(0, acc, vector, y);
            return;
        }
        let mut acc = [const { MaybeUninit::uninit() }; ROWS];
        let blocks = self.weight.0.chunks(ROWS).zip(start.chunks(ROWS));
        for (k, ((weight, bias), y)) in blocks.zip(y.chunks_mut(ROWS)).enumerate() {
            let acc = kernel.rows_into(weight, x, offset, bias, &mut acc[..bias.len()]);
            self.stage.finish_block_into(k * ROWS, acc, vector, y);
        }
    }

    /// Multiply-adds of one forward pass: `IN · OUT`.
    pub const MULTIPLY_ADDS: usize = IN * OUT;
}

/// `bias[o] − (128 + zero_point) · Σ_i weight[o][i]` for every row, wrapping.
#[cfg(target_arch = "x86_64")]
const fn unsigned_bias<const IN: usize, const OUT: usize>(
    weight: &[[i8; IN]; OUT],
    bias: &[i32; OUT],
    zero_point: i8,
) -> [i32; OUT] {
    let k = 128 + zero_point as i32;
    let mut out = *bias;
    let mut o = 0;
    while o < OUT {
        let (row, mut sum, mut i) = (&weight[o], 0i32, 0);
        while i < IN {
            sum = sum.wrapping_add(row[i] as i32);
            i += 1;
        }
        out[o] = bias[o].wrapping_sub(k.wrapping_mul(sum));
        o += 1;
    }
    out
}

impl<const IN: usize, const OUT: usize> QuantLayer<[i8; IN], [i8; OUT]>
    for FullyConnected<IN, OUT>
{
    #[inline]
    fn forward(&self, x: &[i8; IN]) -> [i8; OUT] {
        FullyConnected::forward(self, x)
    }

    #[inline]
    fn forward_into(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        FullyConnected::forward_into(self, x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::{Activation, QuantParams, Rounding};

    /// Built at compile time, multipliers included.
    const BAKED: FullyConnected<2, 1> = FullyConnected::new(
        [[3, -1]],
        [4],
        OutputStage::per_channel(
            QuantParams::new(0.5, 1),
            [0.1],
            QuantParams::new(0.02, -3),
            Activation::Relu6,
            Rounding::Double,
        ),
    );

    #[test]
    fn layers_are_const_constructible() {
        let m = crate::quant::Multiplier::from_real(0.5f32 as f64 * 0.1f32 as f64 / 0.02f32 as f64);
        assert_eq!(BAKED.stage.multiplier, [m]);
        assert_eq!(BAKED.stage.clamp, [-3, 127]);
        // acc = 3·(5 − 1) − (2 − 1) + 4 = 15; · 2.5 = 37.5 → 38 (ties away), − 3.
        assert_eq!(BAKED.forward(&[5, 2]), [35]);
    }

    #[test]
    fn a_small_layer_by_hand() {
        // Input scale 0.5 with zero point 2, weight scale 0.25, output scale 0.125 zero point -1:
        // factor 1, so y = bias + Σ w (x − 2), then −1.
        let input = QuantParams::new(0.5, 2);
        let output = QuantParams::new(0.125, -1);
        let stage =
            OutputStage::per_tensor(input, 0.25, output, Activation::None, Rounding::Double);
        let layer = FullyConnected::new([[1, -2, 3], [0, 0, 0]], [10, -7], stage);
        let x = [2, 5, -1];
        // Row 0: 1·0 − 2·3 + 3·(−3) = −15, + 10 = −5.
        assert_eq!(layer.accumulate(&x), [-5, -7]);
        assert_eq!(layer.forward(&x), [-6, -8]);
        let relu = FullyConnected::new(
            *layer.weight(),
            *layer.bias(),
            OutputStage::per_tensor(input, 0.25, output, Activation::Relu, Rounding::Double),
        );
        assert_eq!(relu.forward(&x), [-1, -1]);
    }

    #[test]
    fn every_rounding_reaches_the_real_result_off_ties() {
        let input = QuantParams::new(0.02, -5);
        let output = QuantParams::new(0.3, 4);
        let w = [[17, -90, 127, 4], [-127, 3, 55, -60]];
        let x = [-128, 0, 77, 127];
        let scales = [0.011, 0.0043];
        for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
            let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
            let layer = FullyConnected::new(w, [300, -2000], stage);
            let acc = layer.accumulate(&x);
            let y = layer.forward(&x);
            for o in 0..2 {
                let real = acc[o] as f64 * 0.02 * scales[o] as f64 / 0.3;
                let want = (real.round() as i32 + 4).clamp(-128, 127);
                assert_eq!(y[o] as i32, want, "{rounding:?} output {o}: {real}");
            }
        }
    }

    /// Wider than a block (two whole blocks and part of a third), with a scale a channel: every
    /// kernel and rounding gives each output its own channel's stage of the portable sum.
    #[test]
    fn wide_layers_run_a_block_of_outputs_at_a_time() {
        use crate::quant::Kernel;
        const IN: usize = 37;
        const OUT: usize = 2 * ROWS + 44;
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8 as i8
        };
        let weight: [[i8; IN]; OUT] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
        let x: [i8; IN] = core::array::from_fn(|_| next());
        let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 150) * 37);
        let scales: [f32; OUT] = core::array::from_fn(|o| 0.0005 + 0.0001 * (o % 97) as f32);
        let (input, output) = (QuantParams::new(0.04, -9), QuantParams::new(0.2, 5));
        for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
            let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
            let layer = FullyConnected::new(weight, bias, stage);
            let acc = layer.accumulate_with(&x, Kernel::Portable);
            let want: [i8; OUT] = core::array::from_fn(|o| stage.finish(o, acc[o]));
            assert!(want.iter().any(|&y| y != want[0]), "outputs that differ");
            for kernel in crate::quant::kernel::KERNELS {
                assert_eq!(layer.accumulate_with(&x, kernel), acc, "{kernel:?}");
                let y = layer.forward_with(&x, kernel);
                assert_eq!(y, want, "{kernel:?} {rounding:?}");
            }
        }
    }

    /// Each output's sum in `i64` from the parts as given: `bias + Σ w · (x − zx)`, wrapped.
    fn reference<const IN: usize, const OUT: usize>(
        layer: &FullyConnected<IN, OUT>,
        x: &[i8; IN],
    ) -> [i32; OUT] {
        let zx = layer.stage().input.zero_point as i64;
        core::array::from_fn(|o| {
            let dot: i64 = (layer.weight()[o].iter().zip(x))
                .map(|(&w, &x)| w as i64 * (x as i64 - zx))
                .sum();
            (layer.bias()[o] as i64 + dot) as i32
        })
    }

    /// A layer built with `new` (the VNNI kernels' bias derived from its weights, bias and
    /// input zero point, rows' sums large and small, every input zero point's correction
    /// among them) sums as the reference does with every kernel, through `accumulate` and
    /// `forward`; rebuilt from its parts with another zero point, again.
    #[test]
    fn the_derived_bias_sums_as_the_reference_with_every_kernel() {
        use crate::quant::kernel::KERNELS;
        const IN: usize = 70;
        const OUT: usize = 19;
        let mut seed = 11u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8 as i8
        };
        // Row 0 all 127, row 1 all −128: the largest sums of weights either way.
        let weight: [[i8; IN]; OUT] = core::array::from_fn(|o| match o {
            0 => [127; IN],
            1 => [-128; IN],
            _ => core::array::from_fn(|_| next()),
        });
        let x: [i8; IN] = core::array::from_fn(|_| next());
        let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 9) * 1013);
        let output = QuantParams::new(0.5, 3);
        for zero_point in [-128, -127, -5, 0, 77, 127] {
            let input = QuantParams::new(0.01, zero_point);
            let stage =
                OutputStage::per_tensor(input, 0.01, output, Activation::None, Rounding::Double);
            let layer = FullyConnected::new(weight, bias, stage);
            let want = reference(&layer, &x);
            let y: [i8; OUT] = core::array::from_fn(|o| stage.finish(o, want[o]));
            for kernel in KERNELS {
                assert_eq!(
                    layer.accumulate_with(&x, kernel),
                    want,
                    "{kernel:?} {zero_point}"
                );
                assert_eq!(layer.forward_with(&x, kernel), y, "{kernel:?} {zero_point}");
            }
            let (w, b, mut s) = layer.clone().into_parts();
            assert_eq!((w, b, s), (weight, bias, stage));
            s.input = QuantParams::new(0.01, zero_point.wrapping_add(1));
            let rebuilt = FullyConnected::new(w, b, s);
            let want = reference(&rebuilt, &x);
            for kernel in KERNELS {
                assert_eq!(
                    rebuilt.accumulate_with(&x, kernel),
                    want,
                    "{kernel:?} rebuilt"
                );
            }
        }
    }

    /// The test above sees the derived bias: one changed by 1 changes the VNNI kernels' sums
    /// (on every x86-64 CPU: without VNNI the portable loop runs on the same terms).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_wrong_derived_bias_shows() {
        let input = QuantParams::new(0.01, 9);
        let stage = OutputStage::per_tensor(input, 0.01, input, Activation::None, Rounding::Double);
        let layer = FullyConnected::new([[5, -7, 3], [1, 2, 3]], [100, -100], stage);
        let x = [4, -3, 120];
        let mut broken = layer.clone();
        broken.unsigned_bias[1] = broken.unsigned_bias[1].wrapping_add(1);
        for kernel in [Kernel::AvxVnni, Kernel::Avx512Vnni] {
            let good = layer.accumulate_with(&x, kernel);
            assert_eq!(good, reference(&layer, &x), "{kernel:?}");
            let bad = broken.accumulate_with(&x, kernel);
            assert_eq!(bad, [good[0], good[1].wrapping_add(1)], "{kernel:?}");
        }
        assert_eq!(
            broken.accumulate_with(&x, Kernel::Portable),
            reference(&layer, &x)
        );
    }
}

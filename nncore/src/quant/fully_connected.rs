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
mod tests;

//! `MAX_POOL_2D` and `AVERAGE_POOL_2D` on int8 in NHWC (`reference_integer_ops::MaxPool` and
//! `AveragePool`). The output has the input's scale and zero point, so no rescale is needed.

use super::QuantLayer;
use super::conv::{Padding, Window, check_steps};
use super::params::{Activation, QuantParams, clamp_i8};

/// The settings both pooling layers share.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool2d {
    /// `[rows, columns]` of the window.
    pub filter: [usize; 2],
    /// `[rows, columns]` between one window and the next.
    pub stride: [usize; 2],
    /// `SAME`, `VALID` or explicit; padded positions are left out of a window.
    pub padding: Padding,
    /// `[min, max]` of the output after the fused activation.
    pub clamp: [i8; 2],
    /// The quantization of the input and the output.
    pub quant: QuantParams,
}

impl Pool2d {
    /// A pooling of `filter` windows moved by `stride`, with a fused `activation` on a tensor
    /// quantized by `quant` (input and output alike).
    ///
    /// # Panics
    /// If a stride is 0; in a `const`, at compile time.
    #[must_use]
    pub const fn new(
        filter: [usize; 2],
        stride: [usize; 2],
        padding: Padding,
        activation: Activation,
        quant: QuantParams,
    ) -> Self {
        check_steps(stride, [1, 1]);
        Pool2d {
            filter,
            stride,
            padding,
            clamp: activation.range(quant),
            quant,
        }
    }

    /// `[HO, WO]` for an `H × W` input.
    #[must_use]
    pub const fn output_size(&self, input: [usize; 2]) -> [usize; 2] {
        let (p, f, s) = (self.padding, self.filter, self.stride);
        [
            p.output_size(0, input[0], f[0], s[0], 1),
            p.output_size(1, input[1], f[1], s[1], 1),
        ]
    }

    /// Folds every channel of each output position's window, position by position (the
    /// positions inside the input, in order), from `init` with `step`; `finish` gets each
    /// channel's fold and the number of positions and returns the output before the clamp.
    /// Compiled for AVX2 too, where the CPU has it: the channels' folds in its lanes.
    #[inline]
    fn run<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
        init: i32,
        step: impl Fn(i32, i8) -> i32,
        finish: impl Fn(i32, i32) -> i32,
    ) -> [[[i8; C]; WO]; HO] {
        #[cfg(target_arch = "x86_64")]
        if super::kernel::avx2_available() {
            // SAFETY: the CPU runs AVX2, checked above.
            return unsafe { self.run_avx2(x, init, step, finish) };
        }
        self.body(x, init, step, finish)
    }

    /// [`Pool2d::body`] compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must run AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        init: i32,
        step: impl Fn(i32, i8) -> i32,
        finish: impl Fn(i32, i32) -> i32,
    ) -> [[[i8; C]; WO]; HO] {
        self.body(x, init, step, finish)
    }

    /// [`Pool2d::run`]'s loops.
    #[inline(always)]
    fn body<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
        init: i32,
        step: impl Fn(i32, i8) -> i32,
        finish: impl Fn(i32, i32) -> i32,
    ) -> [[[i8; C]; WO]; HO] {
        debug_assert_eq!(self.output_size([H, W]), [HO, WO], "output size");
        let window = Window::new(
            self.padding,
            [H, W],
            self.filter,
            self.stride,
            [1, 1],
            [HO, WO],
        );
        let mut y = [[[0i8; C]; WO]; HO];
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                let (mut acc, mut count) = ([init; C], 0);
                for r in (0..self.filter[0]).filter_map(|kh| window.tap(0, i, kh, H)) {
                    for col in (0..self.filter[1]).filter_map(|kw| window.tap(1, j, kw, W)) {
                        for (a, &v) in acc.iter_mut().zip(&x[r][col]) {
                            *a = step(*a, v);
                        }
                        count += 1;
                    }
                }
                for (out, a) in pixel.iter_mut().zip(acc) {
                    *out = clamp_i8(finish(a, count), self.clamp);
                }
            }
        }
        y
    }
}

/// Max pooling over NHWC images: TensorFlow Lite's `MAX_POOL_2D` on int8.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxPool2d(pub Pool2d);

impl MaxPool2d {
    /// The largest input of each window, clamped (an empty window gives -128 before the clamp).
    ///
    /// `HO` and `WO` must be [`Pool2d::output_size`] of `[H, W]` (checked in debug builds).
    #[must_use]
    pub fn forward<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
    ) -> [[[i8; C]; WO]; HO] {
        let max = |m: i32, v: i8| m.max(v as i32);
        self.0.run(x, i8::MIN as i32, max, |m, _| m)
    }
}

/// Average pooling over NHWC images: TensorFlow Lite's `AVERAGE_POOL_2D` on int8.
///
/// The mean is of the positions inside the input only, rounded half away from zero in integers:
/// `(sum ± count / 2) / count` with C's truncating division.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AvgPool2d(pub Pool2d);

impl AvgPool2d {
    /// The rounded mean of each window, clamped (an empty window, which TensorFlow Lite refuses,
    /// gives 0 before the clamp).
    ///
    /// `HO` and `WO` must be [`Pool2d::output_size`] of `[H, W]` (checked in debug builds).
    #[must_use]
    pub fn forward<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
    ) -> [[[i8; C]; WO]; HO] {
        self.0.run(x, 0, |s, v| s + v as i32, rounded_mean)
    }
}

/// `sum / count` rounded half away from zero as TensorFlow Lite's `AveragePool` does; 0 for no
/// values.
#[inline]
const fn rounded_mean(sum: i32, count: i32) -> i32 {
    if count == 0 {
        0
    } else if sum > 0 {
        (sum + count / 2) / count
    } else {
        (sum - count / 2) / count
    }
}

macro_rules! pool_layer {
    ($ty:ident) => {
        impl<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>
            QuantLayer<[[[i8; C]; W]; H], [[[i8; C]; WO]; HO]> for $ty
        {
            #[inline]
            fn forward(&self, x: &[[[i8; C]; W]; H]) -> [[[i8; C]; WO]; HO] {
                $ty::forward(self, x)
            }
        }

        /// A sequence `[[i8; C]; L]` pooled as an image of one row (PyTorch's 1-D pooling).
        impl<const C: usize, const L: usize, const LO: usize>
            QuantLayer<[[i8; C]; L], [[i8; C]; LO]> for $ty
        {
            #[inline]
            fn forward(&self, x: &[[i8; C]; L]) -> [[i8; C]; LO] {
                let [y]: [[[i8; C]; LO]; 1] = $ty::forward(self, &[*x]);
                y
            }
        }
    };
}
pool_layer!(MaxPool2d);
pool_layer!(AvgPool2d);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_round_half_away_from_zero() {
        assert_eq!(rounded_mean(5, 2), 3);
        assert_eq!(rounded_mean(-5, 2), -3);
        assert_eq!(rounded_mean(4, 3), 1);
        assert_eq!(rounded_mean(5, 3), 2);
        assert_eq!(rounded_mean(-4, 3), -1);
        assert_eq!(rounded_mean(-5, 3), -2);
        assert_eq!(rounded_mean(0, 4), 0);
        assert_eq!(rounded_mean(7, 0), 0);
    }
}

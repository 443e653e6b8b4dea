//! Pooling: PyTorch's `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d`, `AdaptiveAvgPool1d` and
//! `AdaptiveAvgPool2d`.
//!
//! Every channel is pooled on its own. A 1-D pool is the 2-D one over a plane of one row, as
//! PyTorch computes it, so the kernels here take one channel's plane (row-major) and the
//! windows along its rows and columns; a kind of pool says what one window gives
//! ([`PlanePool`]), and `pool_layers!` writes its `Layer` impls for samples of rank 2 or 3.
//!
//! None of them has parameters, and their cost depends on the input size, so their
//! `Module::MULTIPLY_ADDS` is 0.

use core::fmt;
use core::ops::Range;

pub(crate) mod adaptive_avg_pool;
pub(crate) mod avg_pool;
pub(crate) mod max_pool;
mod planes;

/// How one dimension is cut into windows.
pub(crate) trait Bins: Copy {
    /// The input positions that output `o` pools, for an input of length `len`, clipped to the
    /// input (padding is left out).
    fn bin(self, o: usize, len: usize) -> Range<usize>;

    /// The output length PyTorch gives an input of length `len`; `None` where it refuses it.
    fn out_len(self, len: usize) -> Option<usize>;
}

/// A sliding window: `kernel` positions every `stride`, over the input padded by `padding` on
/// both sides (dilation 1, `ceil_mode=False`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Window {
    /// The rows of a 1-D pool: a plane of one row, pooled one row at a time.
    pub const UNIT: Self = Window {
        kernel: 1,
        stride: 1,
        padding: 0,
    };

    /// The outputs, of the `out` an input of length `len` gives, whose windows lie inside the
    /// input, unclipped: output `o` pools `o * stride - padding ..` `+ kernel`.
    pub fn inside(self, len: usize, out: usize) -> Range<usize> {
        let first = self.padding.div_ceil(self.stride);
        let end = (len + self.padding)
            .checked_sub(self.kernel)
            .map_or(0, |span| (span / self.stride + 1).min(out));
        first.min(end)..end
    }
}

impl Bins for Window {
    #[inline]
    fn bin(self, o: usize, len: usize) -> Range<usize> {
        // In padded coordinates the window is `[start, start + kernel)` and the input
        // `[padding, padding + len)`; their intersection, shifted back.
        let start = o * self.stride;
        let (first, end) = (self.padding, self.padding + len);
        let lo = start.clamp(first, end) - first;
        let hi = (start + self.kernel).clamp(first, end) - first;
        lo..hi
    }

    /// `(len + 2 * padding - kernel) / stride + 1`.
    fn out_len(self, len: usize) -> Option<usize> {
        let span = (len + 2 * self.padding).checked_sub(self.kernel)?;
        Some(span.checked_div(self.stride)? + 1)
    }
}

/// Adaptive bins into `out` outputs: output `i` of an input of length `len` pools
/// `floor(i * len / out) .. ceil((i + 1) * len / out)`, PyTorch's `start_index`/`end_index`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adaptive(pub usize);

impl Bins for Adaptive {
    #[inline]
    fn bin(self, i: usize, len: usize) -> Range<usize> {
        (i * len / self.0)..((i + 1) * len).div_ceil(self.0)
    }

    fn out_len(self, _len: usize) -> Option<usize> {
        Some(self.0)
    }
}

/// A kind of pool, as it acts on one channel's plane (row-major).
pub(crate) trait PlanePool {
    /// How each dimension is cut into windows.
    type Axis: Bins;

    /// The windows along rows, then along columns.
    fn axes(&self) -> [Self::Axis; 2];

    /// Pools the `input`-shaped plane `x` into the `output`-shaped plane `y`.
    fn forward_plane(&self, x: &[f32], input: [usize; 2], y: &mut [f32], output: [usize; 2]);

    /// Writes into `dx` (whatever it held) the input gradient of the plane `x`, whose output has
    /// gradient `dy`.
    fn backward_plane(
        &self,
        x: &[f32],
        input: [usize; 2],
        dy: &[f32],
        output: [usize; 2],
        dx: &mut [f32],
    );
}

/// Checks that `output` is the shape PyTorch gives an `input`-shaped plane: a hand-built pool of
/// inconsistent sizes stops with this message rather than compute garbage.
#[inline]
fn check_shapes<P: PlanePool>(pool: &P, input: [usize; 2], output: [usize; 2]) {
    let axes = pool.axes();
    assert!(
        axes[0].out_len(input[0]) == Some(output[0])
            && axes[1].out_len(input[1]) == Some(output[1]),
        "a pool's output shape is not the one PyTorch gives its input"
    );
}

/// Pools every plane of `x`, `input`-shaped one after the other, into the `output`-shaped
/// planes of `y` (as many).
#[inline]
pub(crate) fn forward_planes<P: PlanePool>(
    pool: &P,
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
) {
    check_shapes(pool, input, output);
    let (len, out_len) = (input[0] * input[1], output[0] * output[1]);
    for (p, y) in y.chunks_exact_mut(out_len.max(1)).enumerate() {
        pool.forward_plane(&x[p * len..][..len], input, y, output);
    }
}

/// The input gradients `dx` of every plane of `x`, from the output gradients `dy`, laid out as
/// in [`forward_planes`].
#[inline]
pub(crate) fn backward_planes<P: PlanePool>(
    pool: &P,
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
) {
    check_shapes(pool, input, output);
    let (len, out_len) = (input[0] * input[1], output[0] * output[1]);
    for (p, dx) in dx.chunks_exact_mut(len.max(1)).enumerate() {
        let dy = &dy[p * out_len..][..out_len];
        pool.backward_plane(&x[p * len..][..len], input, dy, output, dx);
    }
}

/// Writes `Layer` for a [`PlanePool`]: over `[[f32; L]; C]` for a 1-D pool (planes of one row),
/// over `[[[f32; W]; H]; C]` for a 2-D one. The parameter gradient is nothing; a batch is pooled
/// as one run of planes, straight into the caller's slices.
macro_rules! pool_layers {
    (1d: $($pool:ty),*) => {$(
        impl<const C: usize, const L: usize, const LO: usize>
            $crate::module::Layer<[[f32; L]; C], [[f32; LO]; C]> for $pool
        {
            $crate::layers::pool::pool_layers!(
                @methods [[f32; L]; C], [[f32; LO]; C], [1, L], [1, LO]
            );
        }
    )*};
    (2d: $($pool:ty),*) => {$(
        impl<
            const C: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
        > $crate::module::Layer<[[[f32; W]; H]; C], [[[f32; WO]; HO]; C]> for $pool
        {
            $crate::layers::pool::pool_layers!(
                @methods [[[f32; W]; H]; C], [[[f32; WO]; HO]; C], [H, W], [HO, WO]
            );
        }
    )*};
    (@methods $x:ty, $y:ty, $input:expr, $output:expr) => {
        #[inline]
        fn forward(&self, x: &$x) -> $y {
            let mut y = <$y as $crate::tensor::Tensor>::ZERO;
            self.forward_batch(core::slice::from_ref(x), core::slice::from_mut(&mut y));
            y
        }

        #[inline]
        fn backward_params(&self, _: &$x, _: &$y, _: &$y, _: &mut Self) {}

        #[inline]
        fn backward_input(&self, x: &$x, y: &$y, dy: &$y) -> $x {
            let mut dx = <$x as $crate::tensor::Tensor>::ZERO;
            self.backward_input_batch(
                core::slice::from_ref(x),
                core::slice::from_ref(y),
                core::slice::from_ref(dy),
                core::slice::from_mut(&mut dx),
            );
            dx
        }

        #[inline]
        fn forward_batch(&self, x: &[$x], y: &mut [$y]) {
            use $crate::tensor::Tensor;
            let y = <$y>::flat_batch_mut(y);
            $crate::layers::pool::forward_planes(self, <$x>::flat_batch(x), $input, y, $output);
        }

        #[inline]
        fn backward_params_batch(&self, _: &[$x], _: &[$y], _: &[$y], _: &mut Self) {}

        #[inline]
        fn backward_input_batch(&self, x: &[$x], _y: &[$y], dy: &[$y], dx: &mut [$x]) {
            use $crate::tensor::Tensor;
            let (x, dy) = (<$x>::flat_batch(x), <$y>::flat_batch(dy));
            let dx = <$x>::flat_batch_mut(dx);
            $crate::layers::pool::backward_planes(self, x, $input, dy, $output, dx);
        }
    };
}
use pool_layers;

/// A 2-D pool's setting as PyTorch prints it when given an int for both dimensions: `2` when
/// both entries are equal, `(2, 3)` otherwise.
pub(crate) struct IntOrPair(pub [usize; 2]);

impl fmt::Display for IntOrPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = self.0;
        if a == b {
            write!(f, "{a}")
        } else {
            write!(f, "({a}, {b})")
        }
    }
}

#[cfg(test)]
mod kernel_tests;

#[cfg(test)]
mod tests {
    use core::ops::Range;

    use super::{Adaptive, Bins, Window};

    /// PyTorch's output lengths and windows, clipped to the input.
    #[test]
    fn windows() {
        let window = Window {
            kernel: 3,
            stride: 2,
            padding: 1,
        };
        assert_eq!(window.out_len(6), Some(3));
        assert_eq!(window.out_len(7), Some(4));
        assert_eq!(window.out_len(1), Some(1));
        assert_eq!(window.out_len(0), None);
        let bins: [Range<usize>; 3] = core::array::from_fn(|o| window.bin(o, 6));
        assert_eq!(bins, [0..2, 1..4, 3..6]);
        let no_padding = Window {
            kernel: 2,
            stride: 3,
            padding: 0,
        };
        assert_eq!(no_padding.out_len(1), None);
        assert_eq!(no_padding.out_len(8), Some(3));
        assert_eq!(Window::UNIT.out_len(1), Some(1));
    }

    /// The windows inside the input are those `bin` leaves whole.
    #[test]
    fn inside() {
        for (len, kernel, stride, padding) in (1..12).flat_map(|len| {
            (1..5).flat_map(move |k| {
                (1..4).flat_map(move |s| (0..=k / 2).map(move |p| (len, k, s, p)))
            })
        }) {
            let window = Window {
                kernel,
                stride,
                padding,
            };
            let Some(out) = window.out_len(len) else {
                continue;
            };
            let inside = window.inside(len, out);
            for o in 0..out {
                let whole = window.bin(o, len).len() == kernel
                    && window.bin(o, len).start + padding == o * stride;
                assert_eq!(
                    inside.contains(&o),
                    whole,
                    "{window:?} on {len}: output {o}"
                );
            }
        }
    }

    /// `floor(i * len / out) .. ceil((i + 1) * len / out)`: overlapping where `out` does not
    /// divide `len`, and more outputs than inputs repeat them.
    #[test]
    fn adaptive_bins() {
        let bins: [Range<usize>; 4] = core::array::from_fn(|i| Adaptive(4).bin(i, 10));
        assert_eq!(bins, [0..3, 2..5, 5..8, 7..10]);
        let bins: [Range<usize>; 3] = core::array::from_fn(|i| Adaptive(3).bin(i, 2));
        assert_eq!(bins, [0..1, 0..2, 1..2]);
        assert_eq!(Adaptive(1).bin(0, 7), 0..7);
    }

    /// An output shape other than PyTorch's is caught in debug builds.
    #[test]
    #[should_panic(expected = "a pool's output shape is not the one PyTorch gives its input")]
    fn wrong_output_shape() {
        use crate::layers::pool::max_pool::MaxPool1d;
        use crate::module::Layer;
        let _: [[f32; 3]; 1] = MaxPool1d::new(2, 2, 0).forward(&[[0.0; 4]]);
    }
}

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

mod adaptive_avg_pool;
mod avg_pool;
mod max_pool;

pub use adaptive_avg_pool::{AdaptiveAvgPool1d, AdaptiveAvgPool2d};
pub use avg_pool::{AvgPool1d, AvgPool2d};
pub use max_pool::{MaxPool1d, MaxPool2d};

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

/// One window of a channel's plane, `width` wide: the input rows and columns it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub width: usize,
    pub rows: Range<usize>,
    pub cols: Range<usize>,
}

impl Rect {
    /// The window's positions in the plane, one range a row, top to bottom.
    #[inline]
    pub fn spans(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let (width, cols) = (self.width, &self.cols);
        self.rows
            .clone()
            .map(move |r| r * width + cols.start..r * width + cols.end)
    }

    /// The sum of the window, row by row, left to right (PyTorch's order on a contiguous CPU
    /// tensor).
    #[inline]
    pub fn sum(&self, plane: &[f32]) -> f32 {
        let mut sum = 0.0;
        for span in self.spans() {
            for &v in &plane[span] {
                sum += v;
            }
        }
        sum
    }

    /// Adds `value` to every position of the window.
    #[inline]
    pub fn add(&self, plane: &mut [f32], value: f32) {
        for span in self.spans() {
            for v in &mut plane[span] {
                *v += value;
            }
        }
    }
}

/// A kind of pool, as it acts on one window of one channel's plane.
pub(crate) trait PlanePool {
    /// How each dimension is cut into windows.
    type Axis: Bins;

    /// The windows along rows, then along columns.
    fn axes(&self) -> [Self::Axis; 2];

    /// The output of `window` of `plane`.
    fn pool(&self, plane: &[f32], window: &Rect) -> f32;

    /// Adds into `dx` the input gradient of `window` of `plane`, whose output has gradient `dy`.
    fn unpool(&self, plane: &[f32], window: &Rect, dy: f32, dx: &mut [f32]);
}

/// Calls `f(o, window)` for every output position `o` of an `output`-shaped plane (row-major),
/// with the window of the `input`-shaped plane it pools.
#[inline]
fn for_each_window<B: Bins>(
    axes: [B; 2],
    input: [usize; 2],
    output: [usize; 2],
    mut f: impl FnMut(usize, &Rect),
) {
    debug_assert!(
        axes[0].out_len(input[0]) == Some(output[0])
            && axes[1].out_len(input[1]) == Some(output[1]),
        "a pool's output shape is not the one PyTorch gives its input"
    );
    for oh in 0..output[0] {
        let rows = axes[0].bin(oh, input[0]);
        for ow in 0..output[1] {
            let window = Rect {
                width: input[1],
                rows: rows.clone(),
                cols: axes[1].bin(ow, input[1]),
            };
            f(oh * output[1] + ow, &window);
        }
    }
}

/// Pools one channel: the `input`-shaped plane `x` into the `output`-shaped plane `y`.
#[inline]
pub(crate) fn forward_plane<P: PlanePool>(
    pool: &P,
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
) {
    for_each_window(pool.axes(), input, output, |o, window| {
        y[o] = pool.pool(x, window);
    });
}

/// One channel's input gradient `dx` (zero on entry), from its input `x` and output gradient `dy`.
#[inline]
pub(crate) fn backward_plane<P: PlanePool>(
    pool: &P,
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
) {
    for_each_window(pool.axes(), input, output, |o, window| {
        pool.unpool(x, window, dy[o], dx);
    });
}

/// Writes `Layer` for a [`PlanePool`]: over `[[f32; L]; C]` for a 1-D pool, over
/// `[[[f32; W]; H]; C]` for a 2-D one. The parameter gradient is nothing; the batch forms are
/// the per-sample loops.
macro_rules! pool_layers {
    (1d: $($pool:ty),*) => {$(
        impl<const C: usize, const L: usize, const LO: usize>
            $crate::Layer<[[f32; L]; C], [[f32; LO]; C]> for $pool
        {
            #[inline]
            fn forward(&self, x: &[[f32; L]; C]) -> [[f32; LO]; C] {
                let mut y = [[0.0; LO]; C];
                for (x, y) in x.iter().zip(&mut y) {
                    $crate::pool::forward_plane(self, x, [1, L], y, [1, LO]);
                }
                y
            }

            #[inline]
            fn backward_params(
                &self,
                _: &[[f32; L]; C],
                _: &[[f32; LO]; C],
                _: &[[f32; LO]; C],
                _: &mut Self,
            ) {
            }

            #[inline]
            fn backward_input(
                &self,
                x: &[[f32; L]; C],
                _y: &[[f32; LO]; C],
                dy: &[[f32; LO]; C],
            ) -> [[f32; L]; C] {
                let mut dx = [[0.0; L]; C];
                for ((x, dy), dx) in x.iter().zip(dy).zip(&mut dx) {
                    $crate::pool::backward_plane(self, x, [1, L], dy, [1, LO], dx);
                }
                dx
            }
        }
    )*};
    (2d: $($pool:ty),*) => {$(
        impl<
            const C: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
        > $crate::Layer<[[[f32; W]; H]; C], [[[f32; WO]; HO]; C]> for $pool
        {
            #[inline]
            fn forward(&self, x: &[[[f32; W]; H]; C]) -> [[[f32; WO]; HO]; C] {
                let mut y = [[[0.0; WO]; HO]; C];
                for (x, y) in x.iter().zip(&mut y) {
                    $crate::pool::forward_plane(
                        self,
                        x.as_flattened(),
                        [H, W],
                        y.as_flattened_mut(),
                        [HO, WO],
                    );
                }
                y
            }

            #[inline]
            fn backward_params(
                &self,
                _: &[[[f32; W]; H]; C],
                _: &[[[f32; WO]; HO]; C],
                _: &[[[f32; WO]; HO]; C],
                _: &mut Self,
            ) {
            }

            #[inline]
            fn backward_input(
                &self,
                x: &[[[f32; W]; H]; C],
                _y: &[[[f32; WO]; HO]; C],
                dy: &[[[f32; WO]; HO]; C],
            ) -> [[[f32; W]; H]; C] {
                let mut dx = [[[0.0; W]; H]; C];
                for ((x, dy), dx) in x.iter().zip(dy).zip(&mut dx) {
                    $crate::pool::backward_plane(
                        self,
                        x.as_flattened(),
                        [H, W],
                        dy.as_flattened(),
                        [HO, WO],
                        dx.as_flattened_mut(),
                    );
                }
                dx
            }
        }
    )*};
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

/// Checks shared by the tests of the pools and `Flatten`.
#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use core::ops::Range;

    use super::{Adaptive, Bins, Window};
    use crate::{Layer, MaxPool1d};

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
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a pool's output shape is not the one PyTorch gives its input")]
    fn wrong_output_shape() {
        let _: [[f32; 3]; 1] = MaxPool1d::new(2, 2, 0).forward(&[[0.0; 4]]);
    }
}

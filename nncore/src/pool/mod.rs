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

/// A kind of pool, as it acts on one window of one channel's plane.
pub(crate) trait PlanePool {
    /// How each dimension is cut into windows.
    type Axis: Bins;

    /// The windows along rows, then along columns.
    fn axes(&self) -> [Self::Axis; 2];

    /// The output of the window `rows × cols` of `plane`, a plane `width` wide.
    fn pool(&self, plane: &[f32], width: usize, rows: Range<usize>, cols: Range<usize>) -> f32;

    /// Adds into `dx` the input gradient of the window `rows × cols`, whose output has
    /// gradient `dy`.
    #[allow(clippy::too_many_arguments)]
    fn unpool(
        &self,
        plane: &[f32],
        width: usize,
        rows: Range<usize>,
        cols: Range<usize>,
        dy: f32,
        dx: &mut [f32],
    );
}

/// Calls `f(o, rows, cols)` for every output position `o` of an `output`-shaped plane
/// (row-major), with the input rows and columns its window covers.
#[inline]
fn for_each_window<B: Bins>(
    axes: [B; 2],
    input: [usize; 2],
    output: [usize; 2],
    mut f: impl FnMut(usize, Range<usize>, Range<usize>),
) {
    debug_assert!(
        axes[0].out_len(input[0]) == Some(output[0])
            && axes[1].out_len(input[1]) == Some(output[1]),
        "a pool's output shape is not the one PyTorch gives its input"
    );
    for oh in 0..output[0] {
        let rows = axes[0].bin(oh, input[0]);
        for ow in 0..output[1] {
            f(oh * output[1] + ow, rows.clone(), axes[1].bin(ow, input[1]));
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
    for_each_window(pool.axes(), input, output, |o, rows, cols| {
        y[o] = pool.pool(x, input[1], rows, cols);
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
    for_each_window(pool.axes(), input, output, |o, rows, cols| {
        pool.unpool(x, input[1], rows, cols, dy[o], dx);
    });
}

/// The sum of a window, row by row, left to right (PyTorch's order on a contiguous CPU tensor).
#[inline]
pub(crate) fn window_sum(
    plane: &[f32],
    width: usize,
    rows: Range<usize>,
    cols: Range<usize>,
) -> f32 {
    let mut sum = 0.0;
    for r in rows {
        for &v in &plane[r * width + cols.start..r * width + cols.end] {
            sum += v;
        }
    }
    sum
}

/// Adds `value` to every position of a window.
#[inline]
pub(crate) fn window_add(
    plane: &mut [f32],
    width: usize,
    rows: Range<usize>,
    cols: Range<usize>,
    value: f32,
) {
    for r in rows {
        for v in &mut plane[r * width + cols.start..r * width + cols.end] {
            *v += value;
        }
    }
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

/// Checks every pool against finite differences and its batch forms against the per-sample
/// ones.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{Layer, Module, Tensor};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// `Σ dy · f(x)` in f64.
    fn loss<X: Tensor, Y: Tensor, P: Layer<X, Y>>(layer: &P, x: &X, dy: &Y) -> f64 {
        let y = layer.forward(x);
        y.flat()
            .iter()
            .zip(dy.flat())
            .map(|(&y, &d)| f64::from(y) * f64::from(d))
            .sum()
    }

    /// Compares `backward_input` with central differences of `Σ dy · f(x)`, and checks that
    /// `backward_params` adds nothing (there are no parameters). `x` must keep every window's
    /// maximum more than `h = 1e-2` above the rest.
    pub(crate) fn check_gradients<X: Tensor, Y: Tensor, P: Layer<X, Y> + PartialEq + Clone>(
        layer: &P,
        x: &X,
        dy: &Y,
    ) {
        assert_eq!(P::NUM_PARAMS, 0);
        assert_eq!(layer.parameters().count(), 0);
        let y = layer.forward(x);
        let dx = layer.backward_input(x, &y, dy);
        let mut grads = layer.clone();
        layer.backward_params(x, &y, dy, &mut grads);
        assert!(grads == *layer, "backward_params changed the layer");
        let h = 1e-2;
        for i in 0..X::LEN {
            let (mut up, mut down) = (*x, *x);
            up.flat_mut()[i] += h;
            down.flat_mut()[i] -= h;
            let numeric = (loss(layer, &up, dy) - loss(layer, &down, dy)) / (2.0 * f64::from(h));
            let analytic = f64::from(dx.flat()[i]);
            assert!(
                (numeric - analytic).abs() <= 1e-3 * (1.0 + numeric.abs()),
                "input {i}: finite difference {numeric}, backward {analytic}"
            );
        }
    }

    /// The batch and training forms give what the per-sample forms give, sample by sample.
    pub(crate) fn check_batch<X: Tensor, Y: Tensor, P: Layer<X, Y> + PartialEq + Clone>(
        layer: &P,
        x: &[X; 3],
        dy: &[Y; 3],
    ) {
        let single: [Y; 3] = core::array::from_fn(|b| layer.forward(&x[b]));
        let mut y = [Y::ZERO; 3];
        layer.forward_batch(x, &mut y);
        assert!(same(&y, &single), "forward_batch");
        assert_eq!(P::train_cache_len(3), 0);
        let mut train = layer.clone();
        let mut y_train = [Y::ZERO; 3];
        train.forward_train(x, &mut y_train, &mut [], &mut StdRng::seed_from_u64(0));
        assert!(same(&y_train, &single), "forward_train");
        assert!(train == *layer, "forward_train changed the layer");

        let dx_single: [X; 3] =
            core::array::from_fn(|b| layer.backward_input(&x[b], &y[b], &dy[b]));
        let mut dx = [X::ZERO; 3];
        layer.backward_input_batch(x, &y, dy, &mut dx);
        assert!(same(&dx, &dx_single), "backward_input_batch");
        let mut dx = [X::ZERO; 3];
        layer.backward_input_train(x, &y, dy, &[], &mut dx);
        assert!(same(&dx, &dx_single), "backward_input_train");

        let mut grads = layer.clone();
        layer.backward_params_batch(x, &y, dy, &mut grads);
        layer.backward_params_train(x, &y, dy, &[], &mut grads);
        assert!(grads == *layer, "the parameter gradients changed the layer");
    }

    /// Whether two batches hold the same bits (a NaN equals itself).
    fn same<T: Tensor>(a: &[T], b: &[T]) -> bool {
        let bits = |batch| T::flat_batch(batch).iter().map(|v: &f32| v.to_bits());
        bits(a).eq(bits(b))
    }
}

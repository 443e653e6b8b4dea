//! `nn.Softmax` and `nn.LogSoftmax` over a sample's features, and the log-softmax kernel that
//! `CrossEntropyLoss` shares.
//!
//! The arithmetic is that of PyTorch's CPU kernels (`_vec_softmax_lastdim`,
//! `_vec_log_softmax_lastdim` and their backward): shifted by the maximum so that nothing
//! overflows, with the same operations in the same order.

use core::fmt;

use crate::math;
use crate::module::Layer;
use crate::module::parameterless_module;

/// `softmax(x)_i = exp(x_i - max) / Σ_j exp(x_j - max)` over a sample's features (PyTorch's
/// `nn.Softmax(dim=1)`).
///
/// Only the feature dimension of a batch of flat samples `[f32; N]` is supported: `dim` is 1 or
/// -1 (both name it for PyTorch's `[batch, N]` input), which [`Softmax::new`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Softmax {
    /// The dimension as given (1 or -1), kept for printing: PyTorch prints what it was given.
    pub dim: i64,
}

/// `log_softmax(x)_i = x_i - max - log Σ_j exp(x_j - max)` over a sample's features (PyTorch's
/// `nn.LogSoftmax(dim=1)`), the usual last layer before [`NLLLoss`](crate::NLLLoss).
///
/// As for [`Softmax`], `dim` is 1 or -1, which [`LogSoftmax::new`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSoftmax {
    /// The dimension as given (1 or -1), kept for printing.
    pub dim: i64,
}

/// Panics unless `dim` names the features of a `[batch, N]` input (at compile time in a `const`).
const fn check_dim(dim: i64) {
    assert!(
        dim == 1 || dim == -1,
        "only dim=1 or dim=-1 (the features of a flat sample) is supported"
    );
}

impl Softmax {
    /// A softmax over dimension `dim`.
    ///
    /// # Panics
    /// Unless `dim` is 1 or -1.
    #[must_use]
    pub const fn new(dim: i64) -> Self {
        check_dim(dim);
        Softmax { dim }
    }

    /// Restores the dimension after the layer was allocated zeroed.
    ///
    /// # Panics
    /// Unless `dim` is 1 or -1.
    #[doc(hidden)]
    pub const fn configure(&mut self, dim: i64) {
        *self = Self::new(dim);
    }
}

impl LogSoftmax {
    /// A log-softmax over dimension `dim`.
    ///
    /// # Panics
    /// Unless `dim` is 1 or -1.
    #[must_use]
    pub const fn new(dim: i64) -> Self {
        check_dim(dim);
        LogSoftmax { dim }
    }

    /// Restores the dimension after the layer was allocated zeroed.
    ///
    /// # Panics
    /// Unless `dim` is 1 or -1.
    #[doc(hidden)]
    pub const fn configure(&mut self, dim: i64) {
        *self = Self::new(dim);
    }
}

/// The largest value (`-inf` for none).
#[inline]
fn max<const N: usize>(x: &[f32; N]) -> f32 {
    x.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// `(x_i - max) - log Σ_j exp(x_j - max)`, rounded as PyTorch's `log_softmax` rounds it: the
/// log of the sum is taken first and subtracted last, so that a confident prediction's value
/// (the log of a sum just above 1) is PyTorch's to the last bit rather than more accurate.
/// Without a finite maximum (a `+inf`, or every value `-inf`) nothing is shifted: the values
/// are `x_i - max`, NaN or `-inf` (PyTorch gives NaN throughout).
#[inline]
pub(crate) fn log_softmax<const N: usize>(x: &[f32; N]) -> [f32; N] {
    let max = max(x);
    let log_sum = if max.is_finite() {
        math::ln(x.iter().map(|&v| math::exp(v - max)).sum::<f32>())
    } else {
        0.0
    };
    let mut y = [0.0; N];
    for (y, &x) in y.iter_mut().zip(x) {
        *y = (x - max) - log_sum;
    }
    y
}

impl<const N: usize> Layer<[f32; N], [f32; N]> for Softmax {
    /// `exp(x_i - max)`, then each multiplied by `1 / Σ`, as PyTorch computes it.
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        let max = max(x);
        let mut y = [0.0; N];
        for (y, &x) in y.iter_mut().zip(x) {
            *y = math::exp(x - max);
        }
        let inv_sum = 1.0 / y.iter().sum::<f32>();
        y.iter_mut().for_each(|y| *y *= inv_sum);
        y
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx_i = (dy_i - Σ_j dy_j y_j) · y_i` (PyTorch's `softmax_backward_data`).
    #[inline]
    fn backward_input(&self, _: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        let dot: f32 = dy.iter().zip(y).map(|(d, y)| d * y).sum();
        let mut dx = [0.0; N];
        for ((dx, &d), &y) in dx.iter_mut().zip(dy).zip(y) {
            *dx = (d - dot) * y;
        }
        dx
    }
}

impl<const N: usize> Layer<[f32; N], [f32; N]> for LogSoftmax {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        log_softmax(x)
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx_i = dy_i - exp(y_i) · Σ_j dy_j` (PyTorch's `log_softmax_backward_data`).
    #[inline]
    fn backward_input(&self, _: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        let sum: f32 = dy.iter().sum();
        let mut dx = [0.0; N];
        for ((dx, &d), &y) in dx.iter_mut().zip(dy).zip(y) {
            *dx = d - math::exp(y) * sum;
        }
        dx
    }
}

parameterless_module!(Softmax, Softmax::new(1));
parameterless_module!(LogSoftmax, LogSoftmax::new(1));

// SAFETY: the one field is an `i64`, for which all-zero bits are 0; the layers never read it
// but to print it, and `configure` sets it after a zeroed allocation.
unsafe impl crate::heap::Zeroable for Softmax {}
// SAFETY: as for `Softmax`.
unsafe impl crate::heap::Zeroable for LogSoftmax {}

impl fmt::Display for Softmax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Softmax(dim={})", self.dim)
    }
}

impl fmt::Display for LogSoftmax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogSoftmax(dim={})", self.dim)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;
    use crate::module::Module;
    use rand::SeedableRng;

    const X: [f32; 4] = [1.0, 2.0, 0.5, -1.0];

    fn close(found: &[f32], expected: &[f64], tolerance: f64) {
        for (i, (&f, &e)) in found.iter().zip(expected).enumerate() {
            assert!(
                (f64::from(f) - e).abs() <= tolerance * (1.0 + e.abs()),
                "[{i}]: found {f}, expected {e}"
            );
        }
    }

    /// `backward_input` against central differences of `Σ dy · forward(x)`, summed in `f64`;
    /// `backward_params` has nothing to add.
    fn check_grads<L: Layer<[f32; 5], [f32; 5]> + Copy + PartialEq + fmt::Debug>(layer: L) {
        let x = [0.3, -1.2, 2.0, 0.7, -0.1];
        let dy = [0.5, -1.1, 0.7, 2.0, -0.4];
        let y = layer.forward(&x);
        let dx = layer.backward_input(&x, &y, &dy);
        let objective = |x: &[f32; 5]| -> f64 {
            let y = layer.forward(x);
            y.iter()
                .zip(&dy)
                .map(|(&y, &d)| f64::from(y) * f64::from(d))
                .sum()
        };
        let h = 1e-2;
        for i in 0..5 {
            let (mut up, mut down) = (x, x);
            up[i] += h;
            down[i] -= h;
            let numeric = (objective(&up) - objective(&down)) / (2.0 * f64::from(h));
            let analytic = f64::from(dx[i]);
            assert!(
                (numeric - analytic).abs() <= 2e-3 + 1e-3 * numeric.abs(),
                "d/dx[{i}]: finite difference {numeric}, backward {analytic}"
            );
        }
        let mut grads = layer;
        layer.backward_params(&x, &y, &dy, &mut grads);
        assert_eq!(grads, layer);
    }

    /// The batch and training forms give each sample's own values.
    fn check_batch<L: Layer<[f32; 4], [f32; 4]>>(mut layer: L) {
        let xs = [X, [0.0; 4], [-3.0, 7.5, 7.5, 0.25]];
        let dys = [
            [0.1, -0.2, 0.3, 0.4],
            [1.0, 0.0, -1.0, 0.5],
            [2.0, -2.0, 0.5, 0.0],
        ];
        let mut ys = [[0.0; 4]; 3];
        layer.forward_batch(&xs, &mut ys);
        let mut dxs = [[0.0; 4]; 3];
        layer.backward_input_batch(&xs, &ys, &dys, &mut dxs);
        for s in 0..3 {
            assert_eq!(ys[s], layer.forward(&xs[s]));
            assert_eq!(dxs[s], layer.backward_input(&xs[s], &ys[s], &dys[s]));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let (mut train_ys, mut train_dxs) = ([[0.0; 4]; 3], [[0.0; 4]; 3]);
        assert_eq!(L::train_cache_len(3), 0);
        layer.forward_train(&xs, &mut train_ys, &mut [], &mut rng);
        layer.backward_train(&xs, &train_ys, &dys, &mut [], None, Some(&mut train_dxs));
        assert_eq!((train_ys, train_dxs), (ys, dxs));
    }

    #[test]
    fn softmax_matches_pytorch() {
        let layer = Softmax::new(1);
        let y = layer.forward(&X);
        let expected = [
            0.22420781804820114,
            0.6094600375988771,
            0.1359889157935055,
            0.030343228559416225,
        ];
        close(&y, &expected, 1e-6);
        assert!((y.iter().sum::<f32>() - 1.0).abs() <= 1e-6);
        check_grads(layer);
        check_batch(layer);
        assert_eq!(layer.to_string(), "Softmax(dim=1)");
        assert_eq!(Softmax::new(-1).to_string(), "Softmax(dim=-1)");
    }

    #[test]
    fn log_softmax_matches_pytorch() {
        let layer = LogSoftmax::new(1);
        let y = layer.forward(&X);
        let expected = [
            -1.495181898085856,
            -0.49518189808585605,
            -1.995181898085856,
            -3.495181898085856,
        ];
        close(&y, &expected, 1e-6);
        check_grads(layer);
        check_batch(layer);
        assert_eq!(layer.to_string(), "LogSoftmax(dim=1)");
        assert_eq!(LogSoftmax::new(-1).to_string(), "LogSoftmax(dim=-1)");
    }

    #[test]
    fn rows_sum_to_one_and_large_logits_stay_finite() {
        let x = [1e4, 0.0, 1e4 - 1.0];
        let p = Softmax::new(1).forward(&x);
        close(&p, &[0.7310585786300049, 0.0, 0.2689414213699951], 1e-6);
        let log_p = LogSoftmax::new(-1).forward(&x);
        close(
            &log_p,
            &[
                -0.31326168751822286,
                -10000.31326168752,
                -1.3132616875182228,
            ],
            1e-6,
        );
        let dy = [1.0, -2.0, 0.5];
        let dx = Softmax::new(1).backward_input(&x, &p, &dy);
        let dlog = LogSoftmax::new(1).backward_input(&x, &log_p, &dy);
        assert!(
            dx.iter()
                .chain(&dlog)
                .chain(&p)
                .chain(&log_p)
                .all(|v| v.is_finite())
        );
        for x in [[-5.0, 3.0, 0.0, 80.0], [-1e4; 4], [30.0, -30.0, 0.1, 0.2]] {
            let sum: f32 = Softmax::new(1).forward(&x).iter().sum();
            assert!((sum - 1.0).abs() <= 1e-6, "softmax({x:?}) sums to {sum}");
        }
    }

    #[test]
    fn parameterless_and_restored_after_zeroing() {
        assert_eq!(Softmax::zeros(), Softmax::new(1));
        assert_eq!(Softmax::new(1).parameters().count(), 0);
        assert_eq!(LogSoftmax::new(1).buffers().count(), 0);
        #[cfg(feature = "alloc")]
        {
            let mut layer = crate::heap::zeroed_box::<LogSoftmax>();
            layer.configure(-1);
            assert_eq!(*layer, LogSoftmax::new(-1));
        }
    }

    #[test]
    #[should_panic(expected = "only dim=1 or dim=-1")]
    fn other_dims_are_refused() {
        let _ = Softmax::new(0);
    }
}

//! `nn.HuberLoss`.

use super::{Loss, Reduction, elementwise_into};
use crate::Error;

/// Squared error near zero, absolute error beyond `delta` (PyTorch's `nn.HuberLoss`):
/// `0.5 d²` for `|d| < delta`, else `delta (|d| - 0.5 delta)`, with `d = pred - target`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HuberLoss {
    /// How the batch's values are combined; the mean by default.
    pub reduction: Reduction,
    delta: f32,
}

impl HuberLoss {
    /// The Huber loss with PyTorch's defaults: mean reduction, `delta = 1.0`.
    #[must_use]
    pub const fn new() -> Self {
        HuberLoss {
            reduction: Reduction::Mean,
            delta: 1.0,
        }
    }

    /// The Huber loss with the given reduction and `delta`.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] unless `delta` is positive, as PyTorch requires.
    pub fn with(reduction: Reduction, delta: f32) -> Result<Self, Error> {
        if delta > 0.0 && delta.is_finite() {
            Ok(HuberLoss { reduction, delta })
        } else {
            Err(Error::Hyperparameter {
                name: "delta",
                value: delta,
                reason: "the Huber loss needs a positive, finite delta",
            })
        }
    }

    /// Where the loss turns from squared to absolute.
    #[must_use]
    pub const fn delta(&self) -> f32 {
        self.delta
    }

    #[inline]
    fn value(&self, d: f32) -> f32 {
        let z = d.abs();
        if z < self.delta {
            0.5 * z * z
        } else {
            self.delta * (z - 0.5 * self.delta)
        }
    }

    /// The unreduced loss (`reduction='none'`), written into `out`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` or `out` has not one row per prediction.
    pub fn elementwise_into<const N: usize>(
        &self,
        preds: &[[f32; N]],
        targets: &[[f32; N]],
        out: &mut [[f32; N]],
    ) -> Result<(), Error> {
        elementwise_into(preds, targets, out, |p, t| self.value(p - t))
    }
}

impl Default for HuberLoss {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Loss<N> for HuberLoss {
    type Target = [f32; N];
    const ELEMENTS_PER_SAMPLE: usize = N;

    fn reduction(&self) -> Reduction {
        self.reduction
    }

    #[inline]
    fn sample_loss(&self, pred: &[f32; N], target: &[f32; N]) -> f32 {
        pred.iter()
            .zip(target)
            .map(|(p, t)| self.value(p - t))
            .sum()
    }

    /// `d` clamped to `[-delta, delta]`, times `scale` (PyTorch's `huber_loss_backward`).
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        let mut dy = [0.0; N];
        for i in 0..N {
            dy[i] = (pred[i] - target[i]).clamp(-self.delta, self.delta) * scale;
        }
        dy
    }
}

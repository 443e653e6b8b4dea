//! `nn.SmoothL1Loss`.

use super::l1::sgn;
use super::{Loss, Reduction, elementwise_into};
use crate::Error;

/// Squared error near zero, absolute error beyond `beta` (PyTorch's `nn.SmoothL1Loss`):
/// `0.5 d² / beta` for `|d| < beta`, else `|d| - 0.5 beta`, with `d = pred - target`.
/// With `beta = 0` it is the L1 loss, as in PyTorch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SmoothL1Loss {
    /// How the batch's values are combined; the mean by default.
    pub reduction: Reduction,
    beta: f32,
}

impl SmoothL1Loss {
    /// The smooth L1 loss with PyTorch's defaults: mean reduction, `beta = 1.0`.
    #[must_use]
    pub const fn new() -> Self {
        SmoothL1Loss {
            reduction: Reduction::Mean,
            beta: 1.0,
        }
    }

    /// The smooth L1 loss with the given reduction and `beta`.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] if `beta` is negative (PyTorch rejects it) or not finite.
    pub fn with(reduction: Reduction, beta: f32) -> Result<Self, Error> {
        if beta >= 0.0 && beta.is_finite() {
            Ok(SmoothL1Loss { reduction, beta })
        } else {
            Err(Error::Hyperparameter {
                name: "beta",
                value: beta,
                reason: "the smooth L1 loss needs a finite beta of zero or more",
            })
        }
    }

    /// Where the loss turns from squared to absolute.
    #[must_use]
    pub const fn beta(&self) -> f32 {
        self.beta
    }

    #[inline]
    fn value(&self, d: f32) -> f32 {
        let z = d.abs();
        if z < self.beta {
            0.5 * z * z / self.beta
        } else {
            z - 0.5 * self.beta
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

impl Default for SmoothL1Loss {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Loss<N> for SmoothL1Loss {
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

    /// `d / beta` inside `[-beta, beta]`, `sgn(d)` outside, times `scale`
    /// (PyTorch's `smooth_l1_loss_backward`; the L1 gradient for `beta = 0`).
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        let mut dy = [0.0; N];
        for i in 0..N {
            let d = pred[i] - target[i];
            let local = if d.abs() > self.beta || self.beta == 0.0 {
                sgn(d)
            } else {
                d / self.beta
            };
            dy[i] = local * scale;
        }
        dy
    }
}

//! `nn.HuberLoss`.

use super::{Pointwise, Reduce, Reduction};
use crate::error::Error;

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
}

impl Default for HuberLoss {
    fn default() -> Self {
        Self::new()
    }
}

impl Reduce for HuberLoss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl Pointwise for HuberLoss {
    #[inline]
    fn value(&self, pred: f32, target: f32) -> f32 {
        let z = (pred - target).abs();
        if z < self.delta {
            0.5 * z * z
        } else {
            self.delta * (z - 0.5 * self.delta)
        }
    }

    /// `d` clamped to `[-delta, delta]` (PyTorch's `huber_loss_backward`).
    #[inline]
    fn grad(&self, pred: f32, target: f32) -> f32 {
        (pred - target).clamp(-self.delta, self.delta)
    }
}

//! `nn.SmoothL1Loss`.

use super::l1::sgn;
use super::{Pointwise, Reduce, Reduction};
use crate::error::Error;

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
}

impl Default for SmoothL1Loss {
    fn default() -> Self {
        Self::new()
    }
}

impl Reduce for SmoothL1Loss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl Pointwise for SmoothL1Loss {
    #[inline]
    fn value(&self, pred: f32, target: f32) -> f32 {
        let z = (pred - target).abs();
        if z < self.beta {
            0.5 * z * z / self.beta
        } else {
            z - 0.5 * self.beta
        }
    }

    /// `d / beta` inside `[-beta, beta]`, `sgn(d)` outside (PyTorch's
    /// `smooth_l1_loss_backward`; the L1 gradient for `beta = 0`).
    #[inline]
    fn grad(&self, pred: f32, target: f32) -> f32 {
        let d = pred - target;
        if d.abs() > self.beta || self.beta == 0.0 {
            sgn(d)
        } else {
            d / self.beta
        }
    }
}

//! `nn.MSELoss`.

use super::{Pointwise, Reduce, Reduction};

/// The squared error `(pred - target)²`, reduced over the batch (PyTorch's `nn.MSELoss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MSELoss {
    /// How the batch's squared errors are combined; the mean by default.
    pub reduction: Reduction,
}

impl MSELoss {
    /// The mean squared error, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        MSELoss {
            reduction: Reduction::Mean,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        MSELoss { reduction }
    }
}

impl Reduce for MSELoss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl Pointwise for MSELoss {
    #[inline]
    fn value(&self, pred: f32, target: f32) -> f32 {
        let d = pred - target;
        d * d
    }

    /// `2 (pred - target)`.
    #[inline]
    fn grad(&self, pred: f32, target: f32) -> f32 {
        2.0 * (pred - target)
    }

    /// `(pred - target) · 2 scale`, in the order of PyTorch's `mse_loss_backward`.
    #[inline]
    fn scaled_grad(&self, pred: f32, target: f32, scale: f32) -> f32 {
        (pred - target) * (2.0 * scale)
    }
}

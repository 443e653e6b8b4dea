//! `nn.L1Loss`.

use super::{Pointwise, Reduce, Reduction};

/// The absolute error `|pred - target|`, reduced over the batch (PyTorch's `nn.L1Loss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Loss {
    /// How the batch's absolute errors are combined; the mean by default.
    pub reduction: Reduction,
}

impl L1Loss {
    /// The mean absolute error, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        L1Loss {
            reduction: Reduction::Mean,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        L1Loss { reduction }
    }
}

/// `sgn(d)`, zero at zero, as PyTorch's `sgn`.
#[inline]
pub(super) fn sgn(d: f32) -> f32 {
    if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Reduce for L1Loss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl Pointwise for L1Loss {
    #[inline]
    fn value(&self, pred: f32, target: f32) -> f32 {
        (pred - target).abs()
    }

    /// `sgn(pred - target)`, PyTorch's `l1_loss` backward.
    #[inline]
    fn grad(&self, pred: f32, target: f32) -> f32 {
        sgn(pred - target)
    }
}

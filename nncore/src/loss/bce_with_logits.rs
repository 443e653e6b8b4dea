//! `nn.BCEWithLogitsLoss`.

use super::{Pointwise, Reduce, Reduction};
use crate::math;

/// Binary cross-entropy on logits (PyTorch's `nn.BCEWithLogitsLoss`): for a logit `x` and a
/// target probability `t`, `-[t log σ(x) + (1 - t) log(1 - σ(x))]`, computed in the stable
/// form `(1 - t) x - log σ(x)` with `log σ(x) = min(x, 0) - log1p(exp(-|x|))`.
///
/// PyTorch's optional `weight` and `pos_weight` are not supported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BCEWithLogitsLoss {
    /// How the batch's values are combined; the mean by default.
    pub reduction: Reduction,
}

impl BCEWithLogitsLoss {
    /// The mean binary cross-entropy, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        BCEWithLogitsLoss {
            reduction: Reduction::Mean,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        BCEWithLogitsLoss { reduction }
    }
}

/// `log σ(x)`, exact for large `|x|`.
#[inline]
fn log_sigmoid(x: f32) -> f32 {
    x.min(0.0) - math::ln_1p(math::exp(-x.abs()))
}

impl Reduce for BCEWithLogitsLoss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl Pointwise for BCEWithLogitsLoss {
    #[inline]
    fn value(&self, x: f32, t: f32) -> f32 {
        (1.0 - t) * x - log_sigmoid(x)
    }

    /// `σ(x) - t`, PyTorch's backward.
    #[inline]
    fn grad(&self, x: f32, t: f32) -> f32 {
        let sigmoid = 1.0 / (1.0 + math::exp(-x));
        sigmoid - t
    }
}

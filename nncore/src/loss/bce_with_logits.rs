//! `nn.BCEWithLogitsLoss`.

use super::{Loss, Reduction, elementwise_into};
use crate::{Error, math};

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

/// `log σ(x)`, exact for large `|x|`.
#[inline]
fn log_sigmoid(x: f32) -> f32 {
    x.min(0.0) - math::ln_1p(math::exp(-x.abs()))
}

#[inline]
fn value(x: f32, t: f32) -> f32 {
    (1.0 - t) * x - log_sigmoid(x)
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
        elementwise_into(preds, targets, out, value)
    }
}

impl<const N: usize> Loss<N> for BCEWithLogitsLoss {
    type Target = [f32; N];
    const ELEMENTS_PER_SAMPLE: usize = N;

    fn reduction(&self) -> Reduction {
        self.reduction
    }

    #[inline]
    fn sample_loss(&self, pred: &[f32; N], target: &[f32; N]) -> f32 {
        pred.iter().zip(target).map(|(&x, &t)| value(x, t)).sum()
    }

    /// `(σ(x) - t) · scale`, PyTorch's backward.
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        let mut dy = [0.0; N];
        for i in 0..N {
            let sigmoid = 1.0 / (1.0 + math::exp(-pred[i]));
            dy[i] = (sigmoid - target[i]) * scale;
        }
        dy
    }
}

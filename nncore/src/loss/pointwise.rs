//! Losses that compare each prediction with its own target, one element at a time.

use super::{Loss, Reduce};
use crate::Error;
use crate::module::check_len;

/// A loss defined by its value and derivative at one (prediction, target) pair, and its
/// [`Reduce`]; [`Loss`] over `[f32; N]` targets, for every width, and the unreduced form come
/// with them.
pub trait Pointwise: Reduce {
    /// The loss of one prediction against its target.
    #[must_use]
    fn value(&self, pred: f32, target: f32) -> f32;

    /// The derivative of [`Pointwise::value`] with respect to `pred`, before any reduction.
    #[must_use]
    fn grad(&self, pred: f32, target: f32) -> f32;

    /// `grad · scale`, the gradient of the reduced loss; a loss overrides it only to keep
    /// PyTorch's order of operations.
    #[inline]
    #[must_use]
    fn scaled_grad(&self, pred: f32, target: f32, scale: f32) -> f32 {
        self.grad(pred, target) * scale
    }

    /// The unreduced loss (`reduction='none'`): every element's value, written into `out`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` or `out` has not one row per prediction.
    fn elementwise_into<const N: usize>(
        &self,
        preds: &[[f32; N]],
        targets: &[[f32; N]],
        out: &mut [[f32; N]],
    ) -> Result<(), Error> {
        check_len("targets", preds.len(), targets.len())?;
        check_len("output", preds.len(), out.len())?;
        for ((p, t), o) in preds.iter().zip(targets).zip(out) {
            for i in 0..N {
                o[i] = self.value(p[i], t[i]);
            }
        }
        Ok(())
    }
}

impl<L: Pointwise, const N: usize> Loss<N> for L {
    type Target = [f32; N];
    const ELEMENTS_PER_SAMPLE: usize = N;

    #[inline]
    fn sample_loss(&self, pred: &[f32; N], target: &[f32; N]) -> f32 {
        pred.iter()
            .zip(target)
            .map(|(&p, &t)| self.value(p, t))
            .sum()
    }

    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        core::array::from_fn(|i| self.scaled_grad(pred[i], target[i], scale))
    }
}

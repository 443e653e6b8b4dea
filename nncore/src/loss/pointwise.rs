//! Losses that compare each prediction with its own target, one element at a time.

use super::{Loss, Reduce};
use crate::error::Error;
use crate::module::check_len;
use crate::tensor::Tensor;

/// A loss defined by its value and derivative at one (prediction, target) pair, and its
/// [`Reduce`]; [`Loss`] over targets of the output's own shape, for every shape, and the unreduced form come
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

impl<L: Pointwise, Y: Tensor> Loss<Y> for L {
    type Target = Y;
    const ELEMENTS_PER_SAMPLE: usize = Y::LEN;

    #[inline]
    fn sample_loss(&self, pred: &Y, target: &Y) -> f32 {
        pred.flat()
            .iter()
            .zip(target.flat())
            .map(|(&p, &t)| self.value(p, t))
            .sum()
    }

    #[inline]
    fn sample_grad(&self, pred: &Y, target: &Y, scale: f32) -> Y {
        let mut grad = Y::ZERO;
        for ((g, &p), &t) in grad
            .flat_mut()
            .iter_mut()
            .zip(pred.flat())
            .zip(target.flat())
        {
            *g = self.scaled_grad(p, t, scale);
        }
        grad
    }
}

//! Loss functions, with PyTorch's reductions.

mod bce_with_logits;
mod cross_entropy;
mod huber;
mod l1;
mod mse;
mod nll;
pub(crate) mod pointwise;
mod smooth_l1;

pub use bce_with_logits::BCEWithLogitsLoss;
pub use cross_entropy::CrossEntropyLoss;
pub use huber::HuberLoss;
pub use l1::L1Loss;
pub use mse::MSELoss;
pub use nll::NLLLoss;
pub use pointwise::Pointwise;
pub use smooth_l1::SmoothL1Loss;

use crate::error::Error;
use crate::module::check_len;
use crate::tensor::Tensor;

/// How a loss combines its per-element values (PyTorch's `reduction=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over every element of the batch (PyTorch's default).
    #[default]
    Mean,
    /// The sum over every element of the batch.
    Sum,
    /// No reduction: one value per element, from the loss's elementwise form.
    None,
}

/// The reduction a loss was built with; every loss has one. [`Loss`] and [`Pointwise`] both
/// require it, so that `loss_fn.reduction()` means the same with both traits in scope.
pub trait Reduce {
    /// The reduction this loss was built with.
    fn reduction(&self) -> Reduction;
}

/// A loss over model outputs `Y` (`[f32; N]`, or any [`Tensor`] for the elementwise losses),
/// reduced over a batch.
///
/// A loss is defined by its value and gradient for one sample; the batch forms and the fused
/// [`Model::backward_loss`](crate::Model::backward_loss) are built on those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loss over outputs `{Y}`",
    label = "expected a loss over `{Y}`"
)]
pub trait Loss<Y: Tensor>: Reduce {
    /// What one sample's target is: `Y` for a regression loss, a class index for a classifier.
    type Target;

    /// How many values one sample contributes to a mean (`N` for MSE).
    const ELEMENTS_PER_SAMPLE: usize;

    /// The summed, unreduced loss of one sample.
    ///
    /// # Panics
    /// May panic for a target [`Loss::check_target`] refuses (a class index out of range):
    /// the batch methods check every target first.
    fn sample_loss(&self, pred: &Y, target: &Self::Target) -> f32;

    /// The gradient of `scale · sample_loss` with respect to `pred`.
    ///
    /// # Panics
    /// As [`Loss::sample_loss`].
    fn sample_grad(&self, pred: &Y, target: &Self::Target, scale: f32) -> Y;

    /// Checks the target of the batch's sample number `sample` before any work is done;
    /// regression targets are always valid.
    ///
    /// # Errors
    /// A loss-specific error, such as [`Error::ClassIndex`] for a class index out of range.
    fn check_target(&self, _sample: usize, _target: &Self::Target) -> Result<(), Error> {
        Ok(())
    }

    /// The factor the summed loss of a batch of `batch` samples is multiplied by.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` differs from `batch`, [`Error::EmptyBatch`] for a mean
    /// over nothing, [`Error::Unreduced`] for [`Reduction::None`].
    fn scale(&self, batch: usize, targets: usize) -> Result<f32, Error> {
        check_len("targets", batch, targets)?;
        match self.reduction() {
            Reduction::Mean if batch == 0 => Err(Error::EmptyBatch),
            Reduction::Mean => Ok(1.0 / (batch * Self::ELEMENTS_PER_SAMPLE) as f32),
            Reduction::Sum => Ok(1.0),
            Reduction::None => Err(Error::Unreduced),
        }
    }

    /// The reduced loss of a batch: `loss_fn(preds, targets)`.
    ///
    /// # Errors
    /// As [`Loss::scale`], or an invalid target.
    fn forward(&self, preds: &[Y], targets: &[Self::Target]) -> Result<f32, Error> {
        self.scale(preds.len(), targets.len())?;
        let mut total = 0.0;
        for (sample, (pred, target)) in preds.iter().zip(targets).enumerate() {
            self.check_target(sample, target)?;
            total += self.sample_loss(pred, target);
        }
        Ok(self.reduce(total, preds.len()))
    }

    /// A batch's loss from the sum of its samples' losses (`Mean` divides by the element count,
    /// as PyTorch does; `Sum` keeps it).
    fn reduce(&self, total: f32, batch: usize) -> f32 {
        match self.reduction() {
            Reduction::Mean => total / (batch * Self::ELEMENTS_PER_SAMPLE) as f32,
            Reduction::Sum | Reduction::None => total,
        }
    }

    /// The gradient of the reduced loss with respect to each prediction, written into `out`.
    ///
    /// # Errors
    /// As [`Loss::forward`], or [`Error::BatchLength`] if `out` has not one row per sample.
    fn backward_into(
        &self,
        preds: &[Y],
        targets: &[Self::Target],
        out: &mut [Y],
    ) -> Result<(), Error> {
        let scale = self.scale(preds.len(), targets.len())?;
        check_len("gradient output", preds.len(), out.len())?;
        for (sample, target) in targets.iter().enumerate() {
            self.check_target(sample, target)?;
        }
        for ((pred, target), dy) in preds.iter().zip(targets).zip(out) {
            *dy = self.sample_grad(pred, target, scale);
        }
        Ok(())
    }

    /// The gradient of the reduced loss with respect to each prediction.
    ///
    /// # Errors
    /// As [`Loss::forward`].
    #[cfg(feature = "alloc")]
    fn backward(&self, preds: &[Y], targets: &[Self::Target]) -> Result<alloc::vec::Vec<Y>, Error> {
        let mut out = alloc::vec![Y::ZERO; preds.len()];
        self.backward_into(preds, targets, &mut out)?;
        Ok(out)
    }
}

/// `Ok` if `class` is one of a classifier's `N` outputs, else [`Error::ClassIndex`]: the
/// `check_target` of the losses over class indices.
fn check_class<const N: usize>(sample: usize, class: usize) -> Result<(), Error> {
    if class < N {
        Ok(())
    } else {
        Err(Error::ClassIndex {
            sample,
            class,
            classes: N,
        })
    }
}

/// The unreduced loss of a loss over class indices: each sample's value, written into `out`,
/// after every target has been checked.
fn elementwise_into<const N: usize, L: Loss<[f32; N], Target = usize>>(
    loss: &L,
    preds: &[[f32; N]],
    targets: &[usize],
    out: &mut [f32],
) -> Result<(), Error> {
    check_len("targets", preds.len(), targets.len())?;
    check_len("output", preds.len(), out.len())?;
    for (sample, target) in targets.iter().enumerate() {
        loss.check_target(sample, target)?;
    }
    for ((pred, target), o) in preds.iter().zip(targets).zip(out) {
        *o = loss.sample_loss(pred, target);
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! Loss functions, with PyTorch's reductions.

mod mse;

pub use mse::MseLoss;

use crate::Error;
use crate::module::check_len;

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

/// A loss over model outputs of width `N`, reduced over a batch.
///
/// A loss is defined by its value and gradient for one sample; the batch forms and the fused
/// [`Model::backward_loss`](crate::Model::backward_loss) are built on those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loss over {N} outputs",
    label = "expected a loss over `[f32; {N}]`"
)]
pub trait Loss<const N: usize> {
    /// What one sample's target is: `[f32; N]` for a regression loss.
    type Target;

    /// How many values one sample contributes to a mean (`N` for MSE).
    const ELEMENTS_PER_SAMPLE: usize;

    /// The reduction this loss was built with.
    fn reduction(&self) -> Reduction;

    /// The summed, unreduced loss of one sample.
    fn sample_loss(&self, pred: &[f32; N], target: &Self::Target) -> f32;

    /// The gradient of `scale · sample_loss` with respect to `pred`.
    fn sample_grad(&self, pred: &[f32; N], target: &Self::Target, scale: f32) -> [f32; N];

    /// Checks one target before any work is done; regression targets are always valid.
    ///
    /// # Errors
    /// A loss-specific error, such as a class index out of range.
    fn check_target(&self, _target: &Self::Target) -> Result<(), Error> {
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
    fn forward(&self, preds: &[[f32; N]], targets: &[Self::Target]) -> Result<f32, Error> {
        let scale = self.scale(preds.len(), targets.len())?;
        let mut total = 0.0;
        for (pred, target) in preds.iter().zip(targets) {
            self.check_target(target)?;
            total += self.sample_loss(pred, target);
        }
        Ok(match self.reduction() {
            // PyTorch divides the sum by the element count.
            Reduction::Mean => total / (preds.len() * Self::ELEMENTS_PER_SAMPLE) as f32,
            _ => total * scale,
        })
    }

    /// The gradient of the reduced loss with respect to each prediction, written into `out`.
    ///
    /// # Errors
    /// As [`Loss::forward`], or [`Error::BatchLength`] if `out` has not one row per sample.
    fn backward_into(
        &self,
        preds: &[[f32; N]],
        targets: &[Self::Target],
        out: &mut [[f32; N]],
    ) -> Result<(), Error> {
        let scale = self.scale(preds.len(), targets.len())?;
        check_len("gradient output", preds.len(), out.len())?;
        for target in targets {
            self.check_target(target)?;
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
    fn backward(
        &self,
        preds: &[[f32; N]],
        targets: &[Self::Target],
    ) -> Result<alloc::vec::Vec<[f32; N]>, Error> {
        let mut out = alloc::vec![[0.0; N]; preds.len()];
        self.backward_into(preds, targets, &mut out)?;
        Ok(out)
    }
}

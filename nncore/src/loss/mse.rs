//! `nn.MSELoss`.

use super::{Loss, Reduction};
use crate::Error;
use crate::module::check_len;

/// The squared error `(pred - target)²`, reduced over the batch (PyTorch's `nn.MSELoss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MseLoss {
    /// How the batch's squared errors are combined; the mean by default.
    pub reduction: Reduction,
}

impl MseLoss {
    /// The mean squared error, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        MseLoss {
            reduction: Reduction::Mean,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        MseLoss { reduction }
    }

    /// The unreduced loss (`reduction='none'`): every element's squared error, written into `out`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` or `out` has not one row per prediction.
    pub fn elementwise_into<const N: usize>(
        &self,
        preds: &[[f32; N]],
        targets: &[[f32; N]],
        out: &mut [[f32; N]],
    ) -> Result<(), Error> {
        check_len("targets", preds.len(), targets.len())?;
        check_len("output", preds.len(), out.len())?;
        for ((p, t), o) in preds.iter().zip(targets).zip(out) {
            for i in 0..N {
                let d = p[i] - t[i];
                o[i] = d * d;
            }
        }
        Ok(())
    }
}

impl<const N: usize> Loss<N> for MseLoss {
    type Target = [f32; N];
    const ELEMENTS_PER_SAMPLE: usize = N;

    fn reduction(&self) -> Reduction {
        self.reduction
    }

    #[inline]
    fn sample_loss(&self, pred: &[f32; N], target: &[f32; N]) -> f32 {
        pred.iter()
            .zip(target)
            .map(|(p, t)| (p - t) * (p - t))
            .sum()
    }

    /// `2 (pred - target) · scale`, PyTorch's `mse_loss_backward`.
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        let norm = 2.0 * scale;
        let mut dy = [0.0; N];
        for i in 0..N {
            dy[i] = (pred[i] - target[i]) * norm;
        }
        dy
    }
}

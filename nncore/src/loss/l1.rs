//! `nn.L1Loss`.

use super::{Loss, Reduction, elementwise_into};
use crate::Error;

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

    /// The unreduced loss (`reduction='none'`): every element's absolute error, written into `out`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` or `out` has not one row per prediction.
    pub fn elementwise_into<const N: usize>(
        &self,
        preds: &[[f32; N]],
        targets: &[[f32; N]],
        out: &mut [[f32; N]],
    ) -> Result<(), Error> {
        elementwise_into(preds, targets, out, |p, t| (p - t).abs())
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

impl<const N: usize> Loss<N> for L1Loss {
    type Target = [f32; N];
    const ELEMENTS_PER_SAMPLE: usize = N;

    fn reduction(&self) -> Reduction {
        self.reduction
    }

    #[inline]
    fn sample_loss(&self, pred: &[f32; N], target: &[f32; N]) -> f32 {
        pred.iter().zip(target).map(|(p, t)| (p - t).abs()).sum()
    }

    /// `sgn(pred - target) · scale`, PyTorch's `l1_loss` backward.
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], target: &[f32; N], scale: f32) -> [f32; N] {
        let mut dy = [0.0; N];
        for i in 0..N {
            dy[i] = sgn(pred[i] - target[i]) * scale;
        }
        dy
    }
}

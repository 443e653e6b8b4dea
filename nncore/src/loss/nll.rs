//! `nn.NLLLoss` with class-index targets.

use super::{Loss, Reduce, Reduction, check_class, elementwise_into};
use crate::error::Error;

/// The negative log-likelihood of a class index, `-x[class]`, one value per sample (PyTorch's
/// `nn.NLLLoss`). The predictions are log-probabilities, usually from
/// [`LogSoftmax`](crate::LogSoftmax): that pair is [`CrossEntropyLoss`](super::CrossEntropyLoss).
///
/// The mean is over samples. PyTorch's per-class `weight` and `ignore_index` are not supported;
/// a class index outside `0..N` is [`Error::ClassIndex`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NLLLoss {
    /// How the batch's values are combined; the mean by default.
    pub reduction: Reduction,
}

impl NLLLoss {
    /// The mean negative log-likelihood, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        NLLLoss {
            reduction: Reduction::Mean,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        NLLLoss { reduction }
    }

    /// The unreduced loss (`reduction='none'`): one value per sample, written into `out`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` or `out` has not one entry per prediction,
    /// [`Error::ClassIndex`] for a class out of range.
    pub fn elementwise_into<const N: usize>(
        &self,
        preds: &[[f32; N]],
        targets: &[usize],
        out: &mut [f32],
    ) -> Result<(), Error> {
        elementwise_into(self, preds, targets, out)
    }
}

impl Reduce for NLLLoss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl<const N: usize> Loss<[f32; N]> for NLLLoss {
    type Target = usize;
    const ELEMENTS_PER_SAMPLE: usize = 1;

    fn check_target(&self, sample: usize, class: &usize) -> Result<(), Error> {
        check_class::<N>(sample, *class)
    }

    /// `-x[class]`.
    #[inline]
    fn sample_loss(&self, pred: &[f32; N], class: &usize) -> f32 {
        -pred[*class]
    }

    /// `-scale` at the class, zero elsewhere (PyTorch's `nll_loss_backward`).
    #[inline]
    fn sample_grad(&self, _: &[f32; N], class: &usize, scale: f32) -> [f32; N] {
        let mut dy = [0.0; N];
        dy[*class] = -scale;
        dy
    }
}

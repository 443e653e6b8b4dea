//! `nn.CrossEntropyLoss` with class-index targets.

use super::{Loss, Reduce, Reduction, check_class, elementwise_into};
use crate::error::Error;
use crate::layers::activation::softmax::log_softmax;
use crate::math;

/// Cross-entropy of logits against a class index (PyTorch's `nn.CrossEntropyLoss`):
/// `-log softmax(x)[class]`, from a stable log-softmax, one value per sample.
///
/// With `label_smoothing = ε` the target is `(1 - ε)` on the class and `ε / N` spread over all
/// `N` classes, as in PyTorch. The mean is over samples. PyTorch's per-class `weight` and
/// `ignore_index` are not supported; a class index outside `0..N` is [`Error::ClassIndex`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrossEntropyLoss {
    /// How the batch's values are combined; the mean by default.
    pub reduction: Reduction,
    label_smoothing: f32,
}

impl CrossEntropyLoss {
    /// The mean cross-entropy without label smoothing, PyTorch's default.
    #[must_use]
    pub const fn new() -> Self {
        CrossEntropyLoss {
            reduction: Reduction::Mean,
            label_smoothing: 0.0,
        }
    }

    /// The same loss with another reduction.
    #[must_use]
    pub const fn with_reduction(reduction: Reduction) -> Self {
        CrossEntropyLoss {
            reduction,
            label_smoothing: 0.0,
        }
    }

    /// The same loss with label smoothing `ε`.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] unless `0 ≤ ε ≤ 1`, as PyTorch requires.
    pub fn with_label_smoothing(self, label_smoothing: f32) -> Result<Self, Error> {
        if (0.0..=1.0).contains(&label_smoothing) {
            Ok(CrossEntropyLoss {
                label_smoothing,
                ..self
            })
        } else {
            Err(Error::Hyperparameter {
                name: "label_smoothing",
                value: label_smoothing,
                reason: "it must be between 0.0 and 1.0",
            })
        }
    }

    /// The label smoothing in force.
    #[must_use]
    pub const fn label_smoothing(&self) -> f32 {
        self.label_smoothing
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

impl Default for CrossEntropyLoss {
    fn default() -> Self {
        Self::new()
    }
}

impl Reduce for CrossEntropyLoss {
    fn reduction(&self) -> Reduction {
        self.reduction
    }
}

impl<const N: usize> Loss<[f32; N]> for CrossEntropyLoss {
    type Target = usize;
    const ELEMENTS_PER_SAMPLE: usize = 1;

    fn check_target(&self, sample: usize, class: &usize) -> Result<(), Error> {
        check_class::<N>(sample, *class)
    }

    /// `-log_softmax(x)[class]`, blended with the mean over classes under label smoothing.
    #[inline]
    fn sample_loss(&self, pred: &[f32; N], class: &usize) -> f32 {
        let log_p = log_softmax(pred);
        let nll = -log_p[*class];
        let eps = self.label_smoothing;
        if eps == 0.0 {
            return nll;
        }
        let smooth = -log_p.iter().sum::<f32>() / N as f32;
        (1.0 - eps) * nll + eps * smooth
    }

    /// `(softmax(x) - target) · scale`, the target being one-hot, or smoothed.
    #[inline]
    fn sample_grad(&self, pred: &[f32; N], class: &usize, scale: f32) -> [f32; N] {
        let log_p = log_softmax(pred);
        let eps = self.label_smoothing;
        let mut dy = [0.0; N];
        for (i, (d, &log_p)) in dy.iter_mut().zip(&log_p).enumerate() {
            let on = if i == *class { 1.0 - eps } else { 0.0 };
            // `exp(log_softmax(x))`, as PyTorch's `log_softmax_backward` forms it.
            *d = (math::exp(log_p) - on - eps / N as f32) * scale;
        }
        dy
    }
}

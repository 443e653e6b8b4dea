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

    /// The values summed in eight partial sums, element `i` into sum `i mod 8`, added as
    /// `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`: the dense kernels' order, eight
    /// independent chains where one would wait on each addition.
    #[inline]
    fn sample_loss(&self, pred: &Y, target: &Y) -> f32 {
        let (pred, target) = (pred.flat(), target.flat());
        let mut s = [0.0f32; 8];
        let (p8, t8) = (pred.chunks_exact(8), target.chunks_exact(8));
        let (p_rest, t_rest) = (p8.remainder(), t8.remainder());
        for (p, t) in p8.zip(t8) {
            for j in 0..8 {
                s[j] += self.value(p[j], t[j]);
            }
        }
        for (j, (&p, &t)) in p_rest.iter().zip(t_rest).enumerate() {
            s[j] += self.value(p, t);
        }
        ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
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

//! A convolution and the evaluation-mode batch norm after it (and the `ReLU` after that) in
//! one pass.

use super::conv1d::Conv1d;
use super::conv2d::Conv2d;
use crate::kernels::Affine;
use crate::layers::norm::batch_norm::{BatchNorm1d, BatchNorm2d};
use crate::module::Layer;
use crate::tensor::Tensor;

/// A convolution and the batch norm `N` after it, in evaluation mode, in one pass: what
/// `sequential!`'s inference pass calls where the batch norm reads the convolution's value
/// alone (with `relu`, the `ReLU` after it too, where it reads the batch norm's alone). The
/// batch norm's map `x·α + β`, then the `ReLU`, applies to each sum as the AVX-512 planes
/// (depthwise ones too) store it, never read back; on the other paths, in place over the
/// outputs after. The bits are those of the layers run apart.
#[doc(hidden)]
pub trait ConvNorm<X: Tensor, Y: Tensor, N>: Layer<X, Y> {
    /// `y = bn(conv(x))`, or `relu(bn(conv(x)))` with `relu`.
    fn forward_norm(&self, norm: &N, relu: bool, x: &[X], y: &mut [Y]);
}

impl<
    const IPG: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const BIAS: bool,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> ConvNorm<[[[f32; W]; H]; C], [[[f32; WO]; HO]; OUT], BatchNorm2d<OUT>>
    for Conv2d<IPG, OUT, KH, KW, BIAS>
{
    #[inline]
    fn forward_norm(
        &self,
        norm: &BatchNorm2d<OUT>,
        relu: bool,
        x: &[[[[f32; W]; H]; C]],
        y: &mut [[[[f32; WO]; HO]; OUT]],
    ) {
        self.debug_check::<C, H, W, HO, WO>();
        let (alpha, beta) = norm.eval_affine();
        let then = Affine {
            alpha: &alpha,
            beta: &beta,
            relu,
        };
        let (x, y) = (
            x.as_flattened().as_flattened(),
            y.as_flattened_mut().as_flattened_mut(),
        );
        self.forward_rows::<H, W, HO, WO>(x, y, Some(then));
    }
}

impl<
    const IPG: usize,
    const OUT: usize,
    const K: usize,
    const BIAS: bool,
    const C: usize,
    const L: usize,
    const LO: usize,
> ConvNorm<[[f32; L]; C], [[f32; LO]; OUT], BatchNorm1d<OUT>> for Conv1d<IPG, OUT, K, BIAS>
{
    #[inline]
    fn forward_norm(
        &self,
        norm: &BatchNorm1d<OUT>,
        relu: bool,
        x: &[[[f32; L]; C]],
        y: &mut [[[f32; LO]; OUT]],
    ) {
        self.debug_check::<C, L, LO>();
        let (alpha, beta) = norm.eval_affine();
        let then = Affine {
            alpha: &alpha,
            beta: &beta,
            relu,
        };
        self.forward_rows(x.as_flattened(), y.as_flattened_mut(), Some(then));
    }
}

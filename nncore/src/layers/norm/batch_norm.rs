//! `nn.BatchNorm1d` and `nn.BatchNorm2d`: each channel normalized by the batch's statistics in
//! training mode, by the running ones in evaluation mode, then scaled and shifted.
//!
//! Both see a batch as PyTorch's `[N, C, P]`: `N` samples of `C` channels of `P` positions (1
//! for a vector, `L` for a sequence, `H × W` for an image), and share one implementation over
//! that view, in [`kernels`], which repeats the arithmetic of PyTorch's CPU kernels.

use core::fmt;

use crate::fmt::PyFloat;
use crate::module::{Layer, Module};
use crate::state::{Buffer, BufferData, BufferDataMut, BufferMut, Name, Param, ParamMut, Shape};
use crate::tensor::Tensor;
use kernels::{Eval, Train};

mod fold;
mod input_grads;
#[cfg(all(test, feature = "alloc"))]
mod kernel_tests;
mod kernels;
mod split;
mod sums;

/// `nn.BatchNorm1d(C)`: normalizes each of the `C` channels of a vector `[f32; C]` or of a
/// sequence `[[f32; L]; C]` (PyTorch's `[N, C]` and `[N, C, L]` inputs).
///
/// `y = (x − mean) / √(var + eps) · weight + bias`, with the batch's mean and biased variance
/// over the samples (and positions) in training mode, the running ones in evaluation mode.
/// Only `affine=True, track_running_stats=True` exists. The per-sample multiply-adds depend on
/// the input's length, so [`Module::MULTIPLY_ADDS`] is left at 0.
///
/// In training mode a channel with a single value (one sample of a vector) has variance 0:
/// PyTorch raises an error; here nothing is checked, the output is `bias` up to rounding
/// (finite), and the running variance decays toward 0 (its unbiased estimate is taken as 0).
/// An empty batch counts in `num_batches_tracked` and leaves the running statistics as they
/// were, as in PyTorch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm1d<const C: usize> {
    /// The scale `γ`, one per channel (`weight`, shape `[C]`).
    pub weight: [f32; C],
    /// The shift `β`, one per channel (`bias`, shape `[C]`).
    pub bias: [f32; C],
    /// Each channel's running mean, used in evaluation mode (buffer `running_mean`, `[C]`).
    pub running_mean: [f32; C],
    /// Each channel's running unbiased variance (buffer `running_var`, `[C]`).
    pub running_var: [f32; C],
    /// Training-mode forward passes so far (buffer `num_batches_tracked`, an `int64` scalar).
    pub num_batches_tracked: i64,
    /// Added to the variance under the square root (PyTorch's default `1e-5`).
    pub eps: f32,
    /// The weight of each batch's statistics in the running ones (PyTorch's default `0.1`).
    pub momentum: f32,
}

/// `nn.BatchNorm2d(C)`: normalizes each of the `C` channels of an image `[[[f32; W]; H]; C]`
/// (PyTorch's `[N, C, H, W]` input), over the samples and all `H × W` positions.
///
/// The same layer as [`BatchNorm1d`], on images: see there for the formula and the edge cases.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm2d<const C: usize> {
    /// The scale `γ`, one per channel (`weight`, shape `[C]`).
    pub weight: [f32; C],
    /// The shift `β`, one per channel (`bias`, shape `[C]`).
    pub bias: [f32; C],
    /// Each channel's running mean, used in evaluation mode (buffer `running_mean`, `[C]`).
    pub running_mean: [f32; C],
    /// Each channel's running unbiased variance (buffer `running_var`, `[C]`).
    pub running_var: [f32; C],
    /// Training-mode forward passes so far (buffer `num_batches_tracked`, an `int64` scalar).
    pub num_batches_tracked: i64,
    /// Added to the variance under the square root (PyTorch's default `1e-5`).
    pub eps: f32,
    /// The weight of each batch's statistics in the running ones (PyTorch's default `0.1`).
    pub momentum: f32,
}

const WEIGHT: Name = Name::local("weight");
const BIAS: Name = Name::local("bias");
const RUNNING_MEAN: Name = Name::local("running_mean");
const RUNNING_VAR: Name = Name::local("running_var");
const NUM_BATCHES_TRACKED: Name = Name::local("num_batches_tracked");

/// Everything the two layers share but their `Layer` impls: constructors, `Module`, printing.
macro_rules! batch_norm {
    ($layer:ident) => {
        impl<const C: usize> $layer<C> {
            /// The layer with every parameter and buffer zero, and these settings
            /// ([`Self::reset_parameters`] gives PyTorch's initial values).
            #[must_use]
            pub const fn new(eps: f32, momentum: f32) -> Self {
                $layer {
                    weight: [0.0; C],
                    bias: [0.0; C],
                    running_mean: [0.0; C],
                    running_var: [0.0; C],
                    num_batches_tracked: 0,
                    eps,
                    momentum,
                }
            }

            /// The layer as PyTorch builds it: weight one, bias zero, running mean zero,
            /// running variance one. Draws nothing from `rng`.
            pub fn init<R: rand::Rng + ?Sized>(eps: f32, momentum: f32, rng: &mut R) -> Self {
                let mut layer = Self::new(eps, momentum);
                layer.reset_parameters(rng);
                layer
            }

            /// PyTorch's `reset_parameters()`: `reset_running_stats()` (running mean 0,
            /// running variance 1, no batches tracked), then weight 1 and bias 0.
            pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, _rng: &mut R) {
                self.running_mean = [0.0; C];
                self.running_var = [1.0; C];
                self.num_batches_tracked = 0;
                self.weight = [1.0; C];
                self.bias = [0.0; C];
            }

            /// Sets the settings of [`Self::new`] on a zero-allocated layer.
            #[doc(hidden)]
            pub const fn configure(&mut self, eps: f32, momentum: f32) {
                self.eps = eps;
                self.momentum = momentum;
            }

            /// The layer with weight then bias from `params`, and running mean, running
            /// variance then `num_batches_tracked` (as a float) from `buffers`.
            #[doc(hidden)]
            #[must_use]
            pub const fn with_state(mut self, params: &[f32], buffers: &[f32]) -> Self {
                let mut c = 0;
                while c < C {
                    self.weight[c] = params[c];
                    self.bias[c] = params[C + c];
                    self.running_mean[c] = buffers[c];
                    self.running_var[c] = buffers[C + c];
                    c += 1;
                }
                self.num_batches_tracked = buffers[2 * C] as i64;
                self
            }

            /// The evaluation forward's map `y = x·α + β`, channel by channel: `(α, β)`.
            pub(crate) fn eval_affine(&self) -> ([f32; C], [f32; C]) {
                self.eval().affine()
            }

            fn eval(&self) -> Eval<'_, C> {
                Eval {
                    weight: &self.weight,
                    bias: &self.bias,
                    running_mean: &self.running_mean,
                    running_var: &self.running_var,
                    eps: self.eps,
                }
            }

            fn train(&mut self) -> Train<'_, C> {
                Train {
                    weight: &self.weight,
                    bias: &self.bias,
                    running_mean: &mut self.running_mean,
                    running_var: &mut self.running_var,
                    num_batches_tracked: &mut self.num_batches_tracked,
                    eps: self.eps,
                    momentum: self.momentum,
                }
            }
        }

        // SAFETY: the fields are `f32`, arrays of it and an `i64`; all-zero bits are `0.0` and 0.
        unsafe impl<const C: usize> crate::heap::Zeroable for $layer<C> {}

        impl<const C: usize> Module for $layer<C> {
            const NUM_PARAMS: usize = 2 * C;
            const NUM_BUFFERS: usize = 2 * C + 1;

            fn zeros() -> Self {
                Self::new(1e-5, 0.1)
            }

            fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
                let shape = Shape::vector(C);
                [
                    Param { name: WEIGHT, shape, data: &self.weight },
                    Param { name: BIAS, shape, data: &self.bias },
                ]
                .into_iter()
            }

            fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
                let shape = Shape::vector(C);
                [
                    ParamMut { name: WEIGHT, shape, data: &mut self.weight },
                    ParamMut { name: BIAS, shape, data: &mut self.bias },
                ]
                .into_iter()
            }

            fn buffers(&self) -> impl Iterator<Item = Buffer<'_>> {
                let shape = Shape::vector(C);
                [
                    Buffer { name: RUNNING_MEAN, shape, data: BufferData::F32(&self.running_mean) },
                    Buffer { name: RUNNING_VAR, shape, data: BufferData::F32(&self.running_var) },
                    Buffer {
                        name: NUM_BATCHES_TRACKED,
                        shape: Shape::scalar(),
                        data: BufferData::I64(core::slice::from_ref(&self.num_batches_tracked)),
                    },
                ]
                .into_iter()
            }

            fn buffers_mut(&mut self) -> impl Iterator<Item = BufferMut<'_>> {
                let shape = Shape::vector(C);
                [
                    BufferMut {
                        name: RUNNING_MEAN,
                        shape,
                        data: BufferDataMut::F32(&mut self.running_mean),
                    },
                    BufferMut {
                        name: RUNNING_VAR,
                        shape,
                        data: BufferDataMut::F32(&mut self.running_var),
                    },
                    BufferMut {
                        name: NUM_BATCHES_TRACKED,
                        shape: Shape::scalar(),
                        data: BufferDataMut::I64(core::slice::from_mut(
                            &mut self.num_batches_tracked,
                        )),
                    },
                ]
                .into_iter()
            }
        }

        impl<const C: usize> fmt::Display for $layer<C> {
            /// As PyTorch 2.15 prints it (its `extra_repr` names `bias` too).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "{}({C}, eps={}, momentum={}, affine=True, bias=True, track_running_stats=True)",
                    stringify!($layer),
                    PyFloat(self.eps),
                    PyFloat(self.momentum),
                )
            }
        }
    };
}

batch_norm!(BatchNorm1d);
batch_norm!(BatchNorm2d);

/// `Layer<X, X>` for a batch-norm layer on samples `X` of `C` channels of `$p` positions.
macro_rules! batch_norm_layer {
    ($layer:ident, [$(const $dim:ident),*], $x:ty, $p:expr) => {
        impl<const C: usize, $(const $dim: usize),*> Layer<$x, $x> for $layer<C> {
            #[inline]
            fn forward(&self, x: &$x) -> $x {
                let mut y = <$x as Tensor>::ZERO;
                self.eval().forward::<false>(x.flat(), y.flat_mut(), $p);
                y
            }

            #[inline]
            fn backward_params(&self, x: &$x, _y: &$x, dy: &$x, grads: &mut Self) {
                let grads = (&mut grads.weight, &mut grads.bias);
                self.eval().backward_params(x.flat(), dy.flat(), $p, grads);
            }

            #[inline]
            fn backward_input(&self, _x: &$x, _y: &$x, dy: &$x) -> $x {
                let mut dx = <$x as Tensor>::ZERO;
                self.eval().backward_input(dy.flat(), dx.flat_mut(), $p);
                dx
            }

            #[inline]
            fn forward_batch(&self, x: &[$x], y: &mut [$x]) {
                let (x, y) = (<$x>::flat_batch(x), <$x>::flat_batch_mut(y));
                self.eval().forward::<false>(x, y, $p);
            }

            #[inline]
            fn backward_params_batch(&self, x: &[$x], _y: &[$x], dy: &[$x], grads: &mut Self) {
                let grads = (&mut grads.weight, &mut grads.bias);
                self.eval().backward_params(<$x>::flat_batch(x), <$x>::flat_batch(dy), $p, grads);
            }

            #[inline]
            fn backward_input_batch(&self, _x: &[$x], _y: &[$x], dy: &[$x], dx: &mut [$x]) {
                let (dy, dx) = (<$x>::flat_batch(dy), <$x>::flat_batch_mut(dx));
                self.eval().backward_input(dy, dx, $p);
            }

            /// The batch's mean and invstd, one each per channel.
            const TRAIN_CACHE_FIXED: usize = 2 * C;

            fn forward_train<R: rand::Rng + ?Sized>(
                &mut self,
                x: &[$x],
                y: &mut [$x],
                cache: &mut [f32],
                _rng: &mut R,
            ) {
                let (x, y) = (<$x>::flat_batch(x), <$x>::flat_batch_mut(y));
                self.train().forward::<false>(x, y, cache, $p);
            }

            fn backward_train(
                &self,
                x: &[$x],
                _y: &[$x],
                dy: &[$x],
                cache: &mut [f32],
                grads: Option<&mut Self>,
                dx: Option<&mut [$x]>,
            ) {
                let (x, dy) = (<$x>::flat_batch(x), <$x>::flat_batch(dy));
                let grads = grads.map(|g| (&mut g.weight, &mut g.bias));
                let dx = dx.map(<$x>::flat_batch_mut);
                kernels::backward_train((&self.weight, None), (x, dy), cache, $p, grads, dx);
            }
        }

        impl<const C: usize, $(const $dim: usize),*> BatchNormReLU<$x> for $layer<C> {
            fn forward_relu(&self, x: &[$x], y: &mut [$x]) {
                let (x, y) = (<$x>::flat_batch(x), <$x>::flat_batch_mut(y));
                self.eval().forward::<true>(x, y, $p);
            }

            fn forward_train_relu(&mut self, x: &[$x], y: &mut [$x], cache: &mut [f32]) {
                let (x, y) = (<$x>::flat_batch(x), <$x>::flat_batch_mut(y));
                self.train().forward::<true>(x, y, cache, $p);
            }

            fn backward_train_relu(
                &self,
                x: &[$x],
                dy: &[$x],
                cache: &mut [f32],
                grads: Option<&mut Self>,
                dx: Option<&mut [$x]>,
            ) {
                let (x, dy) = (<$x>::flat_batch(x), <$x>::flat_batch(dy));
                let grads = grads.map(|g| (&mut g.weight, &mut g.bias));
                let dx = dx.map(<$x>::flat_batch_mut);
                let params = (&self.weight, Some(&self.bias));
                kernels::backward_train(params, (x, dy), cache, $p, grads, dx);
            }
        }
    };
}

/// A batch-norm layer and the `ReLU` after it, in one pass each way: what `sequential!` calls
/// for the pair, with the bits of the two layers run apart. The forward writes `relu(bn(x))`
/// (in training mode, the running statistics and `cache` as `Layer::forward_train` leaves
/// them); the backward takes the ReLU's output gradient `dy` and gives the batch norm's
/// parameter and input gradients, `dy` masked where the ReLU's output is 0.
#[doc(hidden)]
pub trait BatchNormReLU<X: Tensor>: Layer<X, X> {
    /// `y = relu(bn(x))` in evaluation mode.
    fn forward_relu(&self, x: &[X], y: &mut [X]);

    /// `y = relu(bn(x))` in training mode, the statistics left in `cache`.
    fn forward_train_relu(&mut self, x: &[X], y: &mut [X], cache: &mut [f32]);

    /// The pair's backward after [`Self::forward_train_relu`], from the ReLU's output gradient.
    fn backward_train_relu(
        &self,
        x: &[X],
        dy: &[X],
        cache: &mut [f32],
        grads: Option<&mut Self>,
        dx: Option<&mut [X]>,
    );
}

batch_norm_layer!(BatchNorm1d, [], [f32; C], 1);
batch_norm_layer!(BatchNorm1d, [const L], [[f32; L]; C], L);
batch_norm_layer!(BatchNorm2d, [const H, const W], [[[f32; W]; H]; C], H * W);

#[cfg(test)]
mod tests;

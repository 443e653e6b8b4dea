//! `nn.BatchNorm1d` and `nn.BatchNorm2d`: each channel normalized by the batch's statistics in
//! training mode, by the running ones in evaluation mode, then scaled and shifted.
//!
//! Both see a batch as PyTorch's `[N, C, P]`: `N` samples of `C` channels of `P` positions (1
//! for a vector, `L` for a sequence, `H × W` for an image), and share one implementation over
//! that view. It repeats the arithmetic of PyTorch's CPU kernels on one thread
//! (`aten/src/ATen/native/cpu/batch_norm_kernel.cpp`, `Normalization.cpp`):
//!
//! - the output is `x·α + β` with `α = invstd·weight`, `β = bias − mean·α`, in f32;
//! - the batch's sums run in f32 down each channel for vectors (PyTorch's channels-last path),
//!   and position by position in f64 for sequences and images (with f32 sums over each plane in
//!   the backward);
//! - `invstd = 1/√(var + eps)` in f64 in training mode, in f32 in the evaluation forward, and in
//!   f64 again in the evaluation backward;
//! - the running statistics are updated in f64 with PyTorch's `momentum` and `eps`, which are
//!   Python floats: the `f64` their printed decimal names (`0.1`), not the nearest `f32`'s.

use core::fmt;

use crate::fmt::{PyFloat, python_float};
use crate::math::{sqrt, sqrt_f64};
use crate::{
    Buffer, BufferData, BufferDataMut, BufferMut, Layer, Module, Name, Param, ParamMut, Shape,
    Tensor,
};

/// `nn.BatchNorm1d(C)`: normalizes each of the `C` channels of a vector `[f32; C]` or of a
/// sequence `[[f32; L]; C]` (PyTorch's `[N, C]` and `[N, C, L]` inputs).
///
/// `y = (x − mean) / √(var + eps) · weight + bias`, with the batch's mean and biased variance
/// over the samples (and positions) in training mode, the running ones in evaluation mode.
/// Only `affine=True, track_running_stats=True` exists. The per-sample multiply-adds depend on
/// the input's length, so [`Module::MULTIPLY_ADDS`] is left at 0.
///
/// In training mode a channel with a single value (one sample of a vector) has variance 0:
/// PyTorch raises an error, here the output is `bias` (finite) and the running variance decays
/// toward 0 (its unbiased estimate is taken as 0). An empty batch counts in
/// `num_batches_tracked` and leaves the running statistics as they were, as in PyTorch.
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

/// A layer's parameters and running statistics, borrowed: what evaluation mode reads.
#[derive(Clone, Copy)]
struct Eval<'a, const C: usize> {
    weight: &'a [f32; C],
    bias: &'a [f32; C],
    running_mean: &'a [f32; C],
    running_var: &'a [f32; C],
    eps: f32,
}

/// A layer borrowed for a training-mode forward, which updates its running statistics.
struct Train<'a, const C: usize> {
    weight: &'a [f32; C],
    bias: &'a [f32; C],
    running_mean: &'a mut [f32; C],
    running_var: &'a mut [f32; C],
    num_batches_tracked: &'a mut i64,
    eps: f32,
    momentum: f32,
}

/// The planes of a flat `[N, C, P]` batch in order, each with its channel. (With `P = 0` the
/// batch is empty and so is the iterator.)
fn planes<const C: usize>(values: &[f32], p: usize) -> impl Iterator<Item = (usize, &[f32])> {
    values
        .chunks_exact(p.max(1))
        .enumerate()
        .map(|(i, plane)| (i % C, plane))
}

/// The planes of a flat `[N, C, P]` batch, writable.
fn planes_mut<const C: usize>(
    values: &mut [f32],
    p: usize,
) -> impl Iterator<Item = (usize, &mut [f32])> {
    values
        .chunks_exact_mut(p.max(1))
        .enumerate()
        .map(|(i, plane)| (i % C, plane))
}

/// `y = x·α + β` channel by channel, as PyTorch's batch_norm_cpu kernel applies it, with
/// `α = invstd·weight` and `β = bias − mean·α`.
fn normalize<const C: usize>(
    (weight, bias): (&[f32; C], &[f32; C]),
    (mean, invstd): (&[f32; C], &[f32; C]),
    x: &[f32],
    y: &mut [f32],
    p: usize,
) {
    let alpha: [f32; C] = core::array::from_fn(|c| invstd[c] * weight[c]);
    let beta: [f32; C] = core::array::from_fn(|c| bias[c] - mean[c] * alpha[c]);
    for ((c, x), (_, y)) in planes::<C>(x, p).zip(planes_mut::<C>(y, p)) {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = x * alpha[c] + beta[c];
        }
    }
}

/// Per channel, the batch's mean and `Σ (x − mean)²`, as PyTorch's collect-stats kernels sum
/// them: in f32 down each channel for vectors, else in f64 value by value.
fn batch_stats<const C: usize>(x: &[f32], p: usize, n: usize) -> ([f32; C], [f32; C]) {
    let mut sum = [0.0_f64; C];
    let mut sum32 = [0.0_f32; C];
    for (c, plane) in planes::<C>(x, p) {
        for &v in plane {
            if p == 1 {
                sum32[c] += v;
            } else {
                sum[c] += f64::from(v);
            }
        }
    }
    let mean: [f32; C] = core::array::from_fn(|c| {
        let sum = if p == 1 { f64::from(sum32[c]) } else { sum[c] };
        (sum / n as f64) as f32
    });
    let (mut squares, mut squares32) = ([0.0_f64; C], [0.0_f32; C]);
    for (c, plane) in planes::<C>(x, p) {
        for &v in plane {
            let d = (v - mean[c]) * (v - mean[c]);
            if p == 1 {
                squares32[c] += d;
            } else {
                squares[c] += f64::from(d);
            }
        }
    }
    let var_sum = core::array::from_fn(|c| {
        if p == 1 {
            squares32[c]
        } else {
            squares[c] as f32
        }
    });
    (mean, var_sum)
}

/// Per channel, `Σ dy` and `Σ (x − mean)·dy` over the batch, as PyTorch's backward kernels sum
/// them: in f32 down each channel for vectors, else each plane in f32 and the planes in f64.
fn grad_sums<const C: usize>(
    x: &[f32],
    dy: &[f32],
    mean: &[f32; C],
    p: usize,
) -> ([f64; C], [f64; C]) {
    let (mut sum, mut dotp) = ([0.0_f64; C], [0.0_f64; C]);
    let (mut sum32, mut dotp32) = ([0.0_f32; C], [0.0_f32; C]);
    for ((c, x), (_, dy)) in planes::<C>(x, p).zip(planes::<C>(dy, p)) {
        let (mut s, mut d) = (0.0_f32, 0.0_f32);
        for (&x, &dy) in x.iter().zip(dy) {
            s += dy;
            d += (x - mean[c]) * dy;
        }
        if p == 1 {
            sum32[c] += s;
            dotp32[c] += d;
        } else {
            sum[c] += f64::from(s);
            dotp[c] += f64::from(d);
        }
    }
    if p == 1 {
        sum = sum32.map(f64::from);
        dotp = dotp32.map(f64::from);
    }
    (sum, dotp)
}

/// `weight += Σ (x − mean)·dy · invstd`, `bias += Σ dy` (PyTorch's `dotp * invstd` and `sum`).
fn add_param_grads<const C: usize>(
    (sum, dotp): ([f64; C], [f64; C]),
    invstd: &[f32; C],
    weight: &mut [f32; C],
    bias: &mut [f32; C],
) {
    for c in 0..C {
        weight[c] += (dotp[c] * f64::from(invstd[c])) as f32;
        bias[c] += sum[c] as f32;
    }
}

/// The number of values each channel has in a flat batch.
fn per_channel<const C: usize>(values: &[f32]) -> usize {
    values.len().checked_div(C).unwrap_or(0)
}

/// The batch's mean and invstd per channel, as a training-mode forward left them in `cache`.
fn cached<const C: usize>(cache: &[f32]) -> ([f32; C], [f32; C]) {
    (
        core::array::from_fn(|c| cache[c]),
        core::array::from_fn(|c| cache[C + c]),
    )
}

impl<const C: usize> Eval<'_, C> {
    /// `1/√(running_var + eps)` in f32, as the evaluation forward computes it.
    fn invstd_f32(&self) -> [f32; C] {
        core::array::from_fn(|c| 1.0 / sqrt(self.running_var[c] + self.eps))
    }

    /// `1/√(running_var + eps)` in f64 with a double `eps`, as the evaluation backward does.
    fn invstd_f64(&self) -> [f32; C] {
        let eps = python_float(self.eps);
        core::array::from_fn(|c| (1.0 / sqrt_f64(f64::from(self.running_var[c]) + eps)) as f32)
    }

    fn forward(&self, x: &[f32], y: &mut [f32], p: usize) {
        let invstd = self.invstd_f32();
        normalize(
            (self.weight, self.bias),
            (self.running_mean, &invstd),
            x,
            y,
            p,
        );
    }

    fn backward_params(
        &self,
        x: &[f32],
        dy: &[f32],
        p: usize,
        grads: (&mut [f32; C], &mut [f32; C]),
    ) {
        let sums = grad_sums(x, dy, self.running_mean, p);
        add_param_grads(sums, &self.invstd_f64(), grads.0, grads.1);
    }

    /// `dx = dy · invstd · weight`.
    fn backward_input(&self, dy: &[f32], dx: &mut [f32], p: usize) {
        let invstd = self.invstd_f64();
        for ((c, dy), (_, dx)) in planes::<C>(dy, p).zip(planes_mut::<C>(dx, p)) {
            for (dx, &dy) in dx.iter_mut().zip(dy) {
                *dx = dy * invstd[c] * self.weight[c];
            }
        }
    }
}

impl<const C: usize> Train<'_, C> {
    /// Normalizes by the batch's statistics, keeps them in `cache` (mean, then invstd) and
    /// updates the running statistics, as `model.train()`'s forward does.
    fn forward(self, x: &[f32], y: &mut [f32], cache: &mut [f32], p: usize) {
        *self.num_batches_tracked += 1;
        let n = per_channel::<C>(x);
        if n == 0 {
            cache[..2 * C].fill(0.0);
            return;
        }
        let (mean, var_sum) = batch_stats::<C>(x, p, n);
        let (eps, momentum) = (python_float(self.eps), python_float(self.momentum));
        let invstd: [f32; C] = core::array::from_fn(|c| {
            let var = f64::from(var_sum[c] / n as f32);
            if var == 0.0 && eps == 0.0 {
                0.0
            } else {
                (1.0 / sqrt_f64(var + eps)) as f32
            }
        });
        for c in 0..C {
            let unbiased = if n > 1 {
                var_sum[c] / (n - 1) as f32
            } else {
                0.0
            };
            let (old_mean, old_var) = (self.running_mean[c], self.running_var[c]);
            self.running_mean[c] =
                (momentum * f64::from(mean[c]) + (1.0 - momentum) * f64::from(old_mean)) as f32;
            self.running_var[c] =
                (momentum * f64::from(unbiased) + (1.0 - momentum) * f64::from(old_var)) as f32;
        }
        cache[..C].copy_from_slice(&mean);
        cache[C..2 * C].copy_from_slice(&invstd);
        normalize((self.weight, self.bias), (&mean, &invstd), x, y, p);
    }
}

/// The parameter gradients of a training-mode forward whose statistics are in `cache`.
fn backward_params_train<const C: usize>(
    x: &[f32],
    dy: &[f32],
    cache: &[f32],
    p: usize,
    grads: (&mut [f32; C], &mut [f32; C]),
) {
    let (mean, invstd) = cached::<C>(cache);
    add_param_grads(grad_sums(x, dy, &mean, p), &invstd, grads.0, grads.1);
}

/// The input gradients of a training-mode forward, as PyTorch's kernel writes them:
/// `dx = (dy − Σdy/n − (x − mean)·k)·invstd·weight` with `k = Σ(x − mean)·dy · invstd² / n`.
fn backward_input_train<const C: usize>(
    weight: &[f32; C],
    x: &[f32],
    dy: &[f32],
    cache: &[f32],
    p: usize,
    dx: &mut [f32],
) {
    let n = per_channel::<C>(x);
    if n == 0 {
        return;
    }
    let (mean, invstd) = cached::<C>(cache);
    let (sum, dotp) = grad_sums(x, dy, &mean, p);
    let k: [f32; C] = core::array::from_fn(|c| dotp[c] as f32 * invstd[c] * invstd[c] / n as f32);
    let grad_mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    let planes_in = planes::<C>(x, p).zip(planes::<C>(dy, p));
    for (((c, x), (_, dy)), (_, dx)) in planes_in.zip(planes_mut::<C>(dx, p)) {
        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
            let projection = (x - mean[c]) * k[c];
            *dx = (dy - grad_mean[c] - projection) * invstd[c] * weight[c];
        }
    }
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
                self.eval().forward(x.flat(), y.flat_mut(), $p);
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
                self.eval().forward(x, y, $p);
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
            fn train_cache_len(_batch: usize) -> usize {
                2 * C
            }

            fn forward_train<R: rand::Rng + ?Sized>(
                &mut self,
                x: &[$x],
                y: &mut [$x],
                cache: &mut [f32],
                _rng: &mut R,
            ) {
                let (x, y) = (<$x>::flat_batch(x), <$x>::flat_batch_mut(y));
                self.train().forward(x, y, cache, $p);
            }

            fn backward_params_train(
                &self,
                x: &[$x],
                _y: &[$x],
                dy: &[$x],
                cache: &[f32],
                grads: &mut Self,
            ) {
                let grads = (&mut grads.weight, &mut grads.bias);
                let (x, dy) = (<$x>::flat_batch(x), <$x>::flat_batch(dy));
                backward_params_train::<C>(x, dy, cache, $p, grads);
            }

            fn backward_input_train(
                &self,
                x: &[$x],
                _y: &[$x],
                dy: &[$x],
                cache: &[f32],
                dx: &mut [$x],
            ) {
                let (x, dy) = (<$x>::flat_batch(x), <$x>::flat_batch(dy));
                backward_input_train(&self.weight, x, dy, cache, $p, <$x>::flat_batch_mut(dx));
            }
        }
    };
}

batch_norm_layer!(BatchNorm1d, [], [f32; C], 1);
batch_norm_layer!(BatchNorm1d, [const L], [[f32; L]; C], L);
batch_norm_layer!(BatchNorm2d, [const H, const W], [[[f32; W]; H]; C], H * W);

#[cfg(test)]
mod tests;

//! The arithmetic both batch-norm layers share, on a batch viewed flat as `[N, C, P]`.
//!
//! It repeats PyTorch's CPU kernels on one thread (`aten/src/ATen/native/cpu/
//! batch_norm_kernel.cpp` and `Normalization.cpp`), operation for operation where it can:
//!
//! - the output is `x·α + β` with `α = invstd·weight`, `β = bias − mean·α`, in f32;
//! - the batch's sums run in f32 down each channel for vectors (PyTorch's channels-last path,
//!   taken when `P = 1`), and value by value in f64 for sequences and images, whose backward
//!   sums each plane in f32 and the planes in f64; PyTorch's vectorized plane sums add in
//!   another order, so those can differ in the last bit;
//! - `invstd = 1/√(var + eps)` in f64 in training mode, in f32 in the evaluation forward, and in
//!   f64 again in the evaluation backward;
//! - the running statistics are updated in f64 with PyTorch's `momentum` and `eps`, which are
//!   Python floats: the `f64` their printed decimal names (`0.1`), not the nearest `f32`'s.

use super::input_grads::InputGrads;
use super::split::{self, Part};
use super::sums::{batch_stats, channel_grads, channel_stats, grad_sums};
use crate::fmt::python_float;
use crate::kernels::isa;
use core::ops::Range;

use crate::math::{sqrt, sqrt_f64};

/// A layer's parameters and running statistics, borrowed: what evaluation mode reads.
#[derive(Clone, Copy)]
pub(super) struct Eval<'a, const C: usize> {
    pub(super) weight: &'a [f32; C],
    pub(super) bias: &'a [f32; C],
    pub(super) running_mean: &'a [f32; C],
    pub(super) running_var: &'a [f32; C],
    pub(super) eps: f32,
}

/// A layer borrowed for a training-mode forward, which updates its running statistics.
pub(super) struct Train<'a, const C: usize> {
    pub(super) weight: &'a [f32; C],
    pub(super) bias: &'a [f32; C],
    pub(super) running_mean: &'a mut [f32; C],
    pub(super) running_var: &'a mut [f32; C],
    pub(super) num_batches_tracked: &'a mut i64,
    pub(super) eps: f32,
    pub(super) momentum: f32,
}

/// The planes of a flat `[N, C, P]` batch in order, each with its channel. (With `P = 0` the
/// batch is empty and so is the iterator.)
pub(super) fn planes<const C: usize>(
    values: &[f32],
    p: usize,
) -> impl Iterator<Item = (usize, &[f32])> {
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

/// `α = invstd·weight` and `β = bias − mean·α` per channel, the normalization's affine map.
fn affine<const C: usize>(
    (weight, bias): (&[f32; C], &[f32; C]),
    (mean, invstd): (&[f32; C], &[f32; C]),
) -> ([f32; C], [f32; C]) {
    let alpha: [f32; C] = core::array::from_fn(|c| invstd[c] * weight[c]);
    let beta: [f32; C] = core::array::from_fn(|c| bias[c] - mean[c] * alpha[c]);
    (alpha, beta)
}

/// The ReLU a training-mode forward folded in, as its backward sees it: a value's gradient
/// passes where the normalized value `x·α + β` (the ReLU's input, computed again, the same
/// bits) is above 0, else it is 0, as `threshold_backward` masks by the ReLU's output.
#[derive(Clone, Copy)]
pub(super) struct ReluMask<'a, const C: usize> {
    pub(super) alpha: &'a [f32; C],
    pub(super) beta: &'a [f32; C],
}

impl<const C: usize> ReluMask<'_, C> {
    /// `dy` if value `x` of channel `c` passed the ReLU, else 0.
    #[inline(always)]
    pub(super) fn keep(&self, c: usize, x: f32, dy: f32) -> f32 {
        if x * self.alpha[c] + self.beta[c] > 0.0 {
            dy
        } else {
            0.0
        }
    }
}

/// `y = x·α + β` channel by channel, as PyTorch's batch_norm_cpu kernel applies it, with
/// `α = invstd·weight` and `β = bias − mean·α`; then `max(y, 0)` as `ReLU` has it if `RELU`.
fn normalize<const C: usize, const RELU: bool>(
    params: (&[f32; C], &[f32; C]),
    stats: (&[f32; C], &[f32; C]),
    x: &[f32],
    y: &mut [f32],
    p: usize,
) {
    let (alpha, beta) = affine(params, stats);
    let p = p.max(1);
    crate::kernels::elementwise(
        y,
        p,
        #[inline(always)]
        |start, y| {
            let x = &x[start..start + y.len()];
            for (i, (y, x)) in y.chunks_exact_mut(p).zip(x.chunks_exact(p)).enumerate() {
                let c = (start / p + i) % C;
                normalize_plane::<RELU>((alpha[c], beta[c]), x, y);
            }
        },
    );
}

/// [`normalize`] of the planes of `channels` (`p > 1`), `ys` theirs of every sample.
fn normalize_part<const C: usize, const RELU: bool>(
    (alpha, beta): (&[f32; C], &[f32; C]),
    x: &[f32],
    ys: Part<'_>,
    channels: Range<usize>,
    p: usize,
) {
    crate::kernels::in_lanes(
        #[inline(always)]
        || {
            for (x, y) in x.chunks_exact(C * p).zip(ys) {
                let x = &x[channels.start * p..channels.end * p];
                let planes = y.chunks_exact_mut(p).zip(x.chunks_exact(p));
                for (c, (y, x)) in channels.clone().zip(planes) {
                    normalize_plane::<RELU>((alpha[c], beta[c]), x, y);
                }
            }
        },
    );
}

/// `y = x·a + b` over one plane, then `max(y, 0)` if `RELU`.
#[inline(always)]
fn normalize_plane<const RELU: bool>(ab: (f32, f32), x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = crate::kernels::affine_map::<RELU>(x, ab);
    }
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
    pub(super) fn invstd_f32(&self) -> [f32; C] {
        core::array::from_fn(|c| 1.0 / sqrt(self.running_var[c] + self.eps))
    }

    /// `1/√(running_var + eps)` in f64 with a double `eps`, as the evaluation backward does.
    fn invstd_f64(&self) -> [f32; C] {
        let eps = python_float(self.eps);
        core::array::from_fn(|c| (1.0 / sqrt_f64(f64::from(self.running_var[c]) + eps)) as f32)
    }

    /// `y = (x − running_mean)·invstd·weight + bias`, as `x·α + β`; with `RELU`, `relu(y)`.
    pub(super) fn forward<const RELU: bool>(&self, x: &[f32], y: &mut [f32], p: usize) {
        let invstd = self.invstd_f32();
        normalize::<C, RELU>(
            (self.weight, self.bias),
            (self.running_mean, &invstd),
            x,
            y,
            p,
        );
    }

    /// The `α` and `β` of [`Self::forward`]'s `x·α + β`.
    pub(super) fn affine(&self) -> ([f32; C], [f32; C]) {
        affine(
            (self.weight, self.bias),
            (self.running_mean, &self.invstd_f32()),
        )
    }

    /// Adds `Σ (x − running_mean)·dy · invstd` to the weight's gradient, `Σ dy` to the bias's.
    pub(super) fn backward_params(
        &self,
        x: &[f32],
        dy: &[f32],
        p: usize,
        grads: (&mut [f32; C], &mut [f32; C]),
    ) {
        let sums = grad_sums(isa(), x, dy, self.running_mean, p, None);
        add_param_grads(sums, &self.invstd_f64(), grads.0, grads.1);
    }

    /// `dx = dy · invstd · weight`.
    pub(super) fn backward_input(&self, dy: &[f32], dx: &mut [f32], p: usize) {
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
    /// updates the running statistics, as `model.train()`'s forward does; then, if `RELU`,
    /// applies the `ReLU` that follows in the same pass. Planes (`p > 1`) go by runs of
    /// channels ([`split`]): each run's statistics, then its values.
    pub(super) fn forward<const RELU: bool>(
        self,
        x: &[f32],
        y: &mut [f32],
        cache: &mut [f32],
        p: usize,
    ) {
        *self.num_batches_tracked += 1;
        let n = per_channel::<C>(x);
        if n == 0 {
            cache[..2 * C].fill(0.0);
            return;
        }
        let (eps, momentum) = (python_float(self.eps), python_float(self.momentum));
        let params = (self.weight, self.bias);
        let (mean, var_sum) = if p == 1 {
            let (mean, var_sum) = batch_stats::<C>(isa(), x, p, n);
            let invstd = var_sum.map(|v| invstd(v, n, eps));
            normalize::<C, RELU>(params, (&mean, &invstd), x, y, p);
            (mean, var_sum)
        } else {
            let isa = isa();
            let [sum, squares] = split::by_channels(Some(y), (x.len(), p, 4), |cs, ys| {
                let [sum, squares] = channel_stats::<C>(isa, x, p, n, cs.clone());
                let (mean, var_sum) = moments((&sum, &squares), n);
                let invstd = core::array::from_fn(|c| invstd(var_sum[c], n, eps));
                let (alpha, beta) = affine(params, (&mean, &invstd));
                if let Some(ys) = ys {
                    normalize_part::<C, RELU>((&alpha, &beta), x, ys, cs, p);
                }
                [sum, squares]
            });
            moments((&sum, &squares), n)
        };
        let invstd = var_sum.map(|v| invstd(v, n, eps));
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
    }
}

/// The mean `Σ x / n` and `Σ (x − mean)²` in f32, from their sums in f64.
fn moments<const C: usize>(
    (sum, squares): (&[f64; C], &[f64; C]),
    n: usize,
) -> ([f32; C], [f32; C]) {
    (
        core::array::from_fn(|c| (sum[c] / n as f64) as f32),
        squares.map(|s| s as f32),
    )
}

/// `1/√(var + eps)` in f64 of the biased variance `var_sum / n`, 0 where both are 0.
fn invstd(var_sum: f32, n: usize, eps: f64) -> f32 {
    let var = f64::from(var_sum / n as f32);
    if var == 0.0 && eps == 0.0 {
        0.0
    } else {
        (1.0 / sqrt_f64(var + eps)) as f32
    }
}

/// The backward of a training-mode forward whose statistics are in `cache`, the batch's sums
/// taken once for both: the parameter gradients into `grads` and, as PyTorch's kernel writes
/// them, the input gradients `dx = (dy − Σdy/n − (x − mean)·k)·invstd·weight` with `k = Σ(x −
/// mean)·dy · invstd² / n`, each where given. With `bias` (a forward that folded in the `ReLU`
/// after it), `dy` is the ReLU's output gradient, masked by [`ReluMask`] wherever it is read.
/// Planes (`p > 1`) go by runs of channels ([`split`]): each run's sums, then its gradients.
pub(super) fn backward_train<const C: usize>(
    (weight, bias): (&[f32; C], Option<&[f32; C]>),
    (x, dy): (&[f32], &[f32]),
    cache: &[f32],
    p: usize,
    grads: Option<(&mut [f32; C], &mut [f32; C])>,
    dx: Option<&mut [f32]>,
) {
    let n = per_channel::<C>(x);
    if n == 0 || (grads.is_none() && dx.is_none()) {
        return;
    }
    let (mean, invstd) = cached::<C>(cache);
    let map = bias.map(|bias| affine((weight, bias), (&mean, &invstd)));
    let mask = map.as_ref().map(|(alpha, beta)| ReluMask { alpha, beta });
    let (alpha, beta) = mask.map_or((&[0.0; C], &[0.0; C]), |m| (m.alpha, m.beta));
    let input = |(sum, dotp): (&[f64; C], &[f64; C])| InputGrads {
        k: core::array::from_fn(|c| dotp[c] as f32 * invstd[c] * invstd[c] / n as f32),
        grad_mean: core::array::from_fn(|c| (sum[c] / n as f64) as f32),
        mean: &mean,
        invstd: &invstd,
        weight,
        alpha,
        beta,
    };
    let (sum, dotp) = if p == 1 {
        let (sum, dotp) = grad_sums(isa(), x, dy, &mean, p, mask);
        if let Some(dx) = dx {
            input((&sum, &dotp)).all(mask.is_some(), (x, dy), p, dx);
        }
        (sum, dotp)
    } else {
        let (isa, passes) = (isa(), if dx.is_some() { 5 } else { 2 });
        let [sum, dotp] = split::by_channels(dx, (x.len(), p, passes), |cs, dxs| {
            let [sum, dotp] = channel_grads(isa, (x, dy), &mean, p, mask, cs.clone());
            if let Some(dxs) = dxs {
                input((&sum, &dotp)).part(mask.is_some(), (x, dy), p, dxs, cs);
            }
            [sum, dotp]
        });
        (sum, dotp)
    };
    if let Some((dweight, dbias)) = grads {
        add_param_grads((sum, dotp), &invstd, dweight, dbias);
    }
}

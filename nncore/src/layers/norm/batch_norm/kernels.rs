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

use super::sums::{batch_stats, grad_sums};
use crate::fmt::python_float;
use crate::kernels::isa;
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
                // The plane's constants in locals, so that the loop runs in the vector lanes.
                let (a, b) = (alpha[c], beta[c]);
                for (y, &x) in y.iter_mut().zip(x) {
                    let v = x * a + b;
                    *y = if !RELU || v > 0.0 { v } else { 0.0 };
                }
            }
        },
    );
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
    /// applies the `ReLU` that follows in the same pass.
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
        let (mean, var_sum) = batch_stats::<C>(isa(), x, p, n);
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
        normalize::<C, RELU>((self.weight, self.bias), (&mean, &invstd), x, y, p);
    }
}

/// The backward of a training-mode forward whose statistics are in `cache`, the batch's sums
/// taken once for both: the parameter gradients into `grads` and, as PyTorch's kernel writes
/// them, the input gradients `dx = (dy − Σdy/n − (x − mean)·k)·invstd·weight` with `k = Σ(x −
/// mean)·dy · invstd² / n`, each where given. With `bias` (a forward that folded in the `ReLU`
/// after it), `dy` is the ReLU's output gradient, masked by [`ReluMask`] wherever it is read.
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
    let (sum, dotp) = grad_sums(isa(), x, dy, &mean, p, mask);
    if let Some((dweight, dbias)) = grads {
        add_param_grads((sum, dotp), &invstd, dweight, dbias);
    }
    let Some(dx) = dx else { return };
    let k: [f32; C] = core::array::from_fn(|c| dotp[c] as f32 * invstd[c] * invstd[c] / n as f32);
    let grad_mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    match mask {
        Some(mask) => input_grads::<C, true>(
            (x, dy),
            (&mean, &k, &grad_mean),
            (&invstd, weight),
            p,
            dx,
            (mask.alpha, mask.beta),
        ),
        None => input_grads::<C, false>(
            (x, dy),
            (&mean, &k, &grad_mean),
            (&invstd, weight),
            p,
            dx,
            (&[0.0; C], &[0.0; C]),
        ),
    }
}

/// `dx = (dy − grad_mean − (x − mean)·k)·invstd·weight`, with each `dy` masked as
/// [`ReluMask::keep`] does by `(α, β)` if `MASK`.
fn input_grads<const C: usize, const MASK: bool>(
    (x, dy): (&[f32], &[f32]),
    (mean, k, grad_mean): (&[f32; C], &[f32; C], &[f32; C]),
    (invstd, weight): (&[f32; C], &[f32; C]),
    p: usize,
    dx: &mut [f32],
    (alpha, beta): (&[f32; C], &[f32; C]),
) {
    let p = p.max(1);
    crate::kernels::elementwise(
        dx,
        p,
        #[inline(always)]
        |start, dx| {
            let (x, dy) = (&x[start..start + dx.len()], &dy[start..start + dx.len()]);
            let planes_in = x.chunks_exact(p).zip(dy.chunks_exact(p));
            for (i, (dx, (x, dy))) in dx.chunks_exact_mut(p).zip(planes_in).enumerate() {
                let c = (start / p + i) % C;
                // The plane's constants in locals, so that the loop runs in the vector lanes.
                let (m, k, g, s, w) = (mean[c], k[c], grad_mean[c], invstd[c], weight[c]);
                let (a, b) = (alpha[c], beta[c]);
                for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
                    let dy = if !MASK || x * a + b > 0.0 { dy } else { 0.0 };
                    let projection = (x - m) * k;
                    *dx = (dy - g - projection) * s * w;
                }
            }
        },
    );
}

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

use core::ops::Range;

use crate::fmt::python_float;
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
    let p = p.max(1);
    crate::kernels::elementwise(y, p, |start, y| {
        let x = &x[start..start + y.len()];
        for (i, (y, x)) in y.chunks_exact_mut(p).zip(x.chunks_exact(p)).enumerate() {
            let c = (start / p + i) % C;
            for (y, &x) in y.iter_mut().zip(x) {
                *y = x * alpha[c] + beta[c];
            }
        }
    });
}

/// Channels whose sums run side by side: each channel's sum is one chain of dependent additions,
/// and the CPU overlaps independent chains. Every channel still adds in its own order.
const SIDE: usize = 8;

/// For each sample of a flat `[N, C, P]` batch, its channels in groups of [`SIDE`] (the last
/// maybe fewer): the first channel and the group's planes.
fn groups<const C: usize>(
    values: &[f32],
    p: usize,
) -> impl Iterator<Item = (usize, [&[f32]; SIDE])> {
    values.chunks_exact((C * p).max(1)).flat_map(move |sample| {
        sample
            .chunks((SIDE * p).max(1))
            .enumerate()
            .map(move |(g, planes)| {
                let mut rows = planes.chunks_exact(p.max(1));
                (
                    g * SIDE,
                    core::array::from_fn(|_| rows.next().unwrap_or(&[])),
                )
            })
    })
}

/// `acc[c0 + j] += f(v)` in f64 for the values `v` of each plane `planes[j]`, in order.
#[inline(always)]
fn add_planes<const C: usize>(
    acc: &mut [f64; C],
    c0: usize,
    planes: [&[f32]; SIDE],
    f: impl Fn(usize, f32) -> f32,
) {
    let p = planes[0].len();
    if c0 + SIDE <= C && planes.iter().all(|plane| plane.len() == p) {
        // Each `p` long for the compiler too, so that it drops the bounds checks.
        let planes: [&[f32]; SIDE] = core::array::from_fn(|j| &planes[j][..p]);
        let mut sums: [f64; SIDE] = core::array::from_fn(|j| acc[c0 + j]);
        // Value `i` of each plane in turn.
        #[allow(clippy::needless_range_loop)]
        for i in 0..p {
            for j in 0..SIDE {
                sums[j] += f64::from(f(c0 + j, planes[j][i]));
            }
        }
        acc[c0..c0 + SIDE].copy_from_slice(&sums);
    } else {
        for (j, plane) in planes.iter().enumerate() {
            for &v in *plane {
                acc[c0 + j] += f64::from(f(c0 + j, v));
            }
        }
    }
}

/// `f(channels)` for all `C` channels of a batch of `len` values: with the `rayon` feature, a
/// large batch's channels in two halves on rayon's threads, each channel's sums taken from the
/// half that has it (they are its own, so the bits do not depend on the split).
fn by_channels<const C: usize, const K: usize>(
    len: usize,
    f: impl Fn(Range<usize>) -> [[f64; C]; K] + Sync,
) -> [[f64; C]; K] {
    #[cfg(feature = "rayon")]
    if crate::kernels::parallel::values(len, 1).is_some() {
        let half = (C / 2).next_multiple_of(SIDE);
        if half < C {
            let (mut sums, rest) = rayon::join(|| f(0..half), || f(half..C));
            for (sums, rest) in sums.iter_mut().zip(&rest) {
                sums[half..].copy_from_slice(&rest[half..]);
            }
            return sums;
        }
    }
    let _ = len;
    f(0..C)
}

/// Per channel, the batch's mean and `Σ (x − mean)²`, as PyTorch's collect-stats kernels sum
/// them: in f32 down each channel for vectors, else in f64 value by value.
pub(super) fn batch_stats<const C: usize>(x: &[f32], p: usize, n: usize) -> ([f32; C], [f32; C]) {
    if p == 1 {
        let mut sum = [0.0_f32; C];
        for (c, plane) in planes::<C>(x, 1) {
            sum[c] += plane[0];
        }
        let mean = sum.map(|s| (f64::from(s) / n as f64) as f32);
        let mut squares = [0.0_f32; C];
        for (c, plane) in planes::<C>(x, 1) {
            squares[c] += (plane[0] - mean[c]) * (plane[0] - mean[c]);
        }
        return (mean, squares);
    }
    let [sum] = by_channels(x.len(), |channels| {
        let mut sum = [0.0_f64; C];
        for (c0, planes) in groups::<C>(x, p).filter(|(c0, _)| channels.contains(c0)) {
            add_planes(&mut sum, c0, planes, |_, v| v);
        }
        [sum]
    });
    let mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    let [squares] = by_channels(x.len(), |channels| {
        let mut squares = [0.0_f64; C];
        for (c0, planes) in groups::<C>(x, p).filter(|(c0, _)| channels.contains(c0)) {
            add_planes(&mut squares, c0, planes, |c, v| {
                (v - mean[c]) * (v - mean[c])
            });
        }
        [squares]
    });
    (mean, squares.map(|s| s as f32))
}

/// Per channel, `Σ dy` and `Σ (x − mean)·dy` over the batch, as PyTorch's backward kernels sum
/// them: in f32 down each channel for vectors, else each plane in f32 and the planes in f64.
pub(super) fn grad_sums<const C: usize>(
    x: &[f32],
    dy: &[f32],
    mean: &[f32; C],
    p: usize,
) -> ([f64; C], [f64; C]) {
    if p == 1 {
        let (mut sum, mut dotp) = ([0.0_f32; C], [0.0_f32; C]);
        for ((c, x), (_, dy)) in planes::<C>(x, 1).zip(planes::<C>(dy, 1)) {
            sum[c] += dy[0];
            dotp[c] += (x[0] - mean[c]) * dy[0];
        }
        return (sum.map(f64::from), dotp.map(f64::from));
    }
    let [sum, dotp] = by_channels(x.len(), |channels| {
        let (mut sum, mut dotp) = ([0.0_f64; C], [0.0_f64; C]);
        let both = groups::<C>(x, p).zip(groups::<C>(dy, p));
        for ((c0, x), (_, dy)) in both.filter(|((c0, _), _)| channels.contains(c0)) {
            let (mut s, mut d) = ([0.0_f32; SIDE], [0.0_f32; SIDE]);
            let full = c0 + SIDE <= C;
            if full {
                // Each `p` long for the compiler too, so that it drops the bounds checks.
                let x: [&[f32]; SIDE] = core::array::from_fn(|j| &x[j][..p]);
                let dy: [&[f32]; SIDE] = core::array::from_fn(|j| &dy[j][..p]);
                let m: [f32; SIDE] = core::array::from_fn(|j| mean[c0 + j]);
                #[allow(clippy::needless_range_loop)]
                for i in 0..p {
                    for j in 0..SIDE {
                        s[j] += dy[j][i];
                        d[j] += (x[j][i] - m[j]) * dy[j][i];
                    }
                }
            }
            for j in 0..SIDE {
                if !full {
                    for (&x, &dy) in x[j].iter().zip(dy[j]) {
                        s[j] += dy;
                        d[j] += (x - mean[c0 + j]) * dy;
                    }
                }
                if c0 + j < C {
                    sum[c0 + j] += f64::from(s[j]);
                    dotp[c0 + j] += f64::from(d[j]);
                }
            }
        }
        [sum, dotp]
    });
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
    pub(super) fn invstd_f32(&self) -> [f32; C] {
        core::array::from_fn(|c| 1.0 / sqrt(self.running_var[c] + self.eps))
    }

    /// `1/√(running_var + eps)` in f64 with a double `eps`, as the evaluation backward does.
    fn invstd_f64(&self) -> [f32; C] {
        let eps = python_float(self.eps);
        core::array::from_fn(|c| (1.0 / sqrt_f64(f64::from(self.running_var[c]) + eps)) as f32)
    }

    /// `y = (x − running_mean)·invstd·weight + bias`, as `x·α + β`.
    pub(super) fn forward(&self, x: &[f32], y: &mut [f32], p: usize) {
        let invstd = self.invstd_f32();
        normalize(
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
        let sums = grad_sums(x, dy, self.running_mean, p);
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
    /// updates the running statistics, as `model.train()`'s forward does.
    pub(super) fn forward(self, x: &[f32], y: &mut [f32], cache: &mut [f32], p: usize) {
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

/// The backward of a training-mode forward whose statistics are in `cache`, the batch's sums
/// taken once for both: the parameter gradients into `grads` and, as PyTorch's kernel writes
/// them, the input gradients `dx = (dy − Σdy/n − (x − mean)·k)·invstd·weight` with `k = Σ(x −
/// mean)·dy · invstd² / n`, each where given.
pub(super) fn backward_train<const C: usize>(
    weight: &[f32; C],
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
    let (sum, dotp) = grad_sums(x, dy, &mean, p);
    if let Some((dweight, dbias)) = grads {
        add_param_grads((sum, dotp), &invstd, dweight, dbias);
    }
    let Some(dx) = dx else { return };
    let k: [f32; C] = core::array::from_fn(|c| dotp[c] as f32 * invstd[c] * invstd[c] / n as f32);
    let grad_mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    let p = p.max(1);
    crate::kernels::elementwise(dx, p, |start, dx| {
        let (x, dy) = (&x[start..start + dx.len()], &dy[start..start + dx.len()]);
        let planes_in = x.chunks_exact(p).zip(dy.chunks_exact(p));
        for (i, (dx, (x, dy))) in dx.chunks_exact_mut(p).zip(planes_in).enumerate() {
            let c = (start / p + i) % C;
            for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
                let projection = (x - mean[c]) * k[c];
                *dx = (dy - grad_mean[c] - projection) * invstd[c] * weight[c];
            }
        }
    });
}

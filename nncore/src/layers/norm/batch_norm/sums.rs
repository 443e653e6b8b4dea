//! BatchNorm's per-channel sums over a batch viewed flat as `[N, C, P]`, each channel's in the
//! order `kernels.rs` documents: eight channels side by side in plain code, or, on AVX-512,
//! sixteen in the lanes of two vectors ([`kernels::plane_sums`], [`kernels::plane_grads`]),
//! each lane the same chain of additions.

use core::ops::Range;

use super::kernels::{ReluMask, planes};
use crate::kernels::{self, Isa};

/// Runs `f(values, channels)` on the channels of one sample from `channels.start` that the
/// vector kernels take (`values` their planes), which returns how many it summed: those
/// channels, and the ones left for plain code.
fn in_lanes(
    sample: &[f32],
    p: usize,
    channels: &Range<usize>,
    f: impl FnOnce(&[f32], Range<usize>) -> usize,
) -> (Range<usize>, Range<usize>) {
    let values = &sample[channels.start * p..channels.end * p];
    let done = channels.start + f(values, channels.clone());
    (channels.start..done, done..channels.end)
}

/// Channels whose sums run side by side: each channel's sum is one chain of dependent additions,
/// and the CPU overlaps independent chains. Every channel still adds in its own order.
const SIDE: usize = 8;

/// For each sample of a flat `[N, C, P]` batch (or one sample), its channels in groups of
/// [`SIDE`] (the last maybe fewer): the first channel and the group's planes.
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

/// Per channel, the batch's mean and `Σ (x − mean)²`, as PyTorch's collect-stats kernels sum
/// them: in f32 down each channel for vectors, else in f64 value by value.
pub(super) fn batch_stats<const C: usize>(
    isa: Isa,
    x: &[f32],
    p: usize,
    n: usize,
) -> ([f32; C], [f32; C]) {
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
    let [sum, squares] = channel_stats::<C>(isa, x, p, n, 0..C);
    let mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    (mean, squares.map(|s| s as f32))
}

/// For the planes (`p > 1`) of `channels`, the batch's `Σ x` and `Σ (x − mean)²` in f64 value
/// by value, the mean `(Σ x / n) as f32`; 0 for the other channels.
pub(super) fn channel_stats<const C: usize>(
    isa: Isa,
    x: &[f32],
    p: usize,
    n: usize,
    channels: Range<usize>,
) -> [[f64; C]; 2] {
    let mut sum = [0.0_f64; C];
    for sample in x.chunks_exact(C * p) {
        let (_, rest) = in_lanes(sample, p, &channels, |values, c| {
            kernels::plane_sums(isa, values, p, None, &mut sum[c])
        });
        for (c0, planes) in groups::<C>(sample, p).filter(|(c0, _)| rest.contains(c0)) {
            add_planes(&mut sum, c0, planes, |_, v| v);
        }
    }
    let mean: [f32; C] = core::array::from_fn(|c| (sum[c] / n as f64) as f32);
    let mut squares = [0.0_f64; C];
    for sample in x.chunks_exact(C * p) {
        let (_, rest) = in_lanes(sample, p, &channels, |values, c| {
            let mean = Some(&mean[c.clone()]);
            kernels::plane_sums(isa, values, p, mean, &mut squares[c])
        });
        for (c0, planes) in groups::<C>(sample, p).filter(|(c0, _)| rest.contains(c0)) {
            add_planes(&mut squares, c0, planes, |c, v| {
                (v - mean[c]) * (v - mean[c])
            });
        }
    }
    [sum, squares]
}

/// Per channel, `Σ dy` and `Σ (x − mean)·dy` over the batch, as PyTorch's backward kernels sum
/// them: in f32 down each channel for vectors, else each plane in f32 and the planes in f64.
/// With a `mask`, each `dy` is first masked by the ReLU the forward folded in.
pub(super) fn grad_sums<const C: usize>(
    isa: Isa,
    x: &[f32],
    dy: &[f32],
    mean: &[f32; C],
    p: usize,
    mask: Option<ReluMask<'_, C>>,
) -> ([f64; C], [f64; C]) {
    if p == 1 {
        return match mask {
            Some(m) => vector_grads(x, dy, mean, |c, x, dy| m.keep(c, x, dy)),
            None => vector_grads(x, dy, mean, |_, _, dy| dy),
        };
    }
    let [sum, dotp] = channel_grads(isa, (x, dy), mean, p, mask, 0..C);
    (sum, dotp)
}

/// [`grad_sums`] of vectors (`P = 1`), with each `dy` as `gate(c, x, dy)` gives it.
#[inline(always)]
fn vector_grads<const C: usize>(
    x: &[f32],
    dy: &[f32],
    mean: &[f32; C],
    gate: impl Fn(usize, f32, f32) -> f32,
) -> ([f64; C], [f64; C]) {
    let (mut sum, mut dotp) = ([0.0_f32; C], [0.0_f32; C]);
    for ((c, x), (_, dy)) in planes::<C>(x, 1).zip(planes::<C>(dy, 1)) {
        let dy = gate(c, x[0], dy[0]);
        sum[c] += dy;
        dotp[c] += (x[0] - mean[c]) * dy;
    }
    (sum.map(f64::from), dotp.map(f64::from))
}

/// [`grad_sums`] of the planes (`p > 1`) of `channels`; 0 for the other channels.
pub(super) fn channel_grads<const C: usize>(
    isa: Isa,
    (x, dy): (&[f32], &[f32]),
    mean: &[f32; C],
    p: usize,
    mask: Option<ReluMask<'_, C>>,
    channels: Range<usize>,
) -> [[f64; C]; 2] {
    match mask {
        Some(m) => gated(isa, (x, dy), mean, p, Some(m), channels, |c, x, dy| {
            m.keep(c, x, dy)
        }),
        None => gated(isa, (x, dy), mean, p, None, channels, |_, _, dy| dy),
    }
}

/// [`channel_grads`] with each `dy` as `gate(c, x, dy)` gives it (`mask`'s, for the vector
/// kernels).
#[inline(always)]
fn gated<const C: usize>(
    isa: Isa,
    (x, dy): (&[f32], &[f32]),
    mean: &[f32; C],
    p: usize,
    mask: Option<ReluMask<'_, C>>,
    channels: Range<usize>,
    gate: impl Fn(usize, f32, f32) -> f32 + Copy,
) -> [[f64; C]; 2] {
    let (mut sum, mut dotp) = ([0.0_f64; C], [0.0_f64; C]);
    let (mut s8, mut d8) = ([0.0_f32; C], [0.0_f32; C]);
    for (x, dy) in x.chunks_exact(C * p).zip(dy.chunks_exact(C * p)) {
        let (lanes, rest) = in_lanes(x, p, &channels, |x, c| {
            let dy = &dy[c.start * p..c.end * p];
            let (s, d) = (&mut s8[c.clone()], &mut d8[c.clone()]);
            let mask = mask.map(|m| (&m.alpha[c.clone()], &m.beta[c.clone()]));
            kernels::plane_grads(isa, (x, dy), p, &mean[c], mask, (s, d))
        });
        for c in lanes {
            sum[c] += f64::from(s8[c]);
            dotp[c] += f64::from(d8[c]);
        }
        grad_groups::<C>((x, dy), p, mean, rest, (&mut sum, &mut dotp), gate);
    }
    [sum, dotp]
}

/// [`grad_sums`] of one sample's channels from `rest.start`, eight side by side.
#[inline(always)]
fn grad_groups<const C: usize>(
    (x, dy): (&[f32], &[f32]),
    p: usize,
    mean: &[f32; C],
    rest: Range<usize>,
    (sum, dotp): (&mut [f64; C], &mut [f64; C]),
    gate: impl Fn(usize, f32, f32) -> f32,
) {
    let both = groups::<C>(x, p).zip(groups::<C>(dy, p));
    for ((c0, x), (_, dy)) in both.filter(|((c0, _), _)| rest.contains(c0)) {
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
                    let g = gate(c0 + j, x[j][i], dy[j][i]);
                    s[j] += g;
                    d[j] += (x[j][i] - m[j]) * g;
                }
            }
        }
        for j in 0..SIDE {
            if !full {
                for (&x, &dy) in x[j].iter().zip(dy[j]) {
                    let g = gate(c0 + j, x, dy);
                    s[j] += g;
                    d[j] += (x - mean[c0 + j]) * g;
                }
            }
            if c0 + j < C {
                sum[c0 + j] += f64::from(s[j]);
                dotp[c0 + j] += f64::from(d[j]);
            }
        }
    }
}

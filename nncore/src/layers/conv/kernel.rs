//! The arithmetic of a 2-D convolution with zero padding, stride, dilation and groups, for a
//! batch, one sample after another; `Conv1d` runs it with a height of 1.
//!
//! Tensors are slices of rows, row-major: a sample of `x` holds `C · H` rows of `W` (`C =
//! in_per_group · groups` channels), of `y` `OUT · HO` rows of `WO`, and `weight` `OUT ·
//! in_per_group · KH` rows of `KW`: PyTorch's `[out, in/groups, kh, kw]`. Output channel `o`
//! belongs to group `g = o / (OUT / groups)` and sees the input channels `g · in_per_group ..`;
//! input positions outside the input (the padding) read 0.
//!
//! The products run on the dense kernels ([`crate::kernels::accumulate`]), as matrix products
//! with the `im2col` matrix (`K = in_per_group · KH · KW` rows, one column an output position)
//! read from panels on the stack, a few KiB whatever the image:
//!
//! - forward, `W · im2col(x)`, and input gradient, `Wᵀ` by the output gradients that reach
//!   each input: `direct.rs`, which reads the matrix from a few padded rows of the input (or
//!   of the output gradient); `panel.rs` builds it for kernels of more than 64 taps; the input
//!   gradient of strided layers of 8 input channels a group or more whose weights are all
//!   finite: `phases.rs`, each phase of the input (`ih ≡ p mod sh`, `iw ≡ q mod sw`) a
//!   convolution of stride 1 with the taps that reach it, the products with the zeros between
//!   outputs (`w · 0`, adding nothing) left out;
//! - weight gradient, `dy · im2col(x)ᵀ`: `weight.rs` copies the transposed matrix into a panel;
//!   `small.rs` takes the small layers (fewer than 16 weights an output channel and fewer
//!   than 8 output channels a group, as depthwise convolutions) in eight lanes
//!   ([`crate::kernels::lanes8`]);
//! - pointwise layers (1×1, stride 1, no padding), all three: `pointwise.rs`, whose products
//!   read the planes as they lie, a whole plane a run of columns and the batch one call;
//! - depthwise layers of stride 1, forward and input gradient: `depthwise.rs`, a channel's
//!   padded plane one product over blocks of rows, so that narrow rows fill the vectors.
//!
//! On AVX-512, layers of stride 1 whose output rows are as wide as the input's read the planes
//! in place instead, sixteen positions a vector across rows, each tap through a mask that
//! zeroes what falls off the plane: depthwise ones (`depthwise.rs`, [`crate::kernels::taps`];
//! their weight gradient in `small.rs`, [`crate::kernels::tap_sums`]) and the others
//! (`flat.rs`, [`crate::kernels::planes`]). The masked lanes read the zeros a padded copy
//! would hold: the same products, in the same order. The forward of strided layers runs on
//! the same kernel (`strided.rs`), over a band of rows of the input at a time copied into
//! decimated planes as wide as the output's rows, the padding's zeros in place.
//!
//! `batch.rs` is what the layers call: these functions, or with the `rayon` feature the
//! same split over threads (samples, or input or output channels for the parameter gradients).
//!
//! # Summation order
//!
//! Each value is a sum whose order depends only on the layer, the same for a sample alone or
//! anywhere in any batch, and on every instruction set, a product `s + a · b` being one fused
//! multiply-add on the AVX2 and AVX-512 paths, and a multiplication then an addition on the
//! portable one or with the `libm` feature, as in [`crate::kernels`]:
//!
//! - forward, `y[o][p]`: from the bias (or zero), the `K` products `w[o][c][kh][kw] · x(p)`
//!   added one after another, `c`, then `kh`, then `kw` in order, padding reading 0;
//! - input gradient, `dx[c][i]`: from zero, the products `w[o][c][kh][kw] · dy[o][p]` added
//!   for the output channels `o` of `c`'s group in order, then `kh`, then `kw`, where `p` is
//!   the output position that reads `i` through tap `(kh, kw)`, and 0 where none does;
//! - weight gradient, `dw[o][c][kh][kw]`: onto the gradient already there, the products
//!   `dy[o][p] · x(p)` for the output positions `p` in order (row by row), one sample after
//!   another in batch order;
//! - bias gradient, `db[o]`, and weight gradient of the small layers: each sample's `Σ_p
//!   dy[o][p]` (or `Σ_p dy[o][p] · x(p)`, each product rounded) in eight partial sums, lane `l`
//!   adding, row after row, the positions of the columns `≡ l (mod 8)` in order, then `((s0 +
//!   s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`, added onto the gradient, one sample after
//!   another in batch order; these are plain additions on every instruction set.
//!
//! `tests/order.rs` checks every path against this order, bit for bit.

pub(crate) use super::shape::Geometry;
use super::shape::with_shape;
pub(super) use super::shape::{Shape, Span};
use super::{depthwise, direct, panel, phases, pointwise, small, weight};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use super::{flat, strided};
use crate::kernels::{Affine, Isa};

/// The forward of a batch, one sample after another: `y[o] = bias[o] + Σ_c Σ_kh Σ_kw
/// weight[o][c][kh][kw] · x[c][ih][iw]`, then `then`'s map (channel `o`'s for `y[o]`), as the
/// planes store the sums or over the outputs after. `x` holds the samples' rows one after
/// another, and `y`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    weight: &[[f32; KW]],
    bias: Option<&[f32]>,
    then: Option<Affine<'_>>,
    x: &[[f32; W]],
    y: &mut [[f32; WO]],
) {
    let weight = weight.as_flattened();
    let out = weight.len() / (geo.in_per_group * KH * KW).max(1);
    let mapped = with_shape::<H, W, HO, WO, KH, KW, _>(geo, |s| {
        products::<H, W, HO, WO>(isa, s, (weight, bias), then, x, y)
    });
    if let Some(then) = then.filter(|_| !mapped) {
        then.apply(y.as_flattened_mut(), HO * WO, out);
    }
}

/// [`forward`]'s sums, by the first path that runs; whether it applied `then`'s map too.
fn products<const H: usize, const W: usize, const HO: usize, const WO: usize>(
    isa: Isa,
    s: &Shape<'_>,
    (weight, bias): (&[f32], Option<&[f32]>),
    then: Option<Affine<'_>>,
    rows_x: &[[f32; W]],
    rows_y: &mut [[f32; WO]],
) -> bool {
    let (geo, taps) = (s.geo, s.taps());
    let out = weight.len() / (geo.in_per_group * taps).max(1);
    let (per_x, per_y) = (
        (geo.in_per_group * geo.groups * H * W).max(1),
        (out * HO * WO).max(1),
    );
    if depthwise::depthwise(s, out) {
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if depthwise::planes(
            isa,
            s,
            weight,
            (bias, then),
            rows_x.as_flattened(),
            rows_y.as_flattened_mut(),
            false,
        ) {
            return true;
        }
        let (rx, ry) = ((geo.groups * H).max(1), (out * HO).max(1));
        // `None` (for the first sample, if any) when the layer's rows do not fit a panel.
        let mut samples = rows_x.chunks_exact(rx).zip(rows_y.chunks_exact_mut(ry));
        if samples
            .all(|(x, y)| depthwise::forward::<H, W, HO, WO>(isa, s, weight, bias, x, y).is_some())
        {
            return false;
        }
    }
    let (x, y) = (rows_x.as_flattened(), rows_y.as_flattened_mut());
    let samples = y.len() / per_y;
    // The pointwise products start each output at its bias: no fill first.
    if pointwise::pointwise(s) {
        pointwise::forward(isa, s, (weight, bias), x, y, samples);
        return false;
    }
    // The planes start each output at its bias too, and apply the map as they store.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    if flat::forward(isa, s, (weight, bias), then, x, y, samples)
        || strided::forward(isa, s, (weight, bias), then, x, y, samples)
    {
        return true;
    }
    let _ = then;
    for y in y.chunks_exact_mut(per_y) {
        for (o, plane) in y.chunks_exact_mut(HO * WO).enumerate() {
            plane.fill(bias.map_or(0.0, |b| b[o]));
        }
    }
    for (x, y) in x.chunks_exact(per_x).zip(y.chunks_exact_mut(per_y)) {
        if direct::forward(isa, s, weight, x, y).is_none() {
            panel::forward(isa, s, weight, x, y);
        }
    }
    false
}

/// The input gradient of a batch, one sample after another: `dx[c][ih][iw] = Σ
/// weight[o][c][kh][kw] · dy[o][oh][ow]` over the output positions and taps that read
/// `x[c][ih][iw]`. Overwrites `dx`.
pub(crate) fn backward_input<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    weight: &[[f32; KW]],
    dy: &[[f32; WO]],
    dx: &mut [[f32; W]],
) {
    let (weight, rows_dy, rows_dx) = (weight.as_flattened(), dy, dx);
    with_shape::<H, W, HO, WO, KH, KW, _>(geo, |s| {
        let out = weight.len() / (geo.in_per_group * KH * KW).max(1);
        let (per_x, per_y) = (
            (geo.in_per_group * geo.groups * H * W).max(1),
            (out * HO * WO).max(1),
        );
        // `flat.rs` writes every input's sum, from zero: no fill first.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if !depthwise::depthwise(s, out) && !pointwise::pointwise(s) {
            let (dy, dx) = (rows_dy.as_flattened(), &mut *rows_dx.as_flattened_mut());
            if flat::backward_input(isa, s, weight, dy, dx, dy.len() / per_y) {
                return;
            }
        }
        // Nor do the pointwise products.
        let pointwise = pointwise::pointwise(s);
        if pointwise && !depthwise::depthwise(s, out) {
            let (dy, dx) = (rows_dy.as_flattened(), rows_dx.as_flattened_mut());
            return pointwise::backward_input(isa, s, weight, dy, dx, dy.len() / per_y);
        }
        // The planes of `taps` write every input's sum, from zero: no fill first either.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if depthwise::depthwise(s, out)
            && depthwise::planes(
                isa,
                s,
                weight,
                (None, None),
                rows_dy.as_flattened(),
                rows_dx.as_flattened_mut(),
                true,
            )
        {
            return;
        }
        // Strided layers skip the products with the zeros between outputs if all weights are
        // finite (the same bits); their phases write every input (zeros first where needed).
        if !depthwise::depthwise(s, out) && !pointwise && geo.stride != [1, 1] {
            let finite = weight.iter().all(|v| v.is_finite());
            let (dy, dx) = (rows_dy.as_flattened(), rows_dx.as_flattened_mut());
            if phases::backward_input(isa, s, weight, dy, dx, finite).is_some() {
                return;
            }
        }
        rows_dx.as_flattened_mut().fill(0.0);
        if depthwise::depthwise(s, out) {
            let (rx, ry) = ((geo.groups * H).max(1), (out * HO).max(1));
            let mut samples = rows_dy.chunks_exact(ry).zip(rows_dx.chunks_exact_mut(rx));
            if samples.all(|(dy, dx)| {
                depthwise::backward_input::<H, W, HO, WO>(isa, s, weight, dy, dx).is_some()
            }) {
                return;
            }
        }
        let (dy, dx) = (rows_dy.as_flattened(), rows_dx.as_flattened_mut());
        if pointwise {
            return pointwise::backward_input(isa, s, weight, dy, dx, dy.len() / per_y);
        }
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if flat::backward_input(isa, s, weight, dy, dx, dy.len() / per_y) {
            return;
        }
        for (dy, dx) in dy.chunks_exact(per_y).zip(dx.chunks_exact_mut(per_x)) {
            if direct::backward_input(isa, s, weight, dy, dx).is_none() {
                panel::backward_input(isa, s, weight, dy, dx);
            }
        }
    });
}

/// Adds a batch's parameter gradients, one sample after another in order: `dweight[o][c][kh][kw]
/// += Σ dy[o][oh][ow] · x[c][ih][iw]` and, if given, `dbias[o] += Σ dy[o][oh][ow]`.
pub(crate) fn backward_params<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    x: &[[f32; W]],
    dy: &[[f32; WO]],
    dweight: &mut [[f32; KW]],
    dbias: Option<&mut [f32]>,
) {
    let out = dweight.len() / (geo.in_per_group * KH).max(1);
    let part = 0..out;
    backward_params_part::<H, W, HO, WO, KH, KW>(isa, geo, x, dy, dweight, dbias, out, part);
}

/// [`backward_params`] of a layer of `out` output channels for the channels `part` (whole
/// groups if there are several), whose gradients `dweight` and `dbias` hold.
#[allow(clippy::too_many_arguments)]
pub(super) fn backward_params_part<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    x: &[[f32; W]],
    dy: &[[f32; WO]],
    dweight: &mut [[f32; KW]],
    mut dbias: Option<&mut [f32]>,
    out: usize,
    part: core::ops::Range<usize>,
) {
    let (x, dy, dweight) = (
        x.as_flattened(),
        dy.as_flattened(),
        dweight.as_flattened_mut(),
    );
    let (k, opg) = (geo.in_per_group * KH * KW, out / geo.groups.max(1));
    let small = small::small(k, opg);
    // The groups `part` covers, and their input channels.
    let (g0, g1) = if geo.groups > 1 && opg > 0 {
        (part.start / opg, part.end.div_ceil(opg))
    } else {
        (0, 1)
    };
    let mut sub = *geo;
    if geo.groups > 1 {
        sub.groups = g1 - g0;
    }
    let (c0, c1) = if geo.groups > 1 {
        (g0 * geo.in_per_group, g1 * geo.in_per_group)
    } else {
        (0, geo.in_per_group)
    };
    with_shape::<H, W, HO, WO, KH, KW, _>(&sub, |s| {
        let (per_x, per_y) = (
            (geo.in_per_group * geo.groups * H * W).max(1),
            (out * HO * WO).max(1),
        );
        let pointwise = pointwise::pointwise(s);
        let (xs, ys) = (
            c0 * H * W..c1 * H * W,
            part.start * HO * WO..part.end * HO * WO,
        );
        let samples = (x.len() / per_x).min(dy.len() / per_y);
        let sample = |b: usize| (&x[b * per_x..][xs.clone()], &dy[b * per_y..][ys.clone()]);
        let batched = !small
            && !pointwise
            && weight::backward_batch::<KW>(
                isa,
                s,
                samples,
                sample,
                0..geo.in_per_group,
                dweight,
                k,
            )
            .is_some();
        for (x, dy) in x.chunks_exact(per_x).zip(dy.chunks_exact(per_y)) {
            let x = &x[xs.clone()];
            let dy = &dy[ys.clone()];
            if let Some(dbias) = dbias.as_deref_mut() {
                small::bias_grad::<WO>(dy, dbias);
            }
            if batched {
                continue;
            }
            if small {
                if small::backward_weight(isa, s, x, dy, dweight).is_some() {
                    continue;
                }
            } else if pointwise && pointwise::backward_weight(isa, s, x, dy, dweight).is_some() {
                continue;
            }
            weight::backward_weight::<KW>(isa, s, x, dy, dweight);
        }
    });
}

/// Eight partial sums added up: `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`.
#[inline]
pub(super) fn sum8_tree(l: &[f32; 8]) -> f32 {
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

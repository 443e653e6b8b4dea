//! The arithmetic of a 2-D convolution with zero padding, stride, dilation and groups, for one
//! sample; `Conv1d` runs it with a height of 1.
//!
//! Sizes that fix an array's length are const parameters, so that the loops over an output row
//! have a known length, unroll and vectorize: `H × W` input planes, `HO × WO` output planes,
//! `KH × KW` kernels. The rest is a [`Geometry`]. Tensors are slices of rows, row-major: `x`
//! holds `C · H` rows of `W` (`C = in_per_group · groups` channels), `y` `OUT · HO` rows of `WO`,
//! and `weight` `OUT · in_per_group · KH` rows of `KW`: PyTorch's `[out, in/groups, kh, kw]`.
//!
//! Output channel `o` belongs to group `g = o / (OUT / groups)` and sees the input channels
//! `g · in_per_group ..`. Input positions outside the input (the padding) contribute 0.
//!
//! Forward and the input gradient run one output row at a time: a row's accumulator stays in
//! registers while the kernel taps (forward) or the output channels (input gradient) are summed
//! into it. The weight gradient takes one shifted copy of an input channel per tap (a plane of
//! the `im2col` matrix) and dots it with each output gradient plane.

/// A convolution's settings besides its const sizes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    /// Input channels per group: `C / groups`.
    pub in_per_group: usize,
    /// The number of groups.
    pub groups: usize,
    /// `[rows, columns]` between one output position and the next, in input positions.
    pub stride: [usize; 2],
    /// `[rows, columns]` of zeros on each side of the input.
    pub padding: [usize; 2],
    /// `[rows, columns]` between kernel taps, in input positions.
    pub dilation: [usize; 2],
}

/// The output positions `lo..hi` whose input position `start + (o - lo) · stride` is inside the
/// input, for one kernel tap along one axis.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Span {
    lo: usize,
    hi: usize,
    start: usize,
}

/// The input index `o · stride + offset - padding` if it lies in `0..len`.
#[inline]
fn input_index(
    o: usize,
    stride: usize,
    offset: usize,
    padding: usize,
    len: usize,
) -> Option<usize> {
    (o * stride + offset)
        .checked_sub(padding)
        .filter(|&i| i < len)
}

/// The span of output positions `0..out_len` that a tap at `offset` (its index times the
/// dilation) reads inside an input of `in_len`.
fn span(out_len: usize, in_len: usize, stride: usize, padding: usize, offset: usize) -> Span {
    let lo = padding.saturating_sub(offset).div_ceil(stride);
    // Inside iff o · stride + offset < in_len + padding.
    let end = in_len + padding;
    let hi = if end > offset {
        ((end - offset - 1) / stride + 1).min(out_len)
    } else {
        0
    };
    if lo >= hi {
        return Span::default();
    }
    Span {
        lo,
        hi,
        start: lo * stride + offset - padding,
    }
}

/// The column span of each kernel column.
fn column_spans<const W: usize, const WO: usize, const KW: usize>(geo: &Geometry) -> [Span; KW] {
    let mut spans = [Span::default(); KW];
    for (kw, s) in spans.iter_mut().enumerate() {
        *s = span(WO, W, geo.stride[1], geo.padding[1], kw * geo.dilation[1]);
    }
    spans
}

/// The input row `oh` reads through kernel row `kh`, if it is not padding.
#[inline]
fn input_row<const H: usize>(geo: &Geometry, oh: usize, kh: usize) -> Option<usize> {
    input_index(oh, geo.stride[0], kh * geo.dilation[0], geo.padding[0], H)
}

/// `out[o] = row[start + (o - lo) · stride]` on the span, 0 elsewhere.
#[inline]
fn gather<const W: usize, const WO: usize>(
    row: &[f32; W],
    span: Span,
    stride: usize,
    out: &mut [f32; WO],
) {
    let Span { lo, hi, start } = span;
    out[..lo].fill(0.0);
    out[hi..].fill(0.0);
    let inside = &mut out[lo..hi];
    if stride == 1 {
        inside.copy_from_slice(&row[start..start + inside.len()]);
    } else {
        for (o, &v) in inside.iter_mut().zip(row[start..].iter().step_by(stride)) {
            *o = v;
        }
    }
}

/// `row[start + (o - lo) · stride] += src[o]` on the span: the transpose of [`gather`].
#[inline]
fn scatter_add<const W: usize, const WO: usize>(
    row: &mut [f32; W],
    span: Span,
    stride: usize,
    src: &[f32; WO],
) {
    let Span { lo, hi, start } = span;
    let src = &src[lo..hi];
    if stride == 1 {
        for (d, &s) in row[start..start + src.len()].iter_mut().zip(src) {
            *d += s;
        }
    } else {
        for (d, &s) in row[start..].iter_mut().step_by(stride).zip(src) {
            *d += s;
        }
    }
}

/// Partial sums a reduction keeps, so that it vectorizes.
const LANES: usize = 16;

/// `Σ a[i] b[i]` over the shorter length, in [`LANES`] interleaved partial sums.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let rest: f32 = (a_chunks.remainder().iter().zip(b_chunks.remainder()))
        .map(|(a, b)| a * b)
        .sum();
    let mut lanes = [0.0; LANES];
    for (a, b) in a_chunks.zip(b_chunks) {
        for ((l, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
            *l += a * b;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// `Σ a[i]`, in [`LANES`] interleaved partial sums.
#[inline]
fn sum(a: &[f32]) -> f32 {
    let chunks = a.chunks_exact(LANES);
    let rest: f32 = chunks.remainder().iter().sum();
    let mut lanes = [0.0; LANES];
    for chunk in chunks {
        for (l, &a) in lanes.iter_mut().zip(chunk) {
            *l += a;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// The output channels of each group: `out / groups`.
#[inline]
fn out_per_group(geo: &Geometry, out: usize) -> usize {
    out / geo.groups
}

/// One sample's forward: `y[o] = bias[o] + Σ_c Σ_kh Σ_kw weight[o][c][kh][kw] · x[c][ih][iw]`.
pub(crate) fn forward<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: &Geometry,
    weight: &[[f32; KW]],
    bias: Option<&[f32]>,
    x: &[[f32; W]],
    y: &mut [[f32; WO]],
) {
    let ipg = geo.in_per_group;
    let opg = out_per_group(geo, y.len() / HO);
    let spans = column_spans::<W, WO, KW>(geo);
    for (o, plane) in y.chunks_exact_mut(HO).enumerate() {
        let b = bias.map_or(0.0, |b| b[o]);
        plane.iter_mut().for_each(|row| row.fill(b));
    }
    // The taps of one input channel for one output row: patch[kh][kw][ow].
    let mut patch = [[[0.0; WO]; KW]; KH];
    for oh in 0..HO {
        for g in 0..geo.groups {
            for ci in 0..ipg {
                let channel = &x[(g * ipg + ci) * H..][..H];
                for (kh, taps) in patch.iter_mut().enumerate() {
                    match input_row::<H>(geo, oh, kh) {
                        Some(ih) => {
                            for (out, &s) in taps.iter_mut().zip(&spans) {
                                gather(&channel[ih], s, geo.stride[1], out);
                            }
                        }
                        None => *taps = [[0.0; WO]; KW],
                    }
                }
                for o in g * opg..(g + 1) * opg {
                    let kernel = &weight[(o * ipg + ci) * KH..][..KH];
                    let row = &mut y[o * HO + oh];
                    let mut acc = *row;
                    for (wk, pk) in kernel.iter().zip(&patch) {
                        for (&w, p) in wk.iter().zip(pk) {
                            for (a, &v) in acc.iter_mut().zip(p) {
                                *a += w * v;
                            }
                        }
                    }
                    *row = acc;
                }
            }
        }
    }
}

/// One sample's input gradient: `dx[c][ih][iw] = Σ weight[o][c][kh][kw] · dy[o][oh][ow]` over
/// the output positions and taps that read `x[c][ih][iw]`. Overwrites `dx`.
pub(crate) fn backward_input<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: &Geometry,
    weight: &[[f32; KW]],
    dy: &[[f32; WO]],
    dx: &mut [[f32; W]],
) {
    let ipg = geo.in_per_group;
    let opg = out_per_group(geo, dy.len() / HO);
    let spans = column_spans::<W, WO, KW>(geo);
    dx.iter_mut().for_each(|row| *row = [0.0; W]);
    for oh in 0..HO {
        for g in 0..geo.groups {
            for ci in 0..ipg {
                let channel = &mut dx[(g * ipg + ci) * H..][..H];
                for kh in 0..KH {
                    let Some(ih) = input_row::<H>(geo, oh, kh) else {
                        continue;
                    };
                    for (kw, &s) in spans.iter().enumerate() {
                        let mut acc = [0.0; WO];
                        for o in g * opg..(g + 1) * opg {
                            let w = weight[(o * ipg + ci) * KH + kh][kw];
                            for (a, &d) in acc.iter_mut().zip(&dy[o * HO + oh]) {
                                *a += w * d;
                            }
                        }
                        scatter_add(&mut channel[ih], s, geo.stride[1], &acc);
                    }
                }
            }
        }
    }
}

/// Adds one sample's parameter gradients: `dweight[o][c][kh][kw] += Σ dy[o][oh][ow] ·
/// x[c][ih][iw]` and, if given, `dbias[o] += Σ dy[o][oh][ow]`.
pub(crate) fn backward_params<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: &Geometry,
    x: &[[f32; W]],
    dy: &[[f32; WO]],
    dweight: &mut [[f32; KW]],
    dbias: Option<&mut [f32]>,
) {
    let ipg = geo.in_per_group;
    let opg = out_per_group(geo, dy.len() / HO);
    let spans = column_spans::<W, WO, KW>(geo);
    if let Some(dbias) = dbias {
        for (g, d) in dbias.iter_mut().zip(dy.chunks_exact(HO)) {
            *g += sum(d.as_flattened());
        }
    }
    // What one tap reads of one input channel at every output position: plane[oh][ow].
    let mut plane = [[0.0; WO]; HO];
    for g in 0..geo.groups {
        for ci in 0..ipg {
            let channel = &x[(g * ipg + ci) * H..][..H];
            for kh in 0..KH {
                for (kw, &s) in spans.iter().enumerate() {
                    for (oh, out) in plane.iter_mut().enumerate() {
                        match input_row::<H>(geo, oh, kh) {
                            Some(ih) => gather(&channel[ih], s, geo.stride[1], out),
                            None => *out = [0.0; WO],
                        }
                    }
                    for o in g * opg..(g + 1) * opg {
                        dweight[(o * ipg + ci) * KH + kh][kw] +=
                            dot(dy[o * HO..][..HO].as_flattened(), plane.as_flattened());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::{Geometry, Span, backward_input, backward_params, forward, span};
    use std::vec::Vec;

    /// A convolution's sizes for the direct formula: input, output and kernel `[rows,
    /// columns]`, and the output channels.
    #[derive(Clone, Copy)]
    pub(crate) struct Sizes {
        pub input: [usize; 2],
        pub output: [usize; 2],
        pub kernel: [usize; 2],
        pub out: usize,
    }

    /// The direct formula in f64, from PyTorch's definition: `y[o][oh][ow] = b[o] +
    /// Σ_c Σ_kh Σ_kw w[o][c][kh][kw] · x[g·ipg + c][oh·sh + kh·dh - ph][ow·sw + kw·dw - pw]`
    /// with `g` the group of `o`, positions outside the input counting 0. Flat row-major
    /// tensors in and out.
    pub(crate) fn naive(
        geo: &Geometry,
        sizes: Sizes,
        weight: &[f32],
        bias: Option<&[f32]>,
        x: &[f32],
    ) -> Vec<f64> {
        let Sizes {
            input: [h, w],
            output: [ho, wo],
            kernel: [kh, kw],
            out,
        } = sizes;
        let ipg = geo.in_per_group;
        let opg = out / geo.groups;
        let index = |o: usize, k: usize, axis: usize| {
            (o * geo.stride[axis] + k * geo.dilation[axis]).checked_sub(geo.padding[axis])
        };
        let mut y = Vec::with_capacity(out * ho * wo);
        for o in 0..out {
            let g = o / opg;
            for oh in 0..ho {
                for ow in 0..wo {
                    let mut s = bias.map_or(0.0, |b| f64::from(b[o]));
                    for c in 0..ipg {
                        for i in 0..kh {
                            for j in 0..kw {
                                let (Some(ih), Some(iw)) = (index(oh, i, 0), index(ow, j, 1))
                                else {
                                    continue;
                                };
                                if ih >= h || iw >= w {
                                    continue;
                                }
                                let xv = x[((g * ipg + c) * h + ih) * w + iw];
                                let wv = weight[((o * ipg + c) * kh + i) * kw + j];
                                s += f64::from(wv) * f64::from(xv);
                            }
                        }
                    }
                    y.push(s);
                }
            }
        }
        y
    }

    /// Deterministic values in [-1, 1] from a seed (xorshift).
    pub(crate) fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    /// Flat values as rows of `N`.
    fn rows<const N: usize>(values: &[f32]) -> Vec<[f32; N]> {
        values
            .chunks_exact(N)
            .map(|r| r.try_into().unwrap())
            .collect()
    }

    #[test]
    fn spans_cover_the_inside_positions() {
        // Input 5, padding 2, stride 2, tap offset 1: i = 2o - 1, inside for o = 1, 2.
        assert_eq!(
            span(4, 5, 2, 2, 1),
            Span {
                lo: 1,
                hi: 3,
                start: 1
            }
        );
        // Only o = 1 once the output stops at 2.
        assert_eq!(
            span(2, 5, 2, 2, 1),
            Span {
                lo: 1,
                hi: 2,
                start: 1
            }
        );
        // A tap that reads only padding.
        assert_eq!(span(2, 1, 1, 3, 0), Span::default());
        // No padding, stride 1: every position, from the tap's offset.
        assert_eq!(
            span(3, 5, 1, 0, 2),
            Span {
                lo: 0,
                hi: 3,
                start: 2
            }
        );
    }

    /// Runs the three kernels on one geometry and compares them with the direct formula and
    /// its transposes, computed in f64.
    fn check<
        const C: usize,
        const OUT: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
        const KH: usize,
        const KW: usize,
    >(
        geo: Geometry,
    ) {
        let sizes = Sizes {
            input: [H, W],
            output: [HO, WO],
            kernel: [KH, KW],
            out: OUT,
        };
        let ipg = geo.in_per_group;
        let (wv, bv) = (values(OUT * ipg * KH * KW, 1), values(OUT, 2));
        let (xv, dyv) = (values(C * H * W, 3), values(OUT * HO * WO, 4));
        let (weight, x, dy) = (rows::<KW>(&wv), rows::<W>(&xv), rows::<WO>(&dyv));
        let mut y = std::vec![[7.0; WO]; OUT * HO];
        forward::<H, W, HO, WO, KH, KW>(&geo, &weight, Some(&bv), &x, &mut y);
        let expected = naive(&geo, sizes, &wv, Some(&bv), &xv);
        for (a, e) in y.as_flattened().iter().zip(&expected) {
            assert!((f64::from(*a) - e).abs() < 1e-5, "{a} vs {e}");
        }
        // The gradients of Σ dy · y: by linearity, the direct formula at one-hot inputs.
        let loss = |wv: &[f32], xv: &[f32], b: Option<&[f32]>| -> f64 {
            let y = naive(&geo, sizes, wv, b, xv);
            y.iter().zip(&dyv).map(|(y, &d)| y * f64::from(d)).sum()
        };
        let mut dx = std::vec![[1.0; W]; C * H];
        backward_input::<H, W, HO, WO, KH, KW>(&geo, &weight, &dy, &mut dx);
        let mut unit = std::vec![0.0; xv.len()];
        for (i, &d) in dx.as_flattened().iter().enumerate() {
            unit[i] = 1.0;
            let e = loss(&wv, &unit, None);
            unit[i] = 0.0;
            assert!((f64::from(d) - e).abs() < 1e-5, "dx[{i}]: {d} vs {e}");
        }
        // Gradients add to what is there.
        let mut dw = std::vec![[0.5; KW]; weight.len()];
        let mut db = [0.25; OUT];
        backward_params::<H, W, HO, WO, KH, KW>(&geo, &x, &dy, &mut dw, Some(&mut db));
        let mut unit = std::vec![0.0; wv.len()];
        for (i, &d) in dw.as_flattened().iter().enumerate() {
            unit[i] = 1.0;
            let e = loss(&unit, &xv, None) + 0.5;
            unit[i] = 0.0;
            assert!((f64::from(d) - e).abs() < 1e-5, "dw[{i}]: {d} vs {e}");
        }
        for (o, &d) in db.iter().enumerate() {
            let mut b = [0.0; OUT];
            b[o] = 1.0;
            let e = loss(&unit, &xv, Some(&b)) + 0.25;
            assert!((f64::from(d) - e).abs() < 1e-5, "db[{o}]: {d} vs {e}");
        }
    }

    fn geometry(
        in_per_group: usize,
        groups: usize,
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> Geometry {
        Geometry {
            in_per_group,
            groups,
            stride,
            padding,
            dilation,
        }
    }

    #[test]
    fn kernels_match_the_direct_formula() {
        // Plain 3×3, no padding.
        check::<2, 3, 5, 6, 3, 4, 3, 3>(geometry(2, 1, [1, 1], [0, 0], [1, 1]));
        // Same-size padding.
        check::<3, 4, 6, 6, 6, 6, 3, 3>(geometry(3, 1, [1, 1], [1, 1], [1, 1]));
        // Strides 2 and 3 with padding, groups = 2: (7 + 2 - 3) / 2 + 1 = 4,
        // (6 + 4 - 2) / 3 + 1 = 3.
        check::<4, 6, 7, 6, 4, 3, 3, 2>(geometry(2, 2, [2, 3], [1, 2], [1, 1]));
        // Dilation, depthwise with two outputs a channel: (8 + 2 - 5) / 1 + 1 = 6,
        // (5 - 4) / 2 + 1 = 1.
        check::<3, 6, 8, 5, 6, 1, 3, 2>(geometry(1, 3, [1, 2], [1, 0], [2, 3]));
        // Padding wider than the kernel's reach: outputs that see only padding.
        // (2 + 6 - 1) / 2 + 1 = 4, (3 + 4 - 3) / 3 + 1 = 2.
        check::<1, 2, 2, 3, 4, 2, 1, 2>(geometry(1, 1, [2, 3], [3, 2], [1, 2]));
        // One row, as Conv1d runs it: (9 + 4 - 2·2 - 1) / 2 + 1 = 5.
        check::<2, 2, 1, 9, 1, 5, 1, 3>(geometry(1, 2, [1, 2], [0, 2], [1, 2]));
        // Rows past 16 columns, so that the lanes of the reductions fill: (20 - 3) + 1 = 18.
        check::<1, 2, 2, 20, 2, 18, 1, 3>(geometry(1, 1, [1, 1], [0, 0], [1, 1]));
    }
}

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
//! Forward runs one output row at a time: for each input channel, the row's accumulator stays
//! in registers while the kernel taps, laid out along the row (a row of the `im2col` matrix),
//! are summed into it. The input gradient is the same loop with the roles of `x` and `y`
//! swapped. The weight gradient takes one shifted copy of an input channel per tap (a plane of
//! the `im2col` matrix) and dots it with each output gradient plane. Nothing is allocated: the
//! scratch is one patch (`KH · KW` rows) or one output plane on the stack.

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
pub(super) struct Span {
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) start: usize,
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
pub(super) fn span(
    out_len: usize,
    in_len: usize,
    stride: usize,
    padding: usize,
    offset: usize,
) -> Span {
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

/// The output row that reads input row `ih` through kernel row `kh`, if any: `oh` with
/// `oh · stride + kh · dilation - padding = ih`.
#[inline]
fn output_row<const HO: usize>(geo: &Geometry, ih: usize, kh: usize) -> Option<usize> {
    let n = (ih + geo.padding[0]).checked_sub(kh * geo.dilation[0])?;
    let oh = n / geo.stride[0];
    (n % geo.stride[0] == 0 && oh < HO).then_some(oh)
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

/// `out[start + (o - lo) · stride] = row[o]` on the span, 0 elsewhere: where each output
/// position of a tap reads from.
#[inline]
fn spread<const W: usize, const WO: usize>(
    row: &[f32; WO],
    span: Span,
    stride: usize,
    out: &mut [f32; W],
) {
    let Span { lo, hi, start } = span;
    let src = &row[lo..hi];
    if stride == 1 {
        out[..start].fill(0.0);
        out[start..start + src.len()].copy_from_slice(src);
        out[start + src.len()..].fill(0.0);
    } else {
        out.fill(0.0);
        for (d, &s) in out[start..].iter_mut().step_by(stride).zip(src) {
            *d = s;
        }
    }
}

/// Partial sums a reduction keeps, so that it vectorizes.
const LANES: usize = 16;

/// `Σ_i a[i] · b[i]` over the shorter length, in [`LANES`] interleaved partial sums.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a, b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let rest: f32 = a
        .remainder()
        .iter()
        .zip(b.remainder())
        .map(|(a, b)| a * b)
        .sum();
    let mut lanes = [0.0; LANES];
    for (a, b) in a.zip(b) {
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
    if HO == 0 {
        return;
    }
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
///
/// It runs as forward does with the roles of `x` and `y` swapped: for each input row, the
/// output gradients that reach it through each tap are laid out along the row (zeros where no
/// output reads), and each `dx` row sums them, weighted, in registers.
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
    dx.iter_mut().for_each(|row| *row = [0.0; W]);
    if HO == 0 {
        return;
    }
    let ipg = geo.in_per_group;
    let opg = out_per_group(geo, dy.len() / HO);
    let spans = column_spans::<W, WO, KW>(geo);
    // What reaches input row `ih` from one output channel through each tap: patch[kh][kw][iw].
    let mut patch = [[[0.0; W]; KW]; KH];
    for ih in 0..H {
        for g in 0..geo.groups {
            for o in g * opg..(g + 1) * opg {
                let channel = &dy[o * HO..][..HO];
                for (kh, taps) in patch.iter_mut().enumerate() {
                    match output_row::<HO>(geo, ih, kh) {
                        Some(oh) => {
                            for (out, &s) in taps.iter_mut().zip(&spans) {
                                spread(&channel[oh], s, geo.stride[1], out);
                            }
                        }
                        None => *taps = [[0.0; W]; KW],
                    }
                }
                for ci in 0..ipg {
                    let kernel = &weight[(o * ipg + ci) * KH..][..KH];
                    let row = &mut dx[(g * ipg + ci) * H + ih];
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
    if HO == 0 {
        return;
    }
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

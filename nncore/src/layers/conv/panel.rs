//! The convolutions as products of the dense kernels, one panel of the `im2col` matrix at a
//! time: at most [`PANEL`] floats on the stack, whatever the image size. Any stride; layers
//! with a column stride of 1 take the faster `direct.rs` instead.
//!
//! A panel covers a block of positions (flattened `row · columns + column`, so a block may
//! span rows) and a run of the reduction. [`kernels::accumulate`] adds each panel's products
//! onto the output, continuing each value's chain of multiply-adds where the previous panel
//! left it, so the blocks change the speed, never the bits.

use super::kernel::{Shape, Span};
use crate::kernels::{self, Isa, Strided};

/// Floats in a panel: 4 KiB.
pub(super) const PANEL: usize = 1024;

/// The longest run of a product's reduction whose rows a table lists.
const MAX_RUN: usize = 64;

/// The offsets of eight rows `width` apart: a panel's rows as [`Strided::b_rows`] takes them.
pub(super) fn row_offsets(width: usize) -> [usize; 8] {
    core::array::from_fn(|t| t * width)
}

/// The fewest positions a panel of the forward or the input gradient covers when the
/// reduction is too long for the whole plane: four vectors of sixteen.
const MIN_POSITIONS: usize = 64;

/// `(positions, rows)` of a panel for a reduction of `k` over `positions`: the whole plane if
/// it fits, else blocks of at least [`MIN_POSITIONS`] positions (a multiple of 16) and as
/// many rows as then fit.
fn blocks(k: usize, positions: usize) -> (usize, usize) {
    if k * positions <= PANEL {
        return (positions, k);
    }
    let cols = (PANEL / k.max(1) / 16 * 16).clamp(MIN_POSITIONS, PANEL);
    let cols = cols.min(positions);
    (cols, (PANEL / cols).min(k))
}

/// The values tap `kw` of one input row reads at output columns `ow0..ow0 + out.len()`:
/// `row[start + (ow - lo) · stride]` on the tap's span, 0 elsewhere (and everywhere for no
/// row, a padding row).
#[inline]
fn gather(row: Option<&[f32]>, s: Span, stride: usize, ow0: usize, out: &mut [f32]) {
    let n = out.len();
    let (lo, hi) = match row {
        Some(_) => (
            s.lo.clamp(ow0, ow0 + n) - ow0,
            s.hi.clamp(ow0, ow0 + n) - ow0,
        ),
        None => (0, 0),
    };
    if lo >= hi {
        out.fill(0.0);
        return;
    }
    let row = row.unwrap_or_default();
    out[..lo].fill(0.0);
    out[hi..].fill(0.0);
    let first = s.start + (ow0 + lo - s.lo) * stride;
    let inside = &mut out[lo..hi];
    if stride == 1 {
        inside.copy_from_slice(&row[first..first + inside.len()]);
    } else {
        for (o, &v) in inside.iter_mut().zip(row[first..].iter().step_by(stride)) {
            *o = v;
        }
    }
}

/// What reaches input columns `iw0..iw0 + out.len()` of one input row through tap `kw` from
/// one output row: `row[ow]` at `start + (ow - lo) · stride`, 0 elsewhere.
#[inline]
fn spread(row: Option<&[f32]>, s: Span, stride: usize, iw0: usize, out: &mut [f32]) {
    let end = iw0 + out.len();
    let Some(row) = row.filter(|_| s.lo < s.hi && s.start < end) else {
        out.fill(0.0);
        return;
    };
    // The outputs whose input column is in `iw0..end`.
    let first = s.lo + iw0.saturating_sub(s.start).div_ceil(stride);
    let last = (s.lo + (end - s.start).div_ceil(stride)).min(s.hi);
    if first >= last {
        out.fill(0.0);
        return;
    }
    let at = s.start + (first - s.lo) * stride - iw0;
    if stride == 1 {
        let n = last - first;
        out[..at].fill(0.0);
        out[at..at + n].copy_from_slice(&row[first..last]);
        out[at + n..].fill(0.0);
    } else {
        out.fill(0.0);
        for (d, &v) in out[at..].iter_mut().step_by(stride).zip(&row[first..last]) {
            *d = v;
        }
    }
}

/// Calls `f(row, column, len)` for the runs of positions `p0..p0 + n` of a plane `columns`
/// wide, one per row.
#[inline]
pub(super) fn runs(p0: usize, n: usize, columns: usize, mut f: impl FnMut(usize, usize, usize)) {
    let (mut p, end) = (p0, p0 + n);
    while p < end {
        let (row, column) = (p / columns, p % columns);
        let len = (columns - column).min(end - p);
        f(row, column, len);
        p += len;
    }
}

/// Rows `j0..` of the `im2col` matrix of one group's input channels `x`, for output positions
/// `p0..p0 + n`: row `j = (c · KH + kh) · KW + kw` holds what tap `(kh, kw)` reads of channel
/// `c`. `panel` holds the rows, `n` floats each.
pub(super) fn im2col(s: &Shape<'_>, x: &[f32], j0: usize, p0: usize, n: usize, panel: &mut [f32]) {
    let ([_, w], [_, wo], [_, kw]) = (s.input, s.output, s.kernel);
    if s.geo.padding == [0, 0] && n <= PANEL {
        // Every tap inside the input: each row a gather at the positions' own offsets.
        let (g, mut at) = (s.geo, [0; PANEL]);
        runs(p0, n, wo, |oh, ow, len| {
            let first = oh * g.stride[0] * w + ow * g.stride[1];
            for (i, a) in at[oh * wo + ow - p0..][..len].iter_mut().enumerate() {
                *a = first + i * g.stride[1];
            }
        });
        for (t, out) in panel.chunks_exact_mut(n).enumerate() {
            let (c, tap) = ((j0 + t) / s.taps(), (j0 + t) % s.taps());
            let base = c * s.inputs() + (tap / kw) * g.dilation[0] * w + (tap % kw) * g.dilation[1];
            let channel = &x[base..];
            for (o, &a) in out.iter_mut().zip(&at[..n]) {
                *o = channel[a];
            }
        }
        return;
    }
    for (t, out) in panel.chunks_exact_mut(n).enumerate() {
        let j = j0 + t;
        let (c, tap) = (j / s.taps(), j % s.taps());
        let channel = &x[c * s.inputs()..][..s.inputs()];
        let mut out = out;
        runs(p0, n, wo, |oh, ow, len| {
            let (seg, rest) = core::mem::take(&mut out).split_at_mut(len);
            let row = s.input_row(oh, tap / kw).map(|ih| &channel[ih * w..][..w]);
            gather(row, s.spans[tap % kw], s.geo.stride[1], ow, seg);
            out = rest;
        });
    }
}

/// `y += W · im2col(x)` for every group, `y` starting at the bias.
pub(super) fn forward(isa: Isa, s: &Shape<'_>, weight: &[f32], x: &[f32], y: &mut [f32]) {
    let (ipg, groups) = (s.geo.in_per_group, s.geo.groups);
    let (k, positions) = (ipg * s.taps(), s.outputs());
    let opg = (y.len() / positions.max(1)) / groups;
    if positions == 0 || k == 0 || opg == 0 {
        return;
    }
    let (cols, rows) = blocks(k, positions);
    let mut panel = [0.0; PANEL];
    for g in 0..groups {
        let x = &x[g * ipg * s.inputs()..][..ipg * s.inputs()];
        for p0 in (0..positions).step_by(cols) {
            let n = cols.min(positions - p0);
            for j0 in (0..k).step_by(rows) {
                let kr = rows.min(k - j0);
                let b = &mut panel[..kr * n];
                im2col(s, x, j0, p0, n, b);
                let offsets = row_offsets(n);
                let p = Strided {
                    a: &weight[g * opg * k + j0..],
                    a_row: k,
                    a_gap: offsets.len(),
                    b,
                    b_rows: &offsets,
                    b_gap: offsets.len() * n,
                    ldc: positions,
                    m: opg,
                    n,
                    k: kr,
                    repeat: 1,
                    b_next: 0,
                    c_next: 0,
                };
                kernels::accumulate(isa, &p, &mut y[g * opg * positions + p0..]);
            }
        }
    }
}

/// Rows `j0..` of the output gradients that reach input positions `q0..q0 + n` of one group:
/// row `j = (o · KH + kh) · KW + kw` holds what output channel `o` sends through tap `(kh, kw)`.
fn dy2col(s: &Shape<'_>, dy: &[f32], j0: usize, q0: usize, n: usize, panel: &mut [f32]) {
    let ([_, w], [_, wo], [_, kw]) = (s.input, s.output, s.kernel);
    for (t, out) in panel.chunks_exact_mut(n).enumerate() {
        let j = j0 + t;
        let (o, tap) = (j / s.taps(), j % s.taps());
        let channel = &dy[o * s.outputs()..][..s.outputs()];
        let mut out = out;
        runs(q0, n, w, |ih, iw, len| {
            let (seg, rest) = core::mem::take(&mut out).split_at_mut(len);
            let row = s
                .output_row(ih, tap / kw)
                .map(|oh| &channel[oh * wo..][..wo]);
            spread(row, s.spans[tap % kw], s.geo.stride[1], iw, seg);
            out = rest;
        });
    }
}

/// `dx += Wᵀ · dy2col(dy)` for every group, `dx` starting at zero.
pub(super) fn backward_input(isa: Isa, s: &Shape<'_>, weight: &[f32], dy: &[f32], dx: &mut [f32]) {
    let (ipg, groups, taps) = (s.geo.in_per_group, s.geo.groups, s.taps());
    let positions = s.inputs();
    let opg = (dy.len() / s.outputs().max(1)) / groups;
    let k = opg * taps;
    if positions == 0 || k == 0 || ipg == 0 || s.outputs() == 0 {
        return;
    }
    let (cols, rows) = blocks(k, positions);
    // Whole output channels a panel if they fit, else runs of one channel's taps.
    let whole = rows >= taps && taps <= MAX_RUN;
    let rows = if whole {
        rows / taps * taps
    } else {
        rows.min(MAX_RUN)
    };
    let mut panel = [0.0; PANEL];
    let mut offsets = [0; MAX_RUN];
    for g in 0..groups {
        let dy = &dy[g * opg * s.outputs()..][..opg * s.outputs()];
        for q0 in (0..positions).step_by(cols) {
            let n = cols.min(positions - q0);
            let mut j0 = 0;
            while j0 < k {
                let kr = if whole {
                    rows.min(k - j0)
                } else {
                    rows.min(taps - j0 % taps)
                };
                let b = &mut panel[..kr * n];
                dy2col(s, dy, j0, q0, n, b);
                // a(c, j): weight[g·opg + (j0 + j) / taps][c][(j0 + j) % taps], in runs of
                // `taps` (or one run of `kr`).
                let run = if whole { taps } else { kr };
                for (t, o) in offsets[..run].iter_mut().enumerate() {
                    *o = t * n;
                }
                let (o, tap) = (g * opg + j0 / taps, j0 % taps);
                let p = Strided {
                    a: &weight[o * ipg * taps + tap..],
                    a_row: taps,
                    a_gap: ipg * taps,
                    b,
                    b_rows: &offsets[..run],
                    b_gap: run * n,
                    ldc: positions,
                    m: ipg,
                    n,
                    k: kr,
                    repeat: 1,
                    b_next: 0,
                    c_next: 0,
                };
                kernels::accumulate(isa, &p, &mut dx[g * ipg * positions + q0..]);
                j0 += kr;
            }
        }
    }
}

/// Columns `j0..j0 + cols` of the `im2col` matrix of one group's input channels `x` for the
/// output positions `p0..`, transposed: `panel[p - p0][j - j0]`, as many positions as `panel`
/// holds.
fn im2row(s: &Shape<'_>, x: &[f32], j0: usize, cols: usize, p0: usize, panel: &mut [f32]) {
    let ([_, w], [_, wo], [_, kw]) = (s.input, s.output, s.kernel);
    let stride = s.geo.stride[1];
    let n = panel.len() / cols;
    for t in 0..cols {
        let j = j0 + t;
        let (c, tap) = (j / s.taps(), j % s.taps());
        let channel = &x[c * s.inputs()..][..s.inputs()];
        let span = s.spans[tap % kw];
        runs(p0, n, wo, |oh, ow0, len| {
            let ih = s.input_row(oh, tap / kw);
            let dst = panel[(oh * wo + ow0 - p0) * cols + t..].iter_mut();
            for (ow, d) in (ow0..ow0 + len).zip(dst.step_by(cols)) {
                let inside = ih.filter(|_| span.lo <= ow && ow < span.hi);
                *d = inside.map_or(0.0, |ih| {
                    channel[ih * w + span.start + (ow - span.lo) * stride]
                });
            }
        });
    }
}

/// `dweight += dy · im2col(x)ᵀ` for every group, `im2col` built one column at a time: for
/// the layers `weight.rs` does not take (huge kernels).
pub(super) fn backward_weight(isa: Isa, s: &Shape<'_>, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (ipg, groups) = (s.geo.in_per_group, s.geo.groups);
    let (k, positions) = (ipg * s.taps(), s.outputs());
    let opg = (dy.len() / positions.max(1)) / groups;
    if positions == 0 || k == 0 || opg == 0 {
        return;
    }
    let cols = k.min(MIN_POSITIONS);
    let steps = PANEL / cols;
    let mut panel = [0.0; PANEL];
    for g in 0..groups {
        let x = &x[g * ipg * s.inputs()..][..ipg * s.inputs()];
        for p0 in (0..positions).step_by(steps) {
            let n = steps.min(positions - p0);
            for j0 in (0..k).step_by(cols) {
                let nc = cols.min(k - j0);
                let b = &mut panel[..n * nc];
                im2row(s, x, j0, nc, p0, b);
                let offsets = row_offsets(nc);
                let p = Strided {
                    a: &dy[g * opg * positions + p0..],
                    a_row: positions,
                    a_gap: offsets.len(),
                    b,
                    b_rows: &offsets,
                    b_gap: offsets.len() * nc,
                    ldc: k,
                    m: opg,
                    n: nc,
                    k: n,
                    repeat: 1,
                    b_next: 0,
                    c_next: 0,
                };
                kernels::accumulate(isa, &p, &mut dw[g * opg * k + j0..]);
            }
        }
    }
}

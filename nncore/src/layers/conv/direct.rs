//! The forward and the input gradient without the `im2col` matrix: a panel holds a few rows of
//! each of some channels, padded with zeros, and the kernels read each tap's row of the matrix
//! straight from it, the taps of one channel at fixed offsets. Each row of input (or output
//! gradient) is copied once a panel, not once a tap. At most [`PANEL`] floats on the stack.
//!
//! With a column stride `s` above 1, the forward's panel rows hold their columns in `s` phases
//! (columns `φ, φ + s, ..` first, and so on), so that a tap still reads consecutive floats;
//! the input gradient's hold the output gradient spread out `s` columns (and `s` rows) apart,
//! zeros between, which makes it a convolution of stride 1 over them.
//!
//! The products are those of `panel.rs`, in the same order, the zeros included: only the
//! layout of `b` differs.

use super::kernel::Shape;
use super::panel::PANEL;
use crate::kernels::{self, Isa, Strided};

/// How a panel covers a plane: `channels` channels, `rows` rows (of output for the forward,
/// of input for the input gradient) and `columns` columns at a time, `width` floats a panel
/// row.
#[derive(Clone, Copy, Debug)]
pub(super) struct Blocks {
    pub(super) channels: usize,
    pub(super) rows: usize,
    pub(super) columns: usize,
    pub(super) width: usize,
}

/// The largest taps a layer may have for these paths: the offsets of one channel's taps live
/// on the stack.
pub(super) const MAX_TAPS: usize = 64;

/// The blocks of a panel whose rows are `width(c)` floats for `c` columns, and which holds
/// `panel_rows(r)` rows of each channel for `r` rows of the plane; `None` if one row of one
/// channel does not fit. A block is whole rows of the plane unless one row does not fit.
pub(super) fn blocks(
    channels: usize,
    rows: usize,
    columns: usize,
    width: impl Fn(usize) -> usize,
    panel_rows: impl Fn(usize) -> usize,
) -> Option<Blocks> {
    let (fewest, full) = (panel_rows(1), columns);
    let mut columns = columns;
    while columns > 0 && width(columns) * fewest > PANEL {
        columns = (PANEL / fewest).min(columns - 1);
    }
    if columns == 0 {
        return None;
    }
    let width = width(columns);
    // As many channels as fit with four rows of the plane, then as many rows as fit.
    let want = rows.min(4);
    let channels = (PANEL / (width * panel_rows(want))).clamp(1, channels);
    let mut rows_fit = 1;
    while rows_fit < rows && columns == full && channels * width * panel_rows(rows_fit + 1) <= PANEL
    {
        rows_fit += 1;
    }
    Some(Blocks {
        channels,
        rows: rows_fit,
        columns,
        width,
    })
}

/// Copies a row into `dst`, which holds zeros, in `phases` phases of `dst.len() / phases`
/// floats: phase `φ` float `u` is column `u · phases + φ + first` (signed) of `src`; the floats
/// outside `src` (all of them for no `src`) stay zero.
#[inline]
pub(super) fn padded_row(src: Option<&[f32]>, first: isize, phases: usize, dst: &mut [f32]) {
    let Some(src) = src else { return };
    let len = src.len() as isize;
    if phases == 1 {
        let lo = (-first).clamp(0, dst.len() as isize) as usize;
        let hi = (len - first).clamp(lo as isize, dst.len() as isize) as usize;
        let start = (first + lo as isize) as usize;
        copy(&mut dst[lo..hi], &src[start..start + (hi - lo)]);
        return;
    }
    let per = dst.len() / phases;
    for (phase, dst) in dst.chunks_exact_mut(per).enumerate() {
        // Float `u` is column `u · phases + off`: inside `src` for `u` in `lo..hi`.
        let off = phase as isize + first;
        let lo = (-off).max(0).unsigned_abs().div_ceil(phases);
        let hi = (len - off).max(0).unsigned_abs().div_ceil(phases).min(per);
        if lo >= hi {
            continue;
        }
        let (src, dst) = (
            &src[(lo * phases).wrapping_add_signed(off)..],
            &mut dst[lo..hi],
        );
        if phases == 2 {
            // In pairs, which the compiler vectorizes; the last float alone if unpaired.
            let pairs = dst.len().min(src.len() / 2);
            for (d, pair) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *d = pair[0];
            }
            if let Some(d) = dst.get_mut(pairs) {
                *d = src[2 * pairs];
            }
        } else {
            for (i, d) in dst.iter_mut().enumerate() {
                *d = src[i * phases];
            }
        }
    }
}

/// `dst.copy_from_slice(src)`, short rows in two copies of one fixed size, overlapping
/// (the first and the last `N` floats), rather than a call to `memcpy`.
#[inline]
pub(super) fn copy(dst: &mut [f32], src: &[f32]) {
    #[inline(always)]
    fn two<const N: usize>(dst: &mut [f32], src: &[f32]) {
        let n = dst.len();
        dst[..N].copy_from_slice(&src[..N]);
        dst[n - N..].copy_from_slice(&src[n - N..n]);
    }
    match dst.len() {
        32.. => dst.copy_from_slice(src),
        16.. => two::<16>(dst, src),
        8.. => two::<8>(dst, src),
        4.. => two::<4>(dst, src),
        2.. => two::<2>(dst, src),
        1 => dst[0] = src[0],
        _ => {}
    }
}

/// Zeros in `dst`, short rows in two stores of one fixed size, overlapping, rather than a call
/// to `memset`.
#[inline]
pub(super) fn zero(dst: &mut [f32]) {
    #[inline(always)]
    fn two<const N: usize>(dst: &mut [f32]) {
        let n = dst.len();
        dst[..N].copy_from_slice(&[0.0; N]);
        dst[n - N..].copy_from_slice(&[0.0; N]);
    }
    match dst.len() {
        32.. => dst.fill(0.0),
        16.. => two::<16>(dst),
        8.. => two::<8>(dst),
        4.. => two::<4>(dst),
        2.. => two::<2>(dst),
        1 => dst[0] = 0.0,
        _ => {}
    }
}

/// Copies a row into `dst`, which holds zeros, spread out: `dst[t]` is `src[(t + first) /
/// step]` where `step` divides `t + first` (signed); the other floats stay zero.
#[inline]
fn spread_row(src: Option<&[f32]>, first: isize, step: usize, dst: &mut [f32]) {
    if step == 1 {
        return padded_row(src, first, 1, dst);
    }
    let Some(src) = src else { return };
    let step_i = step as isize;
    // The first `t` with `t + first` a non-negative multiple of `step`.
    let t0 = (first.max(0) + step_i - 1) / step_i * step_i - first;
    let (t0, from) = (t0 as usize, ((t0 + first) / step_i) as usize);
    if t0 >= dst.len() || from >= src.len() {
        return;
    }
    for (d, &v) in dst[t0..].iter_mut().step_by(step).zip(&src[from..]) {
        *d = v;
    }
}

/// [`kernels::accumulate`] of a product repeated over rows (`p.repeat` rows of `p.n` columns
/// of `c`, `p.c_next` apart), run instead as one product over the rows laid out `p.b_next`
/// apart in `scratch` (the columns between them computed and dropped) when that takes fewer
/// vectors: narrow rows then fill the vectors. Each value's chain is the same, so are the bits.
fn accumulate_rows(isa: Isa, p: &Strided<'_>, c: &mut [f32], scratch: &mut [f32]) {
    let (rows, step, n) = (p.repeat, p.b_next, p.n);
    let len = rows.saturating_sub(1) * step + n;
    let lanes = kernels::width(isa);
    let fold = rows > 1
        && step >= n
        && p.m * len <= scratch.len()
        && len.div_ceil(lanes) < rows * n.div_ceil(lanes);
    if !fold || p.m == 0 || n == 0 {
        return kernels::accumulate(isa, p, c);
    }
    let scratch = &mut scratch[..p.m * len];
    for (r, wide) in scratch.chunks_exact_mut(len).enumerate() {
        for i in 0..rows {
            copy(
                &mut wide[i * step..][..n],
                &c[r * p.ldc + i * p.c_next..][..n],
            );
        }
    }
    let q = Strided {
        a: p.a,
        a_row: p.a_row,
        a_gap: p.a_gap,
        b: p.b,
        b_rows: p.b_rows,
        b_gap: p.b_gap,
        ldc: len,
        m: p.m,
        n: len,
        k: p.k,
        repeat: 1,
        b_next: 0,
        c_next: 0,
    };
    kernels::accumulate(isa, &q, scratch);
    for (r, wide) in scratch.chunks_exact(len).enumerate() {
        for i in 0..rows {
            copy(
                &mut c[r * p.ldc + i * p.c_next..][..n],
                &wide[i * step..][..n],
            );
        }
    }
}

/// The forward, `y += W · im2col(x)` for every group, `y` starting at the bias; `None` if the
/// layer needs `panel.rs` instead (huge kernels, or narrow rows of a row stride above 1).
pub(super) fn forward(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    x: &[f32],
    y: &mut [f32],
) -> Option<()> {
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, kw]) = (s.input, s.output, s.kernel);
    let (ipg, taps, positions) = (g.in_per_group, s.taps(), s.outputs());
    let k = ipg * taps;
    let opg = (y.len() / positions.max(1)) / g.groups;
    if taps > MAX_TAPS {
        return None;
    }
    if positions == 0 || k == 0 || opg == 0 {
        return Some(());
    }
    let (sh, sw, dh, dw) = (g.stride[0], g.stride[1], g.dilation[0], g.dilation[1]);
    // Strided rows under half a vector wide cannot fold (`accumulate_rows`): `panel.rs` fills
    // the vectors with positions of several rows instead, its copies shared by 8 or more
    // output channels.
    if sh > 1 && 2 * wo <= kernels::width(isa) && opg >= 8 {
        return None;
    }
    // Input rows `rows` output rows read; a panel row for `c` output columns, in `sw` phases.
    let reach = |rows: usize| (rows - 1) * sh + (kh - 1) * dh + 1;
    let phase = |c: usize| c + (kw - 1) * dw / sw;
    let b = blocks(ipg, ho, wo, |c| phase(c) * sw, reach)?;
    let per = b.width / sw;
    let mut offsets = [0; MAX_TAPS];
    for (t, o) in offsets[..taps].iter_mut().enumerate() {
        let (r, c) = ((t / kw) * dh, (t % kw) * dw);
        *o = r * b.width + (c % sw) * per + c / sw;
    }
    let (mut panel, mut wide) = ([0.0; PANEL], [0.0; PANEL]);
    for group in 0..g.groups {
        let x = &x[group * ipg * s.inputs()..][..ipg * s.inputs()];
        let (weight, y) = (
            &weight[group * opg * k..],
            &mut y[group * opg * positions..],
        );
        for ow0 in (0..wo).step_by(b.columns) {
            let n = b.columns.min(wo - ow0);
            let first = (ow0 * sw) as isize - g.padding[1] as isize;
            for oh0 in (0..ho).step_by(b.rows) {
                let rows = b.rows.min(ho - oh0);
                let panel_rows = reach(rows);
                for c0 in (0..ipg).step_by(b.channels) {
                    let channels = b.channels.min(ipg - c0);
                    let used = &mut panel[..channels * panel_rows * b.width];
                    used.fill(0.0);
                    for (r, dst) in used.chunks_exact_mut(b.width).enumerate() {
                        let (c, r) = (c0 + r / panel_rows, r % panel_rows);
                        let ih = (oh0 * sh + r).checked_sub(g.padding[0]);
                        let src = ih
                            .filter(|&ih| ih < h)
                            .map(|ih| &x[(c * h + ih) * w..][..w]);
                        padded_row(src, first, sw, dst);
                    }
                    let p = Strided {
                        a: &weight[c0 * taps..],
                        a_row: k,
                        a_gap: taps,
                        b: used,
                        b_rows: &offsets[..taps],
                        b_gap: panel_rows * b.width,
                        ldc: positions,
                        m: opg,
                        n,
                        k: channels * taps,
                        repeat: rows,
                        b_next: sh * b.width,
                        c_next: wo,
                    };
                    accumulate_rows(isa, &p, &mut y[oh0 * wo + ow0..], &mut wide);
                }
            }
        }
    }
    Some(())
}

/// The input gradient, `dx += Wᵀ · dy2col(dy)` for every group, `dx` starting at zero; `None`
/// if the layer needs `panel.rs` instead (huge kernels).
pub(super) fn backward_input(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) -> Option<()> {
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, kw]) = (s.input, s.output, s.kernel);
    let (ipg, taps, positions) = (g.in_per_group, s.taps(), s.inputs());
    let opg = (dy.len() / s.outputs().max(1)) / g.groups;
    let k = opg * taps;
    if taps > MAX_TAPS {
        return None;
    }
    if positions == 0 || k == 0 || ipg == 0 || s.outputs() == 0 {
        return Some(());
    }
    let (sh, sw, dh, dw) = (g.stride[0], g.stride[1], g.dilation[0], g.dilation[1]);
    // Panel row `r` of a block from input row `ih0` holds the output gradient spread out
    // (output row `oh` at `oh · sh`) at row `ih0 + ph - (kh - 1)·dh + r`; column `t` of a block
    // from input column `iw0` at column `iw0 + pw - (kw - 1)·dw + t`.
    let (extra_h, extra_w) = ((kh - 1) * dh, (kw - 1) * dw);
    let reach = |rows: usize| rows + extra_h;
    let b = blocks(opg, h, w, |c| c + extra_w, reach)?;
    let mut offsets = [0; MAX_TAPS];
    for (t, o) in offsets[..taps].iter_mut().enumerate() {
        let (r, c) = ((t / kw) * dh, (t % kw) * dw);
        *o = (extra_h - r) * b.width + extra_w - c;
    }
    let (mut panel, mut wide) = ([0.0; PANEL], [0.0; PANEL]);
    for group in 0..g.groups {
        let dy = &dy[group * opg * s.outputs()..][..opg * s.outputs()];
        let weight = &weight[group * opg * ipg * taps..];
        let dx = &mut dx[group * ipg * positions..];
        for iw0 in (0..w).step_by(b.columns) {
            let n = b.columns.min(w - iw0);
            let first = (iw0 + g.padding[1]) as isize - extra_w as isize;
            for ih0 in (0..h).step_by(b.rows) {
                let rows = b.rows.min(h - ih0);
                let panel_rows = reach(rows);
                let top = (ih0 + g.padding[0]) as isize - extra_h as isize;
                for o0 in (0..opg).step_by(b.channels) {
                    let channels = b.channels.min(opg - o0);
                    let used = &mut panel[..channels * panel_rows * b.width];
                    used.fill(0.0);
                    for (r, dst) in used.chunks_exact_mut(b.width).enumerate() {
                        let (o, r) = (o0 + r / panel_rows, top + (r % panel_rows) as isize);
                        let oh = usize::try_from(r)
                            .ok()
                            .filter(|&r| r % sh == 0)
                            .map(|r| r / sh);
                        let src = oh
                            .filter(|&oh| oh < ho)
                            .map(|oh| &dy[(o * ho + oh) * wo..][..wo]);
                        spread_row(src, first, sw, dst);
                    }
                    let p = Strided {
                        a: &weight[o0 * ipg * taps..],
                        a_row: taps,
                        a_gap: ipg * taps,
                        b: used,
                        b_rows: &offsets[..taps],
                        b_gap: panel_rows * b.width,
                        ldc: positions,
                        m: ipg,
                        n,
                        k: channels * taps,
                        repeat: rows,
                        b_next: b.width,
                        c_next: w,
                    };
                    accumulate_rows(isa, &p, &mut dx[ih0 * w + iw0..], &mut wide);
                }
            }
        }
    }
    Some(())
}

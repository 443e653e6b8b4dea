//! The weight gradient of small layers (fewer than [`SMALL_K`] weights an output channel and
//! fewer than [`SMALL_OUT`] output channels a group, as depthwise convolutions): too few
//! independent sums for the chains of `weight.rs` to keep the vector unit busy, so each
//! gradient is instead a sum in eight lanes over the columns, as the bias gradient's, added
//! onto the gradient. Plain loops, unfused: the same bits on every instruction set.
//!
//! The input channel's rows go through a panel of at most [`PANEL`] floats, padded with zeros
//! as in `direct.rs`, so that each tap reads a row of consecutive floats.

use super::direct::{blocks, padded_row};
use super::kernel::{Shape, sum8_tree};
use super::panel::PANEL;

/// Weights an output channel below which a layer may take this path.
pub(super) const SMALL_K: usize = 16;
/// Output channels a group below which a layer may take this path.
pub(super) const SMALL_OUT: usize = 8;

/// The sums of one input channel: one for each output channel of the group and tap.
const SUMS: usize = (SMALL_K - 1) * (SMALL_OUT - 1);

/// Whether a layer's weight gradient runs here.
pub(super) fn small(k: usize, out_per_group: usize) -> bool {
    k < SMALL_K && out_per_group < SMALL_OUT
}

/// `lanes[l] += a[i] · b[i]` for the `i ≡ l (mod 8)` in order, `i < n` (`N` if not 0).
///
/// With `N`, the last partial chunk runs in all eight lanes, the lanes past the row adding
/// `+0 · +0`: that leaves a lane as it was, since a lane starts at `+0` and so never holds
/// `-0`, the one value adding `+0` changes.
#[inline]
fn dot8<const N: usize>(lanes: &mut [f32; 8], a: &[f32], b: &[f32], n: usize) {
    if N > 0 {
        let (a, b) = (&a[..N], &b[..N]);
        for (a, b) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
            for ((l, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
                *l += a * b;
            }
        }
        let rem = N % 8;
        if rem > 0 {
            let (mut pa, mut pb) = ([0.0f32; 8], [0.0f32; 8]);
            pa[..rem].copy_from_slice(&a[N - rem..]);
            pb[..rem].copy_from_slice(&b[N - rem..]);
            for ((l, a), b) in lanes.iter_mut().zip(pa).zip(pb) {
                *l += a * b;
            }
        }
        return;
    }
    let (a, b) = (a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    let (ra, rb) = (a.remainder(), b.remainder());
    for (a, b) in a.zip(b) {
        for ((l, &a), &b) in lanes.iter_mut().zip(a).zip(b) {
            *l += a * b;
        }
    }
    for ((l, &a), &b) in lanes.iter_mut().zip(ra).zip(rb) {
        *l += a * b;
    }
}

/// `dw[o][j] += Σ dy[o][oh][ow] · im2col[j][oh][ow]` for every group: each sum in eight lanes,
/// lane `l` adding the positions of column `ow ≡ l (mod 8)`, row after row, then added as
/// [`sum8_tree`]. `None` if eight output columns of one row do not fit a panel (then
/// `weight.rs` runs).
pub(super) fn backward_weight<const WO: usize>(
    s: &Shape<'_>,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
) -> Option<()> {
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, kw]) = (s.input, s.output, s.kernel);
    let (ipg, taps, positions) = (g.in_per_group, s.taps(), s.outputs());
    let k = ipg * taps;
    let opg = (dy.len() / positions.max(1)) / g.groups;
    if positions == 0 || k == 0 || opg == 0 {
        return Some(());
    }
    let (sh, sw, dh, dw_) = (g.stride[0], g.stride[1], g.dilation[0], g.dilation[1]);
    let reach = |rows: usize| (rows - 1) * sh + (kh - 1) * dh + 1;
    let phase = |c: usize| c + (kw - 1) * dw_ / sw;
    let mut b = blocks(1, ho, wo, |c| phase(c) * sw, reach)?;
    // Blocks of whole rows, or of columns from multiples of 8: each column keeps its lane.
    if b.columns < wo {
        b.columns = b.columns / 8 * 8;
    }
    if b.columns == 0 {
        return None;
    }
    let per = b.width / sw;
    // Where each tap's row starts in the panel, for output row `oh0`.
    let mut offsets = [0; SMALL_K];
    for (t, o) in offsets[..taps].iter_mut().enumerate() {
        let (r, col) = ((t / kw) * dh, (t % kw) * dw_);
        *o = r * b.width + (col % sw) * per + col / sw;
    }
    let mut panel = [0.0; PANEL];
    let mut sums = [[0.0f32; 8]; SUMS];
    for group in 0..g.groups {
        let dy = &dy[group * opg * positions..][..opg * positions];
        for c in 0..ipg {
            let x = &x[(group * ipg + c) * s.inputs()..][..s.inputs()];
            let sums = &mut sums[..opg * taps];
            sums.fill([0.0; 8]);
            for oh0 in (0..ho).step_by(b.rows) {
                let rows = b.rows.min(ho - oh0);
                for ow0 in (0..wo).step_by(b.columns) {
                    let n = b.columns.min(wo - ow0);
                    let used = &mut panel[..reach(rows) * b.width];
                    used.fill(0.0);
                    let first = (ow0 * sw) as isize - g.padding[1] as isize;
                    for (r, dst) in used.chunks_exact_mut(b.width).enumerate() {
                        let ih = (oh0 * sh + r).checked_sub(g.padding[0]);
                        let src = ih.filter(|&ih| ih < h).map(|ih| &x[ih * w..][..w]);
                        padded_row(src, first, sw, dst);
                    }
                    for oh in oh0..oh0 + rows {
                        let used = &used[(oh - oh0) * sh * b.width..];
                        for o in 0..opg {
                            let dy = &dy[o * positions + oh * wo + ow0..][..n];
                            let sums = &mut sums[o * taps..][..taps];
                            for (sum, &offset) in sums.iter_mut().zip(&offsets[..taps]) {
                                let src = &used[offset..][..n];
                                if n == WO {
                                    dot8::<WO>(sum, dy, src, n);
                                } else {
                                    dot8::<0>(sum, dy, src, n);
                                }
                            }
                        }
                    }
                }
            }
            for (o, sums) in sums.chunks_exact(taps).enumerate() {
                let dw = &mut dw[(group * opg + o) * k + c * taps..][..taps];
                for (dw, lanes) in dw.iter_mut().zip(sums) {
                    *dw += sum8_tree(lanes);
                }
            }
        }
    }
    Some(())
}

/// `dbias[o] += Σ dy[o][oh][ow]` for the planes of `dy`: each in eight lanes over the columns,
/// row after row, then added as [`sum8_tree`].
pub(super) fn bias_grad<const WO: usize>(dy: &[f32], dbias: &mut [f32]) {
    if WO == 0 {
        return;
    }
    let positions = dy.len() / dbias.len().max(1);
    for (g, plane) in dbias.iter_mut().zip(dy.chunks_exact(positions.max(1))) {
        let mut lanes = [0.0; 8];
        for row in plane.chunks_exact(WO) {
            add8(&mut lanes, row);
        }
        *g += sum8_tree(&lanes);
    }
}

/// `lanes[l] += row[i]` for the `i ≡ l (mod 8)` in order.
#[inline]
fn add8(lanes: &mut [f32; 8], row: &[f32]) {
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += v;
        }
    }
    for (l, &v) in lanes.iter_mut().zip(rest) {
        *l += v;
    }
}

//! The weight gradient of small layers (fewer than [`SMALL_K`] weights an output channel and
//! fewer than [`SMALL_OUT`] output channels a group, as depthwise convolutions): too few
//! independent sums for the chains of `weight.rs` to keep the vector unit busy, so each
//! gradient is instead a sum in eight lanes over the columns, as the bias gradient's, added
//! onto the gradient ([`kernels::lanes8`]: unfused, the same bits on every instruction set).
//!
//! The input channel's rows go through a panel of at most [`PANEL`] floats, padded with zeros
//! as in `direct.rs`, so that each tap reads a row of consecutive floats.

use super::direct::{blocks, padded_row};
use super::kernel::{Shape, sum8_tree};
use super::panel::PANEL;
use crate::kernels::{self, Isa, Rows};

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

/// `dw[o][j] += Σ dy[o][oh][ow] · im2col[j][oh][ow]` for every group: each sum in eight lanes,
/// lane `l` adding the positions of column `ow ≡ l (mod 8)`, row after row, then added as
/// [`sum8_tree`]. `None` if eight output columns of one row do not fit a panel (then
/// `weight.rs` runs).
pub(super) fn backward_weight(
    isa: Isa,
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
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    if ipg == 1 && opg == 1 && [sh, sw] == [1, 1] {
        // Tap `(i, j)` reads input `(oh + i·dh - ph, ow + j·dw - pw)`.
        let (mut rows, mut cols) = ([0; SMALL_K], [0; SMALL_K]);
        for (i, r) in rows[..kh].iter_mut().enumerate() {
            *r = (i * dh) as isize - g.padding[0] as isize;
        }
        for (j, c) in cols[..kw].iter_mut().enumerate() {
            *c = (j * dw_) as isize - g.padding[1] as isize;
        }
        let p = kernels::TapSums {
            x,
            input: [h, w],
            dy,
            output: [ho, wo],
            rows: &rows[..kh],
            cols: &cols[..kw],
            channels: g.groups,
        };
        if kernels::tap_sums(isa, &p, dw) {
            return Some(());
        }
    }
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
                    for o in 0..opg {
                        let p = Rows {
                            a: &dy[o * positions + oh0 * wo + ow0..],
                            a_row: wo,
                            b: used,
                            b_row: sh * b.width,
                            offsets: &offsets[..taps],
                            rows,
                            n,
                        };
                        kernels::lanes8(isa, &p, &mut sums[o * taps..][..taps]);
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
/// row after row, then added as [`sum8_tree`]. Compiled for the vector unit the kernels run
/// with ([`kernels::in_lanes`]).
pub(super) fn bias_grad<const WO: usize>(dy: &[f32], dbias: &mut [f32]) {
    if WO == 0 || dbias.is_empty() {
        return;
    }
    kernels::in_lanes(
        #[inline(always)]
        || bias_grad_in::<WO>(dy, dbias),
    );
}

/// [`bias_grad`]'s sums.
#[inline(always)]
fn bias_grad_in<const WO: usize>(dy: &[f32], dbias: &mut [f32]) {
    let positions = (dy.len() / dbias.len()).max(1);
    let rows = positions / WO;
    // Four channels at a time: four chains of additions that do not wait on each other.
    let (fours, rest) = dbias.split_at_mut(dbias.len() / 4 * 4);
    let (dy, dy_rest) = dy.split_at((fours.len() * positions).min(dy.len()));
    for (g, planes) in fours
        .chunks_exact_mut(4)
        .zip(dy.chunks_exact(4 * positions))
    {
        let mut lanes = [[0.0; 8]; 4];
        for r in 0..rows {
            for (c, lanes) in lanes.iter_mut().enumerate() {
                add8(lanes, &planes[c * positions + r * WO..][..WO]);
            }
        }
        for (g, lanes) in g.iter_mut().zip(&lanes) {
            *g += sum8_tree(lanes);
        }
    }
    for (g, plane) in rest.iter_mut().zip(dy_rest.chunks_exact(positions)) {
        let mut lanes = [0.0; 8];
        for row in plane.chunks_exact(WO) {
            add8(&mut lanes, row);
        }
        *g += sum8_tree(&lanes);
    }
}

/// `lanes[l] += row[i]` for the `i ≡ l (mod 8)` in order.
#[inline(always)]
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

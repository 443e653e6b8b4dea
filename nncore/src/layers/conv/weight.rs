//! The weight gradient as a product of the dense kernels: `dweight += dy · im2col(x)ᵀ`, the
//! vectors along the weight's columns so that each gradient is one chain over the output
//! positions in order.
//!
//! Two panels of at most [`WIDE`] floats each live on the stack: a few rows of some input
//! channels, padded with zeros (as in `direct.rs`), and, copied from it, the transposed
//! `im2col` matrix of a block of positions for a run of whole kernel rows. The panels are
//! larger than the forward's, and hold as many rows as fit, so that each product's register
//! tiles run over some 80 positions between loading their sums and storing them.
//!
//! On AVX-512, layers of 3 input channels a group or more whose operands fit its panels run
//! `weight_lanes.rs` instead, with the vectors along the output channels and the same sums.

use super::direct::{Blocks, MAX_TAPS, padded_row};
use super::kernel::Shape;
use super::panel::{self, PANEL};
use crate::kernels::{self, Isa, Strided};

/// Floats in each of the two panels: four of the forward's (16 KiB).
const WIDE: usize = 4 * PANEL;

/// Input channels a padded panel holds at least, where it can: 16 channels of a 3×3 kernel
/// are three products of [`COLUMNS`] columns.
const CHANNELS: usize = 16;

/// Positions a product covers at least before all of a block's kernel rows go into one.
const POSITIONS: usize = 64;

/// Columns a product covers when not all of a panel's fit: three vectors of sixteen, rounded
/// down to whole kernel rows.
const COLUMNS: usize = 48;

/// The kernel rows of one run of columns, at most.
const MAX_ROWS: usize = 64;

/// Where the taps of a panel start: the offset in the padded panel of the kernel rows a run
/// of columns covers, for the panel's first position.
struct Taps<'a> {
    rows: &'a [usize],
    stride: usize,
    dilation: usize,
    /// Floats from one panel row to the next, and panel rows from one output row to the next.
    width: usize,
    row_step: usize,
    /// Output columns a row of the block holds.
    columns: usize,
}

/// Floats a panel leaves free at its end, and reads past the last tap: room for the
/// four-float copies of kernels under four taps wide.
const SLACK: usize = 4;

/// The transposed `im2col` matrix of positions `q0..q0 + n` of a block (row-major, `taps.columns`
/// a row) for the kernel rows `taps.rows`: `out[q - q0][r · KW + kw]` is tap `kw` of kernel row
/// `r` at position `q`. `out` and `padded` have [`SLACK`] floats to spare past the matrix and
/// the last tap.
fn im2row<const KW: usize>(t: &Taps<'_>, padded: &[f32], q0: usize, n: usize, out: &mut [f32]) {
    let cols = t.rows.len() * KW;
    if n == 0 {
        return;
    }
    let last = t
        .rows
        .iter()
        .max()
        .map_or(0, |&r| r + (KW - 1) * t.dilation);
    let at = |q: usize| (q / t.columns) * t.row_step * t.width + (q % t.columns) * t.stride;
    // The offsets grow with the position: past the last position's last tap, `SLACK` floats.
    assert!(at(q0 + n - 1) + last + SLACK <= padded.len() && n * cols + SLACK <= out.len());
    // Kernels under four taps wide copy four floats a row: the extra ones land where the next
    // row's (or the slack) go, written after.
    let wide = KW < SLACK && t.dilation == 1;
    let (mut row, mut column) = (q0 / t.columns, q0 % t.columns);
    let (src, mut dst) = (padded.as_ptr(), out.as_mut_ptr());
    for _ in 0..n {
        let window = row * t.row_step * t.width + column * t.stride;
        for &kr in t.rows {
            // SAFETY: `window + kr + kw · dilation <= at(q) + last`, and the four-float copies
            // read and write `SLACK - KW` more, all inside `padded` and `out` (checked above
            // for the last position, the largest).
            unsafe {
                let src = src.add(window + kr);
                if wide {
                    dst.cast::<[f32; SLACK]>()
                        .write_unaligned(src.cast::<[f32; SLACK]>().read_unaligned());
                } else if t.dilation == 1 {
                    core::ptr::copy_nonoverlapping(src, dst, KW);
                } else {
                    for kw in 0..KW {
                        *dst.add(kw) = *src.add(kw * t.dilation);
                    }
                }
                dst = dst.add(KW);
            }
        }
        column += 1;
        if column == t.columns {
            (row, column) = (row + 1, 0);
        }
    }
}

/// `dweight += dy · im2col(x)ᵀ` for every group.
pub(super) fn backward_weight<const KW: usize>(
    isa: Isa,
    s: &Shape<'_>,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
) {
    let (ipg, k) = (s.geo.in_per_group, s.geo.in_per_group * s.taps());
    if backward_columns::<KW>(isa, s, x, dy, 0..ipg, dw, k).is_none() {
        super::panel::backward_weight(isa, s, x, dy, dw);
    }
}

/// [`backward_columns`] for `samples` samples in order, `sample(b)` giving sample `b`'s input
/// and output gradient, if a path takes them all at once (the sums are the same); `None`,
/// doing nothing, if not.
pub(super) fn backward_batch<'a, const KW: usize>(
    isa: Isa,
    s: &Shape<'_>,
    samples: usize,
    sample: impl Fn(usize) -> (&'a [f32], &'a [f32]),
    cs: core::ops::Range<usize>,
    dw: &mut [f32],
    ldc: usize,
) -> Option<()> {
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    {
        super::weight_lanes::backward_batch::<KW>(isa, s, samples, sample, cs, dw, ldc)
    }
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    {
        let _ = (isa, s, samples, sample, cs, dw, ldc);
        None
    }
}

/// The blocks [`backward_columns`] reads the input in, if the layer fits them: whole rows of
/// the output if one row of one channel fits a panel (else one row, in blocks of columns), as
/// many rows as fit with [`CHANNELS`] channels, and, if all the rows fit, as many channels as
/// fit (whole multiples of [`CHANNELS`] where there are that many).
fn layout<const KW: usize>(s: &Shape<'_>) -> Option<Blocks> {
    let g = s.geo;
    let ([ho, wo], [kh, _]) = (s.output, s.kernel);
    if KW > MAX_TAPS || ho == 0 || wo == 0 {
        return None;
    }
    let reach = |rows: usize| (rows - 1) * g.stride[0] + (kh - 1) * g.dilation[0] + 1;
    let width = |c: usize| (c - 1) * g.stride[1] + (KW - 1) * g.dilation[1] + 1;
    let mut columns = wo;
    while columns > 0 && width(columns) * reach(1) > WIDE {
        columns = (WIDE / reach(1)).min(columns - 1);
    }
    if columns == 0 {
        return None;
    }
    let width = width(columns);
    let least = CHANNELS
        .min(g.in_per_group)
        .clamp(1, (WIDE / (width * reach(1))).max(1));
    let mut rows = 1;
    while columns == wo && rows < ho && least * width * reach(rows + 1) <= WIDE {
        rows += 1;
    }
    let mut channels = (WIDE / (width * reach(rows))).clamp(1, g.in_per_group.max(1));
    if rows < ho {
        channels = channels.min(least);
    } else if channels > CHANNELS {
        channels -= channels % CHANNELS;
    }
    Some(Blocks {
        channels,
        rows,
        columns,
        width,
    })
}

/// Whether [`backward_columns`] takes the layer (else `panel.rs` does).
#[cfg(feature = "rayon")]
pub(super) fn fits<const KW: usize>(s: &Shape<'_>) -> bool {
    s.outputs() == 0 || layout::<KW>(s).is_some()
}

/// [`backward_weight`]'s columns of the input channels `cs` of each group: `dw` holds them,
/// `ldc` floats an output channel, from channel `cs.start`'s first. The sums and their order
/// are [`backward_weight`]'s. `None`, doing nothing, if the layer does not fit the blocks.
pub(super) fn backward_columns<const KW: usize>(
    isa: Isa,
    s: &Shape<'_>,
    x: &[f32],
    dy: &[f32],
    cs: core::ops::Range<usize>,
    dw: &mut [f32],
    ldc: usize,
) -> Option<()> {
    if backward_batch::<KW>(isa, s, 1, |_| (x, dy), cs.clone(), dw, ldc).is_some() {
        return Some(());
    }
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, _]) = (s.input, s.output, s.kernel);
    let (ipg, taps, positions) = (g.in_per_group, s.taps(), s.outputs());
    let opg = (dy.len() / positions.max(1)) / g.groups;
    if positions == 0 || cs.is_empty() || taps == 0 || opg == 0 {
        return Some(());
    }
    let sh = g.stride[0];
    let reach = |rows: usize| (rows - 1) * sh + (kh - 1) * g.dilation[0] + 1;
    let b = layout::<KW>(s)?;
    let mut padded = [0.0; WIDE + SLACK];
    let mut panel = [0.0; WIDE];
    for group in 0..g.groups {
        let x = &x[group * ipg * s.inputs()..][..ipg * s.inputs()];
        let dy = &dy[group * opg * positions..][..opg * positions];
        let dw = &mut dw[group * opg * ldc..];
        for oh0 in (0..ho).step_by(b.rows) {
            let rows = b.rows.min(ho - oh0);
            for ow0 in (0..wo).step_by(b.columns) {
                let columns = b.columns.min(wo - ow0);
                for c0 in cs.clone().step_by(b.channels) {
                    let channels = b.channels.min(cs.end - c0);
                    let used = &mut padded[..channels * reach(rows) * b.width];
                    used.fill(0.0);
                    let first = (ow0 * g.stride[1]) as isize - g.padding[1] as isize;
                    for (r, dst) in used.chunks_exact_mut(b.width).enumerate() {
                        let (c, r) = (c0 + r / reach(rows), r % reach(rows));
                        let ih = (oh0 * sh + r).checked_sub(g.padding[0]);
                        let src = ih
                            .filter(|&ih| ih < h)
                            .map(|ih| &x[(c * h + ih) * w..][..w]);
                        padded_row(src, first, 1, dst);
                    }
                    let block = Block {
                        b,
                        rows,
                        columns,
                        channels,
                        dy: &dy[oh0 * wo + ow0..],
                        j0: (c0 - cs.start) * taps,
                        ldc,
                        outputs: opg,
                    };
                    block.accumulate::<KW>(isa, s, &padded, &mut panel, dw);
                }
            }
        }
    }
    Some(())
}

/// One padded panel's share of the weight gradient.
struct Block<'a> {
    b: Blocks,
    /// Output rows, columns and input channels the panel covers.
    rows: usize,
    columns: usize,
    channels: usize,
    /// The output gradient from the block's first position on, `positions` a channel.
    dy: &'a [f32],
    /// The column of `dw` of the panel's first channel, and floats an output channel.
    j0: usize,
    ldc: usize,
    /// Output channels in the group.
    outputs: usize,
}

impl Block<'_> {
    /// `dw[o][j0 + j] += Σ_q dy[o][q] · im2col[j][q]` over the block's positions in order, in
    /// products of whole kernel rows by as many positions as `panel` holds.
    fn accumulate<const KW: usize>(
        &self,
        isa: Isa,
        s: &Shape<'_>,
        padded: &[f32],
        panel: &mut [f32; WIDE],
        dw: &mut [f32],
    ) {
        let g = s.geo;
        let (kh, positions, opg) = (s.kernel[0], s.outputs(), self.outputs);
        let kernel_rows = self.channels * kh;
        let panel_rows = (self.rows - 1) * g.stride[0] + (kh - 1) * g.dilation[0] + 1;
        let n = self.rows * self.columns;
        // All the kernel rows if [`POSITIONS`] positions of them fit, else about `COLUMNS`
        // columns; in either case no more rows than `offsets` lists, nor columns than a panel
        // holds with its slack. (Blocks of few positions fit more than `MAX_ROWS` rows.)
        let per = if kernel_rows * KW * POSITIONS.min(n) <= WIDE - SLACK {
            kernel_rows
        } else {
            COLUMNS / KW
        };
        let per = per.clamp(1, MAX_ROWS.min((WIDE - SLACK) / KW));
        let mut offsets = [0; MAX_ROWS];
        for r0 in (0..kernel_rows).step_by(per) {
            let run = per.min(kernel_rows - r0);
            for (i, o) in offsets[..run].iter_mut().enumerate() {
                let (c, kh) = ((r0 + i) / kh, (r0 + i) % kh);
                *o = (c * panel_rows + kh * g.dilation[0]) * self.b.width;
            }
            let t = Taps {
                rows: &offsets[..run],
                stride: g.stride[1],
                dilation: g.dilation[1],
                width: self.b.width,
                row_step: g.stride[0],
                columns: self.columns,
            };
            let cols = run * KW;
            // Products of as many positions as the panel holds, evened out.
            let steps = n.div_ceil(n.div_ceil((WIDE - SLACK) / cols));
            let mut q0 = 0;
            while q0 < n {
                let m = steps.min(n - q0);
                im2row::<KW>(&t, padded, q0, m, panel);
                let b = &panel[..m * cols];
                // The block's positions are contiguous in `dy` (whole rows, or part of one).
                let (row, column) = (q0 / self.columns, q0 % self.columns);
                let rows = panel::row_offsets(cols);
                let p = Strided {
                    a: &self.dy[row * s.output[1] + column..],
                    a_row: positions,
                    a_gap: rows.len(),
                    b,
                    b_rows: &rows,
                    b_gap: rows.len() * cols,
                    ldc: self.ldc,
                    m: opg,
                    n: cols,
                    k: m,
                    repeat: 1,
                    b_next: 0,
                    c_next: 0,
                };
                kernels::accumulate(isa, &p, &mut dw[self.j0 + r0 * KW..]);
                q0 += m;
            }
        }
    }
}

//! The weight gradient on AVX-512 with the vectors along the output channels
//! ([`kernels::accumulate_taps`]): each tap is read from the padded panel where it lies, with no
//! `im2col` copy, against each sample's output gradient transposed (a position's channels
//! consecutive), into a run of the gradient's columns held transposed on the stack across every
//! sample of the batch. Each gradient is the same chain over the positions in order, sample by
//! sample, as `weight.rs` sums, so the bits are its.
//!
//! On the stack: the transposed output gradient of a block of output rows ([`DYT`] floats), the
//! columns' sums ([`SUMS`]) and a padded panel of the block's input rows ([`PADDED`]).

use super::direct::padded_row;
use super::kernel::Shape;
use crate::kernels::{self, Isa, Sweep};

/// Floats of the transposed output gradient of a block of output rows, its channels rounded up
/// to 16 (16 KiB): transposed just before the block's sums read it, it stays in the L1 cache.
const DYT: usize = 4096;

/// Floats of the gradient's columns a run holds, transposed: 16 input channels of a 3×3
/// kernel for 64 output channels (36 KiB), so that a run's columns are whole blocks of 16.
const SUMS: usize = 9216;

/// Floats of the padded panel: some rows of the run's channels.
const PADDED: usize = 4096;

/// Input channels a group needs at least: an RGB first layer's three, for which the transposed
/// output gradient still costs less than `weight.rs`'s copies; with fewer, it may not.
const MIN_CHANNELS: usize = 3;

/// Taps a kernel row may have at most: a register tile holds at least one row of them.
const MAX_KW: usize = 8;

/// Kernel rows a run holds at most: `SUMS` floats are at least 16 a tap.
const MAX_ROWS: usize = SUMS / 16;

/// [`super::weight::backward_columns`] on AVX-512 for `samples` samples in order, `sample(b)`
/// giving sample `b`'s input and output gradient: the columns stay transposed across all of
/// them. `None`, doing nothing, for another instruction set or a layer whose operands do not
/// fit the stack's panels.
pub(super) fn backward_batch<'a, const KW: usize>(
    isa: Isa,
    s: &Shape<'_>,
    samples: usize,
    sample: impl Fn(usize) -> (&'a [f32], &'a [f32]),
    cs: core::ops::Range<usize>,
    dw: &mut [f32],
    ldc: usize,
) -> Option<()> {
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, _]) = (s.input, s.output, s.kernel);
    let (ipg, taps, positions) = (g.in_per_group, s.taps(), s.outputs());
    if isa != Isa::Avx512 || samples == 0 || positions == 0 || taps == 0 || KW == 0 || KW > MAX_KW {
        return None;
    }
    let opg = (sample(0).1.len() / positions) / g.groups.max(1);
    let ldo = opg.next_multiple_of(16);
    let most = SUMS / (taps * ldo).max(1);
    if opg == 0 || ipg < MIN_CHANNELS || cs.is_empty() || wo * ldo > DYT || most == 0 {
        return None;
    }
    let ([sh, sw], [dh, dw_], [ph, pw]) = (g.stride, g.dilation, g.padding);
    let reach = |rows: usize| (rows - 1) * sh + (kh - 1) * dh + 1;
    let width = (wo - 1) * sw + (KW - 1) * dw_ + 1;
    // Runs of channels evened out, each fitting `SUMS` and a panel of one row of output.
    let most = most.min(PADDED / (width * reach(1)));
    if most == 0 {
        return None;
    }
    let per = cs.len().div_ceil(cs.len().div_ceil(most));
    let mut rows = 1;
    while rows < ho && per * width * reach(rows + 1) <= PADDED && (rows + 1) * wo * ldo <= DYT {
        rows += 1;
    }
    let mut dyt = [0.0; DYT];
    let mut sums = [0.0; SUMS];
    let mut padded = [0.0; PADDED];
    let mut offsets = [0; MAX_ROWS];
    for group in 0..g.groups {
        let dw = &mut dw[group * opg * ldc..];
        for c0 in cs.clone().step_by(per) {
            let channels = per.min(cs.end - c0);
            let (cols, j0) = (channels * taps, (c0 - cs.start) * taps);
            let sums = &mut sums[..cols * ldo];
            kernels::transpose(isa, &dw[j0..], ldc, sums, ldo, [opg, cols]);
            for b in 0..samples {
                let (x, dy) = sample(b);
                let x = &x[group * ipg * s.inputs()..][..ipg * s.inputs()];
                let dy = &dy[group * opg * positions..][..opg * positions];
                for oh0 in (0..ho).step_by(rows) {
                    let n = rows.min(ho - oh0);
                    let (q0, m) = (oh0 * wo, n * wo);
                    kernels::transpose(isa, &dy[q0..], positions, &mut dyt, ldo, [opg, m]);
                    let used = &mut padded[..channels * reach(n) * width];
                    used.fill(0.0);
                    for (r, dst) in used.chunks_exact_mut(width).enumerate() {
                        let (c, r) = (c0 + r / reach(n), r % reach(n));
                        let ih = (oh0 * sh + r).checked_sub(ph);
                        let src = ih
                            .filter(|&ih| ih < h)
                            .map(|ih| &x[(c * h + ih) * w..][..w]);
                        padded_row(src, -(pw as isize), 1, dst);
                    }
                    // Kernel row `t = c · kh + i` of the run: row `i · dh` of channel `c`'s.
                    for (t, o) in offsets[..channels * kh].iter_mut().enumerate() {
                        *o = ((t / kh) * reach(n) + (t % kh) * dh) * width;
                    }
                    let p = Sweep {
                        x: used,
                        taps: &offsets[..channels * kh],
                        stride: sw,
                        dilation: dw_,
                        row_step: sh * width,
                        rows: n,
                        columns: wo,
                        dyt: &dyt[..m * ldo],
                        ldo,
                    };
                    kernels::accumulate_taps::<KW>(isa, &p, sums);
                }
            }
            kernels::transpose(isa, sums, ldo, &mut dw[j0..], ldc, [cols, opg]);
        }
    }
    Some(())
}

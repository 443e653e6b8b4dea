//! Pointwise convolutions (a 1×1 kernel, stride 1, no padding): each group's products read the
//! image planes as they lie, one row of the matrix a channel and one column a position, with
//! no panel. A whole plane is one run of columns however narrow its rows, and the forward and
//! the input gradient take the batch as one call (planes of fewer positions than a vector
//! share a register tile).
//!
//! The products, and their order, are those of `direct.rs` for a 1×1 kernel: only the layout
//! the kernels read differs.

use super::kernel::Shape;
use super::panel::{PANEL, row_offsets};
use crate::kernels::{self, Isa, Start, Strided};

/// Whether the layer is pointwise.
pub(super) fn pointwise(s: &Shape<'_>) -> bool {
    let g = s.geo;
    s.kernel == [1, 1] && g.stride == [1, 1] && g.padding == [0, 0] && s.input == s.output
}

/// The forward of a batch, `y = bias + W · x` for every group of every sample, each output one
/// chain from its bias (or zero); `samples` samples, `x` and `y` one after another. Overwrites
/// `y`.
pub(super) fn forward(
    isa: Isa,
    s: &Shape<'_>,
    (weight, bias): (&[f32], Option<&[f32]>),
    x: &[f32],
    y: &mut [f32],
    samples: usize,
) {
    let (ipg, groups, positions) = (s.geo.in_per_group, s.geo.groups, s.outputs());
    let opg = (y.len() / (positions * samples).max(1)) / groups.max(1);
    if positions == 0 || ipg == 0 || opg == 0 || samples == 0 {
        return;
    }
    let offsets = row_offsets(positions);
    for g in 0..groups {
        let p = Strided {
            a: &weight[g * opg * ipg..][..opg * ipg],
            a_row: ipg,
            a_gap: offsets.len(),
            b: &x[g * ipg * positions..],
            b_rows: &offsets,
            b_gap: offsets.len() * positions,
            ldc: positions,
            m: opg,
            n: positions,
            k: ipg,
            repeat: samples,
            b_next: ipg * groups * positions,
            c_next: opg * groups * positions,
        };
        let start = bias.map_or(Start::Zero, |b| Start::Rows(&b[g * opg..][..opg]));
        kernels::accumulate_from(isa, &p, start, &mut y[g * opg * positions..]);
    }
}

/// The input gradient of a batch, `dx = Wᵀ · dy` for every group of every sample: each input
/// one chain from zero over the group's output channels in order. Overwrites `dx`.
pub(super) fn backward_input(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    samples: usize,
) {
    let (ipg, groups, positions) = (s.geo.in_per_group, s.geo.groups, s.inputs());
    let opg = (dy.len() / (positions * samples).max(1)) / groups.max(1);
    if positions == 0 || ipg == 0 || opg == 0 || samples == 0 {
        return;
    }
    for g in 0..groups {
        // a(c, o) = weight[o][c]: runs of one output channel, `ipg` floats apart.
        let p = Strided {
            a: &weight[g * opg * ipg..][..opg * ipg],
            a_row: 1,
            a_gap: ipg,
            b: &dy[g * opg * positions..],
            b_rows: &[0],
            b_gap: positions,
            ldc: positions,
            m: ipg,
            n: positions,
            k: opg,
            repeat: samples,
            b_next: opg * groups * positions,
            c_next: ipg * groups * positions,
        };
        kernels::accumulate_from(isa, &p, Start::Zero, &mut dx[g * ipg * positions..]);
    }
}

/// One sample's weight gradient, `dw += dy · xᵀ` for every group: the positions in order,
/// `x` transposed into a panel a block of positions at a time ([`kernels::planes_to_rows`]). `None` if a panel holds no
/// position of the group's channels.
pub(super) fn backward_weight(
    isa: Isa,
    s: &Shape<'_>,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
) -> Option<()> {
    let (ipg, groups, positions) = (s.geo.in_per_group, s.geo.groups, s.outputs());
    let opg = (dy.len() / positions.max(1)) / groups.max(1);
    if positions == 0 || ipg == 0 || opg == 0 {
        return Some(());
    }
    let step = PANEL / ipg;
    if step == 0 {
        return None;
    }
    let offsets = row_offsets(ipg);
    let mut panel = [0.0; PANEL];
    for g in 0..groups {
        let x = &x[g * ipg * positions..][..ipg * positions];
        for p0 in (0..positions).step_by(step) {
            let n = step.min(positions - p0);
            let b = &mut panel[..n * ipg];
            // The sizes always fit (the group's planes, a panel of `n` rows); the copy one
            // value at a time is there only so that no size goes unchecked.
            if !kernels::planes_to_rows(isa, (&x[p0..], positions), (ipg, n), (b, ipg)) {
                for (c, plane) in x.chunks_exact(positions).enumerate() {
                    for (d, &v) in b[c..].iter_mut().step_by(ipg).zip(&plane[p0..p0 + n]) {
                        *d = v;
                    }
                }
            }
            let p = Strided {
                a: &dy[g * opg * positions + p0..],
                a_row: positions,
                a_gap: offsets.len(),
                b,
                b_rows: &offsets,
                b_gap: offsets.len() * ipg,
                ldc: ipg,
                m: opg,
                n: ipg,
                k: n,
                repeat: 1,
                b_next: 0,
                c_next: 0,
            };
            kernels::accumulate(isa, &p, &mut dw[g * opg * ipg..]);
        }
    }
    Some(())
}

//! Convolutions of stride 1 whose output rows are as wide as the input's, on AVX-512: the
//! forward and the input gradient of a whole batch through [`kernels::planes`], which reads
//! each plane in place, sixteen positions a vector however narrow its rows. The products, and
//! their order, are those of `direct.rs`, the padding's zeros included: other instruction sets
//! run that, with the same bits.

use super::kernel::Shape;
use crate::kernels::{self, Affine, Isa, Planes, Start};

/// The offsets of the kernel's rows and columns, in rows and columns: `i · dilation -
/// padding`, negated for the input gradient.
fn offsets(s: &Shape<'_>, backward: bool) -> ([isize; 64], [isize; 64]) {
    let (g, sign) = (s.geo, if backward { -1 } else { 1 });
    let (mut rows, mut cols) = ([0; 64], [0; 64]);
    for (i, r) in rows[..s.kernel[0]].iter_mut().enumerate() {
        *r = sign * ((i * g.dilation[0]) as isize - g.padding[0] as isize);
    }
    for (j, c) in cols[..s.kernel[1]].iter_mut().enumerate() {
        *c = sign * ((j * g.dilation[1]) as isize - g.padding[1] as isize);
    }
    (rows, cols)
}

/// Whether the layer runs here: stride 1, output rows as wide as the input's, at most 64 taps.
fn flat(s: &Shape<'_>) -> bool {
    s.geo.stride == [1, 1] && s.input[1] == s.output[1] && s.kernel[0] * s.kernel[1] <= 64
}

/// The forward of `samples` samples, `y = bias + W · im2col(x)` for every group, each chain
/// from its bias (or 0: what `y` holds is overwritten), then `then`'s map; `false`, nothing
/// written, where [`kernels::planes`] does not run.
pub(super) fn forward(
    isa: Isa,
    s: &Shape<'_>,
    (weight, bias): (&[f32], Option<&[f32]>),
    then: Option<Affine<'_>>,
    x: &[f32],
    y: &mut [f32],
    samples: usize,
) -> bool {
    let (g, taps) = (s.geo, s.taps());
    let (ipg, k) = (g.in_per_group, g.in_per_group * s.taps());
    let opg = (y.len() / (s.outputs() * samples).max(1)) / g.groups.max(1);
    if !flat(s) || samples == 0 || opg == 0 || ipg == 0 {
        return false;
    }
    let (rows, cols) = offsets(s, false);
    for group in 0..g.groups {
        let p = Planes {
            src: &x[group * ipg * s.inputs()..],
            src_len: s.inputs(),
            src_next: g.groups * ipg * s.inputs(),
            out_len: s.outputs(),
            out_plane: s.outputs(),
            out_next: g.groups * opg * s.outputs(),
            width: s.input[1],
            rows: &rows[..s.kernel[0]],
            cols: &cols[..s.kernel[1]],
            offsets: None,
            a: &weight[group * opg * k..],
            a_row: k,
            a_chan: taps,
            m: opg,
            k: ipg,
            samples,
            start: bias.map_or(Start::Zero, |b| Start::Rows(&b[group * opg..][..opg])),
            then: then.map(|f| f.from(group * opg)),
        };
        if !kernels::planes(isa, &p, &mut y[group * opg * s.outputs()..]) {
            return false;
        }
    }
    true
}

/// The input gradient of `samples` samples, `dx = Wᵀ · dy2col(dy)` for every group, each sum
/// from zero (what `dx` holds is overwritten); `false`, nothing written, where
/// [`kernels::planes`] does not run.
pub(super) fn backward_input(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    samples: usize,
) -> bool {
    let (g, taps) = (s.geo, s.taps());
    let ipg = g.in_per_group;
    let opg = (dy.len() / (s.outputs() * samples).max(1)) / g.groups.max(1);
    if !flat(s) || samples == 0 || opg == 0 || ipg == 0 {
        return false;
    }
    let (rows, cols) = offsets(s, true);
    for group in 0..g.groups {
        // a(c, o, t) = weight[o][c][t]: the output channels `ipg · taps` apart.
        let p = Planes {
            src: &dy[group * opg * s.outputs()..],
            src_len: s.outputs(),
            src_next: g.groups * opg * s.outputs(),
            out_len: s.inputs(),
            out_plane: s.inputs(),
            out_next: g.groups * ipg * s.inputs(),
            width: s.input[1],
            rows: &rows[..s.kernel[0]],
            cols: &cols[..s.kernel[1]],
            offsets: None,
            a: &weight[group * opg * ipg * taps..],
            a_row: taps,
            a_chan: ipg * taps,
            m: ipg,
            k: opg,
            samples,
            start: Start::Zero,
            then: None,
        };
        if !kernels::planes(isa, &p, &mut dx[group * ipg * s.inputs()..]) {
            return false;
        }
    }
    true
}

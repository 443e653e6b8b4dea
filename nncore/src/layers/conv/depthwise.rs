//! Depthwise convolutions of stride 1 (one input and one output channel a group): each
//! channel's plane, padded with zeros in a panel, goes through one product whose columns are
//! the positions of a block of rows laid out at the panel's width, so that narrow rows fill
//! the vectors (the columns between rows are computed and dropped). The forward and the input
//! gradient of any image; at most two [`PANEL`]s on the stack.
//!
//! The products, and their order, are those of `direct.rs`, the padding's zeros included: only
//! the layout of the operands differs.

use super::direct::MAX_TAPS;
use super::kernel::Shape;
use super::panel::PANEL;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use crate::kernels::Affine;
use crate::kernels::{self, Isa, Strided};

/// Whether the layer runs here: depthwise, stride 1, at most [`MAX_TAPS`] taps.
pub(super) fn depthwise(s: &Shape<'_>, out: usize) -> bool {
    let g = s.geo;
    g.in_per_group == 1 && out == g.groups && g.stride == [1, 1] && s.taps() <= MAX_TAPS
}

/// A batch's forward (`backward` false) or input gradient through [`kernels::taps`], every
/// plane one run of positions read in place, each sum from its bias (or 0) and through `then`'s
/// map as it is stored; `false`, nothing written, where that kernel does not run (other
/// instruction sets, or rows of the output narrower than the input's).
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(super) fn planes(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    (bias, then): (Option<&[f32]>, Option<Affine<'_>>),
    src: &[f32],
    out: &mut [f32],
    backward: bool,
) -> bool {
    let g = s.geo;
    let ([h, w], [ho, wo], [kh, kw]) = (s.input, s.output, s.kernel);
    if w != wo || s.taps() > MAX_TAPS {
        return false;
    }
    // Output `(i, j)` reads input `(i + r·dh - ph, j + c·dw - pw)` through tap `(r, c)`; the
    // input gradient runs the same taps the other way.
    let sign = if backward { -1 } else { 1 };
    let (mut rows, mut cols) = ([0; MAX_TAPS], [0; MAX_TAPS]);
    for (r, o) in rows[..kh].iter_mut().enumerate() {
        *o = sign * ((r * g.dilation[0]) as isize - g.padding[0] as isize);
    }
    for (c, o) in cols[..kw].iter_mut().enumerate() {
        *o = sign * ((c * g.dilation[1]) as isize - g.padding[1] as isize);
    }
    let (src_len, out_len) = if backward {
        (ho * wo, h * w)
    } else {
        (h * w, ho * wo)
    };
    let p = kernels::Taps {
        src,
        src_len,
        out_len,
        width: w,
        rows: &rows[..kh],
        cols: &cols[..kw],
        weight: &weight[..g.groups * s.taps()],
        start: bias,
        then,
        channels: g.groups,
    };
    kernels::taps(isa, &p, out)
}

/// How one channel's plane `src` (`SW` floats a row) maps to `out` (`OW` a row): output
/// `(i, j)` is `start + Σ_t a[t] · panel[(i - i0) · width + j + offsets[t]]`, panel row `r`
/// of a block from output row `i0` holding source row `i0 + r - top` from column `left` on.
struct Plane<'a> {
    offsets: &'a [usize],
    width: usize,
    /// Panel rows beyond the block's output rows.
    reach: usize,
    top: isize,
    left: isize,
}

impl Plane<'_> {
    /// Output rows a block covers: as many as fit the panels, or `None` if not one does.
    fn block_rows(&self) -> Option<usize> {
        let rows = (PANEL / self.width).checked_sub(self.reach)?;
        (rows > 0).then_some(rows)
    }

    /// `out` from `src` for one channel of weights `a`, every chain starting at `start`.
    #[allow(clippy::too_many_arguments)]
    fn run<const SW: usize, const OW: usize>(
        &self,
        isa: Isa,
        a: &[f32],
        start: f32,
        src: &[[f32; SW]],
        out: &mut [[f32; OW]],
        panel: &mut [f32; PANEL],
        wide: &mut [f32; PANEL],
        block: usize,
    ) {
        let width = self.width;
        for i0 in (0..out.len()).step_by(block) {
            let rows = block.min(out.len() - i0);
            let used = &mut panel[..(rows + self.reach) * width];
            used.fill(0.0);
            for (r, dst) in used.chunks_exact_mut(width).enumerate() {
                let Some(row) = usize::try_from((i0 + r) as isize - self.top)
                    .ok()
                    .and_then(|r| src.get(r))
                else {
                    continue;
                };
                let inside = usize::try_from(self.left)
                    .ok()
                    .and_then(|l| dst.get_mut(l..));
                if let Some(dst) = inside.and_then(|d| d.first_chunk_mut::<SW>()) {
                    *dst = *row;
                } else {
                    for (t, d) in dst.iter_mut().enumerate() {
                        let column = usize::try_from(t as isize - self.left).ok();
                        if let Some(&v) = column.and_then(|c| row.get(c)) {
                            *d = v;
                        }
                    }
                }
            }
            let n = (rows - 1) * width + OW;
            let c = &mut wide[..n];
            c.fill(start);
            let p = Strided {
                a,
                a_row: self.offsets.len(),
                a_gap: self.offsets.len(),
                b: used,
                b_rows: self.offsets,
                b_gap: 0,
                ldc: n,
                m: 1,
                n,
                k: self.offsets.len(),
                repeat: 1,
                b_next: 0,
                c_next: 0,
            };
            kernels::accumulate(isa, &p, c);
            for (i, dst) in out[i0..i0 + rows].iter_mut().enumerate() {
                if let Some(row) = wide[i * width..].first_chunk::<OW>() {
                    *dst = *row;
                }
            }
        }
    }
}

/// One sample's forward, `y[c] = bias[c] + Σ_t w[c][t] · x[c](tap t)`, each channel's chain
/// from its bias over the taps in order; `None` if a panel holds no row.
pub(super) fn forward<const H: usize, const W: usize, const HO: usize, const WO: usize>(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    bias: Option<&[f32]>,
    x: &[[f32; W]],
    y: &mut [[f32; WO]],
) -> Option<()> {
    let g = s.geo;
    let ([kh, kw], taps) = (s.kernel, s.taps());
    if s.inputs() == 0 || s.outputs() == 0 || taps == 0 {
        return Some(());
    }
    let (extra_h, extra_w) = ((kh - 1) * g.dilation[0], (kw - 1) * g.dilation[1]);
    let width = WO + extra_w;
    let mut offsets = [0; MAX_TAPS];
    for (t, o) in offsets[..taps].iter_mut().enumerate() {
        *o = (t / kw) * g.dilation[0] * width + (t % kw) * g.dilation[1];
    }
    let plane = Plane {
        offsets: &offsets[..taps],
        width,
        reach: extra_h,
        top: g.padding[0] as isize,
        left: g.padding[1] as isize,
    };
    let block = plane.block_rows()?;
    let (mut panel, mut wide) = ([0.0; PANEL], [0.0; PANEL]);
    let channels = x.chunks_exact(H.max(1)).zip(y.chunks_exact_mut(HO.max(1)));
    for (c, (x, y)) in channels.enumerate() {
        let (a, start) = (&weight[c * taps..][..taps], bias.map_or(0.0, |b| b[c]));
        plane.run::<W, WO>(isa, a, start, x, y, &mut panel, &mut wide, block);
    }
    Some(())
}

/// One sample's input gradient, `dx[c] = Σ_t w[c][t] · dy[c](reaching through tap t)`, each
/// chain from zero over the taps in order; `None` if a panel holds no row.
pub(super) fn backward_input<const H: usize, const W: usize, const HO: usize, const WO: usize>(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    dy: &[[f32; WO]],
    dx: &mut [[f32; W]],
) -> Option<()> {
    let g = s.geo;
    let ([kh, kw], taps) = (s.kernel, s.taps());
    if s.inputs() == 0 || s.outputs() == 0 || taps == 0 {
        return Some(());
    }
    let (extra_h, extra_w) = ((kh - 1) * g.dilation[0], (kw - 1) * g.dilation[1]);
    let width = W + extra_w;
    // Input `(i, j)` reads output `(i + ph - kh·dh, j + pw - kw·dw)` through tap `(kh, kw)`:
    // panel row `r` of a block from `i0` holds output row `i0 + r + ph - extra_h`.
    let mut offsets = [0; MAX_TAPS];
    for (t, o) in offsets[..taps].iter_mut().enumerate() {
        let (r, c) = ((t / kw) * g.dilation[0], (t % kw) * g.dilation[1]);
        *o = (extra_h - r) * width + extra_w - c;
    }
    let plane = Plane {
        offsets: &offsets[..taps],
        width,
        reach: extra_h,
        top: extra_h as isize - g.padding[0] as isize,
        left: extra_w as isize - g.padding[1] as isize,
    };
    let block = plane.block_rows()?;
    let (mut panel, mut wide) = ([0.0; PANEL], [0.0; PANEL]);
    let channels = dy
        .chunks_exact(HO.max(1))
        .zip(dx.chunks_exact_mut(H.max(1)));
    for (c, (dy, dx)) in channels.enumerate() {
        let a = &weight[c * taps..][..taps];
        plane.run::<WO, W>(isa, a, 0.0, dy, dx, &mut panel, &mut wide, block);
    }
    Some(())
}

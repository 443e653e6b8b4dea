//! The forward of convolutions of stride 2 or more on AVX-512, through [`kernels::planes`] as
//! `flat.rs` runs those of stride 1: sixteen output positions a vector, in register tiles of
//! up to eight output channels by three vectors, where `direct.rs` would build padded rows and
//! panels of a few positions.
//!
//! A band of output rows at a time, each input channel is copied into "decimated planes" as
//! wide as the output's rows: plane `(a, kw)`, for each row phase `a = (kh · dh) % sh` the
//! kernel's rows read and each kernel column, holds
//! `plane[r][ow] = x[sh · r + a - ph][sw · ow + kw · dw - pw]`, 0 where that is padding. Tap `(kh, kw)` then reads plane `(a, kw)` at row
//! `oh + (kh · dh) / sh`: a fixed offset from the output position `oh · WO + ow`, sixteen
//! consecutive positions reading sixteen consecutive floats even across rows, without masks
//! (but for the last part of a vector). The copy is bounded ([`BUF`] floats on the stack);
//! each band's outputs are whole sums.
//!
//! Each output is one chain of multiply-adds from the bias `kernel.rs` put there, over the
//! input channels in order and each one's taps `(kh, kw)` in order, the padding's zeros
//! included (`w · 0`): the documented order, the bits of `direct.rs` and of the other
//! instruction sets.

use super::kernel::Shape;
use crate::kernels::{self, Isa, MAX_TAPS, Planes};

/// Floats of the copy of a band's input planes (32 KiB).
const BUF: usize = 8192;

/// The decimated planes of one layer: how many row phases the kernel's rows read, each tap's
/// offset from its output position in a channel's planes, and the rows a band copies beyond
/// its own.
struct Layout {
    /// `index[a]`: the place of row phase `a` among those read, if read.
    index: [Option<usize>; MAX_TAPS],
    phases: usize,
    /// Rows of the planes below a band's last that the kernel's last rows read.
    below: usize,
}

impl Layout {
    fn new(s: &Shape<'_>) -> Self {
        let (sh, dh) = (s.geo.stride[0], s.geo.dilation[0]);
        let mut index = [None; MAX_TAPS];
        for kh in 0..s.kernel[0] {
            index[(kh * dh) % sh] = Some(0);
        }
        let mut phases = 0;
        for i in index.iter_mut().flatten() {
            *i = phases;
            phases += 1;
        }
        let below = (s.kernel[0] - 1) * dh / sh;
        Self {
            index,
            phases,
            below,
        }
    }

    /// Each tap's offset for planes of `rows` rows.
    fn offsets(&self, s: &Shape<'_>, rows: usize) -> [isize; MAX_TAPS] {
        let ([sh, dh], [kh_n, kw_n], wo) =
            ([s.geo.stride[0], s.geo.dilation[0]], s.kernel, s.output[1]);
        let mut offsets = [0; MAX_TAPS];
        for (t, o) in offsets[..kh_n * kw_n].iter_mut().enumerate() {
            let (kh, kw) = (t / kw_n, t % kw_n);
            let plane = self.index[(kh * dh) % sh].unwrap_or(0) * kw_n + kw;
            *o = (plane * rows * wo + (kh * dh / sh) * wo) as isize;
        }
        offsets
    }
}

/// Whether the layer runs here: a stride above 1, at most [`MAX_TAPS`] taps and rows of
/// stride.
fn strided(s: &Shape<'_>) -> bool {
    let g = s.geo;
    g.stride != [1, 1] && s.taps() <= MAX_TAPS && g.stride[0] <= MAX_TAPS
}

/// Copies output rows `oh0..` (`rows` of planes) of one sample's group of input channels
/// `x` into their decimated planes in `buf`, channel after channel.
fn copy(s: &Shape<'_>, l: &Layout, x: &[f32], oh0: usize, rows: usize, buf: &mut [f32]) {
    let (g, [h, w], wo) = (s.geo, s.input, s.output[1]);
    let (sh, sw, ph) = (g.stride[0], g.stride[1], g.padding[0]);
    let plane = rows * wo;
    let mut planes = buf.chunks_exact_mut(plane);
    for x in x.chunks_exact(h * w) {
        for a in (0..sh).filter(|&a| l.index[a].is_some()) {
            for span in s.spans {
                let Some(plane) = planes.next() else { return };
                for (r, row) in plane.chunks_exact_mut(wo).enumerate() {
                    let ih = (sh * (oh0 + r) + a).checked_sub(ph).filter(|&i| i < h);
                    let Some(ih) = ih.filter(|_| span.lo < span.hi) else {
                        row.fill(0.0);
                        continue;
                    };
                    let src = &x[ih * w + span.start..(ih + 1) * w];
                    row[..span.lo].fill(0.0);
                    gather(&mut row[span.lo..span.hi], src, sw);
                    row[span.hi..].fill(0.0);
                }
            }
        }
    }
}

/// `dst[i] = src[i · step]` (`dst` not empty, `src` long enough): runs that the compiler
/// turns into vector loads and shuffles for the steps of 1 and 2.
fn gather(dst: &mut [f32], src: &[f32], step: usize) {
    let n = dst.len();
    match step {
        1 => dst.copy_from_slice(&src[..n]),
        2 => {
            for (d, pair) in dst[..n - 1].iter_mut().zip(src.chunks_exact(2)) {
                *d = pair[0];
            }
            dst[n - 1] = src[2 * (n - 1)];
        }
        _ => {
            for (d, &v) in dst.iter_mut().zip(src.iter().step_by(step)) {
                *d = v;
            }
        }
    }
}

/// The forward of `samples` samples, `y += W · im2col(x)` for every group, `y` starting at the
/// bias; `false`, nothing written, where [`kernels::planes`] does not run.
pub(super) fn forward(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    x: &[f32],
    y: &mut [f32],
    samples: usize,
) -> bool {
    let (g, taps) = (s.geo, s.taps());
    let (ipg, k) = (g.in_per_group, g.in_per_group * taps);
    let opg = (y.len() / (s.outputs() * samples).max(1)) / g.groups.max(1);
    if !strided(s) || samples == 0 || opg == 0 || ipg == 0 || s.outputs() == 0 {
        return false;
    }
    let l = Layout::new(s);
    let [ho, wo] = s.output;
    // Floats a channel's planes take a row.
    let row = l.phases * s.kernel[1] * wo;
    let band = (BUF / (ipg * row)).saturating_sub(l.below).min(ho);
    if band == 0 {
        return false;
    }
    let mut buf = [0.0; BUF];
    let (per_x, per_y) = (g.groups * ipg * s.inputs(), g.groups * opg * s.outputs());
    let mut first = true;
    for (x, y) in x.chunks_exact(per_x).zip(y.chunks_exact_mut(per_y)) {
        for group in 0..g.groups {
            let x = &x[group * ipg * s.inputs()..][..ipg * s.inputs()];
            let y = &mut y[group * opg * s.outputs()..][..opg * s.outputs()];
            for oh0 in (0..ho).step_by(band) {
                let n = band.min(ho - oh0);
                let rows = n + l.below;
                let src_len = row * rows;
                copy(s, &l, x, oh0, rows, &mut buf[..ipg * src_len]);
                let offsets = l.offsets(s, rows);
                let p = Planes {
                    src: &buf[..ipg * src_len],
                    src_len,
                    src_next: 0,
                    out_len: n * wo,
                    out_plane: s.outputs(),
                    out_next: 0,
                    width: wo,
                    rows: &[],
                    cols: &[],
                    offsets: Some(&offsets[..taps]),
                    a: &weight[group * opg * k..],
                    a_row: k,
                    a_chan: taps,
                    m: opg,
                    k: ipg,
                    samples: 1,
                    from_zero: false,
                };
                let done = kernels::planes(isa, &p, &mut y[oh0 * wo..]);
                if first && !done {
                    return false;
                }
                // The same operands but for fewer rows: what ran once runs.
                assert!(done, "the strided planes ran for one band only");
                first = false;
            }
        }
    }
    true
}

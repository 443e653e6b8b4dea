//! The forward of convolutions of stride 2 or more on AVX-512, through [`kernels::planes`] as
//! `flat.rs` runs those of stride 1: sixteen output positions a vector, in register tiles of
//! up to eight output channels by three vectors, where `direct.rs` would build padded rows and
//! panels of a few positions.
//!
//! Each input channel is copied into "decimated planes" as wide as the output's rows
//! ([`kernels::decimate`]): plane `(a, kw)`, for each row phase `a = (kh · dh) % sh` the
//! kernel's rows read and each kernel column, holds
//! `plane[r][ow] = x[sh · r + a - ph][sw · ow + kw · dw - pw]`, 0 where that is padding. Tap
//! `(kh, kw)` then reads plane `(a, kw)` at row `oh + (kh · dh) / sh`: a fixed offset from the
//! output position `oh · WO + ow`, sixteen consecutive positions reading sixteen consecutive
//! floats even across rows, without masks (but for the last part of a vector). The copy is
//! bounded ([`BUF`] floats on the stack): the whole planes of a chunk of channels at a time
//! where a channel's fit, the chains going on over the chunks from what the output holds;
//! else a band of output rows of every channel.
//!
//! Each output is one chain of multiply-adds from its bias (the first chunk of channels starts
//! there, the next from what the output holds), over the input channels in order and each
//! one's taps `(kh, kw)` in order, the padding's zeros included (`w · 0`): the documented order,
//! the bits of `direct.rs` and of the other instruction sets.

use core::mem::MaybeUninit;

use super::kernel::Shape;
use crate::kernels::{self, Affine, Decimate, Isa, MAX_TAPS, Planes, Start};

/// Floats of the copy of the input planes (32 KiB), written before they are read.
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

/// Writes output rows `oh0..` (`rows` of planes) of one sample's input channels `x` into
/// their decimated planes in `buf`, channel after channel: every float of the first
/// `x.len() / (h · w)` channels' planes.
fn copy(
    isa: Isa,
    s: &Shape<'_>,
    l: &Layout,
    x: &[f32],
    (oh0, rows): (usize, usize),
    buf: &mut [MaybeUninit<f32>],
) {
    let (g, [h, w], wo) = (s.geo, s.input, s.output[1]);
    let (sh, sw) = (g.stride[0], g.stride[1]);
    let mut planes = buf.chunks_exact_mut(rows * wo);
    for x in x.chunks_exact(h * w) {
        for a in (0..sh).filter(|&a| l.index[a].is_some()) {
            for kw in 0..s.kernel[1] {
                let Some(plane) = planes.next() else { return };
                let d = Decimate {
                    src: x,
                    w,
                    rows: ((sh * oh0 + a) as isize - g.padding[0] as isize, sh),
                    cols: ((kw * g.dilation[1]) as isize - g.padding[1] as isize, sw),
                };
                kernels::decimate(isa, &d, wo, plane);
            }
        }
    }
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
    let (ipg, k_all) = (g.in_per_group, g.in_per_group * taps);
    let opg = (y.len() / (s.outputs() * samples).max(1)) / g.groups.max(1);
    if !strided(s) || samples == 0 || opg == 0 || ipg == 0 || s.outputs() == 0 {
        return false;
    }
    let l = Layout::new(s);
    let [ho, wo] = s.output;
    // Floats a channel's planes take a row, and all its rows.
    let row = l.phases * s.kernel[1] * wo;
    let whole = (ho + l.below) * row;
    // Whole planes, a chunk of channels at a time, where one channel's fit; else bands of
    // rows of every channel.
    let (band, chans) = if whole <= BUF {
        // Chunks of (nearly) equal size: a last chunk of one channel would store and reload
        // every sum for a few taps.
        let most = (BUF / whole).min(ipg);
        (ho, ipg.div_ceil(ipg.div_ceil(most.max(1))))
    } else {
        ((BUF / (ipg * row)).saturating_sub(l.below).min(ho), ipg)
    };
    if band == 0 || isa != Isa::Avx512 {
        return false;
    }
    let mut buf = [MaybeUninit::<f32>::uninit(); BUF];
    let (per_x, per_y) = (g.groups * ipg * s.inputs(), g.groups * opg * s.outputs());
    let mut first = true;
    for (x, y) in x.chunks_exact(per_x).zip(y.chunks_exact_mut(per_y)) {
        for group in 0..g.groups {
            let x = &x[group * ipg * s.inputs()..][..ipg * s.inputs()];
            let y = &mut y[group * opg * s.outputs()..][..opg * s.outputs()];
            for oh0 in (0..ho).step_by(band) {
                let n = band.min(ho - oh0);
                let rows = n + l.below;
                let (src_len, offsets) = (row * rows, l.offsets(s, rows));
                // The chains go on over the chunks of channels in order, from what `y` holds.
                for c0 in (0..ipg).step_by(chans) {
                    let k = chans.min(ipg - c0);
                    let x = &x[c0 * s.inputs()..][..k * s.inputs()];
                    let buf = &mut buf[..k * src_len];
                    copy(isa, s, &l, x, (oh0, rows), buf);
                    // SAFETY: `copy` wrote every float of the `k` channels' planes.
                    let src = unsafe { &*(buf as *mut [MaybeUninit<f32>] as *const [f32]) };
                    let p = Planes {
                        src,
                        src_len,
                        src_next: 0,
                        out_len: n * wo,
                        out_plane: s.outputs(),
                        out_next: 0,
                        width: wo,
                        rows: &[],
                        cols: &[],
                        offsets: Some(&offsets[..taps]),
                        a: &weight[group * opg * k_all + c0 * taps..],
                        a_row: k_all,
                        a_chan: taps,
                        m: opg,
                        k,
                        samples: 1,
                        start: match bias {
                            _ if c0 > 0 => Start::Held,
                            Some(b) => Start::Rows(&b[group * opg..][..opg]),
                            None => Start::Zero,
                        },
                        // The map, as the chains end: after the last chunk of channels.
                        then: then.filter(|_| c0 + k == ipg).map(|f| f.from(group * opg)),
                    };
                    let done = kernels::planes(isa, &p, &mut y[oh0 * wo..]);
                    if first && !done {
                        return false;
                    }
                    // The same operands but for fewer rows or channels: what ran once runs.
                    assert!(done, "the strided planes ran for one part only");
                    first = false;
                }
            }
        }
    }
    true
}

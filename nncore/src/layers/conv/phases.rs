//! The input gradient of a strided layer in its phases: the inputs `(p + i · sh, q + j · sw)`
//! of one phase `(p, q)` are reached by the same taps, each through the output gradient at
//! `(i, j)` shifted by a fixed amount, so that each phase is a convolution of stride 1 of the
//! output gradient with those taps alone. The taps that never reach a phase (three in four of
//! a 3×3 kernel's products at stride 2) are not multiplied.
//!
//! Those products are the documented order's `w · 0` for the inputs no output reads through a
//! tap: with every weight finite, `s + w · 0` is `s` (a sum from `+0` is never `-0`), so the
//! bits are the same. A layer with an infinite or NaN weight, whose products with zero are
//! NaN, takes `direct.rs` instead.
//!
//! Three buffers live on the stack, made once for the batch: a block of output channels' rows
//! of output gradient, padded with zeros; the weights of a phase's taps (packed once for the
//! batch when they fit); and the sums of a block of a phase's rows, for every input channel of
//! the group, carried from one block of output channels to the next and then written to their
//! places in `dx`.
//!
//! On AVX-512, a phase reads the output gradient's planes instead (`phases/planes.rs`,
//! [`kernels::planes`]), in the same order: in place if the phase is no wider than their
//! rows, else a copy with rows as wide as the phase's.

// Built only by compilers with the AVX-512 intrinsics (`build.rs`), whatever `rust-version` says.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod planes;

use super::direct::{MAX_TAPS, copy, zero};
use super::kernel::Shape;
use crate::kernels::{self, Isa, Strided};

/// Whether the stack is taken to be large (64-bit targets): 64 KiB of buffers, else 12 KiB.
const LARGE: bool = cfg!(target_pointer_width = "64");

/// Floats in the buffers of padded rows and of sums.
const BUFFER: usize = if LARGE { 4096 } else { 1024 };

/// Floats in the buffer of weights: a phase's for the whole layer, if they fit.
const PACKED: usize = if LARGE { 8192 } else { 1024 };

/// The fewest input channels a group for this path: with fewer (depthwise layers), each
/// product's few rows spend more on the sums' extra passes (zeros, then scattered into `dx`)
/// than the zeros' products cost `direct.rs`.
const MIN_CHANNELS: usize = 8;

/// One axis of a phase: the taps that reach its inputs `p + i · stride`, in order, and for
/// each the output index input `i` of the phase reads through it, `i + shift`.
#[derive(Clone, Copy)]
struct Axis {
    taps: [usize; MAX_TAPS],
    shift: [isize; MAX_TAPS],
    count: usize,
    /// Inputs in the phase.
    len: usize,
    /// The least and largest shift.
    lo: isize,
    hi: isize,
}

impl Axis {
    /// Phase `p` of an axis of `input` inputs, `kernel` taps.
    fn new(p: usize, input: usize, kernel: usize, stride: usize, pad: usize, dil: usize) -> Self {
        let mut a = Axis {
            taps: [0; MAX_TAPS],
            shift: [0; MAX_TAPS],
            count: 0,
            len: input.saturating_sub(p).div_ceil(stride),
            lo: isize::MAX,
            hi: isize::MIN,
        };
        for t in 0..kernel.min(MAX_TAPS) {
            // Input `p + i·stride` reads output `(p + i·stride + pad - t·dil) / stride`.
            let n = (p + pad) as isize - (t * dil) as isize;
            if n.rem_euclid(stride as isize) == 0 {
                let shift = n.div_euclid(stride as isize);
                (a.taps[a.count], a.shift[a.count]) = (t, shift);
                (a.lo, a.hi) = (a.lo.min(shift), a.hi.max(shift));
                a.count += 1;
            }
        }
        a
    }

    /// Output indices a block of `rows` inputs of the phase reads, padded rows included.
    fn reach(&self, rows: usize) -> usize {
        rows + (self.hi - self.lo) as usize
    }
}

/// How a phase runs: rows of the phase a block, output channels a block, floats a padded row.
#[derive(Clone, Copy)]
struct Plan {
    rows: usize,
    channels: usize,
    width: usize,
}

/// The blocks of phase `(r, c)` of a group of `ipg` input and `opg` output channels; `None`
/// if one row of sums, or one channel's padded rows, or one channel's weights do not fit.
fn plan(r: &Axis, c: &Axis, ipg: usize, opg: usize) -> Option<Plan> {
    let width = c.reach(c.len);
    let taps = r.count * c.count;
    let mut rows = (BUFFER / (ipg * width).max(1)).min(r.len);
    while rows > 0 && r.reach(rows) * width > BUFFER {
        rows -= 1;
    }
    let weights = PACKED / (ipg * taps).max(1);
    let channels = (BUFFER / (r.reach(rows) * width).max(1))
        .min(weights)
        .min(opg);
    (rows > 0 && channels > 0).then_some(Plan {
        rows,
        channels,
        width,
    })
}

/// The input gradient of a batch, `dx = Wᵀ · dy2col(dy)` for every sample and group, into
/// `dx`, overwritten (filled with zeros first where some phase has no tap); `None` (and `dx`
/// untouched)
/// for a layer of stride 1, or with more than [`MAX_TAPS`] taps, or fewer than
/// [`MIN_CHANNELS`] input channels a group, or whose rows do not fit the buffers. `finite` says
/// every weight is finite.
pub(super) fn backward_input(
    isa: Isa,
    s: &Shape<'_>,
    weight: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    finite: bool,
) -> Option<()> {
    let g = s.geo;
    let ([h, w], [_, wo], [kh, kw]) = (s.input, s.output, s.kernel);
    let (ipg, taps) = (g.in_per_group, s.taps());
    let opg = weight.len() / (ipg * taps).max(1) / g.groups.max(1);
    if !finite || g.stride == [1, 1] || taps > MAX_TAPS || ipg < MIN_CHANNELS || opg == 0 {
        return None;
    }
    let (sh, sw) = (g.stride[0], g.stride[1]);
    let row = |p| Axis::new(p, h, kh, sh, g.padding[0], g.dilation[0]);
    let col = |q| Axis::new(q, w, kw, sw, g.padding[1], g.dilation[1]);
    // Every phase must fit before any is written; a phase with inputs but no tap keeps zeros.
    let mut reached = true;
    for (p, q) in (0..sh).flat_map(|p| (0..sw).map(move |q| (p, q))) {
        let (r, c) = (row(p), col(q));
        if r.len * r.count * c.len * c.count > 0 {
            plan(&r, &c, ipg, opg)?;
        } else if r.len * c.len > 0 {
            reached = false;
        }
    }
    let (per_x, per_y) = (ipg * g.groups * s.inputs(), opg * g.groups * s.outputs());
    if !reached || per_y == 0 || wo == 0 {
        dx.fill(0.0);
    }
    if per_x == 0 || per_y == 0 || wo == 0 {
        return Some(());
    }
    let mut buffers = Buffers {
        sums: [0.0; BUFFER],
        panel: [0.0; BUFFER],
        packed: [0.0; PACKED],
    };
    for group in 0..g.groups {
        let weight = &weight[group * opg * ipg * taps..][..opg * ipg * taps];
        let (y0, x0) = (group * opg * s.outputs(), group * ipg * s.inputs());
        let (ny, nx) = (opg * s.outputs(), ipg * s.inputs());
        // Every phase's weights packed once for the batch if they fit together: then each
        // sample's phases run one after another, its input gradient still in cache.
        let mut total = 0;
        each(s, opg, |phase| total += opg * ipg * phase.nt);
        if total <= PACKED {
            let mut at = 0;
            each(s, opg, |phase| {
                phase.pack(weight, 0, opg, ipg, &mut buffers.packed[at..]);
                at += opg * ipg * phase.nt;
            });
            for (dy, dx) in dy.chunks_exact(per_y).zip(dx.chunks_exact_mut(per_x)) {
                let (dy, dx) = (&dy[y0..][..ny], &mut dx[x0..][..nx]);
                let mut at = 0;
                each(s, opg, |phase| {
                    phase.sample(isa, weight, dy, dx, Some(at), &mut buffers);
                    at += opg * ipg * phase.nt;
                });
            }
            continue;
        }
        each(s, opg, |phase| {
            // The phase's weights packed once for the batch if they fit, else a block of
            // output channels at a time.
            let once = (opg * ipg * phase.nt <= PACKED).then_some(0);
            if once.is_some() {
                phase.pack(weight, 0, opg, ipg, &mut buffers.packed);
            }
            for (dy, dx) in dy.chunks_exact(per_y).zip(dx.chunks_exact_mut(per_x)) {
                let (dy, dx) = (&dy[y0..][..ny], &mut dx[x0..][..nx]);
                phase.sample(isa, weight, dy, dx, once, &mut buffers);
            }
        });
    }
    Some(())
}

/// Calls `f` with each phase of a group of `opg` output channels that has inputs, taps and a
/// plan, in order.
fn each(s: &Shape<'_>, opg: usize, mut f: impl FnMut(&Phase<'_>)) {
    let g = s.geo;
    let ([h, w], [kh, kw], [sh, sw]) = (s.input, s.kernel, g.stride);
    for (p, q) in (0..sh).flat_map(|p| (0..sw).map(move |q| (p, q))) {
        let r = Axis::new(p, h, kh, sh, g.padding[0], g.dilation[0]);
        let c = Axis::new(q, w, kw, sw, g.padding[1], g.dilation[1]);
        if r.len * r.count * c.len * c.count == 0 {
            continue;
        }
        if let Some(b) = plan(&r, &c, g.in_per_group, opg) {
            f(&Phase::new(s, &r, &c, b, [p, q]));
        }
    }
}

/// The stack buffers.
struct Buffers {
    sums: [f32; BUFFER],
    panel: [f32; BUFFER],
    packed: [f32; PACKED],
}

/// One phase of one group: its axes, blocks, and where each of its taps reads.
struct Phase<'a> {
    s: &'a Shape<'a>,
    r: &'a Axis,
    c: &'a Axis,
    b: Plan,
    at: [usize; 2],
    nt: usize,
    /// Each tap's offset in a channel's padded rows, and its index in the kernel.
    offsets: [usize; MAX_TAPS],
    tap: [usize; MAX_TAPS],
}

impl<'a> Phase<'a> {
    fn new(s: &'a Shape<'a>, r: &'a Axis, c: &'a Axis, b: Plan, at: [usize; 2]) -> Self {
        let (nt, kw) = (r.count * c.count, s.kernel[1]);
        let (mut offsets, mut tap) = ([0; MAX_TAPS], [0; MAX_TAPS]);
        for (t, (o, k)) in offsets.iter_mut().zip(&mut tap).take(nt).enumerate() {
            let (i, j) = (t / c.count, t % c.count);
            *o = (r.shift[i] - r.lo) as usize * b.width + (c.shift[j] - c.lo) as usize;
            *k = r.taps[i] * kw + c.taps[j];
        }
        Phase {
            s,
            r,
            c,
            b,
            at,
            nt,
            offsets,
            tap,
        }
    }

    /// Packs the weights of output channels `o0..o0 + channels`, `[o][c][tap]` for the
    /// phase's taps, into `packed`.
    fn pack(&self, weight: &[f32], o0: usize, channels: usize, ipg: usize, packed: &mut [f32]) {
        let taps = self.s.taps();
        let packed = &mut packed[..channels * ipg * self.nt];
        let weight = &weight[o0 * ipg * taps..][..channels * ipg * taps];
        for (dst, src) in packed
            .chunks_exact_mut(self.nt)
            .zip(weight.chunks_exact(taps))
        {
            for (d, &k) in dst.iter_mut().zip(&self.tap[..self.nt]) {
                *d = src[k];
            }
        }
    }

    /// The phase's inputs of one sample's group, on the planes if they take it, else rows.
    fn sample(
        &self,
        isa: Isa,
        weight: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        once: Option<usize>,
        buf: &mut Buffers,
    ) {
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self.planar(isa) && self.planes(isa, weight, dy, dx, once, buf) {
            return;
        }
        self.run(isa, weight, dy, dx, once, buf);
    }

    /// The phase's inputs of one sample's group: `dy` its output gradient, `dx` its input
    /// gradient; `packed` holds every output channel's weights from `once`, if some.
    fn run(
        &self,
        isa: Isa,
        weight: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        once: Option<usize>,
        buf: &mut Buffers,
    ) {
        let (s, r, c, b, nt) = (self.s, self.r, self.c, self.b, self.nt);
        let ([h, w], [ho, wo], [p, q]) = (s.input, s.output, self.at);
        let (ipg, sh, sw) = (s.geo.in_per_group, s.geo.stride[0], s.geo.stride[1]);
        let opg = dy.len() / s.outputs();
        for r0 in (0..r.len).step_by(b.rows) {
            let rows = b.rows.min(r.len - r0);
            let reach = r.reach(rows);
            let sums = &mut buf.sums[..ipg * rows * b.width];
            sums.fill(0.0);
            for o0 in (0..opg).step_by(b.channels) {
                let channels = b.channels.min(opg - o0);
                let packed = if let Some(at) = once {
                    &buf.packed[at + o0 * ipg * nt..][..channels * ipg * nt]
                } else {
                    self.pack(weight, o0, channels, ipg, &mut buf.packed);
                    &buf.packed[..channels * ipg * nt]
                };
                let used = &mut buf.panel[..channels * reach * b.width];
                for (i, dst) in used.chunks_exact_mut(b.width).enumerate() {
                    let (o, i) = (o0 + i / reach, (i % reach) as isize);
                    let oh = usize::try_from(r0 as isize + r.lo + i).ok();
                    let src = oh
                        .filter(|&oh| oh < ho)
                        .map(|oh| &dy[(o * ho + oh) * wo..][..wo]);
                    padded(src, c.lo, dst);
                }
                let product = Strided {
                    a: packed,
                    a_row: nt,
                    a_gap: ipg * nt,
                    b: used,
                    b_rows: &self.offsets[..nt],
                    b_gap: reach * b.width,
                    ldc: rows * b.width,
                    m: ipg,
                    n: (rows - 1) * b.width + c.len,
                    k: channels * nt,
                    repeat: 1,
                    b_next: 0,
                    c_next: 0,
                };
                kernels::accumulate(isa, &product, sums);
            }
            for (ci, plane) in sums.chunks_exact(rows * b.width).enumerate() {
                for (i, src) in plane.chunks_exact(b.width).enumerate() {
                    let ih = p + (r0 + i) * sh;
                    let dst = &mut dx[(ci * h + ih) * w + q..][..(c.len - 1) * sw + 1];
                    for (d, &v) in dst.iter_mut().step_by(sw).zip(&src[..c.len]) {
                        *d = v;
                    }
                }
            }
        }
    }
}

/// Writes a row into `dst`, zeros around it: `dst[t]` is column `t + first` of `src`, or 0
/// outside it (everywhere for no `src`).
#[inline]
fn padded(src: Option<&[f32]>, first: isize, dst: &mut [f32]) {
    let Some(src) = src else {
        return zero(dst);
    };
    let (len, n) = (src.len() as isize, dst.len() as isize);
    let lo = (-first).clamp(0, n) as usize;
    let hi = (len - first).clamp(lo as isize, n) as usize;
    let start = (first + lo as isize) as usize;
    zero(&mut dst[..lo]);
    copy(&mut dst[lo..hi], &src[start..start + (hi - lo)]);
    zero(&mut dst[hi..]);
}

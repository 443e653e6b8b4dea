//! A phase's products on AVX-512 through [`kernels::planes`], as the layers of stride 1 in
//! `flat.rs`: the phase's inputs are a convolution of stride 1 of the output gradient's planes,
//! read in place, with the phase's taps, whose offsets are the axes' shifts. The phase's rows
//! are as wide as the output gradient's (columns past the phase's are computed and dropped),
//! so that a tap's column falls off the row exactly where it falls off the output gradient.
//! A phase wider than those rows (padding 0 on an odd size: the even columns, one more than
//! the output gradient has) reads a copy of its planes instead, each row followed by zeros up to
//! the phase's width: a tap's column then reads 0 past the output gradient's last column, as
//! the documented order's padding, and falls off the row where the phase's inputs end.
//!
//! Each sum is one chain over the output channels in order and the phase's taps in order (rows,
//! then columns): that of the other paths. A block of output channels continues the chains
//! from the sums the block before stored, the same bits as a chain never stored.

use super::{Buffers, Phase, copy, zero};
use crate::kernels::{self, Isa, Planes, Start};

impl Phase<'_> {
    /// The phase's rows' width on the planes: the output gradient's, or the phase's if wider.
    fn width(&self) -> usize {
        self.c.len.max(self.s.output[1])
    }

    /// Whether [`Phase::planes`] runs this phase: AVX-512, a plane of the phase's sums fits
    /// the buffer of sums, and, for a phase wider than the output gradient's rows, one
    /// output channel's widened copy fits the buffer of padded rows.
    pub(super) fn planar(&self, isa: Isa) -> bool {
        let ([ho, wo], width) = (self.s.output, self.width());
        isa == Isa::Avx512
            && self.r.len * width <= super::BUFFER
            && (width == wo || ho * width <= super::BUFFER)
    }

    /// The phase's inputs of one sample's group, as [`Phase::run`], through
    /// [`kernels::planes`]; `false`, with nothing written, if it does not run.
    pub(super) fn planes(
        &self,
        isa: Isa,
        weight: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        once: Option<usize>,
        buf: &mut Buffers,
    ) -> bool {
        let (s, r, c, nt) = (self.s, self.r, self.c, self.nt);
        let ([h, w], [ho, wo], [p, q]) = (s.input, s.output, self.at);
        let (ipg, sh, sw) = (s.geo.in_per_group, s.geo.stride[0], s.geo.stride[1]);
        let (width, opg) = (self.width(), dy.len() / s.outputs());
        // A source plane: the output gradient's in place, or its copy with wider rows.
        let (wide, src_len) = (width > wo, ho * width);
        let plane = r.len * width;
        // Input channels a block: their phase's planes fill the buffer of sums, in blocks
        // of (nearly) equal size.
        let per = balanced(super::BUFFER / plane, ipg);
        // Output channels a block: their weights fill the buffer of weights, and their
        // widened copies the buffer of padded rows.
        let mut outs = if once.is_some() {
            opg
        } else {
            (super::PACKED / (ipg * nt)).min(opg)
        };
        if wide {
            outs = outs.min(super::BUFFER / src_len);
        }
        if per == 0 || outs == 0 {
            return false;
        }
        for c0 in (0..ipg).step_by(per) {
            let m = per.min(ipg - c0);
            let sums = &mut buf.sums[..m * plane];
            for o0 in (0..opg).step_by(outs) {
                let k = outs.min(opg - o0);
                if once.is_none() {
                    self.pack(weight, o0, k, ipg, &mut buf.packed);
                }
                let dy = &dy[o0 * s.outputs()..][..k * s.outputs()];
                let src: &[f32] = if wide {
                    widen(dy, wo, &mut buf.panel[..k * src_len], width);
                    &buf.panel[..k * src_len]
                } else {
                    dy
                };
                let a0 = once.map_or(0, |at| at + o0 * ipg * nt);
                let product = Planes {
                    src,
                    src_len,
                    src_next: 0,
                    out_len: plane,
                    out_plane: plane,
                    out_next: 0,
                    width,
                    rows: &r.shift[..r.count],
                    cols: &c.shift[..c.count],
                    offsets: None,
                    a: &buf.packed[a0 + c0 * nt..a0 + k * ipg * nt],
                    a_row: nt,
                    a_chan: ipg * nt,
                    m,
                    k,
                    samples: 1,
                    start: if o0 == 0 { Start::Zero } else { Start::Held },
                    then: None,
                };
                if !kernels::planes(isa, &product, sums) {
                    return false;
                }
            }
            let rows = Rows {
                rows: r.len,
                width,
                len: c.len,
                first: (c0 * h + p) * w + q,
                next: sh * w,
                plane: h * w,
                step: sw,
            };
            // SAFETY: `planar` chose AVX-512, which runs only where the CPU has it.
            unsafe { scatter(sums, &rows, dx) };
        }
        true
    }
}

/// Blocks of at most `most` of `n` items, in as few blocks as that allows, as equal as can
/// be: the size of the largest (0 if `most` is).
fn balanced(most: usize, n: usize) -> usize {
    if most == 0 {
        return 0;
    }
    n.div_ceil(n.div_ceil(most).max(1))
}

/// Copies the rows of `src`, `wo` floats each, into `dst`'s rows of `width`, each followed by
/// zeros.
fn widen(src: &[f32], wo: usize, dst: &mut [f32], width: usize) {
    for (dst, src) in dst.chunks_exact_mut(width).zip(src.chunks_exact(wo)) {
        copy(&mut dst[..wo], src);
        zero(&mut dst[wo..]);
    }
}

/// Where [`scatter`] writes: planes of `rows` rows of `width` sums, the first `len` of each, to
/// `dst[first + k · plane + i · next + j · step]` for row `i` of plane `k`.
struct Rows {
    rows: usize,
    width: usize,
    len: usize,
    first: usize,
    next: usize,
    plane: usize,
    step: usize,
}

/// Writes the sums' planes into `dst` (see [`Rows`]), sixteen lanes of `dst` a store: each
/// row's values expanded into the lanes `step` apart, the others left as they are.
///
/// # Safety
/// The CPU has AVX-512F; `0 < len <= width`, `step > 0`.
#[target_feature(enable = "avx512f")]
unsafe fn scatter(src: &[f32], r: &Rows, dst: &mut [f32]) {
    use core::arch::x86_64::{
        _mm512_mask_storeu_ps, _mm512_maskz_expand_ps, _mm512_maskz_loadu_ps,
    };
    // The lanes of the first `n` values of a vector.
    let lanes = |n: usize| (0..n).fold(0u16, |m, k| m | 1 << (k * r.step));
    let per = 15 / r.step + 1;
    let (full, tail) = (lanes(per), lanes((r.len - 1) % per + 1));
    for (k, src) in src.chunks_exact(r.rows * r.width).enumerate() {
        for (i, src) in src.chunks_exact(r.width).enumerate() {
            let at = r.first + k * r.plane + i * r.next;
            let (src, dst) = (&src[..r.len], &mut dst[at..][..(r.len - 1) * r.step + 1]);
            for j0 in (0..r.len).step_by(per) {
                let n = per.min(r.len - j0);
                let keep = if n == per { full } else { tail };
                // SAFETY: the load reads the `n` values from `j0`, the store the lanes of
                // `dst` their places, `(j0 + n - 1) · step` at most; the CPU has the
                // instructions (the caller's).
                unsafe {
                    let v = _mm512_maskz_loadu_ps(((1u32 << n) - 1) as u16, src.as_ptr().add(j0));
                    let v = _mm512_maskz_expand_ps(full, v);
                    _mm512_mask_storeu_ps(dst.as_mut_ptr().add(j0 * r.step), keep, v);
                }
            }
        }
    }
}

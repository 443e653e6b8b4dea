//! Depthwise products over whole planes on AVX-512 ([`super::taps`]): a plane is one run of
//! positions, sixteen a vector whatever the width of its rows, and each tap reads the source
//! at a fixed offset from the output, through a mask that zeroes the lanes whose tap falls off
//! the plane (past a row's end, or above the first row or below the last). Nothing is copied:
//! the masked lanes read `+0.0`, as a zero-padded copy would give them.
//!
//! Each output is one chain of multiply-adds over the taps in order, from its channel's start.

use core::arch::x86_64::{__m512, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps};

use super::FUSED;
use super::lanes::{Avx512, Lanes};

/// The most taps a kernel may have here.
pub(crate) const MAX_TAPS: usize = 64;

/// Vectors of positions whose masks a call computes at a time: 8 KiB of masks at most.
pub(super) const CHUNK: usize = 64;

/// The operands of [`super::taps`], for `planes = out.len() / out_len` planes: plane `i` of
/// the output (`out_len` floats) from plane `i` of `src` (`src_len` floats) through the weights
/// of channel `i % channels`, rows of `width` floats in both:
///
/// `out[i][p] = start[c] + Σ_t weight[c][t] · src[i][p + rows[t / kw] · width + cols[t % kw]]`,
/// `kw = cols.len()`, the taps `t` in order, a term reading 0 where column `p % width +
/// cols[t % kw]` is outside `0..width` or the index outside `0..src_len`.
pub(crate) struct Taps<'a> {
    pub(crate) src: &'a [f32],
    pub(crate) src_len: usize,
    pub(crate) out_len: usize,
    pub(crate) width: usize,
    /// The offsets, in rows, of the kernel's rows.
    pub(crate) rows: &'a [isize],
    /// The offsets, in columns, of the kernel's columns.
    pub(crate) cols: &'a [isize],
    /// `channels × taps` weights, each channel's taps in order.
    pub(crate) weight: &'a [f32],
    /// Each channel's first value; zero if `None`.
    pub(crate) start: Option<&'a [f32]>,
    pub(crate) channels: usize,
}

impl Taps<'_> {
    /// The taps of one kernel.
    pub(super) fn taps(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Whether the operands hold what the fields state, for `out` of `out_len` floats.
    pub(super) fn fits(&self, out_len: usize) -> bool {
        let planes = out_len.checked_div(self.out_len).unwrap_or(0);
        self.width > 0
            && self.out_len > 0
            && self.channels > 0
            && out_len == planes * self.out_len
            && self.src.len() == planes * self.src_len
            && self.weight.len() == self.channels * self.taps()
            && self.start.is_none_or(|s| s.len() == self.channels)
            && self.out_len % self.width == 0
            && self.taps() <= MAX_TAPS
    }
}

/// Bits `lo..hi` of sixteen (none if `hi <= lo`).
#[inline(always)]
pub(super) fn bits(lo: isize, hi: isize) -> u16 {
    let (lo, hi) = (lo.clamp(0, 16) as u32, hi.clamp(0, 16) as u32);
    if hi <= lo {
        0
    } else {
        ((1u32 << hi) - (1u32 << lo)) as u16
    }
}

/// A kernel's taps over planes of rows `width` floats wide, read from a source plane of
/// `src_len` floats: each tap's offset and, a chunk of [`CHUNK`] vectors of output positions
/// at a time, the lanes each tap reads inside the source.
pub(super) struct TapMasks {
    pub(super) offsets: [isize; MAX_TAPS],
    steps: [(isize, isize); MAX_TAPS],
    pub(super) taps: usize,
    width: usize,
    src_len: usize,
    /// `masks[(v - v0) · taps + t]` for the vectors `v` of the chunk from `v0`.
    pub(super) masks: [u16; CHUNK * MAX_TAPS],
}

impl TapMasks {
    /// The taps at `rows[i]` rows and `cols[j]` columns, `i` then `j` (at most [`MAX_TAPS`]).
    pub(super) fn new(width: usize, src_len: usize, rows: &[isize], cols: &[isize]) -> Self {
        let (taps, kw) = (rows.len() * cols.len(), cols.len());
        let mut m = TapMasks {
            offsets: [0; MAX_TAPS],
            steps: [(0, 0); MAX_TAPS],
            taps,
            width,
            src_len,
            masks: [0; CHUNK * MAX_TAPS],
        };
        for t in 0..taps {
            m.steps[t] = (rows[t / kw], cols[t % kw]);
            m.offsets[t] = m.steps[t].0 * width as isize + m.steps[t].1;
        }
        m
    }

    /// Computes the masks of the `count` (at most [`CHUNK`]) vectors from `v0`.
    pub(super) fn chunk(&mut self, v0: usize, count: usize) {
        let (width, len) = (self.width as isize, self.src_len as isize);
        let steps = self.steps.iter().zip(&self.offsets);
        for (v, masks) in self
            .masks
            .chunks_exact_mut(self.taps)
            .take(count)
            .enumerate()
        {
            let first = (16 * (v0 + v)) as isize;
            let r = first % width;
            // Each lane's column, counted on from the first's, for rows under sixteen wide.
            let mut columns = [0; 16];
            if width < 16 {
                let mut column = r;
                for c in &mut columns {
                    *c = column;
                    column = if column + 1 == width { 0 } else { column + 1 };
                }
            }
            for (m, (&(_, d), &off)) in masks.iter_mut().zip(steps.clone()) {
                let range = bits(-first - off, len - first - off);
                let inside = if width >= 16 {
                    // Lane `l` is column `r + l`, or `r + l - width` past the row's end.
                    let this = bits(-r - d, (width - r).min(width - r - d));
                    this | bits((width - r).max(width - r - d), 2 * width - r - d)
                } else {
                    let ok = |c: isize| (0..width).contains(&(c + d));
                    let lanes = columns.iter().enumerate();
                    lanes.fold(0u16, |m, (l, &c)| m | (u16::from(ok(c)) << l))
                };
                *m = range & inside;
            }
        }
    }
}

/// `NV` vectors of one plane's outputs from position `p0`: the chains over the taps in order.
///
/// # Safety
/// AVX-512F and FMA are present; `src` holds the source plane, `dst` the output positions from
/// `p0` up to `end`; `masks` holds `NV` vectors' masks, tap after tap ([`TapMasks`]), and
/// `w` and `offsets` as many values as taps.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const NV: usize>(
    src: *const f32,
    dst: *mut f32,
    w: &[f32],
    offsets: &[isize],
    start: f32,
    masks: &[u16],
    p0: usize,
    end: usize,
) {
    let taps = w.len();
    // SAFETY: the loads read only the lanes of the source their masks keep, the stores only
    // positions before `end`; the CPU has the instructions (the caller's).
    unsafe {
        let mut acc = [Avx512::<FUSED>::splat(start); NV];
        for t in 0..taps {
            let a = Avx512::<FUSED>(_mm512_set1_ps(*w.get_unchecked(t)));
            let at = src.wrapping_offset(p0 as isize + *offsets.get_unchecked(t));
            for (v, acc) in acc.iter_mut().enumerate() {
                let m = *masks.get_unchecked(v * taps + t);
                let x: __m512 = _mm512_maskz_loadu_ps(m, at.wrapping_add(16 * v));
                *acc = acc.madd(a, Avx512(x));
            }
        }
        for (v, acc) in acc.iter().enumerate() {
            let at = p0 + 16 * v;
            let m = bits(0, end as isize - at as isize);
            _mm512_mask_storeu_ps(dst.wrapping_add(at), m, acc.0);
        }
    }
}

/// See [`super::taps`]: a chunk of vectors of positions at a time, their masks computed once
/// for every plane.
///
/// # Safety
/// `p.fits(out.len())`; the CPU has AVX-512F and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn run(p: &Taps<'_>, out: &mut [f32]) {
    let n = p.out_len;
    let mut m = TapMasks::new(p.width, p.src_len, p.rows, p.cols);
    let (taps, vectors) = (m.taps, n.div_ceil(16));
    for v0 in (0..vectors).step_by(CHUNK) {
        let chunk = CHUNK.min(vectors - v0);
        m.chunk(v0, chunk);
        let (offsets, masks) = (&m.offsets[..taps], &m.masks[..]);
        for (i, dst) in out.chunks_exact_mut(n).enumerate() {
            let c = i % p.channels;
            let w = &p.weight[c * taps..][..taps];
            let start = p.start.map_or(0.0, |s| s[c]);
            let (src, dst) = (p.src[i * p.src_len..].as_ptr(), dst.as_mut_ptr());
            let (mut v, end) = (v0, v0 + chunk);
            let at = |v: usize| &masks[(v - v0) * taps..];
            // SAFETY: each tile's vectors are among the chunk's, whose masks are computed; the
            // rest is `fits`'s and the caller's.
            unsafe {
                while v + 8 <= end {
                    tile::<8>(src, dst, w, offsets, start, at(v), 16 * v, n);
                    v += 8;
                }
                if v + 4 <= end {
                    tile::<4>(src, dst, w, offsets, start, at(v), 16 * v, n);
                    v += 4;
                }
                if v + 2 <= end {
                    tile::<2>(src, dst, w, offsets, start, at(v), 16 * v, n);
                    v += 2;
                }
                if v < end {
                    tile::<1>(src, dst, w, offsets, start, at(v), 16 * v, n);
                }
            }
        }
    }
}

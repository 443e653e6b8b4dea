//! Depthwise products over whole planes on AVX-512 ([`super::taps`]): a plane is one run of
//! positions, sixteen a vector whatever the width of its rows, and each tap reads the source
//! at a fixed offset from the output, through a mask that zeroes the lanes whose tap falls off
//! the plane (past a row's end, or above the first row or below the last). Nothing is copied:
//! the masked lanes read `+0.0`, as a zero-padded copy would give them.
//!
//! Each output is one chain of multiply-adds over the taps in order, from its channel's start.

use core::arch::x86_64::{__m512, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps};
use core::mem::MaybeUninit;
use core::ops::Index;
use core::slice::{self, SliceIndex};

use super::affine::{broadcast, map512};
use super::lanes::{Avx512, Lanes};
use super::{Affine, FUSED};

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
/// cols[t % kw]` is outside `0..width` or the index outside `0..src_len`; then
/// [`Taps::then`]'s map, if any.
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
    /// The map each sum goes through as it is stored, channel by channel: a batch norm's.
    pub(crate) then: Option<Affine<'a>>,
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
            && self.then.is_none_or(|f| f.covers(self.channels))
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

/// The first `len` of `N` values, the rest not yet written: indexed as the slice of the first.
pub(super) struct Prefix<T, const N: usize> {
    values: [MaybeUninit<T>; N],
    len: usize,
}

impl<T: Copy, const N: usize> Prefix<T, N> {
    /// None written.
    #[inline(always)]
    fn new() -> Self {
        Prefix {
            values: [const { MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    /// The values written.
    #[inline(always)]
    fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` values are written (every writer's promise).
        unsafe { slice::from_raw_parts(self.values.as_ptr().cast(), self.len) }
    }
}

impl<T: Copy, const N: usize, R: SliceIndex<[T]>> Index<R> for Prefix<T, N> {
    type Output = R::Output;

    #[inline(always)]
    fn index(&self, at: R) -> &R::Output {
        &self.as_slice()[at]
    }
}

/// A kernel's taps over planes of rows `width` floats wide, read from a source plane of
/// `src_len` floats: each tap's offset and, a chunk of [`CHUNK`] vectors of output positions
/// at a time, the lanes each tap reads inside the source. Nothing is zeroed: the masks are
/// written before they are read.
pub(super) struct TapMasks {
    pub(super) offsets: Prefix<isize, MAX_TAPS>,
    /// Each kernel column's offset and, for rows under sixteen wide, the columns `q` in
    /// `0..32` whose `q % width` it keeps inside the row (lane `l` from column `r` is `r + l`).
    cols: Prefix<(isize, u32), MAX_TAPS>,
    pub(super) taps: usize,
    width: usize,
    src_len: usize,
    /// The least and greatest offsets.
    reach: (isize, isize),
    /// `masks[(v - v0) · taps + t]` for the vectors `v` of the chunk from `v0`.
    pub(super) masks: Prefix<u16, { CHUNK * MAX_TAPS }>,
}

impl TapMasks {
    /// The taps at `rows[i]` rows and `cols[j]` columns, `i` then `j` (at most [`MAX_TAPS`]).
    #[inline(always)]
    pub(super) fn new(width: usize, src_len: usize, rows: &[isize], cols: &[isize]) -> Self {
        let taps = rows.len() * cols.len();
        assert!(taps <= MAX_TAPS && cols.len() <= MAX_TAPS);
        let w = width as isize;
        let (mut offsets, mut reach) = (Prefix::new(), (isize::MAX, isize::MIN));
        let steps = rows
            .iter()
            .flat_map(|&i| cols.iter().map(move |&j| i * w + j));
        for (o, off) in offsets.values.iter_mut().zip(steps) {
            o.write(off);
            reach = (reach.0.min(off), reach.1.max(off));
        }
        offsets.len = taps;
        let mut columns = Prefix::new();
        for (c, &d) in columns.values.iter_mut().zip(cols) {
            let keep = |q: isize| (0..w).contains(&(q % w + d));
            let pattern = if width < 16 {
                (0..32).fold(0u32, |p, q| p | (u32::from(keep(q)) << q))
            } else {
                0
            };
            c.write((d, pattern));
        }
        columns.len = cols.len();
        // Built in place: the masks are not copied.
        TapMasks {
            offsets,
            cols: columns,
            taps,
            width,
            src_len,
            reach,
            masks: Prefix::new(),
        }
    }

    /// Computes the masks of the `count` (at most [`CHUNK`]) vectors from `v0`.
    pub(super) fn chunk(&mut self, v0: usize, count: usize) {
        let (taps, kw) = (self.taps, self.cols.len);
        let (width, len) = (self.width as isize, self.src_len as isize);
        let cols = self.cols.as_slice();
        let offsets = self.offsets.as_slice();
        // The first lane's column, moved on by `step` a vector.
        let (step, mut r) = (
            (16 % self.width) as isize,
            ((16 * v0) % self.width) as isize,
        );
        let mut inside = [0u16; MAX_TAPS];
        let inside = &mut inside[..kw];
        self.masks.len = 0;
        for (v, masks) in self
            .masks
            .values
            .chunks_exact_mut(taps)
            .take(count)
            .enumerate()
        {
            let first = (16 * (v0 + v)) as isize;
            for (m, &(d, pattern)) in inside.iter_mut().zip(cols) {
                *m = if width >= 16 {
                    // Lane `l` is column `r + l`, or `r + l - width` past the row's end.
                    let this = bits(-r - d, (width - r).min(width - r - d));
                    this | bits((width - r).max(width - r - d), 2 * width - r - d)
                } else {
                    (pattern >> r) as u16
                };
            }
            if first + self.reach.0 >= 0 && first + self.reach.1 + 16 <= len {
                // Every tap's lanes inside the source.
                for row in masks.chunks_exact_mut(kw) {
                    for (m, &c) in row.iter_mut().zip(&*inside) {
                        m.write(c);
                    }
                }
            } else {
                let columns = inside.iter().cycle();
                for ((m, &off), &c) in masks.iter_mut().zip(offsets).zip(columns) {
                    m.write(bits(-first - off, len - first - off) & c);
                }
            }
            r += step;
            if r >= width {
                r -= width;
            }
        }
        self.masks.len = count.min(CHUNK) * taps;
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
    (start, then): (f32, Option<(__m512, __m512, bool)>),
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
            let sum = then.map_or(acc.0, |f| map512(acc.0, f));
            _mm512_mask_storeu_ps(dst.wrapping_add(at), m, sum);
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
            // SAFETY: `fits` checked that the map covers every channel.
            let start = (
                p.start.map_or(0.0, |s| s[c]),
                p.then.map(|f| unsafe { broadcast(f, c) }),
            );
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

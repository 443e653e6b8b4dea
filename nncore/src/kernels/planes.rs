//! Convolutions of stride 1 over whole planes on AVX-512 ([`super::planes`]): sixteen output
//! positions a vector whatever the width of the rows, each tap of each source plane read in
//! place through the masks of `taps.rs` (zero where the tap falls off the plane), in register
//! tiles of up to eight output planes by three vectors (six by four where threes would leave a
//! single vector). No panel, no copies.
//!
//! Each output is one chain of multiply-adds, from the value it holds, over the source planes
//! in order and each plane's taps in order.

use core::arch::x86_64::{
    _mm512_loadu_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps,
};

use super::affine::{broadcast, map512};
use super::lanes::{Avx512, Lanes};
use super::taps::{CHUNK, MAX_TAPS, TapMasks, bits};
use super::{Affine, FUSED, Start};

/// The operands of [`super::planes`]: for each of `samples` samples, `m` output planes of
/// `out_len` floats from `k` source planes of `src_len` floats, rows of `width` floats in both,
///
/// `out[s][r][p] = start + Σ_c Σ_t a[r · a_row + c · a_chan + t] · src[s][c][p + rows[t / kw] ·
/// width + cols[t % kw]]`,
///
/// `start` as [`Planes::start`] says, `kw = cols.len()`, `c` then `t` in order, a term reading
/// 0 where column `p % width + cols[t % kw]` is outside `0..width` or the index outside
/// `0..src_len`; then [`Planes::then`]'s map, if any. Output plane `r` starts at `r ·
/// out_plane`; sample `s` at `s · src_next` in `src` and `s · out_next` in the output.
///
/// With `offsets`, tap `t` reads `src[s][c][p + offsets[t]]` instead, every term inside the
/// source plane (no mask: `fits` checks `0 <= offsets[t]` and `out_len + offsets[t] <=
/// src_len`), and `rows` and `cols` are not read.
pub(crate) struct Planes<'a> {
    pub(crate) src: &'a [f32],
    pub(crate) src_len: usize,
    pub(crate) src_next: usize,
    pub(crate) out_len: usize,
    pub(crate) out_plane: usize,
    pub(crate) out_next: usize,
    pub(crate) width: usize,
    /// The offsets, in rows, of the kernel's rows.
    pub(crate) rows: &'a [isize],
    /// The offsets, in columns, of the kernel's columns.
    pub(crate) cols: &'a [isize],
    /// The taps' offsets in floats, if given instead of `rows` and `cols`.
    pub(crate) offsets: Option<&'a [isize]>,
    pub(crate) a: &'a [f32],
    pub(crate) a_row: usize,
    pub(crate) a_chan: usize,
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) samples: usize,
    /// Where the chains start: what the output holds, 0, or each output plane's value (a
    /// bias, `start[r]` for plane `r`); the output is then only written.
    pub(crate) start: Start<'a>,
    /// The map each sum goes through as it is stored, output plane `r` by the map's channel
    /// `r`: a batch norm's, when the chains end here.
    pub(crate) then: Option<Affine<'a>>,
}

impl Planes<'_> {
    /// The taps of one kernel.
    fn taps(&self) -> usize {
        self.offsets
            .map_or(self.rows.len() * self.cols.len(), <[isize]>::len)
    }

    /// Whether the operands hold what the fields state, for an output of `out_len` floats.
    pub(super) fn fits(&self, out_len: usize) -> bool {
        let taps = self.taps();
        let last = self.samples.saturating_sub(1);
        let inside = |&o: &isize| o >= 0 && self.out_len + o as usize <= self.src_len;
        self.offsets.is_none_or(|o| o.iter().all(inside))
            && self.width > 0
            && self.out_len > 0
            && self.out_len % self.width == 0
            && (1..=MAX_TAPS).contains(&taps)
            && self.m > 0
            && self.k > 0
            && self.samples > 0
            && last * self.src_next + self.k * self.src_len <= self.src.len()
            && self.out_plane >= self.out_len
            && last * self.out_next + (self.m - 1) * self.out_plane + self.out_len <= out_len
            && (self.m - 1) * self.a_row + (self.k - 1) * self.a_chan + taps <= self.a.len()
            && !matches!(self.start, Start::Rows(b) if b.len() < self.m)
            && self.then.is_none_or(|f| f.covers(self.m))
    }
}

/// `MR` output planes from `r0` by `NV` vectors of positions from `p0`: the chains over the
/// source planes and their taps, from `p.start`.
///
/// # Safety
/// AVX-512F and FMA are present; `src` and `out` are the sample's first planes, `p.fits`;
/// `masks` holds `NV` vectors' masks, tap after tap, unless not `MASKED` (then every lane is
/// read); bit `t` of `whole` says that tap `t` keeps every lane of the `NV` vectors (they are
/// read without masks, the same values); rows `r0..r0 + MR` are outputs.
#[inline(always)]
unsafe fn tile<const MR: usize, const NV: usize, const MASKED: bool>(
    p: &Planes<'_>,
    (src, out): (*const f32, *mut f32),
    (offsets, masks, whole): (&[isize], &[u16], u64),
    r0: usize,
    p0: usize,
) {
    let taps = offsets.len();
    // SAFETY: the loads read only the lanes their masks keep (every lane, inside the source
    // plane, without masks: the caller's), inside the source planes, and
    // the output's positions before `out_len`; the CPU has the instructions (the caller's).
    unsafe {
        let mut keep = [0u16; NV];
        for (v, k) in keep.iter_mut().enumerate() {
            *k = bits(0, p.out_len as isize - (p0 + 16 * v) as isize);
        }
        let out = out.add(r0 * p.out_plane + p0);
        let mut acc = [[Avx512::<FUSED>::zero(); NV]; MR];
        for (r, acc) in acc.iter_mut().enumerate() {
            for (v, acc) in acc.iter_mut().enumerate() {
                match p.start {
                    Start::Held => {
                        let at = out.add(r * p.out_plane + 16 * v);
                        *acc = Avx512(_mm512_maskz_loadu_ps(keep[v], at));
                    }
                    Start::Zero => {}
                    Start::Rows(b) => *acc = Avx512(_mm512_set1_ps(*b.get_unchecked(r0 + r))),
                }
            }
        }
        for c in 0..p.k {
            let src = src.add(c * p.src_len + p0);
            let a = p.a.as_ptr().add(r0 * p.a_row + c * p.a_chan);
            for t in 0..taps {
                let at = src.wrapping_offset(*offsets.get_unchecked(t));
                let mut x = [Avx512::<FUSED>::zero(); NV];
                // A masked load costs the multiply-adds' ports a slot: only where a lane is
                // left out.
                if MASKED && whole >> t & 1 == 0 {
                    for (v, x) in x.iter_mut().enumerate() {
                        let m = *masks.get_unchecked(v * taps + t);
                        *x = Avx512(_mm512_maskz_loadu_ps(m, at.wrapping_add(16 * v)));
                    }
                } else {
                    for (v, x) in x.iter_mut().enumerate() {
                        *x = Avx512(_mm512_loadu_ps(at.wrapping_add(16 * v)));
                    }
                }
                for (r, acc) in acc.iter_mut().enumerate() {
                    let w = Avx512::<FUSED>(_mm512_set1_ps(*a.add(r * p.a_row + t)));
                    for (acc, &x) in acc.iter_mut().zip(&x) {
                        *acc = acc.madd(w, x);
                    }
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let then = p.then.map(|f| broadcast(f, r0 + r));
            for (v, acc) in acc.iter().enumerate() {
                let sum = then.map_or(acc.0, |f| map512(acc.0, f));
                _mm512_mask_storeu_ps(out.add(r * p.out_plane + 16 * v), keep[v], sum);
            }
        }
    }
}

/// Every output plane for `NV` vectors from `p0`: tiles of 8 planes (6 for four vectors),
/// then 4, 2 and 1.
///
/// # Safety
/// As [`tile`].
#[inline(always)]
unsafe fn rows<const NV: usize, const MASKED: bool>(
    p: &Planes<'_>,
    planes: (*const f32, *mut f32),
    (offsets, masks): (&[isize], &[u16]),
    p0: usize,
) {
    let mut whole = 0u64;
    if MASKED {
        for t in 0..offsets.len() {
            // SAFETY: `masks` holds `NV` vectors' masks (the caller's).
            let all = (0..NV).all(|v| unsafe { *masks.get_unchecked(v * offsets.len() + t) } == !0);
            whole |= u64::from(all) << t;
        }
    }
    let taps = (offsets, masks, whole);
    let mut r = 0;
    // SAFETY: each tile's rows are below `m`.
    unsafe {
        // Four vectors: tiles of six planes (24 sums), then 4, 2 and 1.
        if NV == 4 {
            while r + 6 <= p.m {
                tile::<6, NV, MASKED>(p, planes, taps, r, p0);
                r += 6;
            }
        }
        while r + 8 <= p.m {
            tile::<8, NV, MASKED>(p, planes, taps, r, p0);
            r += 8;
        }
        if r + 4 <= p.m {
            tile::<4, NV, MASKED>(p, planes, taps, r, p0);
            r += 4;
        }
        if r + 2 <= p.m {
            tile::<2, NV, MASKED>(p, planes, taps, r, p0);
            r += 2;
        }
        if r < p.m {
            tile::<1, NV, MASKED>(p, planes, taps, r, p0);
        }
    }
}

/// See [`super::planes`]: a chunk of vectors of positions at a time, their masks computed once
/// for every sample; in each sample, blocks of three vectors (then two, then one), four first
/// where threes would leave one.
///
/// # Safety
/// `p.fits(out.len())`; the CPU has AVX-512F and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn run(p: &Planes<'_>, out: &mut [f32]) {
    if let Some(offsets) = p.offsets {
        // SAFETY: the caller's.
        return unsafe { run_offsets(p, offsets, out) };
    }
    let mut m = TapMasks::new(p.width, p.src_len, p.rows, p.cols);
    let (taps, vectors) = (m.taps, p.out_len.div_ceil(16));
    for v0 in (0..vectors).step_by(CHUNK) {
        let chunk = CHUNK.min(vectors - v0);
        m.chunk(v0, chunk);
        let offsets = &m.offsets[..taps];
        for s in 0..p.samples {
            let planes = (
                p.src.as_ptr().wrapping_add(s * p.src_next),
                out.as_mut_ptr().wrapping_add(s * p.out_next),
            );
            let (mut v, end) = (v0, v0 + chunk);
            let at = |v: usize| (offsets, &m.masks[(v - v0) * taps..]);
            // SAFETY: each block's vectors are among the chunk's, whose masks are computed;
            // the rest is `fits`'s and the caller's.
            unsafe {
                // Four vectors where threes would leave one (an 8 × 8 plane, say).
                if (end - v) % 3 == 1 && v + 4 <= end {
                    rows::<4, true>(p, planes, at(v), 16 * v);
                    v += 4;
                }
                while v + 3 <= end {
                    rows::<3, true>(p, planes, at(v), 16 * v);
                    v += 3;
                }
                if v + 2 <= end {
                    rows::<2, true>(p, planes, at(v), 16 * v);
                    v += 2;
                }
                if v < end {
                    rows::<1, true>(p, planes, at(v), 16 * v);
                }
            }
        }
    }
}

/// [`run`] with `offsets`: every full vector of positions without masks, blocks as [`run`]'s,
/// and the last part of a vector through its mask, sample after sample.
///
/// # Safety
/// As [`run`].
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn run_offsets(p: &Planes<'_>, offsets: &[isize], out: &mut [f32]) {
    let (full, rest) = (p.out_len / 16, p.out_len % 16);
    let mut tail = [0u16; MAX_TAPS];
    tail.fill(bits(0, rest as isize));
    for s in 0..p.samples {
        let planes = (
            p.src.as_ptr().wrapping_add(s * p.src_next),
            out.as_mut_ptr().wrapping_add(s * p.out_next),
        );
        let mut v = 0;
        // SAFETY: every lane of the full vectors reads inside its plane (`fits`), and the
        // tail's mask keeps the positions before `out_len`; the rest is the caller's.
        unsafe {
            if full % 3 == 1 && full >= 4 {
                rows::<4, false>(p, planes, (offsets, &[]), 0);
                v += 4;
            }
            while v + 3 <= full {
                rows::<3, false>(p, planes, (offsets, &[]), 16 * v);
                v += 3;
            }
            if v + 2 <= full {
                rows::<2, false>(p, planes, (offsets, &[]), 16 * v);
                v += 2;
            }
            if v < full {
                rows::<1, false>(p, planes, (offsets, &[]), 16 * v);
            }
            if rest > 0 {
                rows::<1, true>(p, planes, (offsets, &tail), 16 * full);
            }
        }
    }
}

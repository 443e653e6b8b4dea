//! The weight gradient of depthwise planes on AVX-512 ([`super::tap_sums`]): each tap's sum in
//! eight lanes, lane `l` adding the products of the output columns `≡ l (mod 8)`, row after
//! row, as the small layers sum them everywhere; two channels share a register, one in each
//! half. The input is read in place through masks that
//! zero what falls off its plane, as a zero-padded copy would give it; each product is rounded,
//! then added, and the tree adds the lanes: the bits of every other instruction set.

use core::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_mask_loadu_ps, _mm512_maskz_loadu_ps, _mm512_mul_ps,
    _mm512_setzero_ps, _mm512_storeu_ps,
};

/// The most taps a kernel may have here: one register each.
pub(crate) const MAX_TAPS: usize = 16;

/// The most column masks (eight output columns of a kernel column each) a call keeps.
const MAX_MASKS: usize = 1024;

/// The operands of [`super::tap_sums`], for `channels` planes of one sample: `x` holds
/// `channels` planes of `h × w`, `dy` as many of `ho × wo`, and tap `t` of channel `c` reads
/// `x[c][oh + rows[t / kw]][ow + cols[t % kw]]` (0 outside the plane) against `dy[c][oh][ow]`,
/// `kw = cols.len()`.
pub(crate) struct TapSums<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) input: [usize; 2],
    pub(crate) dy: &'a [f32],
    pub(crate) output: [usize; 2],
    pub(crate) rows: &'a [isize],
    pub(crate) cols: &'a [isize],
    pub(crate) channels: usize,
}

impl TapSums<'_> {
    /// The taps of one kernel.
    pub(super) fn taps(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Whether the operands hold what the fields state, for `dw` of `dw_len` floats.
    pub(super) fn fits(&self, dw_len: usize) -> bool {
        let ([h, w], [ho, wo]) = (self.input, self.output);
        self.taps() <= MAX_TAPS
            && self.x.len() == self.channels * h * w
            && self.dy.len() == self.channels * ho * wo
            && dw_len == self.channels * self.taps()
            && wo.div_ceil(8) * self.cols.len() <= MAX_MASKS
    }
}

/// Bits `lo..hi` of sixteen (none if `hi <= lo`).
#[inline(always)]
fn bits(lo: isize, hi: isize) -> u16 {
    let (lo, hi) = (lo.clamp(0, 16) as u32, hi.clamp(0, 16) as u32);
    if hi <= lo {
        0
    } else {
        ((1u32 << hi) - (1u32 << lo)) as u16
    }
}

/// `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))` of the eight lanes from `first`.
#[inline(always)]
unsafe fn tree(v: __m512, first: usize) -> f32 {
    let mut l = [0.0f32; 16];
    // SAFETY: `l` holds sixteen floats; AVX-512F is present (the caller's).
    unsafe { _mm512_storeu_ps(l.as_mut_ptr(), v) };
    let l = &l[first..first + 8];
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

/// See [`super::tap_sums`]: the sums of at most `N` taps in registers.
///
/// # Safety
/// `p.fits(dw.len())`; the CPU has AVX-512F.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn run(p: &TapSums<'_>, dw: &mut [f32]) {
    // SAFETY: the caller's.
    unsafe {
        match p.taps() {
            0..=4 => sums::<4>(p, dw),
            5..=9 => sums::<9>(p, dw),
            _ => sums::<MAX_TAPS>(p, dw),
        }
    }
}

/// [`run`] for at most `N` taps.
///
/// # Safety
/// As [`run`], and `p.taps() <= N`.
#[inline(always)]
unsafe fn sums<const N: usize>(p: &TapSums<'_>, dw: &mut [f32]) {
    let ([h, w], [ho, wo]) = (p.input, p.output);
    let (taps, kw, chunks) = (p.taps(), p.cols.len(), wo.div_ceil(8));
    // masks[q · kw + j]: the lanes of output columns 8q.. that are in the row and whose input
    // column, moved by `cols[j]`, is inside the input's row.
    let mut masks = [0u16; MAX_MASKS];
    for (q, masks) in masks.chunks_exact_mut(kw).take(chunks).enumerate() {
        for (m, &d) in masks.iter_mut().zip(p.cols) {
            let first = (8 * q) as isize;
            let lanes = bits(-first - d, w as isize - first - d);
            *m = lanes & bits(0, (wo as isize - first).min(8));
        }
    }
    let (mut row, mut col) = ([0; N], [0; N]);
    for t in 0..taps {
        (row[t], col[t]) = (p.rows[t / kw], t % kw);
    }
    let (x, dy) = (p.x.as_ptr(), p.dy.as_ptr());
    // Two channels at a time: the first in the low eight lanes, the second (if any) in the high
    // eight, loaded eight floats before its place under the mask's high byte.
    for (pair, dw) in dw.chunks_mut(2 * taps).enumerate() {
        let c = 2 * pair;
        let high = if dw.len() == 2 * taps { 8 } else { 16 };
        let (x0, dy0) = (x.wrapping_add(c * h * w), dy.wrapping_add(c * ho * wo));
        let (x1, dy1) = (
            x.wrapping_add((c + 1) * h * w).wrapping_sub(8),
            dy.wrapping_add((c + 1) * ho * wo).wrapping_sub(8),
        );
        // SAFETY: every load reads only lanes its mask keeps, inside the planes (the high
        // lanes only of a channel there is); the CPU has the instructions (the caller's).
        unsafe {
            let mut acc = [_mm512_setzero_ps(); N];
            for oh in 0..ho {
                // Each tap's input row, where it has one: its first float, and its masks.
                let mut from = [0isize; N];
                let mut keep = [0u16; N];
                for t in 0..N {
                    let ih = oh as isize + row[t];
                    from[t] = ih * w as isize + p.cols[col[t]];
                    keep[t] = if t < taps && ih >= 0 && ih < h as isize {
                        u16::MAX
                    } else {
                        0
                    };
                }
                for q in 0..chunks {
                    let at = oh * wo + 8 * q;
                    let m = bits(0, (wo - 8 * q).min(8) as isize);
                    let d = _mm512_maskz_loadu_ps(m, dy0.add(at));
                    let d = _mm512_mask_loadu_ps(d, wide(m, high), dy1.wrapping_add(at));
                    let masks = &masks[q * kw..][..kw];
                    for t in 0..N {
                        if t < taps {
                            let m = masks[col[t]] & keep[t];
                            let from = from[t] + (8 * q) as isize;
                            let v = _mm512_maskz_loadu_ps(m, x0.wrapping_offset(from));
                            let v =
                                _mm512_mask_loadu_ps(v, wide(m, high), x1.wrapping_offset(from));
                            acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(d, v));
                        }
                    }
                }
            }
            let (low, rest) = dw.split_at_mut(taps);
            for (dw, &acc) in low.iter_mut().zip(&acc) {
                *dw += tree(acc, 0);
            }
            for (dw, &acc) in rest.iter_mut().zip(&acc) {
                *dw += tree(acc, 8);
            }
        }
    }
}

/// The mask `m` of eight lanes moved to the high eight (none if `high` is 16: no channel there).
#[inline(always)]
fn wide(m: u16, high: u32) -> u16 {
    ((u32::from(m) << high) & 0xFFFF) as u16
}

//! The forward of a dense layer, generic over eight lanes: register tiles of `MR` weight rows by
//! `NR` samples (micro-kernels) and the loop that walks them over the matrices (driver).
//!
//! Each tile keeps `MR × NR` independent accumulators of eight lanes in registers, so that the
//! multiply-adds of one output form eight chains while many outputs run at once. Which tile
//! covers an output never changes the order in which its products are summed (see the parent
//! module): tiles are chosen for speed alone.

use super::Product;
use super::lanes::{LANES, Sum8};

/// The bytes of weight rows the forward keeps hot at once (in the L2 cache) while every
/// sample goes past them.
pub(super) const FORWARD_BLOCK_BYTES: usize = 256 * 1024;

/// `MR` rows of `w` dotted with `NR` samples of `x` (both rows of `k`), in the lane order.
///
/// # Safety
/// `w` has `MR` rows and `x` `NR` rows of `k` readable floats, each `k` apart.
#[inline(always)]
unsafe fn dot_tile<V: Sum8, const MR: usize, const NR: usize>(
    w: *const f32,
    x: *const f32,
    k: usize,
) -> [[f32; NR]; MR] {
    let mut acc = [[V::zero(); NR]; MR];
    let full = k / LANES * LANES;
    let mut c = 0;
    // SAFETY: every read is in the rows the caller vouches for: `c + LANES <= k`, and the
    // partial reads stop at `k`.
    unsafe {
        while c < full {
            let mut xs = [V::zero(); NR];
            for (s, xv) in xs.iter_mut().enumerate() {
                *xv = V::load(x.add(s * k + c));
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                let wv = V::load(w.add(r * k + c));
                for (a, &xv) in acc.iter_mut().zip(&xs) {
                    *a = a.madd(wv, xv);
                }
            }
            c += LANES;
        }
        if c < k {
            let n = k - c;
            let mut xs = [V::zero(); NR];
            for (s, xv) in xs.iter_mut().enumerate() {
                *xv = V::load_partial(x.add(s * k + c), n);
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                let wv = V::load_partial(w.add(r * k + c), n);
                for (a, &xv) in acc.iter_mut().zip(&xs) {
                    *a = a.madd(wv, xv);
                }
            }
        }
    }
    let mut sums = [[0.0; NR]; MR];
    let mut r = 0;
    while r + 4 <= MR {
        for s in 0..NR {
            let quad = V::sum4([acc[r][s], acc[r + 1][s], acc[r + 2][s], acc[r + 3][s]]);
            for (j, q) in quad.into_iter().enumerate() {
                sums[r + j][s] = q;
            }
        }
        r += 4;
    }
    while r < MR {
        for s in 0..NR {
            sums[r][s] = acc[r][s].sum();
        }
        r += 1;
    }
    sums
}

/// The forward of samples `b..b + NR` for the output rows `rows`, in tiles of `MR` rows.
///
/// # Safety
/// As [`forward`]'s slices, and `b + NR` samples exist.
#[inline(always)]
pub(super) unsafe fn forward_rows<V: Sum8, const MR: usize, const NR: usize>(
    p: &Product<'_>,
    bias: Option<&[f32]>,
    y: &mut [f32],
    b: usize,
    rows: core::ops::Range<usize>,
) {
    let (k, out) = (p.k, p.out);
    let write = |y: &mut [f32], o: usize, s: usize, v: f32| {
        y[(b + s) * out + o] = match bias {
            Some(bias) => v + bias[o],
            None => v,
        };
    };
    let (w, x) = (p.w.as_ptr(), p.x.as_ptr());
    let mut o = rows.start;
    // SAFETY: rows `o..o + MR` of `w` and samples `b..b + NR` of `x` exist.
    unsafe {
        while o + MR <= rows.end {
            let tile = dot_tile::<V, MR, NR>(w.add(o * k), x.add(b * k), k);
            for (r, row) in tile.iter().enumerate() {
                for (s, &v) in row.iter().enumerate() {
                    write(y, o + r, s, v);
                }
            }
            o += MR;
        }
        while o < rows.end {
            let tile = dot_tile::<V, 1, NR>(w.add(o * k), x.add(b * k), k);
            for (s, &v) in tile[0].iter().enumerate() {
                write(y, o, s, v);
            }
            o += 1;
        }
    }
}

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]`: tiles of `MR` rows by `NR` samples, single
/// samples in tiles of 8 rows, weight rows in blocks that stay in the L2 cache.
///
/// # Safety
/// The slices hold the sizes `p` states; `y` is `batch × out`; `V` runs on this CPU.
#[inline(always)]
pub(super) unsafe fn forward<V: Sum8, const MR: usize, const NR: usize>(
    p: &Product<'_>,
    bias: Option<&[f32]>,
    y: &mut [f32],
) {
    let rows_per_block = (FORWARD_BLOCK_BYTES / 4 / p.k.max(1)).max(8);
    let mut start = 0;
    while start < p.out {
        let rows = start..p.out.min(start + rows_per_block);
        let mut b = 0;
        // SAFETY: `b + NR <= batch`, then `b < batch`.
        unsafe {
            while b + NR <= p.batch {
                forward_rows::<V, MR, NR>(p, bias, y, b, rows.clone());
                b += NR;
            }
            while b < p.batch {
                forward_rows::<V, 8, 1>(p, bias, y, b, rows.clone());
                b += 1;
            }
        }
        start = rows.end;
    }
}

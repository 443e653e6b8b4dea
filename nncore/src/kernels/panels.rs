//! The forward of a batch with the outputs in the lanes: a panel of `WIDTH` weight rows is
//! transposed once into `panel[i][r]`, then each sample's inputs are broadcast one at a time
//! against it. Eight accumulators a sample, one for each class `i mod 8`, hold the eight
//! partial sums of the parent module's order for `WIDTH` outputs at once, and add up in its
//! tree with vertical additions: the same bits as the rows' dot products, no horizontal sums.
//!
//! The transposition costs a load and a store a weight, once for every block of samples, so
//! this path is for batches; one sample keeps the dot products.

use core::mem::MaybeUninit;

use super::Product;
use super::lanes::{LANES, Lanes};
use super::tiles;
use super::transpose::Transpose;

/// The most inputs a panel holds: with 16 lanes, 64 KiB of stack.
pub(super) const MAX_K: usize = 1024;
/// Samples a tile: 24 accumulators of the 32 registers.
const NS: usize = 3;

/// Rows `o0..o0 + rows` (`rows` at most `WIDTH`; the others zero) of `w` (`out × k`)
/// transposed into `panel`: `panel[i · WIDTH + r] = w[o0 + r][i]`.
///
/// # Safety
/// `panel` has room for `k · WIDTH` floats.
#[inline(always)]
unsafe fn pack<V: Transpose>(w: &[f32], k: usize, rows: usize, o0: usize, panel: *mut f32) {
    let mut i0 = 0;
    while i0 < k {
        let n = (k - i0).min(V::WIDTH);
        let mut block = V::zeros();
        for (r, v) in block.as_mut().iter_mut().take(rows).enumerate() {
            *v = tiles::load(&w[(o0 + r) * k + i0..][..n]);
        }
        let block = V::transpose(block);
        for (j, v) in block.as_ref().iter().take(n).enumerate() {
            // SAFETY: input `i0 + j < k` has `WIDTH` floats of room.
            unsafe { v.store(panel.add((i0 + j) * V::WIDTH)) };
        }
        i0 += V::WIDTH;
    }
}

/// The sums of the panel's `WIDTH` outputs for `N` samples of `x` (rows of `k`), each still
/// without its bias.
///
/// # Safety
/// `panel` holds `k · WIDTH` floats and `x` `N` rows of `k`, each `k` apart.
#[inline(always)]
unsafe fn tile<V: Lanes, const N: usize>(panel: *const f32, x: *const f32, k: usize) -> [V; N] {
    let mut acc = [[V::zero(); LANES]; N];
    // SAFETY: `i + j < k` for every read.
    unsafe {
        let mut i = 0;
        while i + LANES <= k {
            for j in 0..LANES {
                let wv = V::load(panel.add((i + j) * V::WIDTH));
                for (s, acc) in acc.iter_mut().enumerate() {
                    acc[j] = acc[j].madd(wv, V::splat(*x.add(s * k + i + j)));
                }
            }
            i += LANES;
        }
        for j in 0..k - i {
            let wv = V::load(panel.add((i + j) * V::WIDTH));
            for (s, acc) in acc.iter_mut().enumerate() {
                acc[j] = acc[j].madd(wv, V::splat(*x.add(s * k + i + j)));
            }
        }
    }
    // A plain loop, no closure: one might not inline into the `target_feature` entry point.
    let mut sums = [V::zero(); N];
    for (sum, a) in sums.iter_mut().zip(&acc) {
        *sum = (a[0].add(a[1]).add(a[2].add(a[3]))).add(a[4].add(a[5]).add(a[6].add(a[7])));
    }
    sums
}

/// Writes a tile's sums plus the bias into samples `b..` of `y`, outputs `o0..o0 + rows`.
#[inline(always)]
fn write<V: Lanes>(sums: &[V], bias: Option<V>, y: &mut [f32], out: usize, b: usize, o0: usize) {
    let rows = (out - o0).min(V::WIDTH);
    for (s, &v) in sums.iter().enumerate() {
        let v = match bias {
            Some(bias) => v.add(bias),
            None => v,
        };
        tiles::store(v, &mut y[(b + s) * out + o0..][..rows]);
    }
}

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]` for `k ≤ MAX_K`, a panel of `WIDTH` outputs at a
/// time, tiles of `NS` samples then single ones.
///
/// # Safety
/// The slices hold the sizes `p` states; `y` is `batch × out`; `V` runs on this CPU and has
/// at most 16 lanes; `p.k <= MAX_K`.
#[inline(always)]
pub(super) unsafe fn forward<V: Transpose>(p: &Product<'_>, bias: Option<&[f32]>, y: &mut [f32]) {
    let (k, out) = (p.k, p.out);
    debug_assert!(k <= MAX_K && V::WIDTH <= 16);
    // Not cleared: `pack` writes the `WIDTH` lanes of each of the `k` inputs before `tile`
    // reads them.
    let mut buffer = [MaybeUninit::<f32>::uninit(); 16 * MAX_K];
    let panel = buffer.as_mut_ptr().cast::<f32>();
    let mut o0 = 0;
    while o0 < out {
        let rows = (out - o0).min(V::WIDTH);
        // SAFETY: the buffer holds `16 · MAX_K ≥ k · WIDTH` floats.
        unsafe { pack::<V>(p.w, k, rows, o0, panel) };
        let bias = bias.map(|bias| tiles::load::<V>(&bias[o0..o0 + rows]));
        let mut b = 0;
        // SAFETY: the panel holds `k` inputs; samples `b..b + NS`, then `b`, exist.
        unsafe {
            while b + NS <= p.batch {
                let sums = tile::<V, NS>(panel, p.x.as_ptr().add(b * k), k);
                write(&sums, bias, y, out, b, o0);
                b += NS;
            }
            while b < p.batch {
                let sums = tile::<V, 1>(panel, p.x.as_ptr().add(b * k), k);
                write(&sums, bias, y, out, b, o0);
                b += 1;
            }
        }
        o0 += V::WIDTH;
    }
}

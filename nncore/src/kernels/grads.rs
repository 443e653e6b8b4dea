//! The gradients of a dense layer, generic over the lanes they compute in (`V::WIDTH`): register
//! tiles of samples or weight rows by `NV` vectors of columns (micro-kernels), and the loops
//! that walk them over the matrices (drivers).
//!
//! Every output here is a chain of multiply-adds in a fixed order (the outputs `o` for an input
//! gradient, the samples for a weight gradient), one lane per output, so the vector width and
//! the tiles change the speed and never the bits.

use super::Product;
use super::lanes::Lanes;

/// Samples per block of the weight gradient, at most: their input columns, packed, stay in the
/// L1 cache while every output row goes past them.
const GRAD_BLOCK: usize = 128;

/// Loads vector `v` of a tile `cols` floats wide (zero past `cols`).
///
/// # Safety
/// The `cols` floats from `p` are readable.
#[inline(always)]
unsafe fn load_cols<V: Lanes>(p: *const f32, v: usize, cols: usize) -> V {
    // SAFETY: the caller's range covers `v · V::WIDTH ..` up to `cols`.
    unsafe {
        if (v + 1) * V::WIDTH <= cols {
            V::load(p.add(v * V::WIDTH))
        } else if v * V::WIDTH < cols {
            V::load_partial(p.add(v * V::WIDTH), cols - v * V::WIDTH)
        } else {
            V::zero()
        }
    }
}

/// Stores vector `v` of a tile `cols` floats wide (nothing past `cols`).
///
/// # Safety
/// The `cols` floats from `p` are writable.
#[inline(always)]
unsafe fn store_cols<V: Lanes>(value: V, p: *mut f32, v: usize, cols: usize) {
    // SAFETY: as in `load_cols`.
    unsafe {
        if (v + 1) * V::WIDTH <= cols {
            value.store(p.add(v * V::WIDTH));
        } else if v * V::WIDTH < cols {
            value.store_partial(p.add(v * V::WIDTH), cols - v * V::WIDTH);
        }
    }
}

/// `dx[b][i] = Σ_o dy[b][o] w[o][i]` for `MR` samples and `cols` (at most `NV · V::WIDTH`)
/// columns, `o` in order.
///
/// # Safety
/// `w` points at column `i` of row 0 of `w` (`k` apart), `dy` at sample `b`'s gradient (`out`
/// apart), `dx` at column `i` of sample `b` (`k` apart); `MR` samples and `cols` columns exist.
#[inline(always)]
unsafe fn input_grad_tile<V: Lanes, const MR: usize, const NV: usize>(
    w: *const f32,
    dy: *const f32,
    dx: *mut f32,
    k: usize,
    out: usize,
    cols: usize,
) {
    let mut acc = [[V::zero(); NV]; MR];
    // SAFETY: the reads and writes stay in the rows and columns the caller vouches for.
    unsafe {
        for o in 0..out {
            let mut wv = [V::zero(); NV];
            for (v, wv) in wv.iter_mut().enumerate() {
                *wv = load_cols(w.add(o * k), v, cols);
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                let d = V::splat(*dy.add(r * out + o));
                for (a, &wv) in acc.iter_mut().zip(&wv) {
                    *a = a.madd(d, wv);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (v, &a) in acc.iter().enumerate() {
                store_cols(a, dx.add(r * k), v, cols);
            }
        }
    }
}

/// The input gradient of samples `b..b + MR` over every column.
///
/// # Safety
/// As [`input_grad`], and `b + MR` samples exist.
#[inline(always)]
unsafe fn input_grad_samples<V: Lanes, const MR: usize, const NV: usize>(
    p: &Product<'_>,
    dx: &mut [f32],
    b: usize,
) {
    let (k, out) = (p.k, p.out);
    let (w, dy, dx) = (p.w.as_ptr(), p.x.as_ptr(), dx.as_mut_ptr());
    let (dy, dx) = (dy.wrapping_add(b * out), dx.wrapping_add(b * k));
    let mut i = 0;
    // SAFETY: columns `i..i + cols` are inside `k`, samples `b..b + MR` inside the batch.
    // (Plain loops, no closures: a closure would not inherit the caller's target features.)
    unsafe {
        while i + NV * V::WIDTH <= k {
            input_grad_tile::<V, MR, NV>(w.add(i), dy, dx.add(i), k, out, NV * V::WIDTH);
            i += NV * V::WIDTH;
        }
        while i < k {
            let cols = (k - i).min(V::WIDTH);
            input_grad_tile::<V, MR, 1>(w.add(i), dy, dx.add(i), k, out, cols);
            i += cols;
        }
    }
}

/// `dx[b][i] = Σ_o dy[b][o] w[o][i]`: tiles of `MR` samples by `NV` vectors of columns, the
/// samples left over in pairs by 4 vectors, then alone by `NV1`. `p.x` is the output gradient `dy`.
///
/// # Safety
/// The slices hold the sizes `p` states; `dx` is `batch × k`; `V` runs on this CPU.
#[inline(always)]
pub(super) unsafe fn input_grad<V: Lanes, const MR: usize, const NV: usize, const NV1: usize>(
    p: &Product<'_>,
    dx: &mut [f32],
) {
    let mut b = 0;
    // SAFETY: `b + MR <= batch`, then `b < batch`.
    unsafe {
        while b + MR <= p.batch {
            input_grad_samples::<V, MR, NV>(p, dx, b);
            b += MR;
        }
        while b + 2 <= p.batch {
            input_grad_samples::<V, 2, 4>(p, dx, b);
            b += 2;
        }
        if b < p.batch {
            input_grad_samples::<V, 1, NV1>(p, dx, b);
        }
    }
}

/// `dw[o][i] += dy[b][o] x[b][i]` for `MR` rows and `cols` columns, over `samples` samples in
/// order, the inputs read from a packed panel.
///
/// # Safety
/// `dw` points at column `i` of row `o` (`k` apart) and covers `MR` rows and `cols` columns;
/// `dy` points at sample `b`'s gradient for row `o` (`out` apart); `panel` holds `samples` rows
/// of `NV · V::WIDTH` readable floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn weight_grad_tile<V: Lanes, const MR: usize, const NV: usize>(
    dw: *mut f32,
    dy: *const f32,
    panel: Panel,
    k: usize,
    out: usize,
    cols: usize,
    samples: usize,
) {
    // SAFETY: the reads and writes stay in the rows, columns and samples vouched for.
    unsafe {
        let mut acc = [[V::zero(); NV]; MR];
        for (r, acc) in acc.iter_mut().enumerate() {
            for (v, a) in acc.iter_mut().enumerate() {
                *a = load_cols(dw.add(r * k), v, cols);
            }
        }
        for b in 0..samples {
            let mut xv = [V::zero(); NV];
            for (v, xv) in xv.iter_mut().enumerate() {
                *xv = V::load(panel.at.add(b * panel.stride + v * V::WIDTH));
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                let d = V::splat(*dy.add(b * out + r));
                for (a, &xv) in acc.iter_mut().zip(&xv) {
                    *a = a.madd(d, xv);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (v, &a) in acc.iter().enumerate() {
                store_cols(a, dw.add(r * k), v, cols);
            }
        }
    }
}

/// Rows of inputs for a weight-gradient tile: packed on the stack, or read in place.
#[derive(Clone, Copy)]
struct Panel {
    at: *const f32,
    /// Floats from one row to the next.
    stride: usize,
}

/// The widest panel of inputs the weight gradient packs, in floats.
const PANEL: usize = 32;

/// `dw[o][i] += Σ_b dy[b][o] x[b][i]`, the samples in order. For each block of samples and
/// each `NV · V::WIDTH` columns, the inputs are packed into a contiguous panel on the stack (unless
/// there is one sample), which every tile of `MR` rows then reads.
///
/// Only the first `rows` rows of the gradient: `dw` holds them (`rows × k`), and `dy` starts at
/// the first one's column, its samples still `out` apart.
///
/// # Safety
/// The slices hold the sizes `p` states (`p.w` is unused); `dy` holds `batch` samples of `out`
/// (the last one from its first row on) and `dw` `rows × k` floats, `rows <= out`; `V` runs on
/// this CPU; `NV · V::WIDTH <= PANEL`.
#[inline(always)]
pub(super) unsafe fn weight_grad<V: Lanes, const MR: usize, const NV: usize>(
    p: &Product<'_>,
    dy: &[f32],
    dw: &mut [f32],
    rows: usize,
) {
    use core::mem::MaybeUninit;
    let (k, out, width) = (p.k, p.out, NV * V::WIDTH);
    // Every row a tile reads is written first.
    let mut packed = [const { MaybeUninit::<f32>::uninit() }; GRAD_BLOCK * PANEL];
    // Samples whose output gradients fit in 32 KiB (the L1 cache), at least 8.
    let block = (8192 / out.max(1)).clamp(8, GRAD_BLOCK);
    let mut b = 0;
    while b < p.batch {
        let samples = (p.batch - b).min(block);
        let mut i = 0;
        while i < k {
            let cols = (k - i).min(width);
            let x = &p.x[b * k + i..];
            let panel = if samples == 1 && cols == width {
                Panel {
                    at: x.as_ptr(),
                    stride: k,
                }
            } else {
                for (s, row) in packed.chunks_exact_mut(width).take(samples).enumerate() {
                    for (c, v) in row.iter_mut().enumerate() {
                        v.write(if c < cols { x[s * k + c] } else { 0.0 });
                    }
                }
                Panel {
                    at: packed.as_ptr().cast(),
                    stride: width,
                }
            };
            let (dw, dy) = (dw.as_mut_ptr(), dy.as_ptr());
            let mut o = 0;
            // SAFETY: rows `o..o + MR` are inside `out`, columns `i..i + cols` inside `k`,
            // and the panel holds `samples` rows of `width` (a single row in place is full).
            unsafe {
                let (dw, dy) = (dw.add(i), dy.add(b * out));
                while o + MR <= rows {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, MR, NV>(dw, dy, panel, k, out, cols, samples);
                    o += MR;
                }
                while o + 2 <= rows {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, 2, NV>(dw, dy, panel, k, out, cols, samples);
                    o += 2;
                }
                if o < rows {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, 1, NV>(dw, dy, panel, k, out, cols, samples);
                }
            }
            i += cols;
        }
        b += samples;
    }
}

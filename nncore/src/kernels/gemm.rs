//! The three products of a dense layer, generic over the lanes they compute in: register tiles
//! (micro-kernels) and the loops that walk them over the matrices (drivers).
//!
//! Matrices are row-major slices: the weight `w` is `out × k`, a batch `b × k` (inputs) or
//! `b × out` (outputs and their gradients). Each tile keeps `MR × NR` (or `MR × NV` vectors of)
//! independent accumulators in registers, so that the multiply-adds of one output form a chain
//! while many chains run at once. Which tile covers an output never changes the order in which
//! its products are summed (see the module above): tiles are chosen for speed alone.

use super::lanes::{LANES, Lanes};

/// The bytes of weight rows the forward keeps hot at once (in the L2 cache) while every
/// sample goes past them.
const FORWARD_BLOCK_BYTES: usize = 256 * 1024;

/// Samples per block of the weight gradient: their input columns stay in the L1 cache while
/// every output row goes past them.
const GRAD_BLOCK: usize = 128;

/// `MR` rows of `w` dotted with `NR` samples of `x` (both rows of `k`), in the lane order.
///
/// # Safety
/// `w` has `MR` rows and `x` `NR` rows of `k` readable floats, each `k` apart.
#[inline(always)]
unsafe fn dot_tile<V: Lanes, const MR: usize, const NR: usize>(
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
unsafe fn forward_rows<V: Lanes, const MR: usize, const NR: usize>(
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

/// A weight and a batch of rows: the operands of one product.
pub(super) struct Product<'a> {
    /// `out × k`, row-major.
    pub w: &'a [f32],
    /// `batch × k` (forward, weight gradient) or `batch × out` (input gradient).
    pub x: &'a [f32],
    /// The reduction length of the forward: the layer's inputs.
    pub k: usize,
    /// The layer's outputs.
    pub out: usize,
    /// Samples in the batch.
    pub batch: usize,
}

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]`: tiles of `MR` rows by `NR` samples, single
/// samples in tiles of 8 rows, weight rows in blocks that stay in the L2 cache.
///
/// # Safety
/// The slices hold the sizes `p` states; `y` is `batch × out`; `V` runs on this CPU.
#[inline(always)]
pub(super) unsafe fn forward<V: Lanes, const MR: usize, const NR: usize>(
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

/// Loads vector `v` of a tile `cols` floats wide (zero past `cols`).
///
/// # Safety
/// The `cols` floats from `p` are readable.
#[inline(always)]
unsafe fn load_cols<V: Lanes>(p: *const f32, v: usize, cols: usize) -> V {
    // SAFETY: the caller's range covers `v · LANES ..` up to `cols`.
    unsafe {
        if (v + 1) * LANES <= cols {
            V::load(p.add(v * LANES))
        } else if v * LANES < cols {
            V::load_partial(p.add(v * LANES), cols - v * LANES)
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
        if (v + 1) * LANES <= cols {
            value.store(p.add(v * LANES));
        } else if v * LANES < cols {
            value.store_partial(p.add(v * LANES), cols - v * LANES);
        }
    }
}

/// `dx[b][i] = Σ_o dy[b][o] w[o][i]` for `MR` samples and `cols` (at most `NV · LANES`)
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
        while i + NV * LANES <= k {
            input_grad_tile::<V, MR, NV>(w.add(i), dy, dx.add(i), k, out, NV * LANES);
            i += NV * LANES;
        }
        while i < k {
            let cols = (k - i).min(LANES);
            input_grad_tile::<V, MR, 1>(w.add(i), dy, dx.add(i), k, out, cols);
            i += cols;
        }
    }
}

/// `dx[b][i] = Σ_o dy[b][o] w[o][i]`: tiles of `MR` samples by `NV` vectors of columns, the
/// samples left over in pairs by 4 vectors, then alone by 12. `p.x` is the output gradient `dy`.
///
/// # Safety
/// The slices hold the sizes `p` states; `dx` is `batch × k`; `V` runs on this CPU.
#[inline(always)]
pub(super) unsafe fn input_grad<V: Lanes, const MR: usize, const NV: usize>(
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
            input_grad_samples::<V, 1, 12>(p, dx, b);
        }
    }
}

/// `dw[o][i] += dy[b][o] x[b][i]` for `MR` rows and `cols` columns, over `samples` samples in
/// order, the inputs read from a packed panel.
///
/// # Safety
/// `dw` points at column `i` of row `o` (`k` apart) and covers `MR` rows and `cols` columns;
/// `dy` points at sample `b`'s gradient for row `o` (`out` apart); `panel` holds `samples` rows
/// of `NV · LANES` readable floats.
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
                *xv = V::load(panel.at.add(b * panel.stride + v * LANES));
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
/// each `NV · LANES` columns, the inputs are packed into a contiguous panel on the stack (unless
/// there is one sample), which every tile of `MR` rows then reads.
///
/// # Safety
/// The slices hold the sizes `p` states (`p.w` is unused); `dy` is `batch × out` and `dw`
/// `out × k`; `V` runs on this CPU; `NV · LANES <= PANEL`.
#[inline(always)]
pub(super) unsafe fn weight_grad<V: Lanes, const MR: usize, const NV: usize>(
    p: &Product<'_>,
    dy: &[f32],
    dw: &mut [f32],
) {
    use core::mem::MaybeUninit;
    let (k, out, width) = (p.k, p.out, NV * LANES);
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
                while o + MR <= out {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, MR, NV>(dw, dy, panel, k, out, cols, samples);
                    o += MR;
                }
                while o + 2 <= out {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, 2, NV>(dw, dy, panel, k, out, cols, samples);
                    o += 2;
                }
                if o < out {
                    let (dw, dy) = (dw.add(o * k), dy.add(o));
                    weight_grad_tile::<V, 1, NV>(dw, dy, panel, k, out, cols, samples);
                }
            }
            i += cols;
        }
        b += samples;
    }
}

//! Max pool plane kernels.

use core::ops::Range;

use super::tiled;
use crate::layers::pool::{Bins, Window};

/// The windows of a row that the kernels keeping a state per window handle at once, their
/// scratch on the stack.
const BLOCK: usize = 64;

/// The windows of a block that the compiler puts in vector registers together; `BLOCK` is a
/// multiple.
const LANES: usize = 8;

/// Whether `v` replaces the running maximum `max` in PyTorch's scan: it is greater, or NaN.
/// (`|`, not `||`: no branch, so that loops of it vectorize.)
#[inline(always)]
fn replaces(v: f32, max: f32) -> bool {
    (v > max) | v.is_nan()
}

/// `max` after scanning `values` in order.
#[inline(always)]
fn scan<'a>(max: f32, values: impl IntoIterator<Item = &'a f32>) -> f32 {
    values
        .into_iter()
        .fold(max, |max, &v| if replaces(v, max) { v } else { max })
}

/// Copies into `into` the values at column offset `j` of as many windows of a row, from output
/// `first` on, all inside the row (see [`Window::inside`]): window `o`'s column
/// `o * stride - padding + j`. Contiguous, they then take vector instructions.
#[inline(always)]
fn gather(into: &mut [f32], row: &[f32], cols: Window, first: usize, j: usize) {
    let start = first * cols.stride + j - cols.padding;
    for (into, &v) in into
        .iter_mut()
        .zip(row[start..].iter().step_by(cols.stride))
    {
        *into = v;
    }
}

/// Max pool forward: the `input`-shaped plane `x` into the `output`-shaped plane `y`.
pub(in crate::layers::pool) fn max_forward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
) {
    match tiled(axes) {
        Some(2) => forward_tiled::<2>(axes[0].kernel, x, input[1], y, output[1]),
        Some(3) => forward_tiled::<3>(axes[0].kernel, x, input[1], y, output[1]),
        _ => forward_sliding(axes, x, input, y, output),
    }
}

/// Max pool backward: the input gradient `dx` of the plane `x`, from the output gradient `dy`.
pub(in crate::layers::pool) fn max_backward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
) {
    match tiled(axes) {
        Some(2) => backward_tiled::<2>(axes[0].kernel, x, input[1], dy, output, dx),
        Some(3) => backward_tiled::<3>(axes[0].kernel, x, input[1], dy, output, dx),
        _ => backward_sliding(axes, x, input, dy, output, dx),
    }
}

/// The maximum of the window `rows × cols` of a plane `w` wide, scanned row by row.
fn window_max(x: &[f32], w: usize, rows: Range<usize>, cols: Range<usize>) -> f32 {
    rows.fold(f32::NEG_INFINITY, |max, r| {
        scan(max, &x[r * w + cols.start..r * w + cols.end])
    })
}

/// The position in the plane of the value [`window_max`] keeps; `None` for an empty window.
fn window_argmax(x: &[f32], w: usize, rows: Range<usize>, cols: Range<usize>) -> Option<usize> {
    if rows.is_empty() || cols.is_empty() {
        return None;
    }
    let (mut at, mut max) = (rows.start * w + cols.start, f32::NEG_INFINITY);
    for r in rows {
        let start = r * w + cols.start;
        for (i, &v) in x[start..r * w + cols.end].iter().enumerate() {
            let replace = replaces(v, max);
            max = if replace { v } else { max };
            at = if replace { start + i } else { at };
        }
    }
    Some(at)
}

/// `if take { a } else { b }` through a bit mask: the compiler keeps the lane steps below in
/// vector registers this way, where it may turn a choice between floats into a branch.
#[inline(always)]
fn pick(take: bool, a: u32, b: u32) -> u32 {
    let mask = 0_u32.wrapping_sub(u32::from(take));
    (a & mask) | (b & !mask)
}

/// `next`: the running maxima `max` of a block of `n` windows after one more value each,
/// `values`. [`LANES`] windows at a time up to `n` rounded up (the lanes past `n` are never
/// read), into another buffer than `max`: a store that might keep the value there would be made
/// conditional, and not vectorize.
#[inline(never)]
fn scan_step(n: usize, max: &[f32], values: &[f32], next: &mut [f32]) {
    let len = n.next_multiple_of(LANES);
    let old = max[..len]
        .chunks_exact(LANES)
        .zip(values[..len].chunks_exact(LANES));
    for (next, (max, values)) in next[..len].chunks_exact_mut(LANES).zip(old) {
        for l in 0..LANES {
            let (v, max) = (values[l], max[l]);
            next[l] = f32::from_bits(pick(replaces(v, max), v.to_bits(), max.to_bits()));
        }
    }
}

/// [`scan_step`] keeping the position of each maximum, `here` for the values taken.
#[inline(never)]
fn argscan_step(
    n: usize,
    max: &[f32],
    at: &[u32],
    values: &[f32],
    here: u32,
    next: &mut [f32],
    next_at: &mut [u32],
) {
    let len = n.next_multiple_of(LANES);
    let (max, at, values) = (&max[..len], &at[..len], &values[..len]);
    let old = max
        .chunks_exact(LANES)
        .zip(at.chunks_exact(LANES).zip(values.chunks_exact(LANES)));
    let new = next[..len]
        .chunks_exact_mut(LANES)
        .zip(next_at[..len].chunks_exact_mut(LANES));
    for ((next, next_at), (max, (at, values))) in new.zip(old) {
        for l in 0..LANES {
            let (v, max) = (values[l], max[l]);
            let replace = replaces(v, max);
            next[l] = f32::from_bits(pick(replace, v.to_bits(), max.to_bits()));
            next_at[l] = pick(replace, here, at[l]);
        }
    }
}

/// Windows `kh × KW` side by side: each output row takes its `kh` input rows one after the
/// other, every window of the row at once. Scanning from the window's first value gives what
/// scanning from `-inf` gives.
fn forward_tiled<const KW: usize>(kh: usize, x: &[f32], w: usize, y: &mut [f32], wo: usize) {
    for (band, y) in x.chunks_exact(kh * w).zip(y.chunks_exact_mut(wo)) {
        let mut rows = band
            .chunks_exact(w)
            .map(|row| row[..KW * wo].chunks_exact(KW));
        if let Some(first) = rows.next() {
            for (y, window) in y.iter_mut().zip(first) {
                *y = scan(window[0], &window[1..]);
            }
        }
        for row in rows {
            for (y, window) in y.iter_mut().zip(row) {
                *y = scan(*y, window);
            }
        }
    }
}

/// Windows `kh × KW` side by side, [`BLOCK`] of a row at a time: their scans run row by row as
/// in the forward, keeping each window's position of its maximum (`i * KW + j` for row `i`,
/// column `j`), then each window's rows are written, `0.0 + dy` at that position (what adding
/// into a zeroed gradient gives) and zeros elsewhere.
fn backward_tiled<const KW: usize>(
    kh: usize,
    x: &[f32],
    w: usize,
    dy: &[f32],
    [ho, wo]: [usize; 2],
    dx: &mut [f32],
) {
    let band = kh * w;
    let (pooled, rest) = dx.split_at_mut(ho * band);
    let bands = x.chunks_exact(band).zip(pooled.chunks_exact_mut(band));
    let (mut max, mut at) = ([0.0; BLOCK], [0_u32; BLOCK]);
    for ((x, dx), dy) in bands.zip(dy.chunks_exact(wo)) {
        for (block, dy) in dy.chunks(BLOCK).enumerate() {
            let cols = block * BLOCK * KW..(block * BLOCK + dy.len()) * KW;
            for (i, row) in x.chunks_exact(w).enumerate() {
                let windows = row[cols.clone()].chunks_exact(KW);
                for ((max, at), window) in max.iter_mut().zip(&mut at).zip(windows) {
                    // Unconditional stores, so that the loop vectorizes; the first row starts
                    // the scan from each window's first value, as the forward does.
                    let (mut m, mut a) = if i == 0 { (window[0], 0) } else { (*max, *at) };
                    for (j, &v) in window.iter().enumerate() {
                        let replace = replaces(v, m);
                        m = f32::from_bits(pick(replace, v.to_bits(), m.to_bits()));
                        a = pick(replace, (i * KW + j) as u32, a);
                    }
                    (*max, *at) = (m, a);
                }
            }
            for (i, row) in dx.chunks_exact_mut(w).enumerate() {
                let windows = row[cols.clone()].chunks_exact_mut(KW);
                for ((dx, &at), &dy) in windows.zip(&at).zip(dy) {
                    for (j, dx) in dx.iter_mut().enumerate() {
                        *dx = if at == (i * KW + j) as u32 {
                            0.0 + dy
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        for row in dx.chunks_exact_mut(w) {
            row[KW * wo..].fill(0.0);
        }
    }
    rest.fill(0.0);
}

/// Any sliding windows, an output row at a time: those clipped by the padding one by one, those
/// inside the input [`BLOCK`] at a time, scanned row by row and column offset by column offset,
/// each offset's values gathered first.
fn forward_sliding(
    [rows, cols]: [Window; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    y: &mut [f32],
    [_, wo]: [usize; 2],
) {
    let inside = cols.inside(w, wo);
    let (mut values, mut scans) = ([0.0; BLOCK], [[0.0; BLOCK]; 2]);
    for (oh, y) in y.chunks_exact_mut(wo.max(1)).enumerate() {
        let rows = rows.bin(oh, h);
        for ow in (0..inside.start).chain(inside.end..wo) {
            y[ow] = window_max(x, w, rows.clone(), cols.bin(ow, w));
        }
        for (block, y) in y[inside.clone()].chunks_mut(BLOCK).enumerate() {
            let (first, n) = (inside.start + block * BLOCK, y.len());
            let [max, next] = &mut scans;
            let (mut max, mut next) = (&mut max[..], &mut next[..]);
            max.fill(f32::NEG_INFINITY);
            for r in rows.clone() {
                for j in 0..cols.kernel {
                    gather(&mut values[..n], &x[r * w..][..w], cols, first, j);
                    scan_step(n, max, &values, next);
                    core::mem::swap(&mut max, &mut next);
                }
            }
            y.copy_from_slice(&max[..n]);
        }
    }
}

/// Any sliding windows, scanned as [`forward_sliding`] scans them, keeping the position of each
/// window's maximum (from the window's first position); each output's gradient is then added
/// at its window's, in output order.
fn backward_sliding(
    [rows, cols]: [Window; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    dy: &[f32],
    [_, wo]: [usize; 2],
    dx: &mut [f32],
) {
    dx.fill(0.0);
    // The positions kept are `u32`, which a band of `rows.kernel` rows must not outgrow.
    let inside = match u32::try_from(rows.kernel * w) {
        Ok(_) => cols.inside(w, wo),
        Err(_) => wo..wo,
    };
    let mut values = [0.0; BLOCK];
    let (mut scans, mut positions) = ([[0.0; BLOCK]; 2], [[0_u32; BLOCK]; 2]);
    for (oh, dy) in dy.chunks_exact(wo.max(1)).enumerate() {
        let rows = rows.bin(oh, h);
        let one_by_one = |outputs: Range<usize>, dx: &mut [f32]| {
            for ow in outputs {
                if let Some(at) = window_argmax(x, w, rows.clone(), cols.bin(ow, w)) {
                    dx[at] += dy[ow];
                }
            }
        };
        one_by_one(0..inside.start, dx);
        for (block, dy) in dy[inside.clone()].chunks(BLOCK).enumerate() {
            let (first, n) = (inside.start + block * BLOCK, dy.len());
            let ([max, next], [at, next_at]) = (&mut scans, &mut positions);
            let (mut max, mut next) = (&mut max[..], &mut next[..]);
            let (mut at, mut next_at) = (&mut at[..], &mut next_at[..]);
            max.fill(f32::NEG_INFINITY);
            at.fill(0);
            for (i, r) in rows.clone().enumerate() {
                for j in 0..cols.kernel {
                    gather(&mut values[..n], &x[r * w..][..w], cols, first, j);
                    let here = (i * w + j) as u32;
                    argscan_step(n, max, at, &values, here, next, next_at);
                    core::mem::swap(&mut max, &mut next);
                    core::mem::swap(&mut at, &mut next_at);
                }
            }
            if !rows.is_empty() {
                for ((o, &at), &dy) in (first..).zip(&*at).zip(dy) {
                    dx[rows.start * w + o * cols.stride - cols.padding + at as usize] += dy;
                }
            }
        }
        one_by_one(inside.end..wo, dx);
    }
}

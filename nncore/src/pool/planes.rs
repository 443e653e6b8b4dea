//! The plane kernels: one channel's plane pooled, and its input gradient.
//!
//! Each pool has a general kernel, window by window with each window's bounds worked out from
//! its output position. The max and average pools also have a fast one for windows that tile
//! the plane (`kernel == stride`, no padding) two or three columns wide, as `MaxPool2d(2)` and
//! every 1-D pool of kernel 2 or 3 are: it walks the plane row by row, every window of a row in
//! one loop, which the compiler vectorizes. Both give the bits of the window-by-window
//! definition: a max scans its window row by row from `-inf`, keeping the first of equal values
//! and the last NaN; a sum adds its window row by row from `0.0`; the gradients of overlapping
//! windows add into a zeroed input gradient in output order.
//!
//! Every kernel writes all of its output (an input gradient too, zeros where no window reaches),
//! whatever it held before.

use super::{Bins, Window};

/// The windows of a row the max pool's fast backward handles at once, its scratch on the stack.
const BLOCK: usize = 64;

/// Whether `v` replaces the running maximum `max` in PyTorch's scan: it is greater, or NaN.
#[inline(always)]
fn replaces(v: f32, max: f32) -> bool {
    v > max || v.is_nan()
}

/// `max` after scanning `values` in order.
#[inline(always)]
fn scan(max: f32, values: &[f32]) -> f32 {
    values
        .iter()
        .fold(max, |max, &v| if replaces(v, max) { v } else { max })
}

/// `sum` after adding `values` in order.
#[inline(always)]
fn add(sum: f32, values: &[f32]) -> f32 {
    values.iter().fold(sum, |sum, &v| sum + v)
}

/// The width of windows that tile the plane in both dimensions, if the fast kernels take it.
fn tiled(axes: [Window; 2]) -> Option<usize> {
    let tiles = |w: Window| w.kernel == w.stride && w.padding == 0;
    (tiles(axes[0]) && tiles(axes[1]) && matches!(axes[1].kernel, 2 | 3)).then_some(axes[1].kernel)
}

/// Max pool forward: the `input`-shaped plane `x` into the `output`-shaped plane `y`.
pub(super) fn max_forward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
) {
    match tiled(axes) {
        Some(2) => max_forward_tiled::<2>(axes[0].kernel, x, input[1], y, output[1]),
        Some(3) => max_forward_tiled::<3>(axes[0].kernel, x, input[1], y, output[1]),
        _ => max_forward_general(axes, x, input, y, output),
    }
}

/// Max pool backward: the input gradient `dx` of the plane `x`, from the output gradient `dy`.
pub(super) fn max_backward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
) {
    match tiled(axes) {
        Some(2) => max_backward_tiled::<2>(axes[0].kernel, x, input[1], dy, output, dx),
        Some(3) => max_backward_tiled::<3>(axes[0].kernel, x, input[1], dy, output, dx),
        _ => max_backward_general(axes, x, input, dy, output, dx),
    }
}

/// Every window on its own, scanned row by row.
fn max_forward_general(
    axes: [Window; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    y: &mut [f32],
    [_, wo]: [usize; 2],
) {
    for (oh, y) in y.chunks_exact_mut(wo.max(1)).enumerate() {
        let rows = axes[0].bin(oh, h);
        for (ow, y) in y.iter_mut().enumerate() {
            let cols = axes[1].bin(ow, w);
            *y = rows.clone().fold(f32::NEG_INFINITY, |max, r| {
                scan(max, &x[r * w + cols.start..r * w + cols.end])
            });
        }
    }
}

/// Windows `kh × KW` side by side: each output row takes its `kh` input rows one after the
/// other, every window of the row at once. Scanning from the window's first value gives what
/// scanning from `-inf` gives.
fn max_forward_tiled<const KW: usize>(kh: usize, x: &[f32], w: usize, y: &mut [f32], wo: usize) {
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

/// Every window on its own: the gradient goes to the position its scan keeps.
fn max_backward_general(
    axes: [Window; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    dy: &[f32],
    [_, wo]: [usize; 2],
    dx: &mut [f32],
) {
    dx.fill(0.0);
    for (oh, dy) in dy.chunks_exact(wo.max(1)).enumerate() {
        let rows = axes[0].bin(oh, h);
        for (ow, &dy) in dy.iter().enumerate() {
            let cols = axes[1].bin(ow, w);
            if rows.is_empty() || cols.is_empty() {
                continue;
            }
            let (mut at, mut max) = (rows.start * w + cols.start, f32::NEG_INFINITY);
            for r in rows.clone() {
                let start = r * w + cols.start;
                for (i, &v) in x[start..r * w + cols.end].iter().enumerate() {
                    if replaces(v, max) {
                        (at, max) = (start + i, v);
                    }
                }
            }
            dx[at] += dy;
        }
    }
}

/// Windows `kh × KW` side by side, [`BLOCK`] of a row at a time: their scans run row by row as
/// in the forward, keeping each window's position of its maximum (`i * KW + j` for row `i`,
/// column `j`), then each window's rows are written, `0.0 + dy` at that position (what adding
/// into a zeroed gradient gives) and zeros elsewhere.
fn max_backward_tiled<const KW: usize>(
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
                        m = if replace { v } else { m };
                        a = if replace { (i * KW + j) as u32 } else { a };
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

/// Average pool forward over windows cut by `axes`: each window's sum, then `divide(sum, rows,
/// columns)` with the window's numbers of input rows and columns.
pub(super) fn avg_forward<B: Bins>(
    axes: [B; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    y: &mut [f32],
    [_, wo]: [usize; 2],
    divide: impl Fn(f32, usize, usize) -> f32,
) {
    for (oh, y) in y.chunks_exact_mut(wo.max(1)).enumerate() {
        let rows = axes[0].bin(oh, h);
        y.fill(0.0);
        for r in rows.clone() {
            let row = &x[r * w..][..w];
            for (ow, y) in y.iter_mut().enumerate() {
                *y = add(*y, &row[axes[1].bin(ow, w)]);
            }
        }
        for (ow, y) in y.iter_mut().enumerate() {
            *y = divide(*y, rows.len(), axes[1].bin(ow, w).len());
        }
    }
}

/// Average pool backward over windows cut by `axes`: `divide(dy, rows, columns)` added to every
/// input of each window.
pub(super) fn avg_backward<B: Bins>(
    axes: [B; 2],
    [h, w]: [usize; 2],
    dy: &[f32],
    [_, wo]: [usize; 2],
    dx: &mut [f32],
    divide: impl Fn(f32, usize, usize) -> f32,
) {
    dx.fill(0.0);
    for (oh, dy) in dy.chunks_exact(wo.max(1)).enumerate() {
        let rows = axes[0].bin(oh, h);
        for r in rows.clone() {
            let row = &mut dx[r * w..][..w];
            for (ow, &dy) in dy.iter().enumerate() {
                let cols = axes[1].bin(ow, w);
                let dy = divide(dy, rows.len(), cols.len());
                for dx in &mut row[cols] {
                    *dx += dy;
                }
            }
        }
    }
}

/// [`avg_forward`] for `AvgPool`, every sum divided by `area`.
pub(super) fn avg_pool_forward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
    area: f32,
) {
    match tiled(axes) {
        Some(2) => avg_forward_tiled::<2>(axes[0].kernel, x, input[1], y, output[1], area),
        Some(3) => avg_forward_tiled::<3>(axes[0].kernel, x, input[1], y, output[1], area),
        _ => avg_forward(axes, x, input, y, output, |sum, _, _| sum / area),
    }
}

/// [`avg_backward`] for `AvgPool`, every output gradient divided by `area`.
pub(super) fn avg_pool_backward(
    axes: [Window; 2],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
    area: f32,
) {
    match tiled(axes) {
        Some(2) => avg_backward_tiled::<2>(axes[0].kernel, input[1], dy, output, dx, area),
        Some(3) => avg_backward_tiled::<3>(axes[0].kernel, input[1], dy, output, dx, area),
        _ => avg_backward(axes, input, dy, output, dx, |dy, _, _| dy / area),
    }
}

/// Windows `kh × KW` side by side, summed row by row as [`max_forward_tiled`] scans them.
fn avg_forward_tiled<const KW: usize>(
    kh: usize,
    x: &[f32],
    w: usize,
    y: &mut [f32],
    wo: usize,
    area: f32,
) {
    for (band, y) in x.chunks_exact(kh * w).zip(y.chunks_exact_mut(wo)) {
        y.fill(0.0);
        for row in band.chunks_exact(w) {
            for (y, window) in y.iter_mut().zip(row[..KW * wo].chunks_exact(KW)) {
                *y = add(*y, window);
            }
        }
        for y in y {
            *y /= area;
        }
    }
}

/// Windows `kh × KW` side by side: `0.0 + dy / area` (what adding into a zeroed gradient
/// gives) to each input of a window, zeros where no window reaches.
fn avg_backward_tiled<const KW: usize>(
    kh: usize,
    w: usize,
    dy: &[f32],
    [ho, wo]: [usize; 2],
    dx: &mut [f32],
    area: f32,
) {
    let band = kh * w;
    let (pooled, rest) = dx.split_at_mut(ho * band);
    for (dx, dy) in pooled.chunks_exact_mut(band).zip(dy.chunks_exact(wo)) {
        for row in dx.chunks_exact_mut(w) {
            let (windows, past) = row.split_at_mut(KW * wo);
            for (dx, &dy) in windows.chunks_exact_mut(KW).zip(dy) {
                dx.fill(0.0 + dy / area);
            }
            past.fill(0.0);
        }
    }
    rest.fill(0.0);
}

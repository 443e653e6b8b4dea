//! Average pool plane kernels.

use super::{add, tiled};
use crate::layers::pool::{Bins, Window};

/// Average pool forward over any bins, window by window: each window's sum, then `divide(sum,
/// rows, columns)` with the window's numbers of input rows and columns.
pub(in crate::layers::pool) fn avg_forward<B: Bins>(
    axes: [B; 2],
    x: &[f32],
    [h, w]: [usize; 2],
    y: &mut [f32],
    [_, wo]: [usize; 2],
    divide: impl Fn(f32, usize, usize) -> f32,
) {
    for (oh, y) in y.chunks_exact_mut(wo.max(1)).enumerate() {
        let rows = axes[0].bin(oh, h);
        for (ow, y) in y.iter_mut().enumerate() {
            let cols = axes[1].bin(ow, w);
            let sum = rows.clone().fold(0.0, |sum, r| {
                add(sum, &x[r * w + cols.start..r * w + cols.end])
            });
            *y = divide(sum, rows.len(), cols.len());
        }
    }
}

/// Average pool backward over any bins, window by window: `divide(dy, rows, columns)` added to
/// every input of each window.
pub(in crate::layers::pool) fn avg_backward<B: Bins>(
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
        for (ow, &dy) in dy.iter().enumerate() {
            let cols = axes[1].bin(ow, w);
            let dy = divide(dy, rows.len(), cols.len());
            for r in rows.clone() {
                for dx in &mut dx[r * w + cols.start..r * w + cols.end] {
                    *dx += dy;
                }
            }
        }
    }
}

/// `AvgPool` forward: every window's sum divided by `area`.
pub(in crate::layers::pool) fn avg_pool_forward(
    axes: [Window; 2],
    x: &[f32],
    input: [usize; 2],
    y: &mut [f32],
    output: [usize; 2],
    area: f32,
) {
    match tiled(axes) {
        Some(2) => forward_tiled::<2>(axes[0].kernel, x, input[1], y, output[1], area),
        Some(3) => forward_tiled::<3>(axes[0].kernel, x, input[1], y, output[1], area),
        _ => avg_forward(axes, x, input, y, output, |sum, _, _| sum / area),
    }
}

/// `AvgPool` backward: every output gradient divided by `area`, to each input of its window.
pub(in crate::layers::pool) fn avg_pool_backward(
    axes: [Window; 2],
    input: [usize; 2],
    dy: &[f32],
    output: [usize; 2],
    dx: &mut [f32],
    area: f32,
) {
    match tiled(axes) {
        Some(2) => backward_tiled::<2>(axes[0].kernel, input[1], dy, output, dx, area),
        Some(3) => backward_tiled::<3>(axes[0].kernel, input[1], dy, output, dx, area),
        _ => avg_backward(axes, input, dy, output, dx, |dy, _, _| dy / area),
    }
}

/// Windows `kh × KW` side by side, summed row by row, every window of a row at once.
fn forward_tiled<const KW: usize>(
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
fn backward_tiled<const KW: usize>(
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

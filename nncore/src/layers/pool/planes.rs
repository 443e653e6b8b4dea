//! The plane kernels: one channel's plane pooled, and its input gradient.
//!
//! Windows that tile the plane (`kernel == stride`, no padding) two or three columns wide, as
//! `MaxPool2d(2)` and 1-D pools of kernel 2 or 3 have, take fast kernels that walk the plane row
//! by row, every window of a row in one loop, which the compiler vectorizes. Other windows are
//! pooled window by window, but for the max pool's sliding windows inside the input, which are
//! scanned a block at a time (independent of one another, so not waiting on each other's
//! comparisons).
//!
//! All give the bits of the window-by-window definition: a max scans its window row by row from
//! `-inf`, keeping the first of equal values and the last NaN; a sum adds its window row by row
//! from `0.0`; the gradients of overlapping windows add into a zeroed input gradient in output
//! order. Every kernel writes all of its output (an input gradient too, zeros where no window
//! reaches), whatever it held before.

mod avg;
mod max;

pub(super) use avg::{avg_backward, avg_forward, avg_pool_backward, avg_pool_forward};
pub(super) use max::{max_backward, max_forward};

use super::Window;

/// `sum` after adding `values` in order.
#[inline(always)]
fn add<'a>(sum: f32, values: impl IntoIterator<Item = &'a f32>) -> f32 {
    values.into_iter().fold(sum, |sum, &v| sum + v)
}

/// The width of windows that tile the plane in both dimensions, if the fast kernels take it
/// (2 or 3, and few enough rows that a window's positions are `u32`s).
fn tiled(axes: [Window; 2]) -> Option<usize> {
    let tiles = |w: Window| w.kernel == w.stride && w.padding == 0;
    let small = u32::try_from(axes[0].kernel * 3).is_ok();
    (tiles(axes[0]) && tiles(axes[1]) && small && matches!(axes[1].kernel, 2 | 3))
        .then_some(axes[1].kernel)
}

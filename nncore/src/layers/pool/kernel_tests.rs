//! The plane kernels against the pools' window-by-window definition, bit for bit, over every
//! small setting (the fast tiled kernels and the general ones, with padding, strides other than
//! the kernel, and inputs the windows do not cover to the end), on inputs full of ties, signed
//! zeros, infinities and NaNs of different payloads.

extern crate std;
use std::vec;
use std::vec::Vec;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{Adaptive, Bins, PlanePool, Window};
use crate::layers::pool::adaptive_avg_pool::{AdaptiveAvgPool1d, AdaptiveAvgPool2d};
use crate::layers::pool::avg_pool::{AvgPool1d, AvgPool2d};
use crate::layers::pool::max_pool::{MaxPool1d, MaxPool2d};

/// Output `o`'s window: its positions in the plane, row by row.
fn window<B: Bins>(axes: [B; 2], [h, w]: [usize; 2], wo: usize, o: usize) -> Vec<usize> {
    let (rows, cols) = (axes[0].bin(o / wo, h), axes[1].bin(o % wo, w));
    rows.flat_map(|r| cols.clone().map(move |c| r * w + c))
        .collect()
}

/// The max pool by its definition: each window scanned from `-inf` with the index at its first
/// position, a value taking over if greater or NaN; the output gradient added at the index kept.
fn max_definition<P: PlanePool<Axis = Window>>(
    pool: &P,
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    [_, wo]: [usize; 2],
) -> (Vec<f32>, Vec<f32>) {
    let (mut y, mut dx) = (vec![], vec![0.0; x.len()]);
    for (o, &dy) in dy.iter().enumerate() {
        let window = window(pool.axes(), input, wo, o);
        let Some(&first) = window.first() else {
            y.push(f32::NEG_INFINITY);
            continue;
        };
        let (mut at, mut max) = (first, f32::NEG_INFINITY);
        for &i in &window {
            if x[i] > max || x[i].is_nan() {
                (at, max) = (i, x[i]);
            }
        }
        y.push(x[at]);
        dx[at] += dy;
    }
    (y, dx)
}

/// An average pool by its definition: each window summed in order from `0.0`, then
/// `divide(sum, rows, columns)`; `divide(dy, rows, columns)` added to each input of a window.
fn avg_definition<B: Bins>(
    axes: [B; 2],
    x: &[f32],
    input: [usize; 2],
    dy: &[f32],
    [_, wo]: [usize; 2],
    divide: impl Fn(f32, usize, usize) -> f32,
) -> (Vec<f32>, Vec<f32>) {
    let (mut y, mut dx) = (vec![], vec![0.0; x.len()]);
    for (o, &dy) in dy.iter().enumerate() {
        let window = window(axes, input, wo, o);
        let kh = axes[0].bin(o / wo, input[0]).len();
        let kw = axes[1].bin(o % wo, input[1]).len();
        y.push(divide(
            window.iter().fold(0.0, |sum, &i| sum + x[i]),
            kh,
            kw,
        ));
        for &i in &window {
            dx[i] += divide(dy, kh, kw);
        }
    }
    (y, dx)
}

/// Values drawn from a few, so that windows hold ties, signed zeros, infinities and NaNs (three
/// payloads, so the output shows which NaN a max kept), and otherwise any value.
fn values(rng: &mut StdRng, len: usize) -> Vec<f32> {
    let special = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xffc0_0002),
        f32::from_bits(0x7fc0_0003),
    ];
    (0..len)
        .map(|_| match rng.random_range(0..16) {
            k @ 0..9 => special[k],
            _ => rng.random_range(-4.0..4.0),
        })
        .collect()
}

/// Whether two slices hold the same bits. With `payloads` false any NaN equals any other: the
/// payload of a sum of NaNs is not specified (the compiler may swap an addition's operands).
fn same(a: &[f32], b: &[f32], payloads: bool) -> bool {
    let bits = |v: &f32| match v.is_nan() && !payloads {
        true => f32::NAN.to_bits(),
        false => v.to_bits(),
    };
    a.iter().map(bits).eq(b.iter().map(bits))
}

/// Runs `pool`'s plane kernels on a random `input`-shaped plane, into buffers holding `f32::MAX`
/// (the kernels must write all of it without reading it), and compares them with `definition`,
/// NaN `payloads` too if asked.
fn check<P: PlanePool>(
    pool: &P,
    input: [usize; 2],
    rng: &mut StdRng,
    payloads: bool,
    definition: impl Fn(&[f32], &[f32], [usize; 2]) -> (Vec<f32>, Vec<f32>),
) {
    let axes = pool.axes();
    let (Some(ho), Some(wo)) = (axes[0].out_len(input[0]), axes[1].out_len(input[1])) else {
        return;
    };
    let x = values(rng, input[0] * input[1]);
    // Output gradients with signed zeros: `0.0 + dy` is not `dy` for `dy = -0.0`.
    let dy: Vec<f32> = values(rng, ho * wo)
        .iter()
        .map(|&v| if v.is_finite() { v } else { -0.0 })
        .collect();
    let (y_def, dx_def) = definition(&x, &dy, [ho, wo]);
    let (mut y, mut dx) = (vec![f32::MAX; ho * wo], vec![f32::MAX; x.len()]);
    pool.forward_plane(&x, input, &mut y, [ho, wo]);
    pool.backward_plane(&x, input, &dy, [ho, wo], &mut dx);
    assert!(
        same(&y, &y_def, payloads),
        "forward of {input:?}: {y:?}, not {y_def:?}"
    );
    assert!(
        same(&dx, &dx_def, payloads),
        "backward of {input:?}: {dx:?}, not {dx_def:?}"
    );
}

/// Every setting with kernels up to 3 × 4, strides up to 3 and the padding PyTorch allows, on
/// planes up to 7 × 9, and tiled and sliding windows on rows wider than the kernels' blocks.
fn settings() -> impl Iterator<Item = ([usize; 2], [Window; 2])> {
    let axis = |kernels: core::ops::RangeInclusive<usize>| {
        kernels.flat_map(|kernel| {
            (1..=3).flat_map(move |stride| {
                (0..=kernel / 2).map(move |padding| Window {
                    kernel,
                    stride,
                    padding,
                })
            })
        })
    };
    let small = (1..=7).flat_map(move |h| {
        (1..=9).flat_map(move |w| {
            axis(1..=3).flat_map(move |rows| axis(1..=4).map(move |cols| ([h, w], [rows, cols])))
        })
    });
    let window = |kernel, stride, padding| Window {
        kernel,
        stride,
        padding,
    };
    let windows = [
        [1, 2, 0],
        [2, 2, 0],
        [1, 3, 0],
        [3, 3, 0],
        [2, 3, 1],
        [3, 2, 1],
        [2, 1, 0],
    ];
    let wide = [[2, 131], [4, 258], [6, 200], [3, 193]]
        .into_iter()
        .flat_map(move |input| {
            windows.into_iter().flat_map(move |[kh, kw, padding]| {
                // Tiled, and sliding: wider than the stride, or of stride 1, padded or not.
                let rows = window(kh, kh, 0);
                [
                    window(kw, kw, 0),
                    window(kw + 1, kw, padding),
                    window(kw, 1, padding),
                ]
                .map(|cols| (input, [rows, cols]))
            })
        });
    small.chain(wide)
}

/// A max pool picks a value, so even a NaN's payload is the definition's.
#[test]
fn max_pools_match_the_definition() {
    let mut rng = StdRng::seed_from_u64(0);
    for (input, [rows, cols]) in settings() {
        let pool = MaxPool2d::new(
            [rows.kernel, cols.kernel],
            [rows.stride, cols.stride],
            [rows.padding, cols.padding],
        );
        check(&pool, input, &mut rng, true, |x, dy, out| {
            max_definition(&pool, x, input, dy, out)
        });
        let pool = MaxPool1d::new(cols.kernel, cols.stride, cols.padding);
        let line = [1, input[1]];
        check(&pool, line, &mut rng, true, |x, dy, out| {
            max_definition(&pool, x, line, dy, out)
        });
    }
}

#[test]
fn avg_pools_match_the_definition() {
    let mut rng = StdRng::seed_from_u64(1);
    for (input, [rows, cols]) in settings() {
        let pool = AvgPool2d::new(
            [rows.kernel, cols.kernel],
            [rows.stride, cols.stride],
            [rows.padding, cols.padding],
        );
        let area = (rows.kernel * cols.kernel) as f32;
        check(&pool, input, &mut rng, false, |x, dy, out| {
            avg_definition(pool.axes(), x, input, dy, out, |v, _, _| v / area)
        });
        let pool = AvgPool1d::new(cols.kernel, cols.stride, cols.padding);
        let (line, width) = ([1, input[1]], cols.kernel as f32);
        check(&pool, line, &mut rng, false, |x, dy, out| {
            avg_definition(pool.axes(), x, line, dy, out, |v, _, _| v / width)
        });
    }
}

#[test]
fn adaptive_pools_match_the_definition() {
    let mut rng = StdRng::seed_from_u64(2);
    for (h, w, oh, ow) in (1..=6).flat_map(|h| {
        (1..=7).flat_map(move |w| (1..=4).flat_map(move |oh| (1..=5).map(move |ow| (h, w, oh, ow))))
    }) {
        let pool = AdaptiveAvgPool2d::new([oh, ow]);
        let axes = [Adaptive(oh), Adaptive(ow)];
        let divide = |v: f32, kh: usize, kw: usize| {
            let (kh, kw) = (kh as f32, kw as f32);
            if [oh, ow] == [1, 1] {
                v / (kh * kw)
            } else {
                v / kh / kw
            }
        };
        check(&pool, [h, w], &mut rng, false, |x, dy, out| {
            avg_definition(axes, x, [h, w], dy, out, divide)
        });
        let pool = AdaptiveAvgPool1d::new(ow);
        let axes = [Adaptive(1), Adaptive(ow)];
        check(&pool, [1, w], &mut rng, false, |x, dy, out| {
            avg_definition(axes, x, [1, w], dy, out, |v, _, kw| v / kw as f32)
        });
    }
}

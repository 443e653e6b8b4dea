//! The kernels against the direct formula and its transposes.

extern crate std;
use super::{Sizes, naive, values};
use crate::kernels::isa;
use crate::layers::conv::kernel::{Geometry, backward_input, backward_params, forward};
use crate::layers::conv::shape::{Span, span};
use std::vec::Vec;

/// Flat values as rows of `N`.
fn rows<const N: usize>(values: &[f32]) -> Vec<[f32; N]> {
    values
        .chunks_exact(N)
        .map(|r| r.try_into().unwrap())
        .collect()
}

#[test]
fn spans_cover_the_inside_positions() {
    // Input 5, padding 2, stride 2, tap offset 1: i = 2o - 1, inside for o = 1, 2.
    assert_eq!(
        span(4, 5, 2, 2, 1),
        Span {
            lo: 1,
            hi: 3,
            start: 1
        }
    );
    // Only o = 1 once the output stops at 2.
    assert_eq!(
        span(2, 5, 2, 2, 1),
        Span {
            lo: 1,
            hi: 2,
            start: 1
        }
    );
    // A tap that reads only padding.
    assert_eq!(span(2, 1, 1, 3, 0), Span::default());
    // No padding, stride 1: every position, from the tap's offset.
    assert_eq!(
        span(3, 5, 1, 0, 2),
        Span {
            lo: 0,
            hi: 3,
            start: 2
        }
    );
}

/// Runs the three kernels on one geometry and compares them with the direct formula and
/// its transposes, computed in f64.
fn check<
    const C: usize,
    const OUT: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: Geometry,
) {
    let sizes = Sizes {
        input: [H, W],
        output: [HO, WO],
        kernel: [KH, KW],
        out: OUT,
    };
    let ipg = geo.in_per_group;
    let (wv, bv) = (values(OUT * ipg * KH * KW, 1), values(OUT, 2));
    let (xv, dyv) = (values(C * H * W, 3), values(OUT * HO * WO, 4));
    let (weight, x, dy) = (rows::<KW>(&wv), rows::<W>(&xv), rows::<WO>(&dyv));
    let mut y = std::vec![[7.0; WO]; OUT * HO];
    forward::<H, W, HO, WO, KH, KW>(isa(), &geo, &weight, Some(&bv), None, &x, &mut y);
    let expected = naive(&geo, sizes, &wv, Some(&bv), &xv);
    for (a, e) in y.as_flattened().iter().zip(&expected) {
        assert!((f64::from(*a) - e).abs() < 1e-5, "{a} vs {e}");
    }
    // The gradients of Σ dy · y: by linearity, the direct formula at one-hot inputs.
    let loss = |wv: &[f32], xv: &[f32], b: Option<&[f32]>| -> f64 {
        let y = naive(&geo, sizes, wv, b, xv);
        y.iter().zip(&dyv).map(|(y, &d)| y * f64::from(d)).sum()
    };
    let mut dx = std::vec![[1.0; W]; C * H];
    backward_input::<H, W, HO, WO, KH, KW>(isa(), &geo, &weight, &dy, &mut dx);
    let mut unit = std::vec![0.0; xv.len()];
    for (i, &d) in dx.as_flattened().iter().enumerate() {
        unit[i] = 1.0;
        let e = loss(&wv, &unit, None);
        unit[i] = 0.0;
        assert!((f64::from(d) - e).abs() < 1e-5, "dx[{i}]: {d} vs {e}");
    }
    // Gradients add to what is there.
    let mut dw = std::vec![[0.5; KW]; weight.len()];
    let mut db = [0.25; OUT];
    backward_params::<H, W, HO, WO, KH, KW>(isa(), &geo, &x, &dy, &mut dw, Some(&mut db));
    let mut unit = std::vec![0.0; wv.len()];
    for (i, &d) in dw.as_flattened().iter().enumerate() {
        unit[i] = 1.0;
        let e = loss(&unit, &xv, None) + 0.5;
        unit[i] = 0.0;
        assert!((f64::from(d) - e).abs() < 1e-5, "dw[{i}]: {d} vs {e}");
    }
    for (o, &d) in db.iter().enumerate() {
        let mut b = [0.0; OUT];
        b[o] = 1.0;
        let e = loss(&unit, &xv, Some(&b)) + 0.25;
        assert!((f64::from(d) - e).abs() < 1e-5, "db[{o}]: {d} vs {e}");
    }
}

fn geometry(
    in_per_group: usize,
    groups: usize,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Geometry {
    Geometry {
        in_per_group,
        groups,
        stride,
        padding,
        dilation,
    }
}

#[test]
fn kernels_match_the_direct_formula() {
    // Plain 3×3, no padding.
    check::<2, 3, 5, 6, 3, 4, 3, 3>(geometry(2, 1, [1, 1], [0, 0], [1, 1]));
    // Same-size padding.
    check::<3, 4, 6, 6, 6, 6, 3, 3>(geometry(3, 1, [1, 1], [1, 1], [1, 1]));
    // Strides 2 and 3 with padding, groups = 2: (7 + 2 - 3) / 2 + 1 = 4,
    // (6 + 4 - 2) / 3 + 1 = 3.
    check::<4, 6, 7, 6, 4, 3, 3, 2>(geometry(2, 2, [2, 3], [1, 2], [1, 1]));
    // Dilation, depthwise with two outputs a channel: (8 + 2 - 5) / 1 + 1 = 6,
    // (5 - 4) / 2 + 1 = 1.
    check::<3, 6, 8, 5, 6, 1, 3, 2>(geometry(1, 3, [1, 2], [1, 0], [2, 3]));
    // Padding wider than the kernel's reach: outputs that see only padding.
    // (2 + 6 - 1) / 2 + 1 = 4, (3 + 4 - 3) / 3 + 1 = 2.
    check::<1, 2, 2, 3, 4, 2, 1, 2>(geometry(1, 1, [2, 3], [3, 2], [1, 2]));
    // One row, as Conv1d runs it: (9 + 4 - 2·2 - 1) / 2 + 1 = 5.
    check::<2, 2, 1, 9, 1, 5, 1, 3>(geometry(1, 2, [1, 2], [0, 2], [1, 2]));
    // Rows past 16 columns, so that the lanes of the reductions fill: (20 - 3) + 1 = 18.
    check::<1, 2, 2, 20, 2, 18, 1, 3>(geometry(1, 1, [1, 1], [0, 0], [1, 1]));
}

#[test]
fn strided_input_gradients_in_phases_overwrite_every_input() {
    // `dx` starts at ones: the phases write every input, zeros where no tap reaches.
    // A 1×1 kernel at stride 2, three phases in four without a tap: (6 - 1) / 2 + 1 = 3.
    check::<8, 4, 6, 6, 3, 3, 1, 1>(geometry(8, 1, [2, 2], [0, 0], [1, 1]));
    // 3×3 at stride 2, every phase reached: (7 - 3) / 2 + 1 = 3, and (6 + 2 - 3) / 2 + 1 = 3.
    check::<8, 4, 7, 7, 3, 3, 3, 3>(geometry(8, 1, [2, 2], [0, 0], [1, 1]));
    check::<8, 4, 6, 6, 3, 3, 3, 3>(geometry(8, 1, [2, 2], [1, 1], [1, 1]));
    // 2×2 at stride 3, the third phase of each axis without a tap: (7 - 2) / 3 + 1 = 2.
    check::<16, 4, 7, 7, 2, 2, 2, 2>(geometry(8, 2, [3, 3], [0, 0], [1, 1]));
}

/// The short rows' copies and zeros (two stores of one size, overlapping) write every float of
/// every length, and nothing beyond it.
#[test]
fn short_copies_and_zeros_reach_every_float() {
    use super::super::direct::{copy, zero};
    for len in 0..70 {
        let src: Vec<f32> = (0..len).map(|i| i as f32 + 1.0).collect();
        let mut dst = std::vec![-1.0; len + 3];
        copy(&mut dst[1..1 + len], &src);
        assert_eq!(dst[1..1 + len], src[..], "copy of {len}");
        assert_eq!(
            [dst[0], dst[len + 1], dst[len + 2]],
            [-1.0; 3],
            "copy of {len}"
        );
        zero(&mut dst[1..1 + len]);
        assert!(
            dst[1..1 + len].iter().all(|&v| v.to_bits() == 0),
            "zeros of {len}"
        );
        assert_eq!(
            [dst[0], dst[len + 1], dst[len + 2]],
            [-1.0; 3],
            "zeros of {len}"
        );
    }
}

//! The forward of strided layers against the documented order, bit for bit, on every
//! instruction set; on AVX-512 the decimated planes of `strided.rs` themselves (they must take
//! the layer), a band of rows or several, and each sample alone against its place in a batch.

extern crate std;
use super::order::geometry;
use super::values;
use crate::kernels::{Isa, fuses, paths};
use crate::layers::conv::kernel::{Geometry, forward};
use std::vec::Vec;

/// The forward in the documented order: from the bias, `c`, then `kh`, then `kw`, the padding
/// reading 0 (its products kept).
fn reference(isa: Isa, geo: &Geometry, s: [usize; 6], w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let [h, wi, ho, wo, kh, kw] = s;
    let (ipg, opg) = (geo.in_per_group, b.len() / geo.groups);
    let at = |axis: usize, o: usize, t: usize, len: usize| {
        (o * geo.stride[axis] + t * geo.dilation[axis])
            .checked_sub(geo.padding[axis])
            .filter(|&i| i < len)
    };
    let mut y = Vec::new();
    for (o, &bias) in b.iter().enumerate() {
        for (oh, ow) in (0..ho).flat_map(|oh| (0..wo).map(move |ow| (oh, ow))) {
            let mut sum = bias;
            for c in 0..ipg {
                for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))) {
                    let xv = match (at(0, oh, i, h), at(1, ow, j, wi)) {
                        (Some(ih), Some(iw)) => x[(((o / opg) * ipg + c) * h + ih) * wi + iw],
                        _ => 0.0,
                    };
                    let wv = w[((o * ipg + c) * kh + i) * kw + j];
                    sum = if fuses(isa) {
                        libm::fmaf(wv, xv, sum)
                    } else {
                        sum + wv * xv
                    };
                }
            }
            y.push(sum);
        }
    }
    y
}

/// The same bits, or NaN in both.
fn same(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        let ok = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        assert!(ok, "{what} at {i}: {a} against {b}");
    }
}

/// Rows of `N` floats.
fn rows<const N: usize>(v: &[f32]) -> Vec<[f32; N]> {
    v.chunks_exact(N).map(|r| r.try_into().unwrap()).collect()
}

/// A batch of `batch` samples of `out` output channels through `kernel::forward` on every
/// path against [`reference`], each sample alone against the batch; on AVX-512, whether
/// `strided.rs` takes the layer, which it must if `taken`. `edit` changes the weights and
/// inputs (to put non-finite values in).
fn check<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: Geometry,
    out: usize,
    batch: usize,
    taken: bool,
    edit: impl Fn(&mut [f32], &mut [f32]),
) {
    let per_x = geo.in_per_group * geo.groups * H * W;
    let (rx, ry) = (per_x / W, out * HO);
    let (mut wv, bv, mut xv) = (
        values(out * geo.in_per_group * KH * KW, 31),
        values(out, 32),
        values(batch * per_x, 33),
    );
    edit(&mut wv, &mut xv);
    let (weight, xs) = (rows::<KW>(&wv), rows::<W>(&xv));
    let sizes = [H, W, HO, WO, KH, KW];
    for isa in paths() {
        let what = std::format!("{isa:?} {H}x{W} k{KH}x{KW} {geo:?} out {out} batch {batch}");
        let mut ys = std::vec![[f32::NAN; WO]; batch * ry];
        forward::<H, W, HO, WO, KH, KW>(isa, &geo, &weight, Some(&bv), None, &xs, &mut ys);
        for b in 0..batch {
            let x = &xv[b * per_x..][..per_x];
            let want = reference(isa, &geo, sizes, &wv, &bv, x);
            same(ys[b * ry..][..ry].as_flattened(), &want, &what);
            let mut y = std::vec![[0.0; WO]; ry];
            forward::<H, W, HO, WO, KH, KW>(
                isa,
                &geo,
                &weight,
                Some(&bv),
                None,
                &xs[b * rx..][..rx],
                &mut y,
            );
            same(y.as_flattened(), ys[b * ry..][..ry].as_flattened(), &what);
        }
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if isa == Isa::Avx512 {
            decimated::<H, W, HO, WO, KH, KW>(&geo, (&wv, &bv, &xv), (out, batch), taken, &what);
        }
    }
    let _ = taken;
}

/// `strided::forward` itself, onto outputs holding NaN (each chain starts from its bias): it
/// takes the layer iff `taken`, and then gives the reference's bits.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
fn decimated<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: &Geometry,
    (wv, bv, xv): (&[f32], &[f32], &[f32]),
    (out, batch): (usize, usize),
    taken: bool,
    what: &str,
) {
    use crate::layers::conv::{shape::with_shape, strided};
    let per_y = out * HO * WO;
    let mut y = std::vec![f32::NAN; batch * per_y];
    let done = with_shape::<H, W, HO, WO, KH, KW, _>(geo, |s| {
        strided::forward(Isa::Avx512, s, (wv, Some(bv)), None, xv, &mut y, batch)
    });
    assert_eq!(done, taken, "{what}: taken");
    if done {
        let per_x = xv.len() / batch;
        for b in 0..batch {
            let want = reference(
                Isa::Avx512,
                geo,
                [H, W, HO, WO, KH, KW],
                wv,
                bv,
                &xv[b * per_x..][..per_x],
            );
            same(&y[b * per_y..][..per_y], &want, what);
        }
    }
}

fn none(_: &mut [f32], _: &mut [f32]) {}

#[test]
fn strided_layers_sum_in_the_documented_order() {
    for batch in [1, 3] {
        // ResNet-8's: 16 channels on 33 × 33 (17 rows of 16 · 6 floats a channel: chunks of
        // 5, 5, 5 and 1 channels), 32 on 17 × 17 (chunks of 18 and 14); the 1×1 shortcut.
        check::<33, 33, 16, 16, 3, 3>(
            geometry(16, 1, [2, 2], [0, 0], [1, 1]),
            32,
            batch,
            true,
            none,
        );
        check::<17, 17, 8, 8, 3, 3>(
            geometry(32, 1, [2, 2], [0, 0], [1, 1]),
            19,
            batch,
            true,
            none,
        );
        check::<32, 32, 16, 16, 1, 1>(
            geometry(16, 1, [2, 2], [0, 0], [1, 1]),
            32,
            batch,
            true,
            none,
        );
        // MobileNet's first layer: 3 channels on 97 × 97, rows of 48 (49 rows of 6 · 48 floats
        // a channel, more than the copy: bands of 8 rows of the 3 channels).
        check::<97, 97, 48, 48, 3, 3>(geometry(3, 1, [2, 2], [0, 0], [1, 1]), 8, batch, true, none);
    }
    // Stride 3 with padding 1; 5×5 with padding 2 and 33 channels; the DS-CNN's 10×4 (rows
    // of 4: vectors across four rows and more).
    check::<10, 11, 4, 4, 3, 3>(geometry(3, 1, [3, 3], [1, 1], [1, 1]), 5, 3, true, none);
    check::<9, 12, 5, 6, 5, 5>(geometry(33, 1, [2, 2], [2, 2], [1, 1]), 5, 1, true, none);
    check::<49, 10, 20, 4, 10, 4>(geometry(1, 1, [2, 2], [0, 0], [1, 1]), 8, 3, true, none);
    // Dilation 2: stride 2 (one row phase), stride 3 (three), stride 2 by 3 with padding 2 by 1.
    check::<13, 14, 7, 7, 3, 3>(geometry(3, 1, [2, 2], [2, 2], [2, 2]), 4, 3, true, none);
    check::<14, 15, 4, 5, 3, 3>(geometry(1, 1, [3, 3], [1, 1], [2, 2]), 3, 1, true, none);
    check::<12, 11, 6, 3, 3, 3>(geometry(2, 1, [2, 3], [2, 1], [2, 2]), 3, 1, true, none);
    // Rows of 1, rows of 40 (17 outputs: tiles of 8, 8 and 1), even and odd sizes, one stride
    // of 1: (8 + 2 - 3) / 2 + 1 = 4 rows of 9; 4 rows of (9 - 3) / 2 + 1 = 4.
    check::<5, 3, 2, 1, 3, 3>(geometry(16, 1, [2, 2], [0, 0], [1, 1]), 3, 3, true, none);
    check::<7, 80, 4, 40, 3, 3>(geometry(3, 1, [2, 2], [1, 1], [1, 1]), 17, 3, true, none);
    check::<8, 9, 4, 9, 3, 3>(geometry(16, 1, [2, 1], [1, 1], [1, 1]), 6, 1, true, none);
    check::<6, 9, 4, 4, 3, 3>(geometry(1, 1, [1, 2], [0, 0], [1, 1]), 2, 3, true, none);
    // Two groups of 4 channels.
    check::<9, 10, 5, 5, 3, 3>(geometry(4, 2, [2, 2], [1, 1], [1, 1]), 6, 3, true, none);
    // A channel's planes larger than the copy (2 rows of 6 · 700 floats), as a row of every
    // channel (64 · 6 · 700): the other paths. A channel's fit (2 rows of 6 · 200 floats): 3
    // channels a chunk, 22 chunks.
    check::<5, 1401, 2, 700, 3, 3>(geometry(64, 1, [2, 2], [0, 0], [1, 1]), 2, 1, false, none);
    check::<5, 401, 2, 200, 3, 3>(geometry(64, 1, [2, 2], [0, 0], [1, 1]), 2, 1, true, none);
}

/// An infinite weight and a NaN input: the padding's products `inf · 0` make NaN wherever that
/// weight reads the padding, as in the documented order, and the NaN reaches what reads it.
#[test]
fn non_finite_values_reach_the_strided_outputs_as_in_the_documented_order() {
    let edit = |w: &mut [f32], x: &mut [f32]| {
        w[0] = f32::INFINITY;
        x[40] = f32::NAN;
    };
    check::<9, 10, 5, 5, 3, 3>(geometry(2, 1, [2, 2], [1, 1], [1, 1]), 3, 3, true, edit);
    // The reference has NaN outputs (the infinite weight's padding products) and finite ones.
    let geo = geometry(2, 1, [2, 2], [1, 1], [1, 1]);
    let (mut w, mut x) = (values(3 * 18, 31), values(180, 33));
    edit(&mut w, &mut x);
    let y = reference(
        Isa::Portable,
        &geo,
        [9, 10, 5, 5, 3, 3],
        &w,
        &values(3, 32),
        &x,
    );
    assert!(y.iter().any(|v| v.is_nan()) && y.iter().any(|v| v.is_finite()));
    check::<9, 10, 5, 5, 3, 3>(
        geometry(2, 1, [2, 2], [1, 1], [1, 1]),
        3,
        1,
        true,
        |w, _| {
            w[0] = f32::NEG_INFINITY;
        },
    );
}

//! Every instruction set against the summation order `kernel.rs` documents, bit for bit, for
//! shapes that cover stride, padding, dilation, groups, several panels and every path; and
//! each sample's results alone against the same sample anywhere in a batch.

extern crate std;
use super::values;
use crate::kernels::{Isa, fuses, paths};
use crate::layers::conv::kernel::{Geometry, backward_input, backward_params, forward};
use crate::layers::conv::small;
use std::vec::Vec;

/// `s + a · b` as `isa` computes it.
fn madd(isa: Isa, s: f32, a: f32, b: f32) -> f32 {
    if fuses(isa) {
        libm::fmaf(a, b, s)
    } else {
        s + a * b
    }
}

/// A layer's sizes with its settings.
#[derive(Clone, Copy)]
struct Case {
    geo: Geometry,
    input: [usize; 2],
    output: [usize; 2],
    kernel: [usize; 2],
    out: usize,
}

impl Case {
    fn channels(&self) -> usize {
        self.geo.in_per_group * self.geo.groups
    }

    /// Weights an output channel.
    fn k(&self) -> usize {
        self.geo.in_per_group * self.kernel[0] * self.kernel[1]
    }

    fn opg(&self) -> usize {
        self.out / self.geo.groups
    }

    /// The input index `o · stride + t · dilation - padding` along `axis`, if inside.
    fn at(&self, axis: usize, o: usize, t: usize) -> Option<usize> {
        let g = &self.geo;
        (o * g.stride[axis] + t * g.dilation[axis])
            .checked_sub(g.padding[axis])
            .filter(|&i| i < self.input[axis])
    }

    /// What tap `(kh, kw)` of input channel `c` (of output `o`'s group) reads at `(oh, ow)`.
    fn x(&self, x: &[f32], o: usize, c: usize, [oh, ow, kh, kw]: [usize; 4]) -> f32 {
        let ([h, w], g) = (self.input, o / self.opg());
        match (self.at(0, oh, kh), self.at(1, ow, kw)) {
            (Some(ih), Some(iw)) => x[((g * self.geo.in_per_group + c) * h + ih) * w + iw],
            _ => 0.0,
        }
    }

    /// The weight `w[o][c][kh][kw]`.
    fn w(&self, w: &[f32], o: usize, c: usize, kh: usize, kw: usize) -> f32 {
        w[((o * self.geo.in_per_group + c) * self.kernel[0] + kh) * self.kernel[1] + kw]
    }
}

/// The forward in the documented order: from the bias, `c`, then `kh`, then `kw`.
fn forward_reference(isa: Isa, case: &Case, w: &[f32], bias: &[f32], x: &[f32]) -> Vec<f32> {
    let ([ho, wo], [kh, kw]) = (case.output, case.kernel);
    let mut y = Vec::new();
    for (o, &b) in bias.iter().enumerate() {
        for (oh, ow) in (0..ho).flat_map(|oh| (0..wo).map(move |ow| (oh, ow))) {
            let mut s = b;
            for c in 0..case.geo.in_per_group {
                for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))) {
                    s = madd(
                        isa,
                        s,
                        case.w(w, o, c, i, j),
                        case.x(x, o, c, [oh, ow, i, j]),
                    );
                }
            }
            y.push(s);
        }
    }
    y
}

/// The input gradient in the documented order: from zero, the outputs `o` of the group, then
/// `kh`, then `kw`, adding 0 where no output reads the input through the tap.
fn input_reference(isa: Isa, case: &Case, w: &[f32], dy: &[f32]) -> Vec<f32> {
    let ([h, wi], [ho, wo], [kh, kw]) = (case.input, case.output, case.kernel);
    let (g, ipg) = (&case.geo, case.geo.in_per_group);
    // The output index reading input `i` through tap `t` along `axis`.
    let back = |axis: usize, i: usize, t: usize, len: usize| {
        let n = (i + g.padding[axis]).checked_sub(t * g.dilation[axis])?;
        (n % g.stride[axis] == 0 && n / g.stride[axis] < len).then_some(n / g.stride[axis])
    };
    let mut dx = Vec::new();
    for ci in 0..case.channels() {
        let (group, c) = (ci / ipg, ci % ipg);
        for (ih, iw) in (0..h).flat_map(|ih| (0..wi).map(move |iw| (ih, iw))) {
            let mut s = 0.0;
            for o in group * case.opg()..(group + 1) * case.opg() {
                for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))) {
                    let d = match (back(0, ih, i, ho), back(1, iw, j, wo)) {
                        (Some(oh), Some(ow)) => dy[(o * ho + oh) * wo + ow],
                        _ => 0.0,
                    };
                    s = madd(isa, s, case.w(w, o, c, i, j), d);
                }
            }
            dx.push(s);
        }
    }
    dx
}

/// Eight lanes over the columns of each row, rows in order, then the tree: the bias
/// gradient's order, and the weight gradient's for small layers.
fn lanes(ho: usize, wo: usize, value: impl Fn(usize, usize) -> f32) -> f32 {
    let mut l = [0.0f32; 8];
    for oh in 0..ho {
        for ow in 0..wo {
            l[ow % 8] += value(oh, ow);
        }
    }
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

/// The parameter gradients of a batch in the documented order, onto `dw` and `db`.
fn params_reference(
    isa: Isa,
    case: &Case,
    xs: &[f32],
    dys: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
) {
    let ([ho, wo], [kh, kw]) = (case.output, case.kernel);
    let (per_x, per_y) = (
        case.channels() * case.input[0] * case.input[1],
        case.out * ho * wo,
    );
    let small = small::small(case.k(), case.opg());
    for (x, dy) in xs.chunks_exact(per_x).zip(dys.chunks_exact(per_y)) {
        for o in 0..case.out {
            let dy = &dy[o * ho * wo..][..ho * wo];
            db[o] += lanes(ho, wo, |oh, ow| dy[oh * wo + ow]);
            for c in 0..case.geo.in_per_group {
                for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))) {
                    let g = &mut dw[((o * case.geo.in_per_group + c) * kh + i) * kw + j];
                    let x = |oh: usize, ow: usize| case.x(x, o, c, [oh, ow, i, j]);
                    if small {
                        *g += lanes(ho, wo, |oh, ow| dy[oh * wo + ow] * x(oh, ow));
                    } else {
                        for (oh, ow) in (0..ho).flat_map(|oh| (0..wo).map(move |ow| (oh, ow))) {
                            *g = madd(isa, *g, dy[oh * wo + ow], x(oh, ow));
                        }
                    }
                }
            }
        }
    }
}

/// Rows of `N` floats.
fn rows<const N: usize>(v: &[f32]) -> Vec<[f32; N]> {
    v.chunks_exact(N).map(|r| r.try_into().unwrap()).collect()
}

/// Asserts two slices hold the same bits.
fn same(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "{what} at {i}: {a} against {b}");
    }
}

/// The largest batch tried.
const BATCH: usize = 3;

/// Checks one layer shape on every path: the three products of a batch of [`BATCH`] against
/// the documented order, each sample alone against its place in the batch, and the batch's
/// parameter gradients against its samples' one after another.
pub(super) fn check<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    geo: Geometry,
    out: usize,
) {
    let case = Case {
        geo,
        input: [H, W],
        output: [HO, WO],
        kernel: [KH, KW],
        out,
    };
    let (per_x, per_y) = (case.channels() * H * W, out * HO * WO);
    let (wv, bv) = (values(out * case.k(), 11), values(out, 12));
    let (xv, dyv) = (values(BATCH * per_x, 13), values(BATCH * per_y, 14));
    let (dw0, db0) = (values(out * case.k(), 15), values(out, 16));
    let (weight, xs, dys) = (rows::<KW>(&wv), rows::<W>(&xv), rows::<WO>(&dyv));
    let (rx, ry) = (per_x / W, per_y / WO);
    for isa in paths() {
        let what = |op: &str| std::format!("{isa:?} {op} {H}x{W} k{KH}x{KW} {geo:?}");
        // The whole batch.
        let mut ys = std::vec![[f32::NAN; WO]; BATCH * ry];
        forward::<H, W, HO, WO, KH, KW>(isa, &geo, &weight, Some(&bv), None, &xs, &mut ys);
        let mut dxs = std::vec![[f32::NAN; W]; BATCH * rx];
        backward_input::<H, W, HO, WO, KH, KW>(isa, &geo, &weight, &dys, &mut dxs);
        let (mut dw, mut db) = (rows::<KW>(&dw0), db0.clone());
        backward_params::<H, W, HO, WO, KH, KW>(isa, &geo, &xs, &dys, &mut dw, Some(&mut db));
        let (mut dw_ref, mut db_ref) = (dw0.clone(), db0.clone());
        params_reference(isa, &case, &xv, &dyv, &mut dw_ref, &mut db_ref);
        same(dw.as_flattened(), &dw_ref, &what("weight gradient"));
        same(&db, &db_ref, &what("bias gradient"));
        let (mut dw_one, mut db_one) = (rows::<KW>(&dw0), db0.clone());
        for b in 0..BATCH {
            let (x, dy) = (&xv[b * per_x..][..per_x], &dyv[b * per_y..][..per_y]);
            same(
                ys[b * ry..][..ry].as_flattened(),
                &forward_reference(isa, &case, &wv, &bv, x),
                &what("forward"),
            );
            same(
                dxs[b * rx..][..rx].as_flattened(),
                &input_reference(isa, &case, &wv, dy),
                &what("input gradient"),
            );
            // Alone, and the parameter gradients one sample after another.
            let (x, dy) = (&xs[b * rx..][..rx], &dys[b * ry..][..ry]);
            let mut y = std::vec![[0.0; WO]; ry];
            forward::<H, W, HO, WO, KH, KW>(isa, &geo, &weight, Some(&bv), None, x, &mut y);
            same(
                y.as_flattened(),
                ys[b * ry..][..ry].as_flattened(),
                &what("forward alone"),
            );
            let mut dx = std::vec![[0.0; W]; rx];
            backward_input::<H, W, HO, WO, KH, KW>(isa, &geo, &weight, dy, &mut dx);
            same(
                dx.as_flattened(),
                dxs[b * rx..][..rx].as_flattened(),
                &what("input alone"),
            );
            backward_params::<H, W, HO, WO, KH, KW>(
                isa,
                &geo,
                x,
                dy,
                &mut dw_one,
                Some(&mut db_one),
            );
        }
        same(
            dw_one.as_flattened(),
            dw.as_flattened(),
            &what("weight gradient one by one"),
        );
        same(&db_one, &db, &what("bias gradient one by one"));
    }
}

pub(super) fn geometry(
    ipg: usize,
    groups: usize,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Geometry {
    Geometry {
        in_per_group: ipg,
        groups,
        stride,
        padding,
        dilation,
    }
}

#[test]
fn every_path_sums_in_the_documented_order_whatever_the_batch() {
    // W7's first layer, smaller: one panel.
    check::<12, 12, 12, 12, 3, 3>(geometry(3, 1, [1, 1], [1, 1], [1, 1]), 16);
    // Sixteen channels: panels of some channels and some rows, sums carried between them.
    check::<12, 11, 12, 11, 3, 3>(geometry(16, 1, [1, 1], [1, 1], [1, 1]), 9);
    // Strides, padding, column dilation and two groups: (11 + 2 - 3) / 2 + 1 = 6 rows,
    // (13 + 2 - 2·1 - 1) / 2 + 1 = 7 columns.
    check::<11, 13, 6, 7, 3, 2>(geometry(4, 2, [2, 2], [1, 1], [1, 2]), 6);
    // Stride 3 in the columns only, dilation 2 in the rows: (9 + 2 - 5) + 1 = 7 rows,
    // (10 + 0 - 3) / 3 + 1 = 3 columns.
    check::<9, 10, 7, 3, 3, 3>(geometry(5, 1, [1, 3], [1, 0], [2, 1]), 20);
    // Depthwise with two outputs a channel (a small layer), rows of 10: lanes that wrap.
    check::<10, 10, 10, 10, 3, 3>(geometry(1, 4, [1, 1], [1, 1], [1, 1]), 8);
    // W9's depthwise block, fewer channels: rows of 5 folded into one product over the plane
    // (the columns between rows computed and dropped); and a pointwise one with two groups.
    check::<25, 5, 25, 5, 3, 3>(geometry(1, 3, [1, 1], [1, 1], [1, 1]), 3);
    check::<25, 5, 25, 5, 1, 1>(geometry(6, 2, [1, 1], [0, 0], [1, 1]), 10);
    // Depthwise at stride 1 (`depthwise.rs`): dilated; padding wider than the kernel reaches
    // (7 + 2 - 1 + 1 = 9 rows, 9 + 4 - 2 - 1 + 1 = 11 columns); a plane of several blocks.
    check::<8, 8, 8, 8, 3, 3>(geometry(1, 2, [1, 1], [2, 2], [2, 2]), 2);
    check::<7, 9, 9, 11, 1, 3>(geometry(1, 2, [1, 1], [1, 2], [1, 1]), 2);
    check::<40, 40, 40, 40, 3, 3>(geometry(1, 2, [1, 1], [1, 1], [1, 1]), 2);
    // Rows as wide as the input's but fewer of them (9 - 2 = 7): the input gradient reads a
    // shorter plane than it writes; rows of 17, so vectors start at every column.
    check::<9, 17, 7, 17, 3, 3>(geometry(1, 2, [1, 1], [0, 1], [1, 1]), 2);
    // Taps three columns away on rows of 17: vectors start at every column, and the lanes past
    // a row's end wrap into the next row, where some taps fall off it again.
    check::<3, 17, 3, 17, 1, 7>(geometry(1, 2, [1, 1], [0, 3], [1, 1]), 2);
    check::<3, 17, 3, 17, 1, 7>(geometry(2, 1, [1, 1], [0, 3], [1, 1]), 3);
    // Rows too wide for one panel: blocks of columns. A small layer whose rows do not fit.
    check::<3, 400, 3, 400, 3, 5>(geometry(1, 1, [1, 1], [1, 2], [1, 1]), 2);
    // One row, as `Conv1d` runs it: (50 + 8 - 3·6 - 1) / 2 + 1 = 20.
    check::<1, 50, 1, 20, 1, 7>(geometry(3, 1, [1, 2], [0, 4], [1, 3]), 5);
    // 1×1, no padding, more outputs than a register tile.
    check::<5, 6, 5, 6, 1, 1>(geometry(16, 1, [1, 1], [0, 0], [1, 1]), 19);
    // The DS-CNN's first layer, fewer rows: strided rows of 5 take `panel.rs`, whose `im2col`
    // gathers each row at the positions' offsets when nothing is padded.
    check::<22, 12, 7, 5, 10, 4>(geometry(1, 1, [2, 2], [0, 0], [1, 1]), 8);
    // Strided input gradients in phases (`phases.rs`, 8 input channels a group or more):
    // ResNet-8's stride-2 layers, fewer channels, (17 - 3) / 2 + 1 = 7; with padding and two
    // groups, a 1×1 shortcut (three phases no tap reaches), stride 3 by 2 with dilation; sums
    // in blocks of rows (64 input channels of 17 + 1 floats a row), and output channels a block
    // at a time (rows of 200 + 1 floats).
    check::<17, 17, 7, 7, 3, 3>(geometry(8, 1, [2, 2], [0, 0], [1, 1]), 9);
    check::<16, 15, 8, 8, 3, 3>(geometry(8, 2, [2, 2], [1, 1], [1, 1]), 4);
    check::<9, 11, 5, 6, 1, 1>(geometry(9, 1, [2, 2], [0, 0], [1, 1]), 7);
    check::<14, 13, 4, 5, 3, 2>(geometry(8, 1, [3, 2], [1, 0], [2, 3]), 3);
    check::<33, 33, 16, 16, 3, 3>(geometry(64, 1, [2, 2], [0, 0], [1, 1]), 2);
    check::<10, 400, 4, 199, 3, 3>(geometry(8, 1, [2, 2], [0, 0], [1, 1]), 9);
    // Weights too many to pack once (64 · 40 · 4 floats for the first phase): packed a block
    // of output channels at a time, for each sample.
    check::<5, 5, 2, 2, 3, 3>(geometry(64, 1, [2, 2], [0, 0], [1, 1]), 40);
    // Kernels too large for the direct paths: `panel.rs`. 81 taps; 70 columns.
    check::<12, 12, 12, 12, 9, 9>(geometry(1, 1, [1, 1], [4, 4], [1, 1]), 3);
    check::<1, 80, 1, 11, 1, 70>(geometry(2, 1, [1, 1], [0, 0], [1, 1]), 2);
    // Fewer than 16 positions: the weight gradient's runs of kernel rows bounded by its table
    // (128 rows on 4 positions) and by a panel (64 rows of 16 taps on one position).
    check::<2, 2, 2, 2, 1, 1>(geometry(128, 1, [1, 1], [0, 0], [1, 1]), 8);
    check::<4, 16, 1, 1, 4, 16>(geometry(16, 1, [1, 1], [0, 0], [1, 1]), 2);
    // The weight gradient with vectors along the output channels (AVX-512, 8 input channels
    // a group or more): 9 channels (27 kernel rows, tiles of 7 and 6) for 20 outputs (a vector
    // and a part); stride 2 and padding with 24 channels for 40 outputs (three vectors, runs of
    // 12 channels); two groups of 17 outputs; 70 outputs (four vectors and one more); taps 5
    // wide; 3 channels (an RGB first layer) in one block of rows.
    check::<9, 9, 9, 9, 3, 3>(geometry(9, 1, [1, 1], [1, 1], [1, 1]), 20);
    check::<10, 10, 5, 5, 3, 3>(geometry(24, 1, [2, 2], [1, 1], [1, 1]), 40);
    check::<6, 7, 6, 7, 3, 3>(geometry(8, 2, [1, 1], [1, 1], [1, 1]), 34);
    check::<5, 5, 5, 5, 3, 3>(geometry(8, 1, [1, 1], [1, 1], [1, 1]), 70);
    check::<8, 12, 8, 8, 3, 5>(geometry(8, 1, [1, 1], [1, 0], [1, 1]), 16);
    check::<8, 8, 8, 8, 3, 3>(geometry(3, 1, [1, 1], [1, 1], [1, 1]), 16);
    // Its output gradient transposed a block of rows at a time (4096 floats): 3 channels, rows
    // of 20 by 32 outputs, blocks of 6 rows and a last of 2; rows of 70 by 64 outputs, too
    // long for one block (`weight.rs` then); 2 channels, which `weight.rs` keeps.
    check::<20, 20, 20, 20, 3, 3>(geometry(3, 1, [1, 1], [1, 1], [1, 1]), 32);
    check::<3, 70, 3, 70, 3, 3>(geometry(8, 1, [1, 1], [1, 1], [1, 1]), 64);
    check::<6, 6, 6, 6, 3, 3>(geometry(2, 1, [1, 1], [1, 1], [1, 1]), 16);
    // ResNet-8's last stack: planes of 8 × 8, four vectors in one block on AVX-512 (tiles of
    // six output planes, then four).
    check::<8, 8, 8, 8, 3, 3>(geometry(64, 1, [1, 1], [1, 1], [1, 1]), 64);
}

/// An infinite weight: the input gradient's documented order multiplies it by the zeros of
/// the inputs no output reaches through it (every other input, at stride 2), NaN there on
/// every path, and leaves the others finite.
#[test]
fn an_infinite_weight_reaches_the_inputs_it_multiplies_by_zero() {
    let geo = geometry(2, 1, [2, 2], [1, 1], [1, 1]);
    let case = Case {
        geo,
        input: [9, 9],
        output: [5, 5],
        kernel: [3, 3],
        out: 3,
    };
    let mut wv = values(3 * case.k(), 21);
    wv[4] = f32::INFINITY;
    let dyv = values(3 * 25, 22);
    let (weight, dys) = (rows::<3>(&wv), rows::<5>(&dyv));
    for isa in paths() {
        let mut dx = std::vec![[f32::NAN; 9]; 2 * 9];
        backward_input::<9, 9, 5, 5, 3, 3>(isa, &geo, &weight, &dys, &mut dx);
        let want = input_reference(isa, &case, &wv, &dyv);
        for (i, (&a, &b)) in dx.as_flattened().iter().zip(&want).enumerate() {
            assert_eq!(a.is_nan(), b.is_nan(), "{isa:?} at {i}: {a} against {b}");
            assert!(a.is_nan() || a.to_bits() == b.to_bits(), "{isa:?} at {i}");
        }
        assert!(want.iter().any(|v| v.is_nan()) && want.iter().any(|v| !v.is_nan()));
    }
}

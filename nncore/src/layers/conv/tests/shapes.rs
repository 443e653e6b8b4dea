//! Both layers over many shapes against [`expected`], PyTorch's definition in f64: every form
//! of the forward and of the gradients (one sample, a batch, training mode), random values.
//! The shapes, chosen here at the limits of each path in `conv/` and drawn at random in
//! `shapes/random.rs`, cross them all: channels on both sides of the 64-row tables, maps of
//! one position to many, kernels of one tap to 81, strides, padding, dilations and groups.

extern crate std;
use super::reference::{Conv, expected};
use crate::layers::conv::conv1d::Conv1d;
use crate::layers::conv::conv2d::Conv2d;
use crate::module::{Layer, Module};
use crate::tensor::Tensor;
use rand::SeedableRng;
use rand::distr::{Distribution, Uniform};
use rand::rngs::StdRng;
use std::vec::Vec;

/// PyTorch's output length along one axis, for the shapes' consts.
const fn len(input: usize, kernel: usize, stride: usize, padding: usize, dilation: usize) -> usize {
    match super::super::output_len(input, kernel, stride, padding, dilation) {
        Some(n) => n,
        None => panic!("the kernel does not fit the padded input"),
    }
}

/// Asserts two slices hold the same bits.
fn same(a: &[f32], b: &[f32], what: &str, conv: &Conv) {
    assert_eq!(a.len(), b.len(), "{what} {conv:?}: lengths");
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        assert_eq!(
            a.to_bits(),
            b.to_bits(),
            "{what} at {i}, {conv:?}: {a} against {b}"
        );
    }
}

/// The parameters' values, one after another (the weight, then the bias if any).
fn flat<M: Module>(m: &M) -> Vec<f32> {
    m.parameters()
        .flat_map(|p| p.data.iter().copied())
        .collect()
}

/// A failed check's description.
struct What<'a>(&'a str, &'a Conv, usize);

impl core::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}, batch of {}, {:?}", self.0, self.2, self.1)
    }
}

/// Checks `layer`, of the sizes `conv` gives, on a batch of `batch` samples of random values:
/// the outputs and gradients of one sample at a time against [`expected`], and the batch and
/// training forms against them bit for bit.
fn check<M, X, Y>(mut layer: M, conv: &Conv, batch: usize)
where
    M: Layer<X, Y> + Clone + PartialEq,
    X: Tensor,
    Y: Tensor,
{
    // Values from the shape alone: a shape keeps its values wherever it is listed.
    let seed = [conv.in_per_group, conv.groups, conv.out, batch]
        .iter()
        .chain(conv.input.iter().chain(&conv.kernel).chain(&conv.stride))
        .chain(conv.padding.iter().chain(&conv.dilation))
        .fold(0u64, |s, &v| {
            s.wrapping_mul(1_000_003).wrapping_add(v as u64)
        });
    let mut rng = StdRng::seed_from_u64(seed);
    let dist = Uniform::new_inclusive(-1.0f32, 1.0).unwrap();
    let mut random = |v: &mut [f32]| v.iter_mut().for_each(|v| *v = dist.sample(&mut rng));
    layer.parameters_mut().for_each(|p| random(p.data));
    let mut grads0 = M::zeros();
    grads0.parameters_mut().for_each(|p| random(p.data));
    let (mut xs, mut dys) = (std::vec![X::ZERO; batch], std::vec![Y::ZERO; batch]);
    random(X::flat_batch_mut(&mut xs));
    random(Y::flat_batch_mut(&mut dys));
    let (params, params0) = (flat(&layer), flat(&grads0));
    let (w, w0) = (&params[..conv.w_len()], &params0[..conv.w_len()]);
    let no_bias = std::vec![0.0; conv.out];
    let (b, b0) = match params.len() > w.len() {
        true => (&params[w.len()..], &params0[w.len()..]),
        false => (&no_bias[..], &[][..]),
    };
    let (x, dy) = (X::flat_batch(&xs), Y::flat_batch(&dys));
    let e = expected(conv, [w, b], [w0, b0], x, dy);
    let what = |op| What(op, conv, batch);

    // The forward: one sample at a time, the batch, training mode.
    let ys: Vec<Y> = xs.iter().map(|x| layer.forward(x)).collect();
    e.y.check(Y::flat_batch(&ys), &what("forward"));
    let mut batch_ys = std::vec![Y::ZERO; batch];
    Y::flat_batch_mut(&mut batch_ys).fill(f32::NAN);
    layer.forward_batch(&xs, &mut batch_ys);
    same(
        Y::flat_batch(&batch_ys),
        Y::flat_batch(&ys),
        "forward_batch",
        conv,
    );
    let mut cache = std::vec![0.0; <M as Layer<X, Y>>::train_cache_len(batch)];
    let (mut trained, mut train_ys) = (layer.clone(), std::vec![Y::ZERO; batch]);
    trained.forward_train(
        &xs,
        &mut train_ys,
        &mut cache,
        &mut StdRng::seed_from_u64(0),
    );
    same(
        Y::flat_batch(&train_ys),
        Y::flat_batch(&ys),
        "forward_train",
        conv,
    );
    assert!(
        trained == layer,
        "forward_train changed the layer, {conv:?}"
    );

    // The parameter gradients, added onto `grads0`.
    let mut grads = grads0.clone();
    for ((x, y), dy) in xs.iter().zip(&ys).zip(&dys) {
        layer.backward_params(x, y, dy, &mut grads);
    }
    let g = flat(&grads);
    e.dw.check(&g[..w.len()], &what("weight gradient"));
    e.db.check(&g[w.len()..], &what("bias gradient"));
    let mut batch_grads = grads0.clone();
    layer.backward_params_batch(&xs, &ys, &dys, &mut batch_grads);
    same(&flat(&batch_grads), &g, "backward_params_batch", conv);
    let mut train_grads = grads0;
    let mut scratch = cache.clone();
    layer.backward_train(&xs, &ys, &dys, &mut scratch, Some(&mut train_grads), None);
    same(&flat(&train_grads), &g, "backward_train", conv);

    // The input gradients, overwriting what is there.
    let dxs: Vec<X> = (xs.iter().zip(&ys).zip(&dys))
        .map(|((x, y), dy)| layer.backward_input(x, y, dy))
        .collect();
    e.dx.check(X::flat_batch(&dxs), &what("input gradient"));
    for train in [false, true] {
        let mut got = std::vec![X::ZERO; batch];
        X::flat_batch_mut(&mut got).fill(f32::NAN);
        if train {
            let mut scratch = cache.clone();
            layer.backward_train(&xs, &ys, &dys, &mut scratch, None, Some(&mut got));
        } else {
            layer.backward_input_batch(&xs, &ys, &dys, &mut got);
        }
        let op = ["backward_input_batch", "backward_train"][usize::from(train)];
        same(X::flat_batch(&got), X::flat_batch(&dxs), op, conv);
    }
}

/// Checks a `Conv2d<IPG, OUT, KH, KW, BIAS>` from `C × H × W` to `OUT × HO × WO`.
fn conv2d<
    const IPG: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const BIAS: bool,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    conv: Conv,
    batch: usize,
) {
    let layer = Conv2d::<IPG, OUT, KH, KW, BIAS>::new(
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
    );
    check::<_, [[[f32; W]; H]; C], [[[f32; WO]; HO]; OUT]>(layer, &conv, batch);
}

/// Checks a `Conv1d<IPG, OUT, K, BIAS>` from `C × L` to `OUT × LO`.
fn conv1d<
    const IPG: usize,
    const OUT: usize,
    const K: usize,
    const BIAS: bool,
    const C: usize,
    const L: usize,
    const LO: usize,
>(
    conv: Conv,
    batch: usize,
) {
    let [stride, padding, dilation] = [conv.stride[1], conv.padding[1], conv.dilation[1]];
    let layer = Conv1d::<IPG, OUT, K, BIAS>::new(stride, padding, dilation, conv.groups);
    check::<_, [[f32; L]; C], [[f32; LO]; OUT]>(layer, &conv, batch);
}

/// `conv2d!(ipg, groups, out, bias; [kh, kw], [sh, sw], [ph, pw], [dh, dw]; [h, w], batch;
/// ..)`: checks each `Conv2d(ipg · groups, out, (kh, kw), stride, padding, dilation, groups,
/// bias)` on a batch of `h × w` images.
macro_rules! conv2d {
    ($($ipg:literal, $groups:literal, $out:literal, $bias:literal;
        [$kh:literal, $kw:literal], [$sh:literal, $sw:literal], [$ph:literal, $pw:literal],
        [$dh:literal, $dw:literal]; [$h:literal, $w:literal], $n:literal;)*) => {$({
        const HO: usize = $crate::layers::conv::tests::shapes::len($h, $kh, $sh, $ph, $dh);
        const WO: usize = $crate::layers::conv::tests::shapes::len($w, $kw, $sw, $pw, $dw);
        let conv = $crate::layers::conv::tests::reference::Conv {
            in_per_group: $ipg,
            groups: $groups,
            out: $out,
            input: [$h, $w],
            output: [HO, WO],
            kernel: [$kh, $kw],
            stride: [$sh, $sw],
            padding: [$ph, $pw],
            dilation: [$dh, $dw],
        };
        $crate::layers::conv::tests::shapes::conv2d::<
            $ipg, $out, $kh, $kw, $bias, { $ipg * $groups }, $h, $w, HO, WO
        >(conv, $n);
    })*};
}

/// `conv1d!(ipg, groups, out, bias; k, stride, padding, dilation; length, batch; ..)`: checks
/// each `Conv1d(ipg · groups, out, k, stride, padding, dilation, groups, bias)` on a batch.
macro_rules! conv1d {
    ($($ipg:literal, $groups:literal, $out:literal, $bias:literal;
        $k:literal, $s:literal, $p:literal, $d:literal; $l:literal, $n:literal;)*) => {$({
        const LO: usize = $crate::layers::conv::tests::shapes::len($l, $k, $s, $p, $d);
        let conv = $crate::layers::conv::tests::reference::Conv {
            in_per_group: $ipg,
            groups: $groups,
            out: $out,
            input: [1, $l],
            output: [1, LO],
            kernel: [1, $k],
            stride: [1, $s],
            padding: [0, $p],
            dilation: [1, $d],
        };
        $crate::layers::conv::tests::shapes::conv1d::<
            $ipg, $out, $k, $bias, { $ipg * $groups }, $l, LO
        >(conv, $n);
    })*};
}

mod random;

/// The shapes at the limits of the paths in `conv/`, on both sides where there are two.
#[test]
fn conv2d_at_the_paths_limits() {
    conv2d! {
        // The MobileNet head whose weight gradient overflowed the 64-row table of `weight.rs`:
        // 128 kernel rows fit a panel with 4 positions. The same on one position, 130 rows;
        // and on 16 positions, 64 rows (one run) and 65 (runs of fewer columns).
        128, 1, 8, true; [1, 1], [1, 1], [0, 0], [1, 1]; [2, 2], 2;
        130, 1, 130, true; [1, 1], [1, 1], [0, 0], [1, 1]; [1, 1], 2;
        64, 1, 3, true; [1, 1], [1, 1], [0, 0], [1, 1]; [4, 4], 2;
        65, 1, 3, false; [1, 1], [1, 1], [0, 0], [1, 1]; [4, 4], 1;
        // Kernel rows from the kernel's height, 30 channels × 3, on 6 positions; 100 rows of
        // two taps on one row of 4.
        30, 1, 5, false; [3, 1], [1, 1], [1, 0], [1, 1]; [2, 3], 3;
        100, 1, 3, true; [1, 2], [1, 1], [0, 0], [1, 1]; [1, 5], 2;
        // 64 kernel rows of 16 taps on one position: 1024 columns, more than a panel holds
        // with its slack.
        16, 1, 2, true; [4, 16], [1, 1], [0, 0], [1, 1]; [4, 16], 2;
        // Depthwise (`small.rs`) on MobileNet's tiny maps, strided or not.
        1, 128, 128, true; [3, 3], [2, 2], [1, 1], [1, 1]; [2, 2], 3;
        1, 96, 96, false; [3, 3], [1, 1], [1, 1], [1, 1]; [7, 7], 1;
        // The small layers' limits: 15 weights and 7 outputs a group, then 16 weights, then 8
        // outputs.
        5, 2, 14, true; [1, 3], [1, 1], [0, 1], [1, 1]; [6, 9], 2;
        4, 2, 14, true; [2, 2], [1, 1], [1, 0], [1, 1]; [6, 9], 2;
        5, 2, 16, true; [1, 3], [1, 2], [0, 1], [1, 1]; [6, 9], 1;
        // 64 taps (`direct.rs`) and 81 (`panel.rs`), strided and dilated.
        2, 1, 3, true; [8, 8], [1, 1], [3, 3], [1, 1]; [10, 10], 1;
        2, 1, 3, true; [9, 9], [2, 2], [4, 4], [1, 2]; [12, 12], 2;
        // Rows wider than a panel: blocks of columns, a small layer and, strided, not.
        1, 1, 2, true; [3, 5], [1, 1], [1, 2], [1, 1]; [3, 400], 1;
        3, 1, 2, true; [2, 3], [1, 3], [0, 1], [1, 1]; [2, 1100], 1;
    }
}

/// `Conv1d` at the same limits: one row, the kernel rows its input channels.
#[test]
fn conv1d_at_the_paths_limits() {
    conv1d! {
        // 100 kernel rows on 4 positions; 70 rows of 3 taps and 64 of 16 on one position.
        100, 1, 4, true; 1, 1, 0, 1; 4, 2;
        70, 1, 2, true; 3, 1, 0, 1; 3, 3;
        64, 1, 1, false; 16, 1, 0, 1; 16, 2;
        // 65 taps: `panel.rs` for all three products.
        2, 1, 3, true; 65, 1, 0, 1; 100, 2;
        // Rows wider than a panel, strided; a small layer whose row does not fit one.
        4, 1, 4, true; 5, 3, 2, 1; 1100, 1;
        1, 2, 2, true; 3, 1, 1, 2; 1500, 2;
    }
}

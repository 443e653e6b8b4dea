//! Both layers over many shapes against [`expected`], PyTorch's definition in f64: every form
//! of the forward and of the gradients (one sample, a batch, training mode), random values.
//! The shapes (`random.rs`) cross the limits of every path in `conv/`: channels on both sides
//! of the 64-row tables, maps of one position to many, kernels from one tap to 49.

extern crate std;
use super::reference::{Conv, expected};
use crate::conv::{Conv1d, Conv2d};
use crate::{Layer, Module, Tensor};
use core::fmt::Debug;
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
    M: Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
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
    layer.backward_params_train(&xs, &ys, &dys, &cache, &mut train_grads);
    same(&flat(&train_grads), &g, "backward_params_train", conv);

    // The input gradients, overwriting what is there.
    let dxs: Vec<X> = (xs.iter().zip(&ys).zip(&dys))
        .map(|((x, y), dy)| layer.backward_input(x, y, dy))
        .collect();
    e.dx.check(X::flat_batch(&dxs), &what("input gradient"));
    for train in [false, true] {
        let mut got = std::vec![X::ZERO; batch];
        X::flat_batch_mut(&mut got).fill(f32::NAN);
        if train {
            layer.backward_input_train(&xs, &ys, &dys, &cache, &mut got);
        } else {
            layer.backward_input_batch(&xs, &ys, &dys, &mut got);
        }
        let op = ["backward_input_batch", "backward_input_train"][usize::from(train)];
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
        const HO: usize = $crate::conv::tests::shapes::len($h, $kh, $sh, $ph, $dh);
        const WO: usize = $crate::conv::tests::shapes::len($w, $kw, $sw, $pw, $dw);
        let conv = $crate::conv::tests::reference::Conv {
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
        $crate::conv::tests::shapes::conv2d::<
            $ipg, $out, $kh, $kw, $bias, { $ipg * $groups }, $h, $w, HO, WO
        >(conv, $n);
    })*};
}

/// `conv1d!(ipg, groups, out, bias; k, stride, padding, dilation; length, batch; ..)`: checks
/// each `Conv1d(ipg · groups, out, k, stride, padding, dilation, groups, bias)` on a batch.
macro_rules! conv1d {
    ($($ipg:literal, $groups:literal, $out:literal, $bias:literal;
        $k:literal, $s:literal, $p:literal, $d:literal; $l:literal, $n:literal;)*) => {$({
        const LO: usize = $crate::conv::tests::shapes::len($l, $k, $s, $p, $d);
        let conv = $crate::conv::tests::reference::Conv {
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
        $crate::conv::tests::shapes::conv1d::<
            $ipg, $out, $k, $bias, { $ipg * $groups }, $l, LO
        >(conv, $n);
    })*};
}

/// The MobileNet head that first showed the weight gradient's 64-row table overflowing: a
/// pointwise convolution of 128 channels on a 2 × 2 map.
#[test]
fn pointwise_on_a_tiny_map() {
    conv2d! {
        128, 1, 8, true; [1, 1], [1, 1], [0, 0], [1, 1]; [2, 2], 2;
    }
}

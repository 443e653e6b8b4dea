//! BatchNorm against its definition: hand-computed values and running statistics, gradients by
//! finite differences (in f64 on the definition, and in f32 through the layer itself), the
//! batch forms against the per-sample ones, and PyTorch's names, shapes and printed forms.

extern crate std;
use std::{string::ToString, vec::Vec};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{BatchNorm1d, BatchNorm2d};
use crate::module::{Layer, Module};
use crate::state::{BufferData, BufferDataMut};
use crate::tensor::Tensor;

/// Asserts `|a − b| ≤ tol·(1 + |b|)`.
#[track_caller]
fn near(a: f32, b: f64, tol: f64) {
    let a = f64::from(a);
    assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{a} vs {b}");
}

/// A batch of `len` samples drawn uniformly from `[lo, hi)`.
fn samples<X: Tensor>(rng: &mut StdRng, len: usize, lo: f32, hi: f32) -> Vec<X> {
    let mut xs = std::vec![X::ZERO; len];
    for v in X::flat_batch_mut(&mut xs) {
        *v = rng.random_range(lo..hi);
    }
    xs
}

fn f64s(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

/// The batch whose values are `values`, rounded to f32.
fn batch_of<X: Tensor>(values: &[f64]) -> Vec<X> {
    let mut xs = std::vec![X::ZERO; values.len() / X::LEN.max(1)];
    for (x, &v) in X::flat_batch_mut(&mut xs).iter_mut().zip(values) {
        *x = v as f32;
    }
    xs
}

/// `Σ g·y`, the loss whose gradient with respect to `y` is `g`.
fn dot(g: &[f64], y: &[f64]) -> f64 {
    g.iter().zip(y).map(|(g, y)| g * y).sum()
}

/// The central difference of `f` at `v` along coordinate `i`, with step `h`.
fn slope(f: impl Fn(&[f64]) -> f64, v: &[f64], i: usize, h: f64) -> f64 {
    let (mut up, mut down) = (v.to_vec(), v.to_vec());
    up[i] += h;
    down[i] -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

/// The training-mode forward from its definition, in f64, on a flat `[N, C, P]` batch.
fn reference_train(w: &[f64], b: &[f64], x: &[f64], p: usize) -> Vec<f64> {
    let channels = w.len();
    let n = (x.len() / channels) as f64;
    let channel = |i: usize| (i / p) % channels;
    let (mut mean, mut var) = (std::vec![0.0; channels], std::vec![0.0; channels]);
    for (i, &v) in x.iter().enumerate() {
        mean[channel(i)] += v / n;
    }
    for (i, &v) in x.iter().enumerate() {
        var[channel(i)] += (v - mean[channel(i)]).powi(2) / n;
    }
    let norm = |i: usize, v: f64| (v - mean[channel(i)]) / (var[channel(i)] + 1e-5).sqrt();
    let y = |(i, &v): (usize, &f64)| norm(i, v) * w[channel(i)] + b[channel(i)];
    x.iter().enumerate().map(y).collect()
}

/// A training-mode forward and backward of `layer` (left unchanged) on `xs` with output
/// gradients `dys`: the outputs, the layer after the forward, its gradients and the input's.
fn train_step<X: Tensor, L: Layer<X, X> + Clone>(
    layer: &L,
    xs: &[X],
    dys: &[X],
) -> (Vec<X>, L, L, Vec<X>) {
    let mut after = layer.clone();
    let mut ys = std::vec![X::ZERO; xs.len()];
    let mut cache = std::vec![f32::NAN; L::train_cache_len(xs.len())];
    after.forward_train(xs, &mut ys, &mut cache, &mut StdRng::seed_from_u64(0));
    let mut grads = L::zeros();
    after.backward_train(xs, &ys, dys, &mut cache.clone(), Some(&mut grads), None);
    let mut dxs = std::vec![X::ZERO; xs.len()];
    after.backward_train(xs, &ys, dys, &mut cache, None, Some(&mut dxs));
    (ys, after, grads, dxs)
}

/// The weight and bias of a batch-norm layer, whichever of the two it is.
fn affine<L: Module>(layer: &L) -> (Vec<f32>, Vec<f32>) {
    let mut params = layer.parameters().map(|p| p.data.to_vec());
    (
        params.next().unwrap_or_default(),
        params.next().unwrap_or_default(),
    )
}

/// Training-mode gradients of `layer` on a random batch of `n` samples of `p` positions, checked
/// against central differences of the f64 definition (perturbing one input moves the whole
/// batch's statistics), then against central differences through the layer itself, in f32.
fn check_train_grads<X: Tensor, L: Layer<X, X> + Clone>(layer: &L, n: usize, p: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let xs: Vec<X> = samples(&mut rng, n, -2.0, 3.0);
    let dys: Vec<X> = samples(&mut rng, n, -1.0, 1.0);
    let (ys, _, grads, dxs) = train_step(layer, &xs, &dys);
    let ((w, b), (dw, db)) = (affine(layer), affine(&grads));
    let (w, b, x, g) = (
        f64s(&w),
        f64s(&b),
        f64s(X::flat_batch(&xs)),
        f64s(X::flat_batch(&dys)),
    );
    for (&y, r) in X::flat_batch(&ys)
        .iter()
        .zip(reference_train(&w, &b, &x, p))
    {
        near(y, r, 2e-6);
    }
    let h = 1e-6;
    for c in 0..w.len() {
        near(
            dw[c],
            slope(|w| dot(&g, &reference_train(w, &b, &x, p)), &w, c, h),
            1e-5,
        );
        near(
            db[c],
            slope(|b| dot(&g, &reference_train(&w, b, &x, p)), &b, c, h),
            1e-5,
        );
    }
    let dx = X::flat_batch(&dxs);
    for (i, &dx) in dx.iter().enumerate() {
        near(
            dx,
            slope(|x| dot(&g, &reference_train(&w, &b, x, p)), &x, i, h),
            2e-5,
        );
    }
    // Through the layer in f32: a coarser step, a looser bound.
    let layer_loss = |x: &[f64]| {
        let (ys, ..) = train_step(layer, &batch_of::<X>(x), &dys);
        dot(&g, &f64s(X::flat_batch(&ys)))
    };
    for (i, &dx) in dx.iter().enumerate() {
        near(dx, slope(layer_loss, &x, i, 1e-2), 3e-3);
    }
}

#[test]
fn train_gradients_vectors() {
    let mut layer = BatchNorm1d::<3>::init(1e-5, 0.1, &mut StdRng::seed_from_u64(0));
    layer.weight = [1.5, -0.7, 0.3];
    layer.bias = [0.2, -1.0, 0.0];
    check_train_grads::<[f32; 3], _>(&layer, 6, 1, 1);
    check_train_grads::<[f32; 3], _>(&layer, 2, 1, 2);
}

#[test]
fn train_gradients_sequences_and_images() {
    let mut layer = BatchNorm1d::<3>::new(1e-5, 0.1);
    layer.weight = [0.8, 1.2, -2.0];
    layer.bias = [0.1, 0.4, -0.3];
    check_train_grads::<[[f32; 4]; 3], _>(&layer, 5, 4, 3);
    check_train_grads::<[[f32; 1]; 3], _>(&layer, 4, 1, 4);
    let mut layer = BatchNorm2d::<2>::new(1e-5, 0.3);
    layer.weight = [1.1, -0.6];
    layer.bias = [0.5, 0.25];
    check_train_grads::<[[[f32; 3]; 2]; 2], _>(&layer, 3, 6, 5);
}

/// Every statistic here was worked out by hand from PyTorch's definition: the batch's mean and
/// biased variance normalize, the unbiased variance enters `running_var`.
#[test]
fn running_statistics_follow_momentum() {
    let layer = BatchNorm1d::<2>::init(1e-5, 0.1, &mut StdRng::seed_from_u64(0));
    let xs = [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [6.0, 60.0]];
    let (ys, after, _, _) = train_step(&layer, &xs, &xs);
    // Channel 0: mean 3, biased variance 3.5, unbiased 14/3; channel 1 ten times the values.
    near(after.running_mean[0], 0.3, 1e-7);
    near(after.running_mean[1], 3.0, 1e-7);
    near(after.running_var[0], 0.9 + 0.1 * 14.0 / 3.0, 1e-7);
    near(after.running_var[1], 0.9 + 0.1 * 1400.0 / 3.0, 1e-7);
    assert_eq!(after.num_batches_tracked, 1);
    for (y, x) in ys.iter().zip(&xs) {
        near(
            y[0],
            (f64::from(x[0]) - 3.0) / (3.5_f64 + 1e-5).sqrt(),
            1e-6,
        );
        near(
            y[1],
            (f64::from(x[1]) - 30.0) / (350.0_f64 + 1e-5).sqrt(),
            1e-6,
        );
    }
    let (_, after, _, _) = train_step(&after, &xs, &xs);
    near(after.running_mean[0], 0.9 * 0.3 + 0.3, 1e-7);
    near(
        after.running_var[0],
        0.9 * (0.9 + 0.1 * 14.0 / 3.0) + 0.1 * 14.0 / 3.0,
        1e-7,
    );
    assert_eq!(after.num_batches_tracked, 2);

    // A sequence: one channel, two samples of two positions, 1 3 | 5 7: mean 4, variance 5
    // (unbiased 20/3). Momentum 0.5.
    let layer = BatchNorm1d::<1>::init(1e-5, 0.5, &mut StdRng::seed_from_u64(0));
    let (_, after, _, _) = train_step(&layer, &[[[1.0, 3.0]], [[5.0, 7.0]]], &[[[0.0; 2]]; 2]);
    near(after.running_mean[0], 2.0, 1e-7);
    near(after.running_var[0], 0.5 + 0.5 * 20.0 / 3.0, 1e-7);

    // Images: one channel, two 2×2 samples holding 1 to 8: mean 4.5, Σ(x − mean)² = 42, so a
    // variance of 5.25 (unbiased 6).
    let layer = BatchNorm2d::<1>::init(1e-5, 0.1, &mut StdRng::seed_from_u64(0));
    let xs = [[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]];
    let (ys, after, _, _) = train_step(&layer, &xs, &xs);
    near(after.running_mean[0], 0.45, 1e-7);
    near(after.running_var[0], 0.9 + 0.6, 1e-7);
    near(ys[1][0][1][1], (8.0 - 4.5) / (5.25_f64 + 1e-5).sqrt(), 1e-6);
}

#[test]
fn one_value_per_channel_and_empty_batches() {
    // One sample of a vector: variance 0. PyTorch refuses; here the output is the bias.
    let mut layer = BatchNorm1d::<2>::init(1e-5, 0.1, &mut StdRng::seed_from_u64(0));
    layer.bias = [0.5, -2.0];
    let (ys, after, grads, dxs) = train_step(&layer, &[[3.0, -7.0]], &[[1.0, 1.0]]);
    let values = ys[0].iter().chain(&dxs[0]).chain(&grads.weight);
    assert!(values.copied().all(f32::is_finite));
    // `x·α + (bias − mean·α)` with `α = 1/√eps`: the bias up to the rounding of `x·α`.
    near(ys[0][0], 0.5, 1e-4);
    near(ys[0][1], -2.0, 1e-4);
    assert_eq!(after.running_mean, [0.3, -0.7]);
    assert_eq!(after.running_var, [0.9, 0.9]);
    // An empty batch counts, and changes nothing else.
    let (_, after, grads, _) = train_step::<[f32; 2], _>(&layer, &[], &[]);
    assert_eq!(after.num_batches_tracked, 1);
    assert_eq!(after.running_mean, layer.running_mean);
    assert_eq!(after.running_var, layer.running_var);
    assert_eq!(grads, BatchNorm1d::zeros());
}

/// A layer with running statistics, for evaluation mode.
fn eval_layer(w: &[f64], b: &[f64]) -> BatchNorm1d<2> {
    let mut layer = BatchNorm1d::new(1e-5, 0.1);
    layer.weight = [w[0] as f32, w[1] as f32];
    layer.bias = [b[0] as f32, b[1] as f32];
    layer.running_mean = [1.0, -2.0];
    layer.running_var = [4.0, 0.25];
    layer
}

const W: [f64; 2] = [2.0, 0.5];
const B: [f64; 2] = [0.5, -1.0];

/// `y = (x − running_mean)/√(running_var + eps)·weight + bias`, worked out in f64.
#[test]
fn evaluation_uses_running_statistics() {
    let layer = eval_layer(&W, &B);
    let y = Layer::<[f32; 2], [f32; 2]>::forward(&layer, &[3.0, -1.5]);
    near(y[0], 2.0 / (4.0_f64 + 1e-5).sqrt() * 2.0 + 0.5, 1e-7);
    near(y[1], 0.5 / (0.25_f64 + 1e-5).sqrt() * 0.5 - 1.0, 1e-7);
    // Sequences and images use the same statistics at every position.
    let seq = Layer::<[[f32; 3]; 2], _>::forward(&layer, &[[3.0; 3], [-1.5; 3]]);
    assert_eq!(seq, [[y[0]; 3], [y[1]; 3]]);
    let layer2d = BatchNorm2d::<2>::new(1e-5, 0.1)
        .with_state(&[2.0, 0.5, 0.5, -1.0], &[1.0, -2.0, 4.0, 0.25, 0.0]);
    let image = Layer::<[[[f32; 2]; 2]; 2], _>::forward(&layer2d, &[[[3.0; 2]; 2], [[-1.5; 2]; 2]]);
    assert_eq!(image, [[[y[0]; 2]; 2], [[y[1]; 2]; 2]]);
}

/// Evaluation mode is affine in the input and the parameters: gradients against central
/// differences through the layer.
#[test]
fn evaluation_gradients() {
    type X = [[f32; 3]; 2];
    let layer = eval_layer(&W, &B);
    let mut rng = StdRng::seed_from_u64(9);
    let xs: Vec<X> = samples(&mut rng, 4, -2.0, 2.0);
    let dys: Vec<X> = samples(&mut rng, 4, -1.0, 1.0);
    let (x, g) = (f64s(X::flat_batch(&xs)), f64s(X::flat_batch(&dys)));
    let loss = |w: &[f64], b: &[f64], x: &[f64]| {
        let mut ys = batch_of::<X>(x);
        eval_layer(w, b).forward_batch(&batch_of::<X>(x), &mut ys);
        dot(&g, &f64s(X::flat_batch(&ys)))
    };
    let mut grads = BatchNorm1d::zeros();
    layer.backward_params_batch(&xs, &xs, &dys, &mut grads);
    for c in 0..2 {
        near(
            grads.weight[c],
            slope(|w| loss(w, &B, &x), &W, c, 1e-2),
            1e-5,
        );
        near(grads.bias[c], slope(|b| loss(&W, b, &x), &B, c, 1e-2), 1e-5);
    }
    let mut dxs = xs.clone();
    layer.backward_input_batch(&xs, &xs, &dys, &mut dxs);
    for (i, &dx) in X::flat_batch(&dxs).iter().enumerate() {
        near(dx, slope(|x| loss(&W, &B, x), &x, i, 1e-2), 1e-4);
    }
}

#[test]
fn batch_forms_equal_per_sample_forms() {
    let layer = eval_layer(&W, &B);
    let mut rng = StdRng::seed_from_u64(4);
    let xs: Vec<[f32; 2]> = samples(&mut rng, 7, -3.0, 3.0);
    let dys: Vec<[f32; 2]> = samples(&mut rng, 7, -1.0, 1.0);
    let mut ys = xs.clone();
    layer.forward_batch(&xs, &mut ys);
    let mut dxs = xs.clone();
    layer.backward_input_batch(&xs, &ys, &dys, &mut dxs);
    let (mut batch, mut each) = (BatchNorm1d::zeros(), BatchNorm1d::zeros());
    layer.backward_params_batch(&xs, &ys, &dys, &mut batch);
    for b in 0..7 {
        assert_eq!(ys[b], layer.forward(&xs[b]));
        assert_eq!(dxs[b], layer.backward_input(&xs[b], &ys[b], &dys[b]));
        layer.backward_params(&xs[b], &ys[b], &dys[b], &mut each);
    }
    for c in 0..2 {
        near(batch.weight[c], f64::from(each.weight[c]), 1e-6);
        near(batch.bias[c], f64::from(each.bias[c]), 1e-6);
    }
}

#[test]
fn names_shapes_and_state() {
    let layer = BatchNorm2d::<3>::new(1e-3, 0.2).with_state(
        &[1.0, 2.0, 3.0, -1.0, -2.0, -3.0],
        &[0.1, 0.2, 0.3, 4.0, 5.0, 6.0, 7.0],
    );
    assert_eq!((layer.eps, layer.momentum), (1e-3, 0.2));
    let params: Vec<_> = layer.parameters().collect();
    assert_eq!(params.len(), 2);
    assert!(params[0].name == "weight" && params[1].name == "bias");
    assert_eq!(
        (params[0].shape.dims(), params[1].shape.dims()),
        (&[3][..], &[3][..])
    );
    assert_eq!(params[0].data, [1.0, 2.0, 3.0]);
    assert_eq!(params[1].data, [-1.0, -2.0, -3.0]);
    let buffers: Vec<_> = layer.buffers().collect();
    let names: Vec<_> = buffers.iter().map(|b| b.name.to_string()).collect();
    assert_eq!(
        names,
        ["running_mean", "running_var", "num_batches_tracked"]
    );
    assert_eq!(buffers[0].data, BufferData::F32(&[0.1, 0.2, 0.3]));
    assert_eq!(buffers[1].data, BufferData::F32(&[4.0, 5.0, 6.0]));
    assert_eq!(buffers[2].data, BufferData::I64(&[7]));
    assert_eq!(buffers[2].shape.dims(), &[] as &[usize]);
    assert_eq!(BatchNorm2d::<3>::NUM_PARAMS, 6);
    assert_eq!(BatchNorm2d::<3>::NUM_BUFFERS, 7);
    let values: usize = buffers.iter().map(|b| b.shape.numel()).sum();
    assert_eq!(values, BatchNorm2d::<3>::NUM_BUFFERS);

    // Written through the `_mut` views, it is the layer `with_state` made.
    let mut copy = BatchNorm2d::<3>::zeros();
    for (to, from) in copy.parameters_mut().zip(layer.parameters()) {
        to.data.copy_from_slice(from.data);
    }
    for (to, from) in copy.buffers_mut().zip(layer.buffers()) {
        match (to.data, from.data) {
            (BufferDataMut::F32(to), BufferData::F32(from)) => to.copy_from_slice(from),
            (BufferDataMut::I64(to), BufferData::I64(from)) => to.copy_from_slice(from),
            _ => panic!("buffer types differ"),
        }
    }
    copy.configure(1e-3, 0.2);
    assert_eq!(copy, layer);
}

#[test]
fn initial_values_and_printing() {
    let mut rng = StdRng::seed_from_u64(0);
    let layer = BatchNorm1d::<4>::init(1e-5, 0.1, &mut rng);
    assert_eq!((layer.weight, layer.bias), ([1.0; 4], [0.0; 4]));
    assert_eq!(
        (layer.running_mean, layer.running_var),
        ([0.0; 4], [1.0; 4])
    );
    assert_eq!(layer.num_batches_tracked, 0);
    // Nothing was drawn.
    assert_eq!(
        rng.random::<u64>(),
        StdRng::seed_from_u64(0).random::<u64>()
    );
    // PyTorch 2.15's repr, which names `bias` (see the golden runs' `repr`).
    assert_eq!(
        layer.to_string(),
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    );
    assert_eq!(
        BatchNorm2d::<16>::new(0.001, 0.3).to_string(),
        "BatchNorm2d(16, eps=0.001, momentum=0.3, affine=True, bias=True, track_running_stats=True)"
    );
}

//! Training mode against its definition: values and running statistics worked out by hand, and
//! gradients by finite differences, in f64 on the definition and in f32 through the layer.

extern crate std;
use std::vec::Vec;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{batch_of, dot, f64s, near, samples, slope};
use crate::layers::norm::batch_norm::{BatchNorm1d, BatchNorm2d};
use crate::module::{Layer, Module};
use crate::tensor::Tensor;

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

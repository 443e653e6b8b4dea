//! Evaluation mode: the running statistics applied, gradients by finite differences through the
//! layer, and the batch forms against the per-sample ones.

extern crate std;
use std::vec::Vec;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{batch_of, dot, f64s, near, samples, slope};
use crate::layers::norm::batch_norm::{BatchNorm1d, BatchNorm2d};
use crate::module::{Layer, Module};
use crate::tensor::Tensor;

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

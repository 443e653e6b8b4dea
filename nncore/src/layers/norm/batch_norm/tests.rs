//! BatchNorm against its definition: hand-computed values and running statistics, gradients by
//! finite differences (in f64 on the definition, and in f32 through the layer itself), the
//! batch forms against the per-sample ones, and PyTorch's names, shapes and printed forms.

extern crate std;
use std::{string::ToString, vec::Vec};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{BatchNorm1d, BatchNorm2d};
use crate::module::Module;
use crate::state::{BufferData, BufferDataMut};
use crate::tensor::Tensor;

mod eval;
#[cfg(feature = "rayon")]
mod threads;
mod train;

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

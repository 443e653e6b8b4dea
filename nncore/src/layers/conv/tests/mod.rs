//! Tests of the convolutions: the kernels and both layers against the direct formula, finite
//! differences, PyTorch's printed forms and initialization.

extern crate std;
use super::kernel::Geometry;
use super::{PyTuple, output_len};
use crate::module::Layer;
use crate::tensor::Tensor;
use core::fmt::Debug;
use rand::SeedableRng;
use std::format;
use std::vec::Vec;

mod conv1d;
mod conv2d;
mod kernel;
mod order;
mod phases;
mod reference;
mod shapes;
mod strided;
#[cfg(feature = "rayon")]
mod threads;

/// A convolution's sizes for the direct formula: input, output and kernel `[rows,
/// columns]`, and the output channels.
#[derive(Clone, Copy)]
pub(super) struct Sizes {
    pub(super) input: [usize; 2],
    pub(super) output: [usize; 2],
    pub(super) kernel: [usize; 2],
    pub(super) out: usize,
}

/// The direct formula in f64, from PyTorch's definition: `y[o][oh][ow] = b[o] +
/// Σ_c Σ_kh Σ_kw w[o][c][kh][kw] · x[g·ipg + c][oh·sh + kh·dh - ph][ow·sw + kw·dw - pw]`
/// with `g` the group of `o`, positions outside the input counting 0. Flat row-major
/// tensors in and out.
pub(super) fn naive(
    geo: &Geometry,
    sizes: Sizes,
    weight: &[f32],
    bias: Option<&[f32]>,
    x: &[f32],
) -> Vec<f64> {
    let Sizes {
        input: [h, w],
        output: [ho, wo],
        kernel: [kh, kw],
        out,
    } = sizes;
    let ipg = geo.in_per_group;
    let opg = out / geo.groups;
    let index = |o: usize, k: usize, axis: usize| {
        (o * geo.stride[axis] + k * geo.dilation[axis]).checked_sub(geo.padding[axis])
    };
    let mut y = Vec::with_capacity(out * ho * wo);
    for o in 0..out {
        let g = o / opg;
        for oh in 0..ho {
            for ow in 0..wo {
                let mut s = bias.map_or(0.0, |b| f64::from(b[o]));
                for c in 0..ipg {
                    for i in 0..kh {
                        for j in 0..kw {
                            let (Some(ih), Some(iw)) = (index(oh, i, 0), index(ow, j, 1)) else {
                                continue;
                            };
                            if ih >= h || iw >= w {
                                continue;
                            }
                            let xv = x[((g * ipg + c) * h + ih) * w + iw];
                            let wv = weight[((o * ipg + c) * kh + i) * kw + j];
                            s += f64::from(wv) * f64::from(xv);
                        }
                    }
                }
                y.push(s);
            }
        }
    }
    y
}

/// Deterministic values in [-1, 1] from a seed (xorshift).
pub(super) fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// The step of the central differences. The layers are linear in their parameters and in
/// their input, so the differences are exact but for rounding.
const STEP: f32 = 1e-2;

/// `Σ_b r_b · layer(x_b)` in f64.
fn loss<M: Layer<X, Y>, X: Tensor, Y: Tensor>(layer: &M, xs: &[X], rs: &[Y]) -> f64 {
    let dot = |x: &X, r: &Y| -> f64 {
        let y = layer.forward(x);
        y.flat()
            .iter()
            .zip(r.flat())
            .map(|(&y, &r)| f64::from(y) * f64::from(r))
            .sum()
    };
    xs.iter().zip(rs).map(|(x, r)| dot(x, r)).sum()
}

fn assert_close(analytic: f32, numeric: f64, what: &str) {
    let tolerance = 1e-3 * (1.0 + numeric.abs());
    assert!(
        (f64::from(analytic) - numeric).abs() < tolerance,
        "{what}: backward {analytic}, finite differences {numeric}"
    );
}

/// Over the batch `xs` with output gradients `dy = r`: the batch and training forms equal
/// the per-sample ones exactly, and the parameter and input gradients match central
/// differences of `Σ_b r_b · y_b`.
pub(super) fn check_layer<M, X, Y>(layer: &M, xs: &[X])
where
    M: Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor + Debug + PartialEq,
    Y: Tensor + Debug + PartialEq,
{
    let n = xs.len();
    let mut rs = std::vec![Y::ZERO; n];
    Y::flat_batch_mut(&mut rs).copy_from_slice(&values(n * Y::LEN, 7));
    // Forward: batch, per sample and training mode agree, and training changes nothing.
    let mut ys = std::vec![Y::ZERO; n];
    layer.forward_batch(xs, &mut ys);
    let per_sample: Vec<Y> = xs.iter().map(|x| layer.forward(x)).collect();
    assert_eq!(ys, per_sample);
    let (mut trained, mut ys_train) = (layer.clone(), std::vec![Y::ZERO; n]);
    let mut cache = std::vec![0.0; <M as Layer<X, Y>>::train_cache_len(n)];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    trained.forward_train(xs, &mut ys_train, &mut cache, &mut rng);
    assert_eq!((&trained, &ys_train), (layer, &ys));

    // Parameter gradients.
    let mut grads = M::zeros();
    layer.backward_params_batch(xs, &ys, &rs, &mut grads);
    let mut per_sample = M::zeros();
    for ((x, y), r) in xs.iter().zip(&ys).zip(&rs) {
        layer.backward_params(x, y, r, &mut per_sample);
    }
    assert_eq!(grads, per_sample);
    let mut train = M::zeros();
    layer.backward_train(xs, &ys, &rs, &mut cache.clone(), Some(&mut train), None);
    assert_eq!(grads, train);
    for (k, p) in grads.parameters().enumerate() {
        for (i, &g) in p.data.iter().enumerate() {
            let shifted = |step: f32| {
                let mut m = layer.clone();
                m.parameters_mut().nth(k).unwrap().data[i] += step;
                loss(&m, xs, &rs)
            };
            let numeric = (shifted(STEP) - shifted(-STEP)) / (2.0 * f64::from(STEP));
            assert_close(g, numeric, &std::format!("{}[{i}]", p.name));
        }
    }

    // Input gradients, overwriting what is there.
    let mut dxs = std::vec![X::ZERO; n];
    X::flat_batch_mut(&mut dxs).fill(9.0);
    layer.backward_input_batch(xs, &ys, &rs, &mut dxs);
    let per_sample: Vec<X> = (xs.iter().zip(&ys).zip(&rs))
        .map(|((x, y), r)| layer.backward_input(x, y, r))
        .collect();
    assert_eq!(dxs, per_sample);
    let mut train = std::vec![X::ZERO; n];
    layer.backward_train(xs, &ys, &rs, &mut cache.clone(), None, Some(&mut train));
    assert_eq!(dxs, train);
    let mut shifted_xs = xs.to_vec();
    for (i, &g) in X::flat_batch(&dxs).iter().enumerate() {
        let mut shifted = |step: f32| {
            let value = X::flat_batch(xs)[i];
            X::flat_batch_mut(&mut shifted_xs)[i] = value + step;
            let l = loss(layer, &shifted_xs, &rs);
            X::flat_batch_mut(&mut shifted_xs)[i] = value;
            l
        };
        let numeric = (shifted(STEP) - shifted(-STEP)) / (2.0 * f64::from(STEP));
        assert_close(g, numeric, &std::format!("dx[{i}]"));
    }
}

#[test]
fn tuples_print_as_python() {
    assert_eq!(format!("{}", PyTuple(&[3])), "(3,)");
    assert_eq!(format!("{}", PyTuple(&[3, 1])), "(3, 1)");
}

#[test]
fn output_lengths_follow_pytorch() {
    assert_eq!(output_len(32, 3, 1, 1, 1), Some(32));
    assert_eq!(output_len(20, 3, 1, 2, 2), Some(20));
    assert_eq!(output_len(7, 3, 2, 1, 1), Some(4));
    assert_eq!(output_len(2, 5, 1, 0, 1), None);
    assert_eq!(output_len(5, 0, 1, 0, 1), None);
}

//! Each model's evaluation-mode paths against finite differences and each other, and its
//! training-mode gradients against the evaluation-mode ones where the two modes compute the same
//! function (no BatchNorm, no Dropout).

use super::check::{Pieces, check_eval, check_train_matches_eval, smooth};
use super::fd::{Agree, ROUNDING, agree, agree_batches, batch, rng};
use super::models::*;
use crate::common::assert_close;
use nncore::prelude::*;
use nncore::{BufferDataMut, Grads};
use rand::RngExt;
use rand::rngs::StdRng;

/// Inputs, output gradients and MSE targets for `len` samples.
pub fn data<X: Tensor, Y: Tensor>(rng: &mut StdRng, len: usize) -> (Vec<X>, Vec<Y>, Vec<Y>) {
    (
        batch(rng, len, -1.0, 1.0),
        batch(rng, len, -1.0, 1.0),
        batch(rng, len, -1.0, 1.0),
    )
}

/// `check_eval`, then `check_train_matches_eval`, on `len` samples drawn after the model.
///
/// Every path adds each sample's parameter gradients into the sum one sample after another, in
/// the order of the batch, and the gradients reaching a value in the same order of nodes: the
/// per-sample path one sample through every node, the evaluation-mode block path a block of
/// samples through one node at a time, training mode the whole batch. So they agree bit for bit
/// (`Agree::Bits`) where each parameter has one sequence of terms: a layer applied once, and no
/// BatchNorm. A layer applied twice makes the order differ (one sample's two uses in turn, or
/// one use's block then the other's), and BatchNorm sums a batch's terms per channel before
/// adding them; those agree within rounding (`Agree::Rounding`).
fn check<M, X, Y>(
    what: &str,
    model: &M,
    rng: &mut StdRng,
    len: usize,
    pieces: Pieces<M, X>,
    how: Agree,
) where
    M: TrainModel<X, Y> + Layer<X, Y> + Clone + PartialEq + std::fmt::Debug,
    X: Tensor,
    Y: Tensor,
{
    let (xs, dys, targets) = data::<X, Y>(rng, len);
    check_eval(what, model, (&xs, &dys, &targets), pieces, how);
    check_train_matches_eval(what, model, (&xs, &dys, &targets), how);
}

#[test]
fn identity_shortcut() {
    let mut rng = rng(1);
    let model = Residual::init(&mut rng);
    check("Residual", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn nested_model_in_two_fields() {
    let mut rng = rng(2);
    let model = Stack::init(&mut rng);
    check("Stack", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn nested_model_applied_twice() {
    let mut rng = rng(3);
    let model = TwiceNested::init(&mut rng);
    check("TwiceNested", &model, &mut rng, 3, smooth, Agree::Rounding);
}

#[test]
fn value_used_three_times() {
    let mut rng = rng(4);
    let model = ThreeUses::init(&mut rng);
    check("ThreeUses", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn value_added_to_itself() {
    let mut rng = rng(5);
    let model = Doubled::init(&mut rng);
    check("Doubled", &model, &mut rng, 3, smooth, Agree::Bits);
    // `x + x` on the input: only `Layer::backward_input` (checked against finite differences
    // in `check_eval`) and a model around it see the sum's gradient.
    let model = InputTwice::init(&mut rng);
    check("InputTwice", &model, &mut rng, 3, smooth, Agree::Bits);
    let model = AfterInputTwice::init(&mut rng);
    check("AfterInputTwice", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn sizes_given_by_constants() {
    let mut rng = rng(13);
    let model = ConstStack::init(&mut rng);
    check("ConstStack", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn let_shadowing() {
    let mut rng = rng(6);
    let model = Shadowing::init(&mut rng);
    check("Shadowing", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn nested_two_and_three_deep() {
    let mut rng = rng(7);
    let model = Middle::init(&mut rng);
    check("Middle", &model, &mut rng, 3, smooth, Agree::Bits);
    let model = Outer::init(&mut rng);
    check("Outer", &model, &mut rng, 3, smooth, Agree::Bits);
}

/// Which side of 0 each ReLU input of `ReluTwice` is on.
fn relu_twice_pieces(model: &ReluTwice, x: &[f32; 3]) -> Vec<u8> {
    let z1: [f32; 4] = model.fc1.forward(x);
    let h: [f32; 4] = model.relu.forward(&z1);
    let f: [f32; 4] = model.fc2.forward(&h);
    let z2: Vec<f32> = f.iter().zip(&h).map(|(a, b)| a + b).collect();
    z1.iter().chain(&z2).map(|&v| u8::from(v > 0.0)).collect()
}

#[test]
fn parameterless_layer_applied_twice() {
    // A seed whose weights and inputs keep every ReLU input more than a step from 0
    // (`check_eval` asserts it).
    let mut rng = rng(8);
    let model = ReluTwice::init(&mut rng);
    check(
        "ReluTwice",
        &model,
        &mut rng,
        3,
        relu_twice_pieces,
        Agree::Bits,
    );
}

#[test]
fn weight_sharing() {
    let mut rng = rng(9);
    let shared = Shared::init(&mut rng);
    check("Shared", &shared, &mut rng, 3, smooth, Agree::Rounding);
    // The same function with the shared layer unrolled into two: its two layers' gradients add
    // up to the shared layer's.
    let unshared = Unshared {
        fc_a: shared.fc.clone(),
        act: shared.act,
        fc_b: shared.fc.clone(),
        head: shared.head.clone(),
    };
    let (xs, dys, _) = data::<[f32; 4], [f32; 2]>(&mut rng, 5);
    agree_batches(
        "Unshared vs Shared: outputs",
        &shared.forward_batch(&xs),
        &unshared.forward_batch(&xs),
        Agree::Bits,
    );
    let (mut g_shared, mut g_unshared) = (Grads::<Shared>::new(), Grads::<Unshared>::new());
    shared.backward(&xs, &dys, &mut g_shared).unwrap();
    unshared.backward(&xs, &dys, &mut g_unshared).unwrap();
    agree("head", &g_shared.head, &g_unshared.head, Agree::Bits);
    let both = g_unshared
        .fc_a
        .parameters()
        .zip(g_unshared.fc_b.parameters());
    for (p, (a, b)) in g_shared.fc.parameters().zip(both) {
        for (i, ((&s, &a), &b)) in p.data.iter().zip(a.data).zip(b.data).enumerate() {
            let sum = f64::from(a) + f64::from(b);
            assert_close(
                f64::from(s),
                sum,
                ROUNDING,
                format_args!("fc.{}[{i}]", p.name),
            );
        }
        // Each use alone is far from the sum: the test would see one of them dropped.
        assert_ne!(p.data, a.data, "fc.{}: the first use alone", p.name);
    }
}

#[test]
fn parameterless_first_layer() {
    let mut rng = rng(10);
    let model = ParamlessFirst::init(&mut rng);
    check("ParamlessFirst", &model, &mut rng, 3, smooth, Agree::Bits);
    let model = GateFirst::init(&mut rng);
    check("GateFirst", &model, &mut rng, 3, smooth, Agree::Bits);
    let model = AfterParamless::init(&mut rng);
    check("AfterParamless", &model, &mut rng, 3, smooth, Agree::Bits);
    // A nested model without parameters: its own backward has nothing to do unless asked for
    // the input gradient, which `fc1` needs.
    let model = Gated::init(&mut rng);
    check("Gated", &model, &mut rng, 3, smooth, Agree::Bits);
}

#[test]
fn conv_residual_with_a_conv_applied_twice() {
    let mut rng = rng(11);
    let model = ConvResidual::init(&mut rng);
    check("ConvResidual", &model, &mut rng, 3, smooth, Agree::Rounding);
}

/// Running statistics and affine parameters of every BatchNorm drawn at random, so that
/// evaluation mode's normalization is not the identity; the biases too.
pub fn randomize_state<M: Module>(model: &mut M, rng: &mut StdRng) {
    for b in model.buffers_mut() {
        if let BufferDataMut::F32(data) = b.data {
            let (lo, hi) = if b.name.param == "running_var" {
                (0.5, 2.0)
            } else {
                (-0.5, 0.5)
            };
            data.iter_mut().for_each(|v| *v = rng.random_range(lo..hi));
        }
    }
    for p in model.parameters_mut() {
        if p.shape.len() == 1 {
            let (lo, hi) = if p.name.param == "weight" {
                (0.5, 1.5)
            } else {
                (-0.5, 0.5)
            };
            p.data
                .iter_mut()
                .for_each(|v| *v = rng.random_range(lo..hi));
        }
    }
}

#[test]
fn batchnorm_and_dropout_in_evaluation_mode() {
    let mut rng = rng(12);
    let mut model = ConvNet::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[[[f32; 5]; 5]; 1], [f32; 2]>(&mut rng, 3);
    check_eval(
        "ConvNet",
        &model,
        (&xs, &dys, &targets),
        smooth,
        Agree::Rounding,
    );
    let mut model = DropNet::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[f32; 3], [f32; 2]>(&mut rng, 3);
    check_eval(
        "DropNet",
        &model,
        (&xs, &dys, &targets),
        smooth,
        Agree::Rounding,
    );
    let mut model = NormTwice::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 2]>(&mut rng, 3);
    check_eval(
        "NormTwice",
        &model,
        (&xs, &dys, &targets),
        smooth,
        Agree::Rounding,
    );
    let model = DropTwice::init(&mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 2]>(&mut rng, 3);
    check_eval(
        "DropTwice",
        &model,
        (&xs, &dys, &targets),
        smooth,
        Agree::Bits,
    );
}

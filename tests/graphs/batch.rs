//! Batches longer than a block, and batch invariance: a sample's outputs and gradients are the
//! same bits alone or anywhere in a batch of any length, as `tests/batch_invariance.rs` checks
//! for chains, here through residual adds and nested models.

use std::fmt::Debug;

use super::check::{check_eval, check_train_matches_eval, smooth};
use super::fd::{Agree, agree, agree_batches, batch, rng};
use super::models::*;
use super::paths::data;
use nncore::prelude::*;
use nncore::{Grads, Train};

/// Batches that fill no block, one block exactly, and several blocks with a rest: the blocks
/// hold at most 8 samples backward and 32 forward (`nncore/src/heap.rs`).
const LENS: [usize; 8] = [1, 2, 6, 7, 8, 9, 33, 70];

/// 100 samples: twelve blocks and a rest backward, three and a rest forward. Every path against
/// finite differences and the others, as for the short batches of `paths.rs`.
#[test]
fn batches_longer_than_a_block() {
    let mut rng = rng(30);
    let model = Residual::init(&mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 4]>(&mut rng, 100);
    let batch = (&xs[..], &dys[..], &targets[..]);
    check_eval("Residual, 100 samples", &model, batch, smooth, Agree::Bits);
    check_train_matches_eval("Residual, 100 samples", &model, batch, Agree::Bits);

    let model = TwiceNested::init(&mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 2]>(&mut rng, 100);
    let batch = (&xs[..], &dys[..], &targets[..]);
    check_eval(
        "TwiceNested, 100 samples",
        &model,
        batch,
        smooth,
        Agree::Rounding,
    );
    check_train_matches_eval("TwiceNested, 100 samples", &model, batch, Agree::Rounding);
}

/// A nested model whose blocks are shorter than its parent's.
#[test]
fn nested_blocks_shorter_than_the_parent_s() {
    let mut rng = rng(31);
    let model = WideStack::init(&mut rng);
    let (xs, dys, targets) = data::<[f32; 3], [f32; 2]>(&mut rng, 2);
    check_eval(
        "WideStack",
        &model,
        (&xs, &dys, &targets),
        smooth,
        Agree::Bits,
    );
    let (xs, dys, targets) = data::<[f32; 3], [f32; 2]>(&mut rng, 23);
    let long = (&xs[..], &dys[..], &targets[..]);
    check_train_matches_eval("WideStack, 23 samples", &model, long, Agree::Bits);
    gradients_accumulate_sample_by_sample("WideStack", &model, &xs, &dys);
    // The nested model alone, as a layer, over a batch that is not a whole number of its
    // blocks: input gradients and parameter gradients as one sample at a time gives them.
    let block = &model.block;
    let xs: Vec<[f32; 4]> = batch(&mut rng, 23, -1.0, 1.0);
    let dys: Vec<[f32; 4]> = batch(&mut rng, 23, -1.0, 1.0);
    let ys = block.forward_batch(&xs);
    let (mut one_by_one, mut at_once) = (Wide::zeros(), Wide::zeros());
    let mut dxs = vec![[0.0; 4]; xs.len()];
    let mut dxs_one = Vec::new();
    for ((x, y), dy) in xs.iter().zip(&ys).zip(&dys) {
        Layer::backward_params(block, x, y, dy, &mut one_by_one);
        dxs_one.push(Layer::backward_input(block, x, y, dy));
    }
    Layer::backward_batch(block, &xs, &ys, &dys, Some(&mut at_once), Some(&mut dxs));
    agree(
        "Wide: Layer::backward_batch",
        &one_by_one,
        &at_once,
        Agree::Bits,
    );
    agree_batches(
        "Wide: Layer::backward_batch dx",
        &dxs_one,
        &dxs,
        Agree::Bits,
    );
}

/// A sample's output is the same bits alone, in an evaluation-mode batch and in a
/// training-mode one, whatever the batch's length.
fn outputs_do_not_depend_on_the_batch<M, X, Y>(what: &str, model: &M, seed: u64)
where
    M: TrainModel<X, Y> + Layer<X, Y> + Clone,
    X: Tensor,
    Y: Tensor,
{
    let mut rng = rng(seed);
    let mut train = Train::new(super::fd::rng(seed + 1));
    let mut trained = model.clone();
    for len in LENS {
        let xs: Vec<X> = batch(&mut rng, len, -2.0, 2.0);
        let alone: Vec<Y> = xs.iter().map(|x| Model::forward(model, x)).collect();
        let mut in_batch = vec![Y::ZERO; len];
        Model::forward_into(model, &xs, &mut in_batch).unwrap();
        agree_batches(
            &format!("{what}: evaluation, {len} samples"),
            &alone,
            &in_batch,
            Agree::Bits,
        );
        let mut as_layer = vec![Y::ZERO; len];
        Layer::forward_batch(model, &xs, &mut as_layer);
        agree_batches(
            &format!("{what}: as a layer, {len} samples"),
            &alone,
            &as_layer,
            Agree::Bits,
        );
        let mut in_training = vec![Y::ZERO; len];
        train
            .forward_into(&mut trained, &xs, &mut in_training)
            .unwrap();
        let what = format!("{what}: training mode, {len} samples");
        agree_batches(&what, &alone, &in_training, Agree::Bits);
    }
}

/// A batch's gradients are the same bits as its samples' one after another, in evaluation and
/// training mode, and with the batch split in two anywhere.
fn gradients_accumulate_sample_by_sample<M, X, Y>(what: &str, model: &M, xs: &[X], dys: &[Y])
where
    M: TrainModel<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let mut train = Train::new(rng(0));
    let mut trained = model.clone();
    for len in LENS.into_iter().filter(|&len| len <= xs.len()) {
        let (xs, dys) = (&xs[..len], &dys[..len]);
        // A non-zero start: a batch adds onto what is there.
        let mut start = M::zeros();
        Model::backward_sample(model, &xs[0], &mut start, |_| dys[0]);
        let mut one_by_one = start.clone();
        for (x, dy) in xs.iter().zip(dys) {
            Model::backward_sample(model, x, &mut one_by_one, |_| *dy);
        }
        let mut evaluation = Grads::<M>::new();
        *evaluation = start.clone();
        Model::backward(model, xs, dys, &mut evaluation).unwrap();
        let what_len = format!("{what}: {len} samples");
        agree(
            &format!("{what_len}, evaluation"),
            &one_by_one,
            &*evaluation,
            Agree::Bits,
        );
        let mut training = Grads::<M>::new();
        *training = start.clone();
        train
            .backward(&mut trained, xs, dys, &mut training)
            .unwrap();
        agree(
            &format!("{what_len}, training"),
            &one_by_one,
            &*training,
            Agree::Bits,
        );
        let split = len / 3;
        let mut halves = Grads::<M>::new();
        *halves = start.clone();
        Model::backward(model, &xs[..split], &dys[..split], &mut halves).unwrap();
        train
            .backward(&mut trained, &xs[split..], &dys[split..], &mut halves)
            .unwrap();
        agree(
            &format!("{what_len}, split at {split}"),
            &one_by_one,
            &*halves,
            Agree::Bits,
        );
    }
}

#[test]
fn residual_nested_outputs_do_not_depend_on_the_batch() {
    let mut rng = rng(32);
    outputs_do_not_depend_on_the_batch("Stack", &Stack::init(&mut rng), 33);
    outputs_do_not_depend_on_the_batch("WideStack", &WideStack::init(&mut rng), 34);
    outputs_do_not_depend_on_the_batch("ConvResidual", &ConvResidual::init(&mut rng), 35);
}

#[test]
fn residual_nested_gradients_accumulate_whatever_the_batch() {
    let mut rng = rng(36);
    let model = Stack::init(&mut rng);
    let (xs, dys, _) = data::<[f32; 3], [f32; 2]>(&mut rng, 70);
    gradients_accumulate_sample_by_sample("Stack", &model, &xs, &dys);
    let model = Outer::init(&mut rng);
    let (xs, dys, _) = data::<[f32; 3], [f32; 2]>(&mut rng, 70);
    gradients_accumulate_sample_by_sample("Outer", &model, &xs, &dys);
}

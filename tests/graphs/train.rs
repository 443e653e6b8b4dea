//! Training mode of models with BatchNorm and Dropout against finite differences of the
//! training-mode forward (`check::check_train`): BatchNorm normalizes by the batch's statistics,
//! so every sample's output depends on every other's, and Dropout's masks come from the seed.

use super::check::check_train;
use super::fd::{self, Agree, agree, rng};
use super::models::*;
use super::paths::{data, randomize_state};
use nncore::Layer;
use nncore::{Grads, Train};

#[test]
fn batchnorm_residual_with_a_downsample_in_training_mode() {
    let mut rng = rng(20);
    let mut model = ConvNet::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[[[f32; 5]; 5]; 1], [f32; 2]>(&mut rng, 4);
    check_train("ConvNet", &model, (&xs, &dys, &targets), 0);

    // The block alone, whose first layer is a convolution without bias: its input gradient
    // comes through both branches, each through a BatchNorm on batch statistics.
    let mut model = ConvBlock::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[[[f32; 5]; 5]; 2], [[[f32; 3]; 3]; 3]>(&mut rng, 2);
    check_train("ConvBlock", &model, (&xs, &dys, &targets), 0);
}

#[test]
fn dropout_and_batchnorm_in_training_mode() {
    let mut rng = rng(21);
    for seed in [1, 2] {
        let mut model = DropNet::init(&mut rng);
        randomize_state(&mut model, &mut rng);
        let (xs, dys, targets) = data::<[f32; 3], [f32; 2]>(&mut rng, 12);
        check_train(
            &format!("DropNet, seed {seed}"),
            &model,
            (&xs, &dys, &targets),
            seed,
        );
    }
    let model = DropBlock::init(&mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 4]>(&mut rng, 12);
    check_train("DropBlock", &model, (&xs, &dys, &targets), 3);
}

#[test]
fn layers_with_state_applied_twice_in_training_mode() {
    let mut rng = rng(24);
    let mut model = NormTwice::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let (xs, dys, targets) = data::<[f32; 4], [f32; 2]>(&mut rng, 12);
    check_train("NormTwice", &model, (&xs, &dys, &targets), 0);
    // Both applications update the running statistics, one after the other: as the block
    // alone run forward twice, the second time on the first's output.
    let mut trained = model.clone();
    let mut ys = vec![[0.0; 2]; xs.len()];
    Train::new(fd::rng(0))
        .forward_into(&mut trained, &xs, &mut ys)
        .unwrap();
    let mut block = model.block.clone();
    let (mut h1, mut h2) = (vec![[0.0; 4]; xs.len()], vec![[0.0; 4]; xs.len()]);
    let mut cache = vec![0.0; <NormBlock as Layer<[f32; 4], [f32; 4]>>::train_cache_len(xs.len())];
    Layer::forward_train(&mut block, &xs, &mut h1, &mut cache, &mut fd::rng(0));
    Layer::forward_train(&mut block, &h1, &mut h2, &mut cache, &mut fd::rng(0));
    assert_eq!(
        trained.block, block,
        "the block's state after two applications"
    );
    assert_eq!(trained.block.bn.num_batches_tracked, 2);

    for seed in [4, 5] {
        let model = DropTwice::init(&mut rng);
        let (xs, dys, targets) = data::<[f32; 4], [f32; 2]>(&mut rng, 6);
        check_train(
            &format!("DropTwice, seed {seed}"),
            &model,
            (&xs, &dys, &targets),
            seed,
        );
    }
}

/// Dropout draws a new mask on every training-mode forward: the same batch twice gives other
/// gradients. A model without Dropout gives the same bits every time, whatever the workspace
/// held before.
#[test]
fn training_mode_draws_new_masks() {
    let mut rng = rng(22);
    let model = DropNet::init(&mut rng);
    let (xs, dys, _) = data::<[f32; 3], [f32; 2]>(&mut rng, 6);
    let mut train = Train::new(fd::rng(23));
    let (mut first, mut second) = (Grads::<DropNet>::new(), Grads::<DropNet>::new());
    let mut trained = model.clone();
    train.backward(&mut trained, &xs, &dys, &mut first).unwrap();
    train
        .backward(&mut trained, &xs, &dys, &mut second)
        .unwrap();
    assert_ne!(first, second, "two training-mode passes draw two masks");

    let model = Residual::init(&mut rng);
    let (xs, dys, _) = data::<[f32; 4], [f32; 4]>(&mut rng, 6);
    let (mut first, mut second) = (Grads::<Residual>::new(), Grads::<Residual>::new());
    let mut trained = model.clone();
    train.backward(&mut trained, &xs, &dys, &mut first).unwrap();
    train
        .backward(&mut trained, &xs, &dys, &mut second)
        .unwrap();
    agree("Residual, twice", &*first, &*second, Agree::Bits);
}

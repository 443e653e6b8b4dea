//! The checks every model goes through: each gradient path against finite differences of the
//! library's own forward pass and against the other paths.

use std::fmt::Debug;

use super::fd::{
    Agree, Worst, agree, agree_batches, agree_values, central, check_inputs, check_params,
    five_point, mse, rng, weighted,
};
use nncore::prelude::*;
use nncore::{Grads, MSELoss, Train};

/// Which side of each kink every activation input of a sample is on; nothing for a model
/// without kinks.
pub type Pieces<M, X> = fn(&M, &X) -> Vec<u8>;

/// A model without kinks.
pub fn smooth<M, X>(_: &M, _: &X) -> Vec<u8> {
    Vec::new()
}

/// Every evaluation-mode path of `model` at `xs`, with the output gradients `dys` and the MSE
/// targets `targets`: `backward_sample` one sample at a time and `Layer::backward_input`
/// against finite differences; `backward` (the block path), the `Layer` methods and
/// `backward_loss` against those, agreeing as `how` says.
pub fn check_eval<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    pieces: Pieces<M, X>,
    how: Agree,
) where
    M: Model<X, Y> + Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let mut worst = Worst::default();
    let sides: Vec<Vec<u8>> = xs.iter().map(|x| pieces(model, x)).collect();
    let output = |m: &M, b: usize, x: &X| {
        assert!(
            pieces(m, x) == sides[b],
            "{what}: a finite-difference step crossed a kink; use other inputs"
        );
        Model::forward(m, x)
    };
    let outputs = |m: &M| -> Vec<Y> {
        xs.iter()
            .enumerate()
            .map(|(b, x)| output(m, b, x))
            .collect()
    };

    let mut by_sample = M::zeros();
    for (x, dy) in xs.iter().zip(dys) {
        Model::backward_sample(model, x, &mut by_sample, |_| *dy);
    }
    let what_sample = format!("{what}: backward_sample");
    let objective = |m: &M| weighted(&outputs(m), dys);
    check_params(
        (&what_sample, central),
        model,
        &by_sample,
        objective,
        &mut worst,
    );

    let ys = Model::forward_batch(model, xs);
    agree_batches(
        &format!("{what}: forward_batch"),
        &outputs(model),
        &ys,
        Agree::Bits,
    );

    let mut blocks = Grads::<M>::new();
    Model::backward(model, xs, dys, &mut blocks).unwrap();
    agree(&format!("{what}: backward"), &by_sample, &*blocks, how);

    // The model as a layer of another.
    let mut params = M::zeros();
    for ((x, y), dy) in xs.iter().zip(&ys).zip(dys) {
        Layer::backward_params(model, x, y, dy, &mut params);
    }
    agree(
        &format!("{what}: Layer::backward_params"),
        &by_sample,
        &params,
        how,
    );
    let mut params_batch = M::zeros();
    Layer::backward_params_batch(model, xs, &ys, dys, &mut params_batch);
    agree(
        &format!("{what}: Layer::backward_params_batch"),
        &by_sample,
        &params_batch,
        how,
    );
    let dxs: Vec<X> = xs
        .iter()
        .zip(&ys)
        .zip(dys)
        .map(|((x, y), dy)| Layer::backward_input(model, x, y, dy))
        .collect();
    let what_input = format!("{what}: Layer::backward_input");
    let objective = |b: usize, x: &X| weighted(&[output(model, b, x)], &dys[b..=b]);
    check_inputs((&what_input, central), xs, &dxs, objective, &mut worst);
    let mut dxs_batch = vec![X::ZERO; xs.len()];
    Layer::backward_input_batch(model, xs, &ys, dys, &mut dxs_batch);
    agree_batches(
        &format!("{what}: Layer::backward_input_batch"),
        &dxs,
        &dxs_batch,
        how,
    );
    let (mut both, mut dxs_both) = (M::zeros(), vec![X::ZERO; xs.len()]);
    Layer::backward_batch(model, xs, &ys, dys, Some(&mut both), Some(&mut dxs_both));
    agree(
        &format!("{what}: Layer::backward_batch"),
        &by_sample,
        &both,
        how,
    );
    agree_batches(
        &format!("{what}: Layer::backward_batch dx"),
        &dxs,
        &dxs_both,
        how,
    );

    let loss_fn = MSELoss::new();
    let mut fused = Grads::<M>::new();
    let loss = Model::backward_loss(model, &loss_fn, xs, targets, &mut fused).unwrap();
    let forward_loss = loss_fn.forward(&ys, targets).unwrap();
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: the loss {loss} vs {forward_loss}"
    );
    let mut split = Grads::<M>::new();
    let loss_grads = loss_fn.backward(&ys, targets).unwrap();
    Model::backward(model, xs, &loss_grads, &mut split).unwrap();
    assert_eq!(
        fused, split,
        "{what}: backward_loss and backward of the loss's gradient"
    );
    let objective = |m: &M| mse(&outputs(m), targets);
    check_params(
        (&format!("{what}: backward_loss"), central),
        model,
        &fused,
        objective,
        &mut worst,
    );
    println!("{what}: {worst}");
}

/// Training mode of a model without BatchNorm or Dropout, which computes what evaluation mode
/// does: `Train::backward`, `Train::backward_loss` and `Train::forward_into` against the
/// evaluation-mode paths, agreeing as `how` says; and the model unchanged. The `Train` has
/// first run another batch, so that its workspace holds stale values rather than zeros.
pub fn check_train_matches_eval<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    how: Agree,
) where
    M: TrainModel<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let mut train = Train::new(rng(0));
    let mut trained = model.clone();
    let (stale_xs, stale_dys): (Vec<X>, Vec<Y>) =
        xs.iter().rev().zip(dys).map(|(x, d)| (*x, *d)).unzip();
    train
        .backward(&mut trained, &stale_xs, &stale_dys, &mut Grads::new())
        .unwrap();

    let mut eval = Grads::<M>::new();
    model.backward(xs, dys, &mut eval).unwrap();
    let mut in_training = Grads::<M>::new();
    train
        .backward(&mut trained, xs, dys, &mut in_training)
        .unwrap();
    agree(
        &format!("{what}: Train::backward"),
        &*eval,
        &*in_training,
        how,
    );

    let loss_fn = MSELoss::new();
    let mut eval = Grads::<M>::new();
    let eval_loss = model
        .backward_loss(&loss_fn, xs, targets, &mut eval)
        .unwrap();
    let mut in_training = Grads::<M>::new();
    let loss = train
        .backward_loss(&mut trained, &loss_fn, xs, targets, &mut in_training)
        .unwrap();
    agree(
        &format!("{what}: Train::backward_loss"),
        &*eval,
        &*in_training,
        how,
    );
    agree_values(
        &format!("{what}: the training-mode loss"),
        &[eval_loss],
        &[loss],
        how,
    );

    let mut ys = vec![Y::ZERO; xs.len()];
    train.forward_into(&mut trained, xs, &mut ys).unwrap();
    agree_batches(
        &format!("{what}: Train::forward_into"),
        &model.forward_batch(xs),
        &ys,
        how,
    );
    assert_eq!(
        &trained, model,
        "{what}: training mode changed a model without buffers"
    );
}

/// Training mode of a model with BatchNorm or Dropout against finite differences of the
/// training-mode forward: each step re-runs the whole batch (BatchNorm couples its samples) on
/// a fresh copy (its running statistics stay as they were) with a generator of the same seed
/// (Dropout draws the same masks). Covers `Train::backward`, `Train::backward_loss`, and the
/// model as a layer in training mode (`Layer::forward_train`, `Layer::backward_train` with
/// input gradients).
pub fn check_train<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    seed: u64,
) where
    M: TrainModel<X, Y> + Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let run = |m: &M, xs: &[X]| -> Vec<Y> {
        let mut m = m.clone();
        let mut ys = vec![Y::ZERO; xs.len()];
        Train::new(rng(seed))
            .forward_into(&mut m, xs, &mut ys)
            .unwrap();
        ys
    };
    let mut worst = Worst::default();

    let (mut grads, mut after) = (Grads::<M>::new(), model.clone());
    Train::new(rng(seed))
        .backward(&mut after, xs, dys, &mut grads)
        .unwrap();
    let objective = |m: &M| weighted(&run(m, xs), dys);
    check_params(
        (&format!("{what}: Train::backward"), five_point),
        model,
        &grads,
        objective,
        &mut worst,
    );
    let mut once = model.clone();
    let mut ys = vec![Y::ZERO; xs.len()];
    Train::new(rng(seed))
        .forward_into(&mut once, xs, &mut ys)
        .unwrap();
    assert_eq!(
        after, once,
        "{what}: backward's forward updates the running statistics once"
    );

    let (mut layer, mut cache) = (model.clone(), vec![0.0; M::train_cache_len(xs.len())]);
    let mut layer_ys = vec![Y::ZERO; xs.len()];
    Layer::forward_train(&mut layer, xs, &mut layer_ys, &mut cache, &mut rng(seed));
    agree_batches(
        &format!("{what}: Layer::forward_train"),
        &ys,
        &layer_ys,
        Agree::Bits,
    );
    let (mut layer_grads, mut dxs) = (M::zeros(), vec![X::ZERO; xs.len()]);
    let dx = Some(&mut dxs[..]);
    Layer::backward_train(
        &layer,
        xs,
        &layer_ys,
        dys,
        &mut cache,
        Some(&mut layer_grads),
        dx,
    );
    agree(
        &format!("{what}: Layer::backward_train"),
        &*grads,
        &layer_grads,
        Agree::Bits,
    );
    let objective = |b: usize, x: &X| {
        let mut xs = xs.to_vec();
        xs[b] = *x;
        weighted(&run(model, &xs), dys)
    };
    check_inputs(
        (&format!("{what}: Layer::backward_train dx"), five_point),
        xs,
        &dxs,
        objective,
        &mut worst,
    );

    let (mut grads, mut trained) = (Grads::<M>::new(), model.clone());
    let loss_fn = MSELoss::new();
    let loss = Train::new(rng(seed))
        .backward_loss(&mut trained, &loss_fn, xs, targets, &mut grads)
        .unwrap();
    let forward_loss = loss_fn.forward(&ys, targets).unwrap();
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: the training-mode loss"
    );
    let objective = |m: &M| mse(&run(m, xs), targets);
    check_params(
        (&format!("{what}: Train::backward_loss"), five_point),
        model,
        &grads,
        objective,
        &mut worst,
    );
    println!("{what} (training mode): {worst}");
}

//! The four MLPerf Tiny reference models, declared as PyTorch would build them from the
//! reference Keras code, counted, and trained a few steps.
//!
//! `cargo run --release --example mlperf_tiny`. The reference models are those of MLCommons'
//! `tiny` repository (<https://github.com/mlcommons/tiny>, Apache-2.0), `benchmark/training/`:
//! the anomaly-detection autoencoder, the keyword-spotting DS-CNN, the visual-wake-words
//! MobileNetV1 and the image-classification ResNet-8. Each is written here layer for layer as
//! its Keras source builds it, in PyTorch's spelling. For each model the example prints its
//! parameters, its running statistics, the bytes its inference needs and its multiply-adds,
//! checks the counts against the ones Keras reports, then trains it five steps on one generated
//! batch of 8 (in training mode) and checks that the loss went down.
//!
//! Keras and PyTorch spell the same layers differently:
//!
//! - Keras counts BatchNorm's running mean and variance as "non-trainable params"; PyTorch
//!   keeps them as buffers, beside `num_batches_tracked`. Here `params` is Keras' trainable
//!   count and `running stats` its non-trainable one.
//! - Keras' `BatchNormalization` has eps 1e-3 (PyTorch's default is 1e-5), hence
//!   `BatchNorm2d(c, eps = 1e-3)`. Its momentum 0.99 weighs the old running value; PyTorch's
//!   momentum weighs the new one, so Keras' is PyTorch's `momentum=0.01`. The declarations keep
//!   PyTorch's 0.1, which changes only how fast the running statistics follow the batches.
//! - `padding='same'` with stride 1 and an odd kernel pads (k - 1) / 2 on every side: PyTorch's
//!   `padding=k // 2`. With stride 2, TensorFlow pads `max((ceil(n / s) - 1) * s + k - n, 0)`
//!   in all, the odd one after (below, right), which PyTorch writes as `ZeroPad2d((left, right,
//!   top, bottom))` before a convolution without padding.
//! - A final `Dense(..., activation='softmax')` is a `Linear` here: the models give logits, and
//!   `CrossEntropyLoss` applies the log-softmax.
//! - Keras' `kernel_regularizer=l2(1e-4)` adds 1e-4 times the sum of the squared kernel weights
//!   to the loss: a training choice, not part of the model. Keras' initializers (`he_normal`,
//!   `glorot_uniform`, zero biases) differ from PyTorch's, which `init` follows.

use std::error::Error;
use std::time::Instant;

use nncore::prelude::*;
use nncore::{
    Adam, AdamConfig, BufferData, CrossEntropyLoss, Grads, MSELoss, SGD, SGDConfig, Train,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

mod models;
use models::{AutoEncoder, DsCnn, MobileNetV1, ResNet8};

/// A 49×10 MFCC map, one channel.
type Mfcc = [[[f32; 10]; 49]; 1];
/// A 96×96 RGB image.
type Image96 = [[[f32; 96]; 96]; 3];
/// A 32×32 RGB image.
type Image32 = [[[f32; 32]; 32]; 3];

const STEPS: usize = 5;
const BATCH: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut rng = StdRng::seed_from_u64(0);

    // Each model: its counts, checked against Keras' `model.summary()` (trainable, and the
    // total with the running statistics), then STEPS steps on one batch in training mode.
    let mut model = AutoEncoder::init_boxed(&mut rng);
    report(&*model, "anomaly detection autoencoder", 267_928, 269_992);
    // MSE and Adam, as the reference trains it (`baseline.yaml`); the targets are the inputs.
    let frames = frames(&mut rng);
    let losses = train(
        &mut *model,
        &MSELoss::new(),
        &mut Adam::new(AdamConfig::default())?,
        &frames,
        &frames,
    )?;
    check_losses(&losses);

    let mut model = DsCnn::init_boxed(&mut rng);
    report(&*model, "keyword spotting DS-CNN", 23_756, 24_908);
    // The classifiers: cross-entropy on logits (Keras: softmax, then the cross-entropy).
    let (xs, ys) = classes::<Mfcc>(12, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut Adam::new(AdamConfig {
            lr: 3e-3,
            ..AdamConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    let mut model = MobileNetV1::init_boxed(&mut rng);
    report(
        &*model,
        "visual wake words MobileNetV1 0.25×",
        216_322,
        221_794,
    );
    let (xs, ys) = classes::<Image96>(2, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut Adam::new(AdamConfig {
            lr: 3e-3,
            ..AdamConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    let mut model = ResNet8::init_boxed(&mut rng);
    report(&*model, "image classification ResNet-8", 78_186, 78_666);
    let (xs, ys) = classes::<Image32>(10, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut SGD::new(SGDConfig {
            lr: 0.05,
            momentum: 0.9,
            ..SGDConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    println!("all four in {:.2?}", start.elapsed());
    Ok(())
}

/// Prints the model's counts and checks them against Keras': `trainable` parameters, and
/// `keras_total` with BatchNorm's running means and variances.
fn report<M: Module>(model: &M, name: &str, trainable: usize, keras_total: usize) {
    let stats = running_stats(model);
    println!(
        "{name}: params {}, running stats {stats}, arena bytes {}, multiply-adds {}",
        M::NUM_PARAMS,
        M::ARENA_BYTES,
        M::MULTIPLY_ADDS
    );
    println!(
        "  training needs {} bytes a sample (every value, its gradient, the layers' caches)",
        M::TRAIN_BYTES
    );
    assert_eq!(M::NUM_PARAMS, trainable, "{name}: Keras' trainable params");
    assert_eq!(
        stats,
        keras_total - trainable,
        "{name}: Keras' non-trainable params"
    );
}

/// The running means and variances: every `float32` buffer. (`num_batches_tracked`, one per
/// BatchNorm, is an `int64` buffer that Keras does not have.)
fn running_stats<M: Module>(model: &M) -> usize {
    let f32_len = |data| match data {
        BufferData::F32(values) => values.len(),
        BufferData::I64(_) => 0,
    };
    model.buffers().map(|b| f32_len(b.data)).sum()
}

/// Trains `model` STEPS steps on one batch, in training mode (BatchNorm on the batch's
/// statistics, Dropout on): `zero_grad`, forward and backward, `step`. Returns the loss of every
/// step, as the training-mode forward computed it before the step.
fn train<M, X, Y, L>(
    model: &mut M,
    loss_fn: &L,
    optimizer: &mut impl Optimizer<M>,
    xs: &[X],
    targets: &[L::Target],
) -> Result<Vec<f32>, Box<dyn Error>>
where
    M: TrainModel<X, Y>,
    X: Tensor,
    Y: Tensor,
    L: Loss<Y>,
{
    let mut grads = Grads::<M>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    let mut losses = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        grads.zero_grad();
        losses.push(train.backward_loss(model, loss_fn, xs, targets, &mut grads)?);
        optimizer.step(model, &grads);
    }
    Ok(losses)
}

/// Prints the losses, and checks that the last is below the first.
fn check_losses(losses: &[f32]) {
    let shown: Vec<String> = losses.iter().map(|l| format!("{l:.4}")).collect();
    println!("  losses: {}", shown.join(", "));
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    assert!(
        last < first,
        "the loss did not go down: {}",
        shown.join(", ")
    );
}

/// BATCH autoencoder inputs: smooth spectra, each a mix of three fixed shapes (peaks
/// at a few mel bands, repeated over the 5 frames) with random weights, plus a little noise.
fn frames(rng: &mut StdRng) -> Vec<[f32; 640]> {
    let shapes: Vec<[f32; 128]> = (0..3)
        .map(|_| {
            let (center, width) = (rng.random_range(10.0..118.0), rng.random_range(3.0..12.0));
            std::array::from_fn(|mel| {
                let d = (mel as f32 - center) / width;
                (-d * d).exp()
            })
        })
        .collect();
    (0..BATCH)
        .map(|_| {
            let weights: [f32; 3] = std::array::from_fn(|_| rng.random_range(0.0..2.0));
            std::array::from_fn(|i| {
                let mel = i % 128;
                let value: f32 = weights.iter().zip(&shapes).map(|(w, s)| w * s[mel]).sum();
                value + 0.1 * noise(rng)
            })
        })
        .collect()
}

/// BATCH images (`[channels, height, width]`) of `classes` classes, and their labels.
/// Each class is a stripe pattern of its own, `sin(2π (a·row / height + b·column / width) +
/// phase)` with the class's frequencies `a`, `b` and each sample's own phase, a channel's phase
/// shifted by 1 from the one before, plus noise of the same size.
fn classes<X: Tensor>(classes: usize, rng: &mut StdRng) -> (Vec<X>, Vec<usize>) {
    let &[_, height, width] = X::SHAPE.dims() else {
        unreachable!("the classifiers take images");
    };
    let labels: Vec<usize> = (0..BATCH).map(|i| i % classes).collect();
    let samples = labels
        .iter()
        .map(|&label| {
            let (a, b) = ((label % 4 + 1) as f32, (label / 4) as f32);
            let phase = rng.random_range(0.0..std::f32::consts::TAU);
            let mut x = X::ZERO;
            for (i, value) in x.flat_mut().iter_mut().enumerate() {
                let (channel, row, column) = (i / (height * width), i / width % height, i % width);
                let angle = std::f32::consts::TAU
                    * (a * row as f32 / height as f32 + b * column as f32 / width as f32);
                *value = (angle + phase + channel as f32).sin() + noise(rng);
            }
            x
        })
        .collect();
    (samples, labels)
}

/// Uniform in ±1.
fn noise(rng: &mut StdRng) -> f32 {
    rng.random_range(-1.0..1.0)
}

//! Anomaly detection in machine sounds: the MLPerf Tiny autoencoder, trained on normal sounds
//! only, flags the frames it reconstructs badly; then folded for deployment, and quantized to
//! int8.
//!
//! `cargo run --release --example anomaly [-- --seed N]`. The sounds are synthetic (see
//! `examples/common/machine_sounds.rs`): normal frames of a machine humming at a varying speed,
//! and held-out anomalous frames with a whine, a wrong speed or a rattle. The example trains
//! the autoencoder in training mode with MSE and Adam, scores each test frame by its
//! reconstruction error in evaluation mode, and reports the ROC AUC. It then folds every BatchNorm into the
//! Linear before it, checks that the BatchNorm-free model gives the same outputs, and prints
//! what the deployed model costs; last, it quantizes the model to int8 (calibrated on the
//! training frames) and scores the test frames again.

use std::error::Error;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
#[path = "common/machine_sounds.rs"]
mod machine_sounds;

use machine_sounds::{FAULTS, Frame, Sounds};
use nncore::data::DataLoader;
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, Grads, MSELoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// MLPerf Tiny's anomaly-detection autoencoder (the DCASE 2020 task 2 baseline): 640
    /// log-mel values in, their reconstruction out, through an 8-wide bottleneck.
    pub struct AutoEncoder {
        fc1: Linear(640, 128), bn1: BatchNorm1d(128), relu1: ReLU,
        fc2: Linear(128, 128), bn2: BatchNorm1d(128), relu2: ReLU,
        fc3: Linear(128, 128), bn3: BatchNorm1d(128), relu3: ReLU,
        fc4: Linear(128, 128), bn4: BatchNorm1d(128), relu4: ReLU,
        fc5: Linear(128, 8), bn5: BatchNorm1d(8), relu5: ReLU,
        fc6: Linear(8, 128), bn6: BatchNorm1d(128), relu6: ReLU,
        fc7: Linear(128, 128), bn7: BatchNorm1d(128), relu7: ReLU,
        fc8: Linear(128, 128), bn8: BatchNorm1d(128), relu8: ReLU,
        fc9: Linear(128, 128), bn9: BatchNorm1d(128), relu9: ReLU,
        out: Linear(128, 640),
    }
}

nncore::sequential! {
    /// The same autoencoder with each BatchNorm folded into the Linear before it.
    pub struct Deployed {
        fc1: Linear(640, 128), relu1: ReLU,
        fc2: Linear(128, 128), relu2: ReLU,
        fc3: Linear(128, 128), relu3: ReLU,
        fc4: Linear(128, 128), relu4: ReLU,
        fc5: Linear(128, 8), relu5: ReLU,
        fc6: Linear(8, 128), relu6: ReLU,
        fc7: Linear(128, 128), relu7: ReLU,
        fc8: Linear(128, 128), relu8: ReLU,
        fc9: Linear(128, 128), relu9: ReLU,
        out: Linear(128, 640),
    }
}

/// The values in the BatchNorms' running means and variances (`num_batches_tracked` aside).
const RUNNING_STATS: usize = AutoEncoder::NUM_BUFFERS - 9;
// PyTorch counts 267,928 parameters; Keras, whose count MLPerf Tiny quotes, adds BatchNorm's
// moving mean and variance as non-trainable parameters: 269,992.
const _: () = assert!(AutoEncoder::NUM_PARAMS == 267_928);
const _: () = assert!(AutoEncoder::NUM_PARAMS + RUNNING_STATS == 269_992);

const TRAIN_FRAMES: usize = 6000;
const TEST_FRAMES: usize = 600;
const EPOCHS: usize = 30;
const BATCH: usize = 64;

fn main() -> Result<(), Box<dyn Error>> {
    let seed = seed()?;
    let mut rng = StdRng::seed_from_u64(seed);
    let sounds = Sounds::generate(TRAIN_FRAMES, TEST_FRAMES, &mut rng);
    println!(
        "{} normal training frames; {} normal and {} anomalous test frames; seed {seed}",
        sounds.train.len(),
        sounds.test_normal.len(),
        sounds.test_anomalous.len()
    );

    let mut model = AutoEncoder::init_boxed(&mut rng);
    println!("{model}");
    println!(
        "{} parameters and {RUNNING_STATS} running statistics: {} in all",
        AutoEncoder::NUM_PARAMS,
        AutoEncoder::NUM_PARAMS + RUNNING_STATS
    );
    let start = Instant::now();
    train(&mut model, &sounds.train, seed)?;
    println!("trained in {:.2?}", start.elapsed());

    let normal = reconstruction_errors(&*model, &sounds.test_normal)?;
    let anomalous = reconstruction_errors(&*model, &sounds.test_anomalous)?;
    println!(
        "reconstruction error (mean squared, per frame): normal {:.4}, anomalous {:.4}",
        mean(&normal),
        mean(&anomalous)
    );
    println!("ROC AUC: {:.4}", roc_auc(&normal, &anomalous));
    for (k, fault) in FAULTS.iter().enumerate() {
        let errors: Vec<f32> = anomalous
            .iter()
            .copied()
            .skip(k)
            .step_by(FAULTS.len())
            .collect();
        println!(
            "  {fault}: reconstruction error {:.4}, ROC AUC {:.4}",
            mean(&errors),
            roc_auc(&normal, &errors)
        );
    }

    let deployed = fold(&model);
    let test: Vec<Frame> = [&sounds.test_normal[..], &sounds.test_anomalous[..]].concat();
    let difference = largest_difference(&model, &deployed, &test)?;
    if difference > 1e-5 {
        return Err(format!("the folded model differs from the original by {difference:e}").into());
    }
    println!(
        "folded: BatchNorm-free, the same outputs on the {} test frames within 1e-5 (largest difference {difference:.1e})",
        test.len()
    );
    println!("{deployed}");
    println!(
        "deployed: {} parameters, PARAM_BYTES = {}, MULTIPLY_ADDS = {} per frame",
        Deployed::NUM_PARAMS,
        Deployed::PARAM_BYTES,
        Deployed::MULTIPLY_ADDS
    );

    // In int8, as TensorFlow Lite Micro runs it: calibrated on the training frames, each
    // BatchNorm folded and each ReLU fused.
    let int8 = Box::new(model.quantize(&sounds.train)?);
    let int8_errors = |frames: &[Frame]| -> Vec<f32> {
        let error = |x: &Frame| {
            let y = int8.forward_f32(x);
            x.iter().zip(y).map(|(x, y)| (x - y) * (x - y)).sum::<f32>() / 640.0
        };
        frames.iter().map(error).collect()
    };
    let (normal8, anomalous8) = (
        int8_errors(&sounds.test_normal),
        int8_errors(&sounds.test_anomalous),
    );
    println!(
        "int8: reconstruction error normal {:.4}, anomalous {:.4}, ROC AUC {:.4}; WEIGHT_BYTES = {} ({:.1}% of PARAM_BYTES), MAX_ACTIVATION_BYTES = {}",
        mean(&normal8),
        mean(&anomalous8),
        roc_auc(&normal8, &anomalous8),
        AutoEncoderInt8::WEIGHT_BYTES,
        100.0 * AutoEncoderInt8::WEIGHT_BYTES as f64 / Deployed::PARAM_BYTES as f64,
        AutoEncoderInt8::MAX_ACTIVATION_BYTES
    );
    Ok(())
}

/// `--seed N`, 0 without it.
fn seed() -> Result<u64, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(0),
        [flag, value] if flag == "--seed" => Ok(value
            .parse()
            .map_err(|_| format!("--seed needs a number, not `{value}`"))?),
        _ => Err("usage: anomaly [--seed N]".into()),
    }
}

/// Trains the autoencoder to reproduce normal frames: MSE, Adam, training mode.
fn train(model: &mut AutoEncoder, frames: &[Frame], seed: u64) -> Result<(), Box<dyn Error>> {
    let loss_fn = MSELoss::new();
    let mut opt = Adam::new(AdamConfig::default())?;
    let mut grads = Grads::<AutoEncoder>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(seed + 1));
    let mut shuffle = StdRng::seed_from_u64(seed + 2);
    let mut loader = DataLoader::new(frames, frames, BATCH)?;
    let bar = ProgressBar::new(EPOCHS as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:30} epoch {pos}/{len} {msg}",
    )?);
    for epoch in 1..=EPOCHS {
        let mut batches = loader.epoch(&mut shuffle);
        let (mut total, mut seen) = (0.0, 0);
        while let Some((bx, by)) = batches.next_batch() {
            grads.zero_grad();
            total += train.backward_loss(model, &loss_fn, bx, by, &mut grads)? * bx.len() as f32;
            seen += bx.len();
            opt.step(model, &grads);
        }
        let loss = total / seen as f32;
        bar.set_message(format!("train loss {loss:.4}"));
        if epoch == 1 || epoch % 5 == 0 {
            bar.suspend(|| println!("epoch {epoch:2}: train loss {loss:.4}"));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Each frame's mean squared reconstruction error, in evaluation mode.
fn reconstruction_errors<M: Model<Frame, Frame>>(
    model: &M,
    frames: &[Frame],
) -> Result<Vec<f32>, Box<dyn Error>> {
    let mut out = vec![[0.0; 640]; frames.len()];
    model.forward_into(frames, &mut out)?;
    let error = |(x, y): (&Frame, &Frame)| {
        x.iter().zip(y).map(|(x, y)| (x - y) * (x - y)).sum::<f32>() / 640.0
    };
    Ok(frames.iter().zip(&out).map(error).collect())
}

fn mean(values: &[f32]) -> f32 {
    values.iter().sum::<f32>() / values.len() as f32
}

/// The area under the ROC curve of the score "anomalous if the error is high": the chance that
/// a random anomalous frame scores above a random normal one, ties counting half. Computed as
/// the Mann–Whitney rank statistic, with tied scores given their mean rank.
fn roc_auc(normal: &[f32], anomalous: &[f32]) -> f64 {
    let mut scores: Vec<(f32, bool)> = normal.iter().map(|&s| (s, false)).collect();
    scores.extend(anomalous.iter().map(|&s| (s, true)));
    scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < scores.len() {
        let end =
            start + scores[start..].partition_point(|s| s.0.total_cmp(&scores[start].0).is_eq());
        // Ranks start + 1 ..= end, averaged over the tie.
        let rank = (start + 1 + end) as f64 / 2.0;
        let positives = scores[start..end].iter().filter(|s| s.1).count();
        rank_sum += rank * positives as f64;
        start = end;
    }
    let (n_pos, n_neg) = (anomalous.len() as f64, normal.len() as f64);
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// The deployed model: each Linear of `model` with the BatchNorm after it folded in.
fn fold(model: &AutoEncoder) -> Box<Deployed> {
    let mut deployed = Deployed::zeros_boxed();
    macro_rules! fold {
        ($($fc:ident, $bn:ident);*) => {$(
            deployed.$fc.weight = model.$fc.weight;
            deployed.$fc.bias = model.$fc.bias;
            model.$bn.fold_into(&mut deployed.$fc);
        )*};
    }
    fold!(fc1, bn1; fc2, bn2; fc3, bn3; fc4, bn4; fc5, bn5; fc6, bn6; fc7, bn7; fc8, bn8; fc9, bn9);
    deployed.out.weight = model.out.weight;
    deployed.out.bias = model.out.bias;
    deployed
}

/// The largest absolute difference between the two models' outputs on `frames`.
fn largest_difference(
    model: &AutoEncoder,
    deployed: &Deployed,
    frames: &[Frame],
) -> Result<f32, Box<dyn Error>> {
    let (mut a, mut b) = (
        vec![[0.0; 640]; frames.len()],
        vec![[0.0; 640]; frames.len()],
    );
    model.forward_into(frames, &mut a)?;
    deployed.forward_into(frames, &mut b)?;
    let pairs = a.as_flattened().iter().zip(b.as_flattened());
    Ok(pairs.map(|(a, b)| (a - b).abs()).fold(0.0, f32::max))
}

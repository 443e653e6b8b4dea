//! Handwritten digits: a small MLP trained with cross-entropy and Adam on 8×8 images.
//!
//! `cargo run --release --example digits`. Reads `data/digits.csv` (see `data/README.md`),
//! splits it 80/20 with a fixed seed, scales pixels to [0, 1], trains, and prints the test
//! accuracy each epoch and a confusion matrix at the end. Writes the training curve to
//! `target/digits-training.png` and the trained weights to `target/digits.safetensors`.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
#[path = "common/digits.rs"]
mod digits;
#[path = "common/figure.rs"]
mod figure;

use nncore::data::DataLoader;
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// 64 pixels in, 10 class logits out.
    pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
}

const EPOCHS: usize = 30;
const BATCH: usize = 32;

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut rng = StdRng::seed_from_u64(0);
    let split = digits::load(&mut rng)?;
    println!(
        "{} training and {} test images",
        split.train_x.len(),
        split.val_x.len()
    );

    let mut model = DigitNet::init(&mut rng);
    println!("{model}");
    let loss_fn = CrossEntropyLoss::new();
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })?;
    let mut grads = Grads::<DigitNet>::new();
    let mut loader = DataLoader::new(&split.train_x, &split.train_y, BATCH)?;
    let bar = ProgressBar::new(EPOCHS as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:30} epoch {pos}/{len} {msg}",
    )?);
    let mut curve = Vec::new();
    let start = Instant::now();
    for epoch in 1..=EPOCHS {
        let mut epoch_batches = loader.epoch(&mut rng);
        let (mut total, mut seen) = (0.0, 0);
        while let Some((bx, by)) = epoch_batches.next_batch() {
            grads.zero_grad();
            total += model.backward_loss(&loss_fn, bx, by, &mut grads)? * bx.len() as f32;
            seen += bx.len();
            opt.step(&mut model, &grads);
        }
        let train_loss = total / seen as f32;
        let accuracy = accuracy(&model, &split.val_x, &split.val_y);
        curve.push((train_loss, accuracy));
        bar.set_message(format!(
            "train loss {train_loss:.4}, test accuracy {:.2}%",
            100.0 * accuracy
        ));
        bar.suspend(|| {
            println!(
                "epoch {epoch:2}: train loss {train_loss:.4}, test accuracy {:.2}%",
                100.0 * accuracy
            );
        });
        bar.inc(1);
    }
    bar.finish();
    println!("trained in {:.2?}", start.elapsed());

    let predicted = split.val_x.iter().map(|x| predict(&model, x));
    digits::print_confusion(split.val_y.iter().copied().zip(predicted));
    let plot = root.join("target/digits-training.png");
    digits::plot_curve(&plot, "Digits: training curve", &curve)?;
    println!("training curve: {}", plot.display());
    let weights = root.join("target/digits.safetensors");
    nncore::io::save(&model, &weights)?;
    println!("weights: {}", weights.display());
    Ok(())
}

fn predict(model: &DigitNet, x: &[f32; 64]) -> usize {
    digits::argmax(&model.forward(x))
}

fn accuracy(model: &DigitNet, xs: &[[f32; 64]], ys: &[usize]) -> f32 {
    let correct = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| predict(model, x) == **y)
        .count();
    correct as f32 / xs.len() as f32
}

//! Handwritten digits with a small convolutional net: the 8×8 digits as 1×8×8 images, two
//! convolutions with BatchNorm, max pooling, Dropout and a linear classifier.
//!
//! `cargo run --release --example digits_conv [-- [--seed N] [path/to/curve.png]]`. Reads
//! `data/digits.csv` (see `data/README.md`), splits it 80/20 at random (seed 0 unless given),
//! trains in training mode (BatchNorm on each batch's statistics, Dropout on), evaluates in
//! evaluation mode (running statistics, no Dropout) after each epoch, and prints the test
//! accuracy and a confusion matrix. Writes the training curve to `target/digits_conv.png` (or
//! the path given) and the trained weights, with BatchNorm's running statistics, to
//! `target/digits_conv.safetensors`.

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
use nncore::{Adam, AdamConfig, CosineAnnealingLR, CrossEntropyLoss, Grads, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A 1×8×8 image.
type Image = [[[f32; 8]; 8]; 1];

nncore::sequential! {
    /// A 1×8×8 image in, 10 class logits out.
    #[input(1, 8, 8)]
    pub struct DigitConv {
        conv1: Conv2d(1, 16, kernel_size = 3, padding = 1),
        bn1: BatchNorm2d(16),
        act1: ReLU,
        conv2: Conv2d(16, 32, kernel_size = 3, padding = 1),
        bn2: BatchNorm2d(32),
        act2: ReLU,
        pool: MaxPool2d(2),
        flat: Flatten,
        drop: Dropout(0.25),
        fc: Linear(512, 10),
    }
}

const EPOCHS: u32 = 20;
const BATCH: usize = 32;

fn main() -> Result<(), Box<dyn Error>> {
    let (seed, plot) = arguments()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut rng = StdRng::seed_from_u64(seed);
    let split = digits::load(&mut rng)?;
    let train_x: Vec<Image> = split.train_x.iter().map(image).collect();
    let test_x: Vec<Image> = split.val_x.iter().map(image).collect();
    println!(
        "{} training and {} test images, seed {seed}",
        train_x.len(),
        test_x.len()
    );

    let mut model = DigitConv::init(&mut rng);
    println!("{model}");
    println!(
        "{} parameters, {} multiply-adds an image",
        DigitConv::NUM_PARAMS,
        DigitConv::MULTIPLY_ADDS
    );
    let loss_fn = CrossEntropyLoss::new();
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })?;
    let mut schedule = CosineAnnealingLR::new(&opt, EPOCHS, 0.0)?;
    let mut grads = Grads::<DigitConv>::new();
    let mut train = Train::new(StdRng::seed_from_u64(seed + 1));
    let mut loader = DataLoader::new(&train_x, &split.train_y, BATCH)?;
    let bar = ProgressBar::new(u64::from(EPOCHS));
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
            total +=
                train.backward_loss(&mut model, &loss_fn, bx, by, &mut grads)? * bx.len() as f32;
            seen += bx.len();
            opt.step(&mut model, &grads);
        }
        schedule.step(&mut opt)?;
        let train_loss = total / seen as f32;
        let accuracy = accuracy(&model, &test_x, &split.val_y);
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

    let accuracy = accuracy(&model, &test_x, &split.val_y);
    println!("test accuracy: {:.2}%", 100.0 * accuracy);
    let predicted = predictions(&model, &test_x);
    digits::print_confusion(split.val_y.iter().copied().zip(predicted));
    digits::plot_curve(&plot, "Digits, convolutional: training curve", &curve)?;
    println!("training curve: {}", plot.display());
    let weights = root.join("target/digits_conv.safetensors");
    nncore::io::save(&model, &weights)?;
    let reloaded: DigitConv = nncore::io::load(&weights)?;
    if predictions(&reloaded, &test_x) != predictions(&model, &test_x) {
        return Err("the weights read back predict differently".into());
    }
    println!(
        "weights and BatchNorm statistics: {} (read back: the same predictions)",
        weights.display()
    );
    Ok(())
}

/// `--seed N` and the figure's path, both optional, in any order.
fn arguments() -> Result<(u64, PathBuf), Box<dyn Error>> {
    let mut seed = 0;
    let mut plot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/digits_conv.png");
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--seed" {
            let value = args.next().ok_or("--seed needs a number")?;
            let value = value.to_str().ok_or("--seed needs a number")?;
            seed = value
                .parse()
                .map_err(|_| format!("--seed needs a number, not `{value}`"))?;
        } else {
            plot = PathBuf::from(arg);
        }
    }
    Ok((seed, plot))
}

/// The 64 pixels as one channel of 8 rows of 8.
fn image(pixels: &[f32; 64]) -> Image {
    [std::array::from_fn(|row| {
        std::array::from_fn(|col| pixels[8 * row + col])
    })]
}

/// The predicted digit of every image, in evaluation mode.
fn predictions(model: &DigitConv, xs: &[Image]) -> Vec<usize> {
    model.forward_batch(xs).iter().map(digits::argmax).collect()
}

fn accuracy(model: &DigitConv, xs: &[Image], ys: &[usize]) -> f32 {
    let predicted = predictions(model, xs);
    let correct = predicted.iter().zip(ys).filter(|(p, y)| p == y).count();
    correct as f32 / xs.len() as f32
}

//! Handwritten digits: a small MLP trained with cross-entropy and Adam on 8×8 images.
//!
//! `cargo run --release --example digits`. Reads `data/digits.csv` (see `data/README.md`),
//! splits it 80/20 with a fixed seed, scales pixels to [0, 1], trains, and prints the test
//! accuracy each epoch and a confusion matrix at the end. Writes the training curve to
//! `target/digits-training.png` and the trained weights to `target/digits.safetensors`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
#[path = "common/figure.rs"]
mod figure;

use nncore::data::{DataLoader, read_csv, train_val_split};
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads};
use plotters::prelude::*;
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
    let rows = read_csv::<65>(root.join("data/digits.csv"), true)?;
    let xs: Vec<[f32; 64]> = rows.iter().map(pixels).collect();
    let ys: Vec<usize> = rows.iter().map(|r| r[64] as usize).collect();
    let mut rng = StdRng::seed_from_u64(0);
    let split = train_val_split(&xs, &ys, 0.2, &mut rng)?;
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

    print_confusion(&model, &split.val_x, &split.val_y);
    let plot = root.join("target/digits-training.png");
    plot_curve(&plot, &curve)?;
    println!("training curve: {}", plot.display());
    let weights = root.join("target/digits.safetensors");
    nncore::io::save(&model, &weights)?;
    println!("weights: {}", weights.display());
    Ok(())
}

/// The 64 pixels of a row, scaled from 0..=16 to [0, 1].
fn pixels(row: &[f32; 65]) -> [f32; 64] {
    std::array::from_fn(|i| row[i] / 16.0)
}

fn predict(model: &DigitNet, x: &[f32; 64]) -> usize {
    let logits = model.forward(x);
    (0..10)
        .max_by(|&a, &b| logits[a].total_cmp(&logits[b]))
        .unwrap_or(0)
}

fn accuracy(model: &DigitNet, xs: &[[f32; 64]], ys: &[usize]) -> f32 {
    let correct = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| predict(model, x) == **y)
        .count();
    correct as f32 / xs.len() as f32
}

fn print_confusion(model: &DigitNet, xs: &[[f32; 64]], ys: &[usize]) {
    let mut counts = [[0u32; 10]; 10];
    for (x, &y) in xs.iter().zip(ys) {
        counts[y][predict(model, x)] += 1;
    }
    println!("confusion matrix (rows: true digit, columns: predicted)");
    println!(
        "     {}",
        (0..10).map(|d| format!("{d:4}")).collect::<String>()
    );
    for (digit, row) in counts.iter().enumerate() {
        let cells: String = row.iter().map(|c| format!("{c:4}")).collect();
        println!("  {digit}: {cells}");
    }
}

/// The training loss and the test accuracy per epoch, on two axes.
fn plot_curve(path: &Path, curve: &[(f32, f32)]) -> Result<(), Box<dyn Error>> {
    const SIZE: (u32, u32) = (800, 500);
    figure::register_font()?;
    let epochs = curve.len() as f32;
    let max_loss = curve.iter().map(|c| c.0).fold(0.0, f32::max);
    let mut pixels = vec![0; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Digits: training curve", ("sans-serif", 24))
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .right_y_label_area_size(60)
            .build_cartesian_2d(1f32..epochs, 0f32..max_loss * 1.05)?
            .set_secondary_coord(1f32..epochs, 0f32..100f32);
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("train loss")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("test accuracy (%)")
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        let epoch = |i: usize| (i + 1) as f32;
        let red = RGBColor(214, 39, 40);
        let blue = RGBColor(31, 119, 180);
        chart
            .draw_series(LineSeries::new(
                curve.iter().enumerate().map(|(i, c)| (epoch(i), c.0)),
                red.stroke_width(2),
            ))?
            .label("train loss")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));
        chart
            .draw_secondary_series(LineSeries::new(
                curve
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (epoch(i), 100.0 * c.1)),
                blue.stroke_width(2),
            ))?
            .label("test accuracy")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], blue.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    figure::write_png(path, SIZE, &pixels)
}

//! What the two digits examples share: the data set, the confusion matrix and the training
//! curve.

use std::error::Error;
use std::path::Path;

use nncore::data::{Split, read_csv, train_val_split};
use plotters::prelude::*;
use rand::Rng;

use crate::figure;

/// `data/digits.csv` (see `data/README.md`), pixels scaled from 0..=16 to [0, 1], split 80/20
/// at random by `rng`.
pub fn load<R: Rng + ?Sized>(rng: &mut R) -> Result<Split<[f32; 64], usize>, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
    let rows = read_csv::<65>(path, true)?;
    let xs: Vec<[f32; 64]> = rows
        .iter()
        .map(|row| std::array::from_fn(|i| row[i] / 16.0))
        .collect();
    let ys: Vec<usize> = rows.iter().map(|row| row[64] as usize).collect();
    Ok(train_val_split(&xs, &ys, 0.2, rng)?)
}

/// The class with the largest logit.
pub fn argmax(logits: &[f32; 10]) -> usize {
    (0..10)
        .max_by(|&a, &b| logits[a].total_cmp(&logits[b]))
        .unwrap_or(0)
}

/// Prints the counts of (true digit, predicted digit) pairs as a 10 × 10 table.
pub fn print_confusion(pairs: impl IntoIterator<Item = (usize, usize)>) {
    let mut counts = [[0u32; 10]; 10];
    for (truth, predicted) in pairs {
        counts[truth][predicted] += 1;
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
pub fn plot_curve(path: &Path, caption: &str, curve: &[(f32, f32)]) -> Result<(), Box<dyn Error>> {
    const SIZE: (u32, u32) = (800, 500);
    figure::register_font()?;
    let epochs = curve.len() as f32;
    let max_loss = curve.iter().map(|c| c.0).fold(0.0, f32::max);
    let mut pixels = vec![0; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 24))
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

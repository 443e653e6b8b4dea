//! The tutorial chapter "Using a neural network to fit the data", in Rust.
//!
//! Eleven thermometer readings in an unknown unit `t_u` and the same temperatures in Celsius
//! `t_c`. First a linear model learns the conversion, then a small network with a hidden layer of
//! thirteen `tanh` units; the chapter's figure is written to a PNG at the end.
//!
//! ```text
//! cargo run --release --example temperature [-- path/to/figure.png]
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "common/figure.rs"]
mod figure;

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use plotters::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

nncore::sequential! {
    /// The chapter's `nn.Linear(1, 1)`, as a one-layer model: Celsius as `w · t_u + b`.
    struct LinearModel(Linear(1, 1));
}

nncore::sequential! {
    /// The chapter's `seq_model`, with its layers named as in its `OrderedDict`.
    pub struct TempNet {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}

/// The temperatures in Celsius.
const T_C: [f32; 11] = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0];
/// The same temperatures as the thermometer shows them (they are Fahrenheit).
const T_U: [f32; 11] = [
    35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4,
];
/// The seed of the split and of the initial weights.
const SEED: u64 = 42;

/// One sample per row, as `unsqueeze(1)` makes them.
type Batch = Vec<[f32; 1]>;

/// The chapter's `training_loop`: full-batch gradient descent, logging the training and
/// validation loss at epoch 1 and every 1000 epochs.
#[allow(clippy::too_many_arguments)] // the chapter's signature, argument for argument
fn training_loop<M: Model<[f32; 1], [f32; 1]>>(
    n_epochs: usize,
    optimizer: &mut impl Optimizer<M>,
    model: &mut M,
    grads: &mut Grads<M>,
    loss_fn: &MSELoss,
    t_u_train: &[[f32; 1]],
    t_u_val: &[[f32; 1]],
    t_c_train: &[[f32; 1]],
    t_c_val: &[[f32; 1]],
) -> Result<(), nncore::Error> {
    for epoch in 1..=n_epochs {
        let t_p_train = model.forward_batch(t_u_train);
        let loss_train = loss_fn.forward(&t_p_train, t_c_train)?;

        let t_p_val = model.forward_batch(t_u_val);
        let loss_val = loss_fn.forward(&t_p_val, t_c_val)?;

        grads.zero_grad();
        // `loss_train.backward()`: the loss's gradient at each prediction, then back through
        // the model.
        model.backward(t_u_train, &loss_fn.backward(&t_p_train, t_c_train)?, grads)?;
        optimizer.step(model, grads);

        if epoch == 1 || epoch % 1000 == 0 {
            println!("Epoch {epoch}, Training loss {loss_train:.4}, Validation loss {loss_val:.4}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let figure = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/temperature.png"),
        PathBuf::from,
    );
    let mut rng = StdRng::seed_from_u64(SEED);

    // The data, one sample per row, and a random 80/20 split.
    let t_c: Batch = T_C.map(|c| [c]).to_vec();
    let t_u: Batch = T_U.map(|u| [u]).to_vec();

    let n_samples = t_u.len();
    let n_val = (0.2 * n_samples as f64) as usize;
    let mut shuffled_indices: Vec<usize> = (0..n_samples).collect();
    shuffled_indices.shuffle(&mut rng);
    let (train_indices, val_indices) = shuffled_indices.split_at(n_samples - n_val);
    println!("train_indices {train_indices:?}, val_indices {val_indices:?}");

    // `t_u[train_indices]`: the rows at the given indices.
    let rows =
        |xs: &Batch, indices: &[usize]| -> Batch { indices.iter().map(|&i| xs[i]).collect() };
    let (t_u_train, t_c_train) = (rows(&t_u, train_indices), rows(&t_c, train_indices));
    let (t_u_val, t_c_val) = (rows(&t_u, val_indices), rows(&t_c, val_indices));

    // `t_un = 0.1 * t_u`: inputs near 1, where these learning rates work.
    let normalize = |xs: &Batch| -> Batch { xs.iter().map(|[u]| [0.1 * u]).collect() };
    let (t_un_train, t_un_val) = (normalize(&t_u_train), normalize(&t_u_val));

    // Part 1: the linear model.
    println!("\n# Linear(1, 1), SGD lr 1e-2, 3000 epochs");
    let mut linear_model = LinearModel::init(&mut rng);
    let mut optimizer = SGD::new(SGDConfig {
        lr: 1e-2,
        ..Default::default()
    })?;
    training_loop(
        3000,
        &mut optimizer,
        &mut linear_model,
        &mut Grads::new(),
        &MSELoss::new(),
        &t_un_train,
        &t_un_val,
        &t_c_train,
        &t_c_val,
    )?;
    println!("weight {:.4?}", linear_model.0.weight);
    println!("bias {:.4?}", linear_model.0.bias);

    // Part 2: one hidden layer of 13 tanh units.
    println!("\n# TempNet, SGD lr 1e-3, 5000 epochs");
    let mut seq_model = TempNet::init(&mut rng);
    println!("{seq_model}");
    for param in seq_model.parameters() {
        println!("{} {:?}", param.name, param.shape);
    }
    let mut grads = Grads::new();
    let mut optimizer = SGD::new(SGDConfig {
        lr: 1e-3,
        ..Default::default()
    })?;
    training_loop(
        5000,
        &mut optimizer,
        &mut seq_model,
        &mut grads,
        &MSELoss::new(),
        &t_un_train,
        &t_un_val,
        &t_c_train,
        &t_c_val,
    )?;
    println!("output {:.4?}", seq_model.forward_batch(&t_un_val));
    println!("answer {:.4?}", t_c_val);
    println!("hidden {:.4?}", grads.hidden_linear.weight);

    // Part 3: the chapter's figure.
    plot(&seq_model, &figure)?;
    println!("\nfigure written to {}", figure.display());
    Ok(())
}

/// The data as points, the model's curve over 20–90 °F and its output at the data as crosses.
fn plot(model: &TempNet, path: &Path) -> Result<(), Box<dyn Error>> {
    const SIZE: (u32, u32) = (960, 720);
    figure::register_font()?;

    let celsius = |fahrenheit: f32| model.forward(&[0.1 * fahrenheit])[0];
    // 20 °F to 90 °F in quarter degrees.
    let t_range: Vec<(f32, f32)> = (80..=360)
        .map(|i| 0.25 * i as f32)
        .map(|f| (f, celsius(f)))
        .collect();
    let outputs: Vec<(f32, f32)> = T_U.iter().map(|&u| (u, celsius(u))).collect();
    let data: Vec<(f32, f32)> = T_U.into_iter().zip(T_C).collect();

    let ys = t_range.iter().chain(&outputs).chain(&data).map(|p| p.1);
    let (y_min, y_max) = ys.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let margin = 0.05 * (y_max - y_min);

    let mut pixels = vec![0; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("TempNet after 5000 epochs", ("sans-serif", 26))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(15f32..95f32, (y_min - margin)..(y_max + margin))?;
        chart
            .configure_mesh()
            .x_desc("Fahrenheit")
            .y_desc("Celsius")
            .x_label_formatter(&|f| format!("{f:.0}"))
            .y_label_formatter(&|c| format!("{c:.0}"))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 22))
            .draw()?;

        let blue = RGBColor(31, 119, 180);
        let cyan = RGBColor(0, 191, 191);
        chart
            .draw_series(data.iter().map(|&p| Circle::new(p, 5, blue.filled())))?
            .label("data")
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, blue.filled()));
        chart
            .draw_series(LineSeries::new(t_range, cyan.stroke_width(2)))?
            .label("model")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], cyan.stroke_width(2)));
        chart
            .draw_series(
                outputs
                    .iter()
                    .map(|&p| Cross::new(p, 6, BLACK.stroke_width(2))),
            )?
            .label("model at the data")
            .legend(|(x, y)| Cross::new((x + 10, y), 6, BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    figure::write_png(path, SIZE, &pixels)
}

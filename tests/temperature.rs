//! The temperature example's two trainings, shortened: the loss falls, and the linear model
//! learns the Fahrenheit-to-Celsius conversion the chapter finds.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

nncore::sequential! {
    /// `nn.Linear(1, 1)`.
    struct LinearModel(Linear(1, 1));
}

nncore::sequential! {
    /// The chapter's `seq_model`.
    struct TempNet {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}

const T_C: [f32; 11] = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0];
const T_U: [f32; 11] = [
    35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4,
];

/// The example's data: a seeded 80/20 split, inputs scaled by 0.1.
struct Split {
    t_u_train: Vec<[f32; 1]>,
    t_u_val: Vec<[f32; 1]>,
    t_c_train: Vec<[f32; 1]>,
    t_c_val: Vec<[f32; 1]>,
}

fn split(rng: &mut StdRng) -> Split {
    let n_samples = T_U.len();
    let n_val = (0.2 * n_samples as f64) as usize;
    let mut shuffled_indices: Vec<usize> = (0..n_samples).collect();
    shuffled_indices.shuffle(rng);
    let (train, val) = shuffled_indices.split_at(n_samples - n_val);
    let u = |indices: &[usize]| indices.iter().map(|&i| [0.1 * T_U[i]]).collect();
    let c = |indices: &[usize]| indices.iter().map(|&i| [T_C[i]]).collect();
    Split {
        t_u_train: u(train),
        t_u_val: u(val),
        t_c_train: c(train),
        t_c_val: c(val),
    }
}

/// The example's `training_loop`, without the log; returns `(train, val)` loss at the first and
/// the last epoch.
fn training_loop<M: Model<[f32; 1], [f32; 1]>>(
    n_epochs: usize,
    lr: f32,
    model: &mut M,
    data: &Split,
) -> Result<[(f32, f32); 2], nncore::Error> {
    let loss_fn = MSELoss::new();
    let mut optimizer = SGD::new(SGDConfig {
        lr,
        ..Default::default()
    })?;
    let mut grads = Grads::<M>::new();
    let mut first = None;
    let mut last = (f32::NAN, f32::NAN);
    for _ in 0..n_epochs {
        let t_p_train = model.forward_batch(&data.t_u_train);
        let loss_train = loss_fn.forward(&t_p_train, &data.t_c_train)?;
        let t_p_val = model.forward_batch(&data.t_u_val);
        let loss_val = loss_fn.forward(&t_p_val, &data.t_c_val)?;
        grads.zero_grad();
        let dys = loss_fn.backward(&t_p_train, &data.t_c_train)?;
        model.backward(&data.t_u_train, &dys, &mut grads)?;
        optimizer.step(model, &grads);
        first.get_or_insert((loss_train, loss_val));
        last = (loss_train, loss_val);
    }
    Ok([first.expect("at least one epoch"), last])
}

/// The example's seed: the same split and initial weights.
const SEED: u64 = 42;

#[test]
fn linear_model_learns_the_conversion() -> Result<(), nncore::Error> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let data = split(&mut rng);
    let mut linear_model = LinearModel::init(&mut rng);
    let [first, last] = training_loop(3000, 1e-2, &mut linear_model, &data)?;
    assert!(
        last.0 < first.0 / 10.0,
        "training loss {first:?} -> {last:?}"
    );
    assert!(
        last.1 < first.1 / 10.0,
        "validation loss {first:?} -> {last:?}"
    );

    let (weight, bias) = (
        f64::from(linear_model.0.weight[0][0]),
        f64::from(linear_model.0.bias[0]),
    );
    // Gradient descent heads for the least-squares line through the training points; after
    // 3000 epochs it is 0.014 and 0.083 away for this split.
    let (w, b) = least_squares(&data.t_u_train, &data.t_c_train);
    assert!(
        (weight - w).abs() < 0.05,
        "weight {weight}, least squares {w}"
    );
    assert!((bias - b).abs() < 0.3, "bias {bias}, least squares {b}");

    // The chapter's line through all eleven points: Celsius ≈ 5.37 · 0.1 t_u - 17.30 (the true
    // conversion, 0.5556 (F - 32), would be 5.556 and -17.78). Splits leave out different
    // points; over seeds 0..200 the trained model is this close for 177 of them, and for this
    // seed 0.041 and 0.607 away.
    let all: (Vec<[f32; 1]>, Vec<[f32; 1]>) =
        (T_U.map(|u| [0.1 * u]).into(), T_C.map(|c| [c]).into());
    let (w, b) = least_squares(&all.0, &all.1);
    assert!(
        (w - 5.37).abs() < 0.005 && (b + 17.30).abs() < 0.005,
        "{w} {b}"
    );
    assert!((weight - w).abs() < 0.25, "weight {weight}, chapter {w}");
    assert!((bias - b).abs() < 1.5, "bias {bias}, chapter {b}");
    Ok(())
}

#[test]
fn hidden_layer_model_learns_the_data() -> Result<(), nncore::Error> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let data = split(&mut rng);
    // The example draws the linear model first; drawing it here gives TempNet the same weights.
    let _linear_model = LinearModel::init(&mut rng);
    let mut seq_model = TempNet::init(&mut rng);
    // 1000 of the example's 5000 epochs.
    let [first, last] = training_loop(1000, 1e-3, &mut seq_model, &data)?;
    assert!(
        last.0 < first.0 / 10.0,
        "training loss {first:?} -> {last:?}"
    );
    assert!(
        last.1 < first.1 / 10.0,
        "validation loss {first:?} -> {last:?}"
    );

    // The validation points are predicted to within a few degrees (here 1.2 and 2.8).
    let output = seq_model.forward_batch(&data.t_u_val);
    for ([p], [c]) in output.iter().zip(&data.t_c_val) {
        assert!((p - c).abs() < 4.0, "predicted {p} for {c}");
    }
    Ok(())
}

/// The least-squares line `y = w x + b`, in f64.
fn least_squares(xs: &[[f32; 1]], ys: &[[f32; 1]]) -> (f64, f64) {
    let n = xs.len() as f64;
    let xs = xs.iter().map(|[x]| f64::from(*x));
    let ys = ys.iter().map(|[y]| f64::from(*y));
    let (mean_x, mean_y) = (xs.clone().sum::<f64>() / n, ys.clone().sum::<f64>() / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, y) in xs.zip(ys) {
        sxy += (x - mean_x) * (y - mean_y);
        sxx += (x - mean_x) * (x - mean_x);
    }
    let w = sxy / sxx;
    (w, mean_y - w * mean_x)
}

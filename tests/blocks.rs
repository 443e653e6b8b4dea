//! The block batch paths agree with the one-sample paths, and large models live on the heap.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// The chapter's model.
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}
nncore::sequential! {
    /// Every layer kind, with a hyperparameter a zeroed model would lose.
    pub struct Mixed(Linear(3, 7), ReLU, Linear(7, 5, bias = false), LeakyReLU(0.2), Linear(5, 4), Sigmoid, Linear(4, 2), Tanh);
}
nncore::sequential! {
    /// About a million parameters: 4 MiB of weights, twice the stack of a test thread.
    pub struct Big(Linear(1024, 1024), Tanh, Linear(1024, 1));
}
nncore::sequential! {
    /// As wide as a model may be: its widths add up to 65,536 features, the macro's limit.
    pub struct Widest(Linear(1, 32767), GELU, Linear(32767, 1));
}

fn data<const N: usize>(len: usize, seed: u64) -> Vec<[f32; N]> {
    use rand::RngExt;
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len)
        .map(|_| std::array::from_fn(|_| rng.random_range(-2.0..2.0)))
        .collect()
}

#[test]
fn forward_into_matches_forward_bit_for_bit() {
    let temp = TempNet::init(&mut StdRng::seed_from_u64(1));
    let mixed = Mixed::init(&mut StdRng::seed_from_u64(2));
    for len in [0, 1, 7, 8, 9, 17, 100] {
        let xs = data::<1>(len, 3);
        let batch = temp.forward_batch(&xs);
        for (x, y) in xs.iter().zip(&batch) {
            assert_eq!(temp.forward(x).map(f32::to_bits), y.map(f32::to_bits));
        }
        let xs = data::<3>(len, 4);
        let batch = mixed.forward_batch(&xs);
        for (x, y) in xs.iter().zip(&batch) {
            assert_eq!(mixed.forward(x).map(f32::to_bits), y.map(f32::to_bits));
        }
    }
}

fn assert_close(a: &Mixed, b: &Mixed) {
    for (p, q) in a.parameters().zip(b.parameters()) {
        for (x, y) in p.data.iter().zip(q.data) {
            assert!(
                (x - y).abs() <= 1e-6 + 1e-5 * y.abs(),
                "{}: {x} vs {y}",
                p.name
            );
        }
    }
}

#[test]
fn block_backward_matches_one_sample_backward() {
    let model = Mixed::init(&mut StdRng::seed_from_u64(5));
    for len in [1, 8, 9, 21] {
        let (xs, ys) = (data::<3>(len, 6), data::<2>(len, 7));
        // One sample at a time, through `backward_sample`.
        let mut reference = Mixed::ZERO;
        let mut expected_loss = 0.0;
        let scale = 1.0 / (2 * len) as f32;
        for (x, t) in xs.iter().zip(&ys) {
            model.backward_sample(x, &mut reference, |y| {
                expected_loss += MSELoss::new().sample_loss(y, t);
                MSELoss::new().sample_grad(y, t, scale)
            });
        }
        let mut grads = Grads::<Mixed>::new();
        let loss = model
            .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
            .unwrap();
        assert!((loss - expected_loss * scale).abs() <= 1e-6 * loss.abs());
        assert_close(&grads, &reference);

        let dys: Vec<[f32; 2]> = data::<2>(len, 8);
        let mut reference = Mixed::ZERO;
        for (x, dy) in xs.iter().zip(&dys) {
            model.backward_sample(x, &mut reference, |_| *dy);
        }
        let mut grads = Grads::<Mixed>::new();
        model.backward(&xs, &dys, &mut grads).unwrap();
        assert_close(&grads, &reference);
    }
}

#[test]
fn batch_length_errors_leave_grads_alone() {
    let model = Mixed::init(&mut StdRng::seed_from_u64(9));
    let mut grads = Grads::<Mixed>::new();
    let xs = data::<3>(3, 1);
    assert!(model.forward_into(&xs, &mut [[0.0; 2]; 2]).is_err());
    assert!(model.backward(&xs, &[[1.0; 2]; 2], &mut grads).is_err());
    assert!(
        model
            .backward_loss(&MSELoss::new(), &xs, &[[1.0; 2]; 4], &mut grads)
            .is_err()
    );
    assert_eq!(*grads, Mixed::ZERO);
}

#[test]
fn boxed_construction_keeps_hyperparameters_and_draws_like_init() {
    let boxed = Mixed::init_boxed(&mut StdRng::seed_from_u64(10));
    assert_eq!(*boxed, Mixed::init(&mut StdRng::seed_from_u64(10)));
    assert_eq!(*Mixed::zeros_boxed(), Mixed::ZERO);
    assert_eq!(boxed.3.negative_slope, 0.2);
    assert_eq!(**Grads::<Mixed>::boxed(), Mixed::ZERO);
}

#[test]
fn a_million_parameter_model_trains_in_a_small_stack() {
    const { assert!(Big::NUM_PARAMS > 1_000_000) };
    let run = || {
        let mut model = Big::init_boxed(&mut StdRng::seed_from_u64(11));
        let mut grads = Grads::<Big>::boxed();
        // The momentum buffer is on the heap too.
        let mut opt = SGD::<Big>::new(SGDConfig {
            lr: 1e-2,
            momentum: 0.9,
            ..Default::default()
        })
        .unwrap();
        let (xs, ys) = (data::<1024>(4, 12), vec![[1.0f32]; 4]);
        let mut losses = Vec::new();
        for _ in 0..3 {
            grads.zero_grad();
            losses.push(
                model
                    .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
                    .unwrap(),
            );
            opt.step(&mut *model, &grads);
        }
        losses
    };
    let losses = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    assert!(losses[2] < losses[0], "loss did not fall: {losses:?}");
}

#[test]
fn the_widest_model_runs_and_trains_in_a_small_stack() {
    const { assert!(Widest::MAX_WIDTH == 32767 && 1 + 32767 + 32767 + 1 == 1 << 16) };
    let run = || {
        let mut model = Widest::init_boxed(&mut StdRng::seed_from_u64(12));
        let mut grads = Grads::<Widest>::boxed();
        // 32,767 hidden units: a small rate, or the first step overshoots.
        let mut opt = SGD::<Widest>::new(SGDConfig {
            lr: 1e-5,
            ..Default::default()
        })
        .unwrap();
        let (xs, ys) = (data::<1>(3, 13), vec![[1.0f32]; 3]);
        let y = model.forward(&xs[0]);
        assert_eq!(model.forward_batch(&xs)[0], y);
        model.backward_sample(&xs[0], &mut grads, |y| *y);
        model.backward(&xs, &[[1.0]; 3], &mut grads).unwrap();
        let mut losses = Vec::new();
        for _ in 0..3 {
            grads.zero_grad();
            losses.push(
                model
                    .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
                    .unwrap(),
            );
            opt.step(&mut *model, &grads);
        }
        losses
    };
    let losses = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    assert!(losses[2] < losses[0], "loss did not fall: {losses:?}");
}

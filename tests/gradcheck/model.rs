//! Whole generated models against finite differences, gradient accumulation, and the errors of
//! the batch functions.

use super::*;

nncore::sequential! {
    /// Every layer kind, named form.
    struct Every {
        first: Linear(3, 6),
        tanh: Tanh,
        no_bias: Linear(6, 5, bias = false),
        leaky: LeakyReLU(0.1),
        third: Linear(5, 4),
        relu: ReLU,
        fourth: Linear(4, 4),
        sigmoid: Sigmoid,
        out: Linear(4, 2),
    }
}

nncore::sequential! {
    /// The tuple form, with PyTorch's default LeakyReLU slope.
    struct Indexed(Linear(2, 3), LeakyReLU, Linear(3, 2, bias = false), Sigmoid);
}

/// Which side of the kink each ReLU and LeakyReLU input of `Every` is on, for every sample.
fn every_kinks(model: &Every, xs: &[[f32; 3]]) -> Vec<bool> {
    let mut sides = Vec::new();
    for x in xs {
        let z = model
            .no_bias
            .forward(&model.tanh.forward(&model.first.forward(x)));
        let w = model.third.forward(&model.leaky.forward(&z));
        sides.extend(z.iter().chain(&w).map(|&v| v > 0.0));
    }
    sides
}

/// Which side of the kink each LeakyReLU input of `Indexed` is on, for every sample.
fn indexed_kinks(model: &Indexed, xs: &[[f32; 2]]) -> Vec<bool> {
    xs.iter()
        .flat_map(|x| model.0.forward(x))
        .map(|v| v > 0.0)
        .collect()
}

/// The mean squared error of f32 predictions, in f64.
fn mse_f64<const N: usize>(preds: &[[f32; N]], targets: &[[f32; N]]) -> f64 {
    let squares: f64 = preds
        .iter()
        .zip(targets)
        .flat_map(|(p, t)| p.iter().zip(t))
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    squares / (preds.len() * N) as f64
}

/// A model's `backward_loss` and `backward` against finite differences of its forward pass.
///
/// `kinks` tells which side of 0 each ReLU-like input is on: a difference is only valid if no
/// step moves one across, which is asserted.
fn check_model<M, const IN: usize, const OUT: usize>(
    what: &str,
    model: &M,
    xs: &[[f32; IN]],
    targets: &[[f32; OUT]],
    dys: &[[f32; OUT]],
    kinks: impl Fn(&M, &[[f32; IN]]) -> Vec<bool>,
) where
    M: Model<[f32; IN], [f32; OUT]> + Clone + PartialEq + std::fmt::Debug,
{
    let loss_fn = MSELoss::new();
    let mut grads = Grads::<M>::new();
    let loss = model
        .backward_loss(&loss_fn, xs, targets, &mut grads)
        .unwrap();
    let forward_loss = loss_fn.forward(&model.forward_batch(xs), targets).unwrap();
    // The fused pass reduces the same sum the same way as `forward`: the same bits.
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: backward_loss's value {loss} vs forward's {forward_loss}"
    );
    let sides = kinks(model, xs);
    let smooth = |m: &M| {
        assert!(
            kinks(m, xs) == sides,
            "{what}: a finite-difference step crossed a kink; use other inputs"
        );
    };
    let mut worst = Worst::default();
    let objective = |m: &M| {
        smooth(m);
        mse_f64(&m.forward_batch(xs), targets)
    };
    check_param_grads(
        &format!("{what} backward_loss"),
        model,
        &grads,
        objective,
        &mut worst,
    );

    let mut grads = Grads::<M>::new();
    model.backward(xs, dys, &mut grads).unwrap();
    let objective = |m: &M| {
        smooth(m);
        let preds = m.forward_batch(xs);
        preds.iter().zip(dys).map(|(p, d)| dot(p, d)).sum::<f64>()
    };
    check_param_grads(
        &format!("{what} backward"),
        model,
        &grads,
        objective,
        &mut worst,
    );
    println!("{what}: {worst}");
}

#[test]
fn whole_model() {
    // A seed whose weights and inputs keep every ReLU input more than a step from its kink
    // (`check_model` asserts it).
    let mut rng = StdRng::seed_from_u64(4);
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let dys: Vec<[f32; 2]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_model("Every", &model, &xs, &targets, &dys, every_kinks);

    let model = Indexed::init(&mut rng);
    let xs: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, 0.0, 1.0)).collect();
    let dys: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_model("Indexed", &model, &xs, &targets, &dys, indexed_kinks);
}

/// `model.backward(xs, loss_fn.backward(preds, targets))` gives the same gradients, bit for bit,
/// as the fused `backward_loss`.
#[test]
fn backward_and_backward_loss_agree() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..6).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..6).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    for reduction in [Reduction::Mean, Reduction::Sum] {
        let loss_fn = MSELoss::with_reduction(reduction);
        let mut fused = Grads::<Every>::new();
        model
            .backward_loss(&loss_fn, &xs, &targets, &mut fused)
            .unwrap();
        let mut split = Grads::<Every>::new();
        let dys = loss_fn
            .backward(&model.forward_batch(&xs), &targets)
            .unwrap();
        model.backward(&xs, &dys, &mut split).unwrap();
        assert_eq!(fused, split, "{reduction:?}");
    }
}

/// Backward adds into the gradients until `zero_grad`, as PyTorch's `.grad` does.
#[test]
fn gradients_accumulate_until_zero_grad() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let loss_fn = MSELoss::new();
    let xs: Vec<[f32; 3]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let gradients = |xs: &[[f32; 3]], targets: &[[f32; 2]]| {
        let mut grads = Grads::<Every>::new();
        model
            .backward_loss(&loss_fn, xs, targets, &mut grads)
            .unwrap();
        grads
    };

    // One sample twice: `g + g` is exactly `2g`.
    let once = gradients(&xs[..1], &targets[..1]);
    let mut twice = once.clone();
    model
        .backward_loss(&loss_fn, &xs[..1], &targets[..1], &mut twice)
        .unwrap();
    for (g1, g2) in once.parameters().zip(twice.parameters()) {
        for (i, (&a, &b)) in g1.data.iter().zip(g2.data).enumerate() {
            assert_eq!(b, 2.0 * a, "{}[{i}] after two backward calls", g1.name);
        }
    }

    // Two batches: the sum of their gradients.
    let (a, b) = (
        gradients(&xs[..2], &targets[..2]),
        gradients(&xs[2..], &targets[2..]),
    );
    let mut both = Grads::<Every>::new();
    model
        .backward_loss(&loss_fn, &xs[..2], &targets[..2], &mut both)
        .unwrap();
    let mut dys = vec![[0.0; 2]; 3];
    loss_fn
        .backward_into(&model.forward_batch(&xs[2..]), &targets[2..], &mut dys)
        .unwrap();
    model.backward(&xs[2..], &dys, &mut both).unwrap();
    for ((ga, gb), g) in a.parameters().zip(b.parameters()).zip(both.parameters()) {
        for i in 0..g.data.len() {
            let sum = f64::from(ga.data[i]) + f64::from(gb.data[i]);
            let what = format_args!("{}[{i}] after two batches", g.name);
            assert_close(f64::from(g.data[i]), sum, Tolerance::absolute(1e-6), what);
        }
    }

    both.zero_grad();
    assert_eq!(both, Grads::new(), "zero_grad clears every gradient");
    model
        .backward_loss(&loss_fn, &xs[..2], &targets[..2], &mut both)
        .unwrap();
    assert_eq!(both, a, "after zero_grad, backward starts from zero");
}

/// Bad batches come back as the matching `Error`, and leave the gradients as they were.
#[test]
fn batch_errors_leave_gradients_unchanged() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..3).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..3).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let mut grads = Grads::<Every>::new();
    model
        .backward_loss(&MSELoss::new(), &xs, &targets, &mut grads)
        .unwrap();
    let before = grads.clone();
    assert_ne!(before, Grads::new(), "the gradients start non-zero");

    let short = Error::BatchLength {
        what: "targets",
        expected: 3,
        found: 2,
    };
    let err = model.backward_loss(&MSELoss::new(), &xs, &targets[..2], &mut grads);
    assert_eq!(err, Err(short.clone()), "backward_loss, short targets");
    assert_eq!(grads, before);

    let err = model.backward(&xs, &[[0.5; 2]; 4], &mut grads);
    let long = Error::BatchLength {
        what: "output gradients",
        expected: 3,
        found: 4,
    };
    assert_eq!(err, Err(long), "backward, too many output gradients");
    assert_eq!(grads, before);

    let err = model.backward_loss(&MSELoss::new(), &[], &[], &mut grads);
    assert_eq!(
        err,
        Err(Error::EmptyBatch),
        "backward_loss, mean of nothing"
    );
    assert_eq!(grads, before);

    let sum = MSELoss::with_reduction(Reduction::Sum);
    assert_eq!(model.backward_loss(&sum, &[], &[], &mut grads), Ok(0.0));
    assert_eq!(grads, before, "the sum over no samples adds nothing");

    let none = MSELoss::with_reduction(Reduction::None);
    let err = model.backward_loss(&none, &xs, &targets, &mut grads);
    assert_eq!(err, Err(Error::Unreduced), "backward_loss, reduction none");
    assert_eq!(grads, before);

    let preds = model.forward_batch(&xs);
    assert_eq!(none.forward(&preds, &targets), Err(Error::Unreduced));
    assert_eq!(none.backward(&preds, &targets), Err(Error::Unreduced));
    assert_eq!(
        MSELoss::new().forward(&preds, &targets[..2]),
        Err(short.clone())
    );
    assert_eq!(
        MSELoss::new().forward(&[], &[] as &[[f32; 2]]),
        Err(Error::EmptyBatch)
    );

    let mut out = [[0.0; 2]; 2];
    let err = model.forward_into(&xs, &mut out);
    let wrong_out = Error::BatchLength {
        what: "output",
        expected: 3,
        found: 2,
    };
    assert_eq!(err, Err(wrong_out), "forward_into, short output");
}

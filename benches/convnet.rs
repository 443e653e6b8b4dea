//! W7 (BENCHMARKS.md): the convolutional network of chapter 8 of "Deep Learning with
//! PyTorch" (birds against airplanes) on 32×32 RGB inputs uniform in [-1, 1): a batch of 64
//! forward, and a training step on a batch of 64 (cross-entropy, backward in training mode, SGD
//! with lr 1e-2). `scripts/bench_torch.py` times the same in PyTorch.
//!
//! `cargo bench --bench convnet`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Grads, SGD, SGDConfig, Train};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

nncore::sequential! {
    /// The chapter's `Net`, its `view(-1, 8 * 8 * 8)` a `Flatten`.
    #[input(3, 32, 32)]
    pub struct Net {
        conv1: Conv2d(3, 16, kernel_size = 3, padding = 1),
        act1: Tanh,
        pool1: MaxPool2d(2),
        conv2: Conv2d(16, 8, kernel_size = 3, padding = 1),
        act2: Tanh,
        pool2: MaxPool2d(2),
        flat: Flatten,
        fc1: Linear(512, 32),
        act3: Tanh,
        fc2: Linear(32, 2),
    }
}

const BATCH: usize = 64;

type Image = [[[f32; 32]; 32]; 3];

/// A model in PyTorch's default initialization, a batch of images and their labels, seeded.
fn setup() -> (Net, Vec<Image>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(0);
    let model = Net::init(&mut rng);
    let xs = (0..BATCH)
        .map(|_| {
            std::array::from_fn(|_| {
                std::array::from_fn(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))
            })
        })
        .collect();
    let labels = (0..BATCH).map(|_| rng.random_range(0..2)).collect();
    (model, xs, labels)
}

/// One training step: `zero_grad`, cross-entropy of the training-mode output, backward, SGD
/// step. Returns the loss.
fn step(
    model: &mut Net,
    grads: &mut Grads<Net>,
    train: &mut Train<StdRng>,
    opt: &mut SGD<Net>,
    xs: &[Image],
    labels: &[usize],
) -> f32 {
    grads.zero_grad();
    let loss = train
        .backward_loss(model, &CrossEntropyLoss::new(), xs, labels, grads)
        .unwrap();
    opt.step(model, grads);
    loss
}

fn sgd() -> SGD<Net> {
    SGD::new(SGDConfig {
        lr: 1e-2,
        ..Default::default()
    })
    .unwrap()
}

/// Checks, before timing, that the batch forward gives what the one-sample forward gives, bit
/// for bit, and that the step being timed trains: twenty steps on one batch lower its loss.
fn checks(_: &mut Criterion) {
    let (mut model, xs, labels) = setup();
    let batch = model.forward_batch(&xs);
    for (x, y) in xs.iter().zip(&batch) {
        assert!(
            model.forward(x) == *y,
            "batch forward differs from one sample"
        );
    }
    let mut grads = Grads::<Net>::new();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    let mut opt = sgd();
    let first = step(&mut model, &mut grads, &mut train, &mut opt, &xs, &labels);
    let mut last = first;
    for _ in 0..20 {
        last = step(&mut model, &mut grads, &mut train, &mut opt, &xs, &labels);
    }
    assert!(last < first, "loss {first} then {last}");
}

fn w7(c: &mut Criterion) {
    let (mut model, xs, labels) = setup();
    let mut group = c.benchmark_group("W7 convnet");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut out = vec![[0.0f32; 2]; BATCH];
    group.bench_function("batch of 64", |b| {
        b.iter(|| model.forward_into(black_box(&xs), &mut out).unwrap())
    });
    let mut grads = Grads::<Net>::new();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    train.reserve::<Net, _, _>(BATCH);
    let mut opt = sgd();
    group.bench_function("training step, batch of 64", |b| {
        b.iter(|| {
            let xs = black_box(&xs);
            step(&mut model, &mut grads, &mut train, &mut opt, xs, &labels)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = checks, w7 }
criterion_main!(benches);

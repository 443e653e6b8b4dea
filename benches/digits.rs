//! W4 (BENCHMARKS.md): one epoch of digits training. `Linear(64, 32), ReLU,
//! Linear(32, 10)`, cross-entropy, SGD with momentum 0.9, batches of 50 over the 1,438 training
//! images of a seeded 80/20 split of `data/digits.csv` (pixels scaled to [0, 1]).
//!
//! `cargo bench --bench digits`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nncore::data::{DataLoader, Split, read_csv, train_val_split};
use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Grads, SGD, SGDConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// 64 pixels in, 10 class logits out.
    pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
}

const BATCH: usize = 50;
const TRAIN: usize = 1438;
const LR: f32 = 0.05;
const MOMENTUM: f32 = 0.9;

/// The seeded 80/20 split, pixels scaled from 0..=16 to [0, 1], and the RNG after it.
fn split() -> (Split<[f32; 64], usize>, StdRng) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    let xs: Vec<[f32; 64]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i] / 16.0))
        .collect();
    let ys: Vec<usize> = rows.iter().map(|r| r[64] as usize).collect();
    let mut rng = StdRng::seed_from_u64(0);
    let split = train_val_split(&xs, &ys, 0.2, &mut rng).unwrap();
    assert_eq!(split.train_x.len(), TRAIN);
    (split, rng)
}

/// A model, its optimizer and gradients: everything an epoch updates.
struct Trainer {
    model: DigitNet,
    grads: Grads<DigitNet>,
    opt: SGD<DigitNet>,
    loss_fn: CrossEntropyLoss,
}

impl Trainer {
    fn new(rng: &mut StdRng) -> Self {
        Trainer {
            model: DigitNet::init(rng),
            grads: Grads::new(),
            opt: SGD::new(SGDConfig {
                lr: LR,
                momentum: MOMENTUM,
                ..Default::default()
            })
            .unwrap(),
            loss_fn: CrossEntropyLoss::new(),
        }
    }

    /// One epoch: a new order, then per batch zero_grad, forward, loss, backward and a step.
    /// Returns the mean training loss.
    fn epoch(&mut self, loader: &mut DataLoader<'_, [f32; 64], usize>, rng: &mut StdRng) -> f32 {
        let mut batches = loader.epoch(rng);
        let mut total = 0.0;
        while let Some((bx, by)) = batches.next_batch() {
            self.grads.zero_grad();
            let loss = self
                .model
                .backward_loss(&self.loss_fn, bx, by, &mut self.grads)
                .unwrap();
            total += loss * bx.len() as f32;
            self.opt.step(&mut self.model, &self.grads);
        }
        total / TRAIN as f32
    }

    /// The fraction of `xs` classified as `ys`.
    fn accuracy(&self, xs: &[[f32; 64]], ys: &[usize]) -> f32 {
        let correct = xs
            .iter()
            .zip(ys)
            .filter(|(x, y)| {
                let logits = self.model.forward(x);
                (0..10).max_by(|&a, &b| logits[a].total_cmp(&logits[b])) == Some(**y)
            })
            .count();
        correct as f32 / xs.len() as f32
    }
}

/// Checks, before timing, that the epoch being timed trains: the loss falls and a few epochs
/// classify most of the held-out images.
fn learns(_: &mut Criterion) {
    let (split, mut rng) = split();
    let mut trainer = Trainer::new(&mut rng);
    let mut loader = DataLoader::new(&split.train_x, &split.train_y, BATCH).unwrap();
    assert_eq!(loader.batches(), 29);
    let first = trainer.epoch(&mut loader, &mut rng);
    let mut last = first;
    for _ in 0..4 {
        last = trainer.epoch(&mut loader, &mut rng);
    }
    let accuracy = trainer.accuracy(&split.val_x, &split.val_y);
    assert!(
        last < 0.5 * first && accuracy > 0.9,
        "loss {first} then {last}, accuracy {accuracy}"
    );
}

fn w4_epoch(c: &mut Criterion) {
    let (split, mut rng) = split();
    let mut trainer = Trainer::new(&mut rng);
    let mut loader = DataLoader::new(&split.train_x, &split.train_y, BATCH).unwrap();
    let mut group = c.benchmark_group("W4 digits epoch");
    group.throughput(Throughput::Elements(TRAIN as u64));
    group.bench_function("generated", |b| {
        b.iter(|| trainer.epoch(black_box(&mut loader), &mut rng))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = learns, w4_epoch }
criterion_main!(benches);

//! W8 to W10 (BENCHMARKS.md): three MLPerf Tiny reference models in float32, as
//! `examples/mlperf_tiny` declares them (that example's `models.rs`), all in training-mode
//! BatchNorm for the steps and evaluation mode for the forwards:
//!
//! - W8, ResNet-8 on 32×32×3 (image classification), SGD with momentum 0.9;
//! - W9, the DS-CNN on 49×10×1 (keyword spotting), Adam;
//! - W10, MobileNetV1 0.25× on 96×96×3 (visual wake words), Adam.
//!
//! Each: one sample forward, a batch of 32 forward (`forward_into`), and a training step on 32
//! (cross-entropy, `Train::backward_loss`, the optimizer's step). Inputs uniform in [0, 1),
//! labels uniform. `scripts/bench_reference_torch.py` times the same in PyTorch.
//!
//! With this package's `rayon` feature (`nncore/rayon`), each training step runs on a thread of
//! rayon's pool, as a training loop should (README, "Performance"): the step's parallel passes then
//! hand work to the other threads without waking the calling thread each time.
//!
//! `cargo bench --bench reference` (`--features rayon` for threads)

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads, SGD, SGDConfig, Train};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[allow(dead_code)]
#[path = "../examples/mlperf_tiny/models.rs"]
mod models;
use models::{DsCnn, MobileNetV1, ResNet8};

const BATCH: usize = 32;

/// `BATCH` inputs uniform in [0, 1) and labels below `classes`.
fn batch<X: Tensor>(classes: usize, rng: &mut StdRng) -> (Vec<X>, Vec<usize>) {
    let xs = (0..BATCH)
        .map(|_| {
            let mut x = X::ZERO;
            x.flat_mut().iter_mut().for_each(|v| *v = rng.random());
            x
        })
        .collect();
    let ys = (0..BATCH).map(|_| rng.random_range(0..classes)).collect();
    (xs, ys)
}

/// The three workloads of one model under `group`.
fn workloads<M, X, Y, O>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    model: &mut M,
    opt: &mut O,
    xs: &[X],
    ys: &[usize],
) where
    M: Model<X, Y> + TrainModel<X, Y> + Send,
    X: Tensor,
    Y: Tensor,
    O: Optimizer<M> + Send,
    CrossEntropyLoss: nncore::Loss<Y, Target = usize>,
{
    group.bench_function("one sample", |b| {
        b.iter(|| Model::forward(&*model, black_box(&xs[0])))
    });
    let mut out = vec![Y::ZERO; BATCH];
    group.bench_function("batch of 32", |b| {
        b.iter(|| Model::forward_into(&*model, black_box(xs), &mut out).unwrap())
    });
    let mut grads = Grads::<M>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    train.reserve::<M, X, Y>(BATCH);
    group.bench_function("training step, batch of 32", |b| {
        b.iter(|| {
            in_pool(|| {
                grads.zero_grad();
                let loss = train
                    .backward_loss(
                        model,
                        &CrossEntropyLoss::new(),
                        black_box(xs),
                        ys,
                        &mut grads,
                    )
                    .unwrap();
                opt.step(model, &grads);
                loss
            })
        })
    });
}

/// `step()`, on a thread of rayon's pool with the `rayon` feature.
fn in_pool<R: Send>(step: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "rayon")]
    return rayon::scope(|_| step());
    #[cfg(not(feature = "rayon"))]
    step()
}

fn reference(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);

    let mut group = c.benchmark_group("W8 ResNet-8");
    let mut model = ResNet8::init_boxed(&mut rng);
    let mut opt = SGD::new(SGDConfig {
        lr: 0.01,
        momentum: 0.9,
        ..SGDConfig::default()
    })
    .unwrap();
    let (xs, ys) = batch(10, &mut rng);
    workloads(&mut group, &mut *model, &mut opt, &xs, &ys);
    group.finish();

    let mut group = c.benchmark_group("W9 DS-CNN");
    let mut model = DsCnn::init_boxed(&mut rng);
    let (xs, ys) = batch(12, &mut rng);
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    workloads(&mut group, &mut *model, &mut opt, &xs, &ys);
    group.finish();

    let mut group = c.benchmark_group("W10 MobileNetV1");
    let mut model = MobileNetV1::init_boxed(&mut rng);
    let (xs, ys) = batch(2, &mut rng);
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    workloads(&mut group, &mut *model, &mut opt, &xs, &ys);
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = reference }
criterion_main!(benches);

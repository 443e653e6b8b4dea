//! The dense-layer kernels alone, through `Linear`'s batch methods: W6's widest layers
//! (640 → 128 and 128 → 640) and a square one, on one sample and on batches of 8 and 512.
//!
//! `cargo bench --bench linear`

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use nncore::Linear;
use nncore::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn rows<const N: usize>(rng: &mut StdRng, len: usize) -> Vec<[f32; N]> {
    (0..len)
        .map(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))
        .collect()
}

/// Forward, input gradient and weight gradient of a `Linear(IN, OUT)` on `batch` samples.
fn layer<const IN: usize, const OUT: usize>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    batch: usize,
) {
    let mut rng = StdRng::seed_from_u64(0);
    let layer = Linear::<IN, OUT>::init(&mut rng);
    let mut grads = Box::new(Linear::<IN, OUT>::ZERO);
    let (x, dy) = (rows::<IN>(&mut rng, batch), rows::<OUT>(&mut rng, batch));
    let (mut y, mut dx) = (vec![[0.0; OUT]; batch], vec![[0.0; IN]; batch]);
    group.throughput(Throughput::Elements((batch * IN * OUT) as u64));
    let name = |what: &str| format!("{IN}x{OUT} batch {batch} {what}");
    group.bench_function(name("forward"), |b| {
        b.iter(|| layer.forward_batch(black_box(&x), &mut y))
    });
    group.bench_function(name("input grad"), |b| {
        b.iter(|| layer.backward_input_batch(&x, &y, black_box(&dy), &mut dx))
    });
    group.bench_function(name("weight grad"), |b| {
        b.iter(|| layer.backward_params_batch(black_box(&x), &y, &dy, &mut grads))
    });
}

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("Linear");
    for batch in [1, 8, 512] {
        layer::<640, 128>(&mut group, batch);
        layer::<128, 640>(&mut group, batch);
        layer::<128, 128>(&mut group, batch);
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = linear }
criterion_main!(benches);

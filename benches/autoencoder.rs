//! W6 (BENCHMARKS.md): the MLPerf Tiny anomaly-detection autoencoder without
//! BatchNorm (640-128-128-128-128-8-128-128-128-128-640, ReLU between the Linear layers,
//! 265,864 parameters) on inputs uniform in [0, 1): one sample forward, a batch of 512
//! forward, and a training step on a batch of 512 (MSE against the input, backward in training
//! mode, Adam with lr 1e-3), also through the model's own `backward_loss`.
//! `scripts/bench_torch.py` times the same in PyTorch.
//!
//! `cargo bench --bench autoencoder`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, Grads, MSELoss, Train};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

nncore::sequential! {
    /// The autoencoder, PyTorch's `nn.Sequential` of the same layers.
    pub struct Autoencoder(
        Linear(640, 128), ReLU, Linear(128, 128), ReLU, Linear(128, 128), ReLU,
        Linear(128, 128), ReLU, Linear(128, 8), ReLU, Linear(8, 128), ReLU,
        Linear(128, 128), ReLU, Linear(128, 128), ReLU, Linear(128, 128), ReLU,
        Linear(128, 640),
    );
}

const BATCH: usize = 512;

/// A model in PyTorch's default initialization and a batch of inputs, both seeded.
fn setup() -> (Box<Autoencoder>, Vec<[f32; 640]>) {
    let mut rng = StdRng::seed_from_u64(0);
    let model = Autoencoder::init_boxed(&mut rng);
    let xs = (0..BATCH)
        .map(|_| std::array::from_fn(|_| rng.random::<f32>()))
        .collect();
    (model, xs)
}

/// One training step: `zero_grad`, MSE of the training-mode output against the input,
/// backward, Adam step. Returns the loss.
fn step(
    model: &mut Autoencoder,
    grads: &mut Grads<Autoencoder>,
    train: &mut Train<StdRng>,
    opt: &mut Adam<Autoencoder>,
    xs: &[[f32; 640]],
) -> f32 {
    grads.zero_grad();
    let loss = train
        .backward_loss(model, &MSELoss::new(), xs, xs, grads)
        .unwrap();
    opt.step(model, grads);
    loss
}

/// Checks, before timing, that the batch forward gives what the one-sample forward gives,
/// bit for bit, and that the step being timed trains: ten steps lower the loss.
fn checks(_: &mut Criterion) {
    let (mut model, xs) = setup();
    let batch = model.forward_batch(&xs);
    for (x, y) in xs.iter().zip(&batch).step_by(37) {
        assert!(
            model.forward(x) == *y,
            "batch forward differs from one sample"
        );
    }
    let mut grads = Grads::<Autoencoder>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    let first = step(&mut model, &mut grads, &mut train, &mut opt, &xs);
    let mut last = first;
    for _ in 0..10 {
        last = step(&mut model, &mut grads, &mut train, &mut opt, &xs);
    }
    assert!(last < first, "loss {first} then {last}");
}

fn w6(c: &mut Criterion) {
    let (mut model, xs) = setup();
    let mut group = c.benchmark_group("W6 autoencoder");
    group.bench_function("one sample", |b| {
        b.iter(|| model.forward(black_box(&xs[0])))
    });
    let mut out = vec![[0.0f32; 640]; BATCH];
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("batch of 512", |b| {
        b.iter(|| model.forward_into(black_box(&xs), &mut out).unwrap())
    });
    let mut grads = Grads::<Autoencoder>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    train.reserve::<Autoencoder, _, _>(BATCH);
    let mut opt = Adam::new(AdamConfig::default()).unwrap();
    group.bench_function("training step, batch of 512", |b| {
        b.iter(|| step(&mut model, &mut grads, &mut train, &mut opt, black_box(&xs)))
    });
    // The same step through the model's own `backward_loss` (evaluation mode, which for this
    // model without BatchNorm or Dropout computes the same gradients).
    group.bench_function("training step by model.backward_loss, batch of 512", |b| {
        b.iter(|| {
            grads.zero_grad();
            let loss = model
                .backward_loss(&MSELoss::new(), black_box(&xs), &xs, &mut grads)
                .unwrap();
            opt.step(&mut model, &grads);
            loss
        })
    });
    group.finish();
}

/// The ceiling for the workloads above on this core: fused multiply-adds on AVX2 registers, 12
/// independent chains (enough to hide their latency), 16 flops an instruction. A batch-512
/// forward is 270.5 Mflop (264,192 multiply-adds a sample), so at this rate it would take
/// 270.5 Mflop divided by the rate printed; AVX-512 has the same peak on a core that splits
/// its 512-bit operations in two (AMD Zen 4).
#[cfg(target_arch = "x86_64")]
fn peak(c: &mut Criterion) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    const STEPS: u64 = 100_000;
    /// # Safety
    /// The CPU has AVX and FMA.
    #[target_feature(enable = "avx,fma")]
    unsafe fn chains(scale: f32) -> f32 {
        let (m, a) = (_mm256_set1_ps(scale), _mm256_set1_ps(1e-4));
        let mut acc: [__m256; 12] = [_mm256_set1_ps(0.5); 12];
        for _ in 0..STEPS {
            for v in &mut acc {
                *v = _mm256_fmadd_ps(*v, m, a);
            }
        }
        // Every chain reaches the result, so none is optimized away.
        let sum = acc
            .iter()
            .fold(_mm256_setzero_ps(), |s, &v| _mm256_add_ps(s, v));
        let mut out = [0.0f32; 8];
        // SAFETY: `out` holds eight floats.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), sum) };
        out.iter().sum()
    }
    if !(is_x86_feature_detected!("avx") && is_x86_feature_detected!("fma")) {
        return;
    }
    let mut group = c.benchmark_group("machine");
    group.throughput(Throughput::Elements(STEPS * 12 * 16));
    group.bench_function("fma peak (flops)", |b| {
        // SAFETY: AVX and FMA were detected above.
        b.iter(|| unsafe { chains(black_box(0.9999)) })
    });
    group.finish();
}

#[cfg(not(target_arch = "x86_64"))]
fn peak(_: &mut Criterion) {}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = checks, w6, peak }
criterion_main!(benches);

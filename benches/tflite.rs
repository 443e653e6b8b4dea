//! One inference of each MLPerf Tiny reference `.tflite` file as `tflite!` compiles it (the
//! `no_std` crate's models, `nn_embedded::imported`): anomaly detection, keyword spotting, image
//! classification, visual wake words, on random int8 inputs. `scripts/bench_tflite.py` times
//! TensorFlow Lite's interpreter on the same files (by hand: it needs tensorflow-cpu).
//!
//! `cargo bench --bench tflite`

use std::array::from_fn;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use nn_embedded::imported::{ANOMALIES, IMAGES, KEYWORDS, PERSONS};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(18);
    let ad: [i8; 640] = from_fn(|_| rng.random());
    let kws: [[[i8; 1]; 10]; 49] = from_fn(|_| from_fn(|_| [rng.random()]));
    let ic: [[[i8; 3]; 32]; 32] = from_fn(|_| from_fn(|_| from_fn(|_| rng.random())));
    let vww: [[[i8; 3]; 96]; 96] = from_fn(|_| from_fn(|_| from_fn(|_| rng.random())));
    c.bench_function("tflite ad01 one sample", |b| {
        b.iter(|| ANOMALIES.forward(black_box(&ad)))
    });
    c.bench_function("tflite kws one sample", |b| {
        b.iter(|| KEYWORDS.forward(black_box(&kws)))
    });
    c.bench_function("tflite resnet one sample", |b| {
        b.iter(|| IMAGES.forward(black_box(&ic)))
    });
    c.bench_function("tflite vww one sample", |b| {
        b.iter(|| PERSONS.forward(black_box(&vww)))
    });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);

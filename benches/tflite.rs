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
    // The floor under ad01's time on this machine: its 264,192 weight bytes (more than L1
    // holds) read once in 32-byte loads, no arithmetic.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let weights = vec![1u8; 264_192];
        c.bench_function("tflite ad01 weights read once", |b| {
            // SAFETY: the CPU runs AVX2, checked above.
            b.iter(|| unsafe { read_once(black_box(&weights)) })
        });
    }
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

/// Every byte of `bytes` (a multiple of 256 long) loaded once, into eight running sums.
///
/// # Safety
/// The CPU must run AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn read_once(bytes: &[u8]) -> [i64; 4] {
    use std::arch::x86_64::{__m256i, _mm256_add_epi64, _mm256_loadu_si256, _mm256_setzero_si256};
    let mut sums = [_mm256_setzero_si256(); 8];
    for block in bytes.chunks_exact(256) {
        for (j, sum) in sums.iter_mut().enumerate() {
            // SAFETY: the 32 bytes from `32j` are inside the block.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * j).cast::<__m256i>()) };
            *sum = _mm256_add_epi64(*sum, v);
        }
    }
    let total = sums
        .into_iter()
        .fold(_mm256_setzero_si256(), |a, b| _mm256_add_epi64(a, b));
    // SAFETY: `__m256i` is four int64.
    unsafe { std::mem::transmute::<__m256i, [i64; 4]>(total) }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);

//! W8 to W10 (BENCHMARKS.md) in int8 against float32, one sample: the MLPerf Tiny ResNet-8,
//! DS-CNN and MobileNetV1 0.25× as `examples/mlperf_tiny` declares them (that example's
//! `models.rs`), float in evaluation mode, int8 their `quantize` on eight random calibration
//! inputs (uniform in [0, 1), NCHW; the int8 input is NHWC).
//!
//! Each int8 model runs through its generated `forward` with the fastest integer dot
//! products this CPU has ([`Kernel::detect`]), and the same with the portable ones
//! ([`Kernel::force`]), and where the CPU runs convolutions on AMX tiles, once more without them
//! ([`Kernel::allow_amx`]). Before timing, the bench checks that all give the same bytes on every
//! calibration input. (`benches/int8.rs` has the digits MLP and W6's autoencoder.)
//!
//! `cargo bench --bench int8_reference`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use nncore::prelude::*;
use nncore::quant::{Int8Sample, Kernel};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[allow(dead_code)]
#[path = "../examples/mlperf_tiny/models.rs"]
mod models;
use models::{DsCnn, MobileNetV1, ResNet8};

/// Calibration inputs a model.
const CALIBRATION: usize = 8;

/// `CALIBRATION` inputs uniform in [0, 1).
fn inputs<X: Tensor>(rng: &mut StdRng) -> Vec<X> {
    (0..CALIBRATION)
        .map(|_| {
            let mut x = X::ZERO;
            x.flat_mut().iter_mut().for_each(|v| *v = rng.random());
            x
        })
        .collect()
}

/// Quantizes `$model` (a boxed float model, from `rng`) on random inputs of `$float` (its NCHW
/// input), checks the fast kernel against the portable one on them, and times one sample of
/// each.
macro_rules! workload {
    ($c:expr, $name:literal, $seed:literal, |$rng:ident| $model:expr, $float:ty, $int8:ty) => {{
        // Quantizing takes more than the main thread's stack.
        let (model, xs, int8) = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(|| {
                let $rng = &mut StdRng::seed_from_u64($seed);
                let model = $model;
                let xs: Vec<$float> = inputs($rng);
                let int8 = Box::new(model.quantize(&xs).unwrap());
                (model, xs, int8)
            })
            .unwrap()
            .join()
            .unwrap();
        let qs: Vec<$int8> = xs
            .iter()
            .map(|x| <$int8>::quantize(x, int8.input_params()))
            .collect();
        let fast: Vec<_> = qs.iter().map(|q| int8.forward(q)).collect();
        Kernel::force(Some(Kernel::Portable));
        let portable: Vec<_> = qs.iter().map(|q| int8.forward(q)).collect();
        Kernel::force(None);
        assert_eq!(
            fast,
            portable,
            "{}: {:?} against portable",
            $name,
            Kernel::detect()
        );
        let amx = Kernel::amx();
        Kernel::allow_amx(false);
        let without: Vec<_> = qs.iter().map(|q| int8.forward(q)).collect();
        Kernel::allow_amx(true);
        assert_eq!(fast, without, "{}: AMX tiles against none", $name);

        println!(
            "{}: {} multiply-adds a sample",
            $name,
            multiply_adds(&*model)
        );
        let mut group = $c.benchmark_group(concat!($name, ", one sample"));
        group.bench_function("f32", |b| {
            b.iter(|| Model::forward(&*model, black_box(&xs[0])))
        });
        group.bench_function("int8", |b| b.iter(|| int8.forward(black_box(&qs[0]))));
        if amx {
            Kernel::allow_amx(false);
            group.bench_function("int8 without AMX", |b| {
                b.iter(|| int8.forward(black_box(&qs[0])))
            });
            Kernel::allow_amx(true);
        }
        Kernel::force(Some(Kernel::Portable));
        group.bench_function("int8 portable", |b| {
            b.iter(|| int8.forward(black_box(&qs[0])))
        });
        Kernel::force(None);
        group.finish();
    }};
}

/// One sample's multiply-adds in `model`'s forward pass (for a figure's distance from the
/// machine's peak).
fn multiply_adds<M: nncore::Module>(_model: &M) -> usize {
    M::MULTIPLY_ADDS
}

fn bench(c: &mut Criterion) {
    println!("integer dot products: {:?}", Kernel::detect());
    workload!(
        c,
        "W8 ResNet-8",
        0,
        |rng| ResNet8::init_boxed(rng),
        [[[f32; 32]; 32]; 3],
        [[[i8; 3]; 32]; 32]
    );
    workload!(
        c,
        "W9 DS-CNN",
        1,
        |rng| DsCnn::init_boxed(rng),
        [[[f32; 10]; 49]; 1],
        [[[i8; 1]; 10]; 49]
    );
    workload!(
        c,
        "W10 MobileNetV1",
        2,
        |rng| MobileNetV1::init_boxed(rng),
        [[[f32; 96]; 96]; 3],
        [[[i8; 3]; 96]; 96]
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);

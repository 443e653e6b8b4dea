//! The convolution kernels alone, through the layers' batch methods on 64 samples: W7's two
//! convolutions, a strided one, a depthwise one, a narrow `Conv1d`, and the three kinds of
//! W9's DS-CNN (its 10×4 first layer of stride 2, and a block's depthwise and pointwise layers
//! at 25×5); then W8's six 3×3 convolutions on one sample. Throughput is counted
//! in multiply-adds (`Conv2d::multiply_adds` per sample; the bias gradient is not counted).
//!
//! `cargo bench --bench conv`

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use nncore::prelude::*;
use nncore::{Conv1d, Conv2d};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const BATCH: usize = 64;

/// `len` samples of values uniform in [-1, 1).
fn samples<T: Tensor>(rng: &mut StdRng, len: usize) -> Vec<T> {
    let mut v = vec![T::ZERO; len];
    for x in T::flat_batch_mut(&mut v) {
        *x = rng.random_range(-1.0..1.0);
    }
    v
}

/// Forward, input gradient and parameter gradients of `layer` on [`BATCH`] samples.
fn layer<L, X, Y>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, layer: &L, macs: usize)
where
    L: Layer<X, Y>,
    X: Tensor,
    Y: Tensor,
{
    let mut rng = StdRng::seed_from_u64(1);
    let (x, dy) = (samples::<X>(&mut rng, BATCH), samples::<Y>(&mut rng, BATCH));
    let (mut y, mut dx) = (vec![Y::ZERO; BATCH], vec![X::ZERO; BATCH]);
    let mut grads = L::zeros();
    group.throughput(Throughput::Elements((BATCH * macs) as u64));
    group.bench_function(format!("{name} forward"), |b| {
        b.iter(|| layer.forward_batch(black_box(&x), &mut y))
    });
    group.bench_function(format!("{name} input grad"), |b| {
        b.iter(|| layer.backward_input_batch(&x, &y, black_box(&dy), &mut dx))
    });
    group.bench_function(format!("{name} weight grad"), |b| {
        b.iter(|| layer.backward_params_batch(black_box(&x), &y, &dy, &mut grads))
    });
}

type Image<const C: usize, const H: usize, const W: usize> = [[[f32; W]; H]; C];

fn conv(c: &mut Criterion) {
    let mut group = c.benchmark_group("conv");
    let mut rng = StdRng::seed_from_u64(0);
    let conv1 = Conv2d::<3, 16, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<3, 16, 3, 3>::multiply_adds(32 * 32);
    layer::<_, Image<3, 32, 32>, Image<16, 32, 32>>(&mut group, "W7 conv1", &conv1, macs);
    let conv2 = Conv2d::<16, 8, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<16, 8, 3, 3>::multiply_adds(16 * 16);
    layer::<_, Image<16, 16, 16>, Image<8, 16, 16>>(&mut group, "W7 conv2", &conv2, macs);
    let strided = Conv2d::<8, 16, 3, 3>::init([2, 2], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<8, 16, 3, 3>::multiply_adds(16 * 16);
    let name = "8->16 3x3 stride 2";
    layer::<_, Image<8, 32, 32>, Image<16, 16, 16>>(&mut group, name, &strided, macs);
    let depthwise = Conv2d::<1, 32, 3, 3>::init([1, 1], [1, 1], [1, 1], 32, &mut rng);
    let macs = Conv2d::<1, 32, 3, 3>::multiply_adds(16 * 16);
    let name = "depthwise 32 3x3";
    layer::<_, Image<32, 16, 16>, Image<32, 16, 16>>(&mut group, name, &depthwise, macs);
    let conv1d = Conv1d::<4, 8, 3>::init(1, 1, 1, 1, &mut rng);
    let macs = Conv1d::<4, 8, 3>::multiply_adds(128);
    let name = "conv1d 4->8 k3";
    layer::<_, [[f32; 128]; 4], [[f32; 128]; 8]>(&mut group, name, &conv1d, macs);
    let first = Conv2d::<1, 64, 10, 4>::init([2, 2], [0, 0], [1, 1], 1, &mut rng);
    let macs = Conv2d::<1, 64, 10, 4>::multiply_adds(25 * 5);
    let name = "DS-CNN 1->64 10x4 stride 2";
    layer::<_, Image<1, 58, 12>, Image<64, 25, 5>>(&mut group, name, &first, macs);
    let depthwise = Conv2d::<1, 64, 3, 3>::init([1, 1], [1, 1], [1, 1], 64, &mut rng);
    let macs = Conv2d::<1, 64, 3, 3>::multiply_adds(25 * 5);
    let name = "DS-CNN depthwise 64 3x3";
    layer::<_, Image<64, 25, 5>, Image<64, 25, 5>>(&mut group, name, &depthwise, macs);
    let pointwise = Conv2d::<64, 64, 1, 1>::init([1, 1], [0, 0], [1, 1], 1, &mut rng);
    let macs = Conv2d::<64, 64, 1, 1>::multiply_adds(25 * 5);
    let name = "DS-CNN pointwise 64->64";
    layer::<_, Image<64, 25, 5>, Image<64, 25, 5>>(&mut group, name, &pointwise, macs);
    group.finish();
}

/// The forward of one sample through `layer`, under `group`.
fn one_sample<L, X, Y>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, layer: &L, macs: usize)
where
    L: Layer<X, Y>,
    X: Tensor,
    Y: Tensor,
{
    let x = samples::<X>(&mut StdRng::seed_from_u64(1), 1);
    let mut y = vec![Y::ZERO; 1];
    group.throughput(Throughput::Elements(macs as u64));
    group.bench_function(name, |b| {
        b.iter(|| layer.forward_batch(black_box(&x), &mut y))
    });
}

/// W8's 3 × 3 convolutions (`examples/mlperf_tiny/models.rs`), one sample each: where the
/// model's one-sample forward spends its time.
fn resnet8(c: &mut Criterion) {
    let mut group = c.benchmark_group("W8 convolutions, one sample");
    let mut rng = StdRng::seed_from_u64(0);
    let l = Conv2d::<3, 16, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<3, 16, 3, 3>::multiply_adds(32 * 32);
    one_sample::<_, Image<3, 32, 32>, Image<16, 32, 32>>(&mut group, "3->16 32x32", &l, macs);
    let l = Conv2d::<16, 16, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<16, 16, 3, 3>::multiply_adds(32 * 32);
    one_sample::<_, Image<16, 32, 32>, Image<16, 32, 32>>(&mut group, "16->16 32x32", &l, macs);
    let l = Conv2d::<16, 32, 3, 3>::init([2, 2], [0, 0], [1, 1], 1, &mut rng);
    let macs = Conv2d::<16, 32, 3, 3>::multiply_adds(16 * 16);
    let name = "16->32 33x33 stride 2";
    one_sample::<_, Image<16, 33, 33>, Image<32, 16, 16>>(&mut group, name, &l, macs);
    let l = Conv2d::<32, 32, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<32, 32, 3, 3>::multiply_adds(16 * 16);
    one_sample::<_, Image<32, 16, 16>, Image<32, 16, 16>>(&mut group, "32->32 16x16", &l, macs);
    let l = Conv2d::<32, 64, 3, 3>::init([2, 2], [0, 0], [1, 1], 1, &mut rng);
    let macs = Conv2d::<32, 64, 3, 3>::multiply_adds(8 * 8);
    let name = "32->64 17x17 stride 2";
    one_sample::<_, Image<32, 17, 17>, Image<64, 8, 8>>(&mut group, name, &l, macs);
    let l = Conv2d::<64, 64, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let macs = Conv2d::<64, 64, 3, 3>::multiply_adds(8 * 8);
    one_sample::<_, Image<64, 8, 8>, Image<64, 8, 8>>(&mut group, "64->64 8x8", &l, macs);
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! { name = benches; config = config(); targets = conv, resnet8 }
criterion_main!(benches);

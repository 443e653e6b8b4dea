//! One sample through a model in int8 against the same model in float32: the digits MLP
//! (`Linear(64, 32), ReLU, Linear(32, 10)`) and W6's anomaly autoencoder (640 inputs, nine
//! `Linear` + `BatchNorm1d` + `ReLU` blocks around an 8-wide bottleneck, `Linear(128, 640)`).
//!
//! The float side is the model with its BatchNorms folded into the `Linear`s (what would be
//! deployed); the int8 side is `quantize` of the model with BatchNorm, calibrated on 256 random
//! samples. Each int8 model runs twice: through its generated `forward`, whose dot products use
//! the fastest integer instructions the CPU has ([`Kernel::detect`]: VNNI, else AVX2), and through the same layers with the portable dot products. Before
//! timing, the bench checks that both give the same bytes on every calibration sample.
//!
//! The group `machine` times this core's ceilings for the same sitting: AVX-512 VNNI's int8
//! multiply-adds (`vpdpbusd`) and AVX-512's float32 fused multiply-adds, each as twelve
//! independent chains (enough to hide their latency), in elements (multiply-adds) a second; and
//! where the convolutions run on AMX tiles ([`Kernel::amx`]), AMX's `tdpbusd` as four.
//!
//! `cargo bench --bench int8`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nncore::quant::{FullyConnected, Kernel};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

nncore::sequential! {
    pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
}

nncore::sequential! {
    /// W6: MLPerf Tiny's anomaly-detection autoencoder.
    pub struct AutoEncoder {
        fc1: Linear(640, 128), bn1: BatchNorm1d(128), relu1: ReLU,
        fc2: Linear(128, 128), bn2: BatchNorm1d(128), relu2: ReLU,
        fc3: Linear(128, 128), bn3: BatchNorm1d(128), relu3: ReLU,
        fc4: Linear(128, 128), bn4: BatchNorm1d(128), relu4: ReLU,
        fc5: Linear(128, 8), bn5: BatchNorm1d(8), relu5: ReLU,
        fc6: Linear(8, 128), bn6: BatchNorm1d(128), relu6: ReLU,
        fc7: Linear(128, 128), bn7: BatchNorm1d(128), relu7: ReLU,
        fc8: Linear(128, 128), bn8: BatchNorm1d(128), relu8: ReLU,
        fc9: Linear(128, 128), bn9: BatchNorm1d(128), relu9: ReLU,
        out: Linear(128, 640),
    }
}

nncore::sequential! {
    /// The autoencoder with each BatchNorm folded into the `Linear` before it.
    pub struct Deployed {
        fc1: Linear(640, 128), relu1: ReLU,
        fc2: Linear(128, 128), relu2: ReLU,
        fc3: Linear(128, 128), relu3: ReLU,
        fc4: Linear(128, 128), relu4: ReLU,
        fc5: Linear(128, 8), relu5: ReLU,
        fc6: Linear(8, 128), relu6: ReLU,
        fc7: Linear(128, 128), relu7: ReLU,
        fc8: Linear(128, 128), relu8: ReLU,
        fc9: Linear(128, 128), relu9: ReLU,
        out: Linear(128, 640),
    }
}

/// `n` samples uniform in ±2.
fn samples<const N: usize>(rng: &mut StdRng, n: usize) -> Vec<[f32; N]> {
    (0..n)
        .map(|_| std::array::from_fn(|_| rng.random_range(-2.0..2.0)))
        .collect()
}

/// The autoencoder with running statistics drawn at random, and its folded float form.
fn autoencoder(rng: &mut StdRng) -> (Box<AutoEncoder>, Box<Deployed>) {
    let mut model = AutoEncoder::init_boxed(rng);
    let mut deployed = Deployed::init_boxed(rng);
    macro_rules! block {
        ($($fc:ident $bn:ident),*) => {$(
            for c in 0..model.$bn.weight.len() {
                model.$bn.running_mean[c] = rng.random_range(-0.5..0.5);
                model.$bn.running_var[c] = rng.random_range(0.5..2.0);
            }
            deployed.$fc = model.$fc.clone();
            model.$bn.fold_into(&mut deployed.$fc);
        )*};
    }
    block!(fc1 bn1, fc2 bn2, fc3 bn3, fc4 bn4, fc5 bn5, fc6 bn6, fc7 bn7, fc8 bn8, fc9 bn9);
    deployed.out = model.out.clone();
    (model, deployed)
}

/// The digits MLP in int8 with the dot products of `kernel` (the ReLU is fused into `hidden`).
fn digits_with(int8: &DigitNetInt8, x: &[i8; 64], kernel: Kernel) -> [i8; 10] {
    int8.output
        .forward_with(&int8.hidden.forward_with(x, kernel), kernel)
}

/// The autoencoder in int8 with the dot products of `kernel` (each BatchNorm folded and each
/// ReLU fused into its `Linear`).
fn autoencoder_with(int8: &AutoEncoderInt8, x: &[i8; 640], kernel: Kernel) -> [i8; 640] {
    fn fc<const I: usize, const O: usize>(
        l: &FullyConnected<I, O>,
        x: &[i8; I],
        k: Kernel,
    ) -> [i8; O] {
        l.forward_with(x, k)
    }
    let h = fc(&int8.fc1, x, kernel);
    let h = fc(
        &int8.fc4,
        &fc(&int8.fc3, &fc(&int8.fc2, &h, kernel), kernel),
        kernel,
    );
    let h = fc(&int8.fc6, &fc(&int8.fc5, &h, kernel), kernel);
    let h = fc(
        &int8.fc9,
        &fc(&int8.fc8, &fc(&int8.fc7, &h, kernel), kernel),
        kernel,
    );
    fc(&int8.out, &h, kernel)
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(0);
    let kernel = Kernel::detect();
    println!("integer dot products: {kernel:?}");

    let digits = DigitNet::init(&mut rng);
    let calibration: Vec<[f32; 64]> = samples(&mut rng, 256);
    let digits8 = digits.quantize(&calibration).unwrap();
    let q = |x: &[f32; 64]| x.map(|v| digits8.input_params().quantize(v));
    for x in &calibration {
        let want = digits8.forward(&q(x));
        assert_eq!(digits_with(&digits8, &q(x), Kernel::Portable), want);
        assert_eq!(digits_with(&digits8, &q(x), kernel), want);
    }
    let (x, xq) = (calibration[0], q(&calibration[0]));
    println!(
        "digits MLP: {} multiply-adds a sample",
        <DigitNet as nncore::Module>::MULTIPLY_ADDS
    );
    let mut group = c.benchmark_group("digits MLP, one sample");
    group.bench_function("f32", |b| b.iter(|| digits.forward(black_box(&x))));
    group.bench_function("int8", |b| b.iter(|| digits8.forward(black_box(&xq))));
    group.bench_function("int8 portable", |b| {
        b.iter(|| digits_with(&digits8, black_box(&xq), Kernel::Portable))
    });
    group.finish();

    let (model, deployed) = autoencoder(&mut rng);
    let calibration: Vec<[f32; 640]> = samples(&mut rng, 256);
    let auto8 = Box::new(model.quantize(&calibration).unwrap());
    let q = |x: &[f32; 640]| x.map(|v| auto8.input_params().quantize(v));
    for x in &calibration {
        let want = auto8.forward(&q(x));
        assert_eq!(autoencoder_with(&auto8, &q(x), Kernel::Portable), want);
        assert_eq!(autoencoder_with(&auto8, &q(x), kernel), want);
    }
    let (x, xq) = (calibration[0], q(&calibration[0]));
    println!(
        "autoencoder: {} multiply-adds a sample",
        <Deployed as nncore::Module>::MULTIPLY_ADDS
    );
    let mut group = c.benchmark_group("autoencoder, one sample");
    group.bench_function("f32", |b| b.iter(|| deployed.forward(black_box(&x))));
    group.bench_function("int8", |b| b.iter(|| auto8.forward(black_box(&xq))));
    group.bench_function("int8 portable", |b| {
        b.iter(|| autoencoder_with(&auto8, black_box(&xq), Kernel::Portable))
    });
    group.finish();
}

/// Steps of the chains in [`peaks`].
const STEPS: u64 = 100_000;

/// `STEPS` steps of twelve independent chains of the 512-bit instruction `op` (Intel syntax,
/// `{a}` the accumulator, sources `zmm12` and `zmm13`), in registers 0 to 13 only, which the
/// C ABI's clobbers cover without AVX-512 enabled in the compiler.
macro_rules! chains {
    ($op:literal) => {
        core::arch::asm!(
            "vpternlogd zmm12, zmm12, zmm12, 0xff",
            "vpternlogd zmm13, zmm13, zmm13, 0xff",
            "2:",
            concat!($op, " zmm0, zmm12, zmm13"),
            concat!($op, " zmm1, zmm12, zmm13"),
            concat!($op, " zmm2, zmm12, zmm13"),
            concat!($op, " zmm3, zmm12, zmm13"),
            concat!($op, " zmm4, zmm12, zmm13"),
            concat!($op, " zmm5, zmm12, zmm13"),
            concat!($op, " zmm6, zmm12, zmm13"),
            concat!($op, " zmm7, zmm12, zmm13"),
            concat!($op, " zmm8, zmm12, zmm13"),
            concat!($op, " zmm9, zmm12, zmm13"),
            concat!($op, " zmm10, zmm12, zmm13"),
            concat!($op, " zmm11, zmm12, zmm13"),
            "dec rax",
            "jnz 2b",
            "vzeroupper",
            inout("rax") black_box(STEPS) => _,
            clobber_abi("C"),
            options(nostack),
        )
    };
}

/// The core's ceilings (see the module's doc), where it has AVX-512 VNNI.
#[cfg(target_arch = "x86_64")]
fn peaks(c: &mut Criterion) {
    if !(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni")) {
        return;
    }
    let mut group = c.benchmark_group("machine");
    group.throughput(Throughput::Elements(STEPS * 12 * 64));
    group.bench_function("vpdpbusd peak (int8 multiply-adds)", |b| {
        // SAFETY: the CPU has AVX-512 VNNI (above); only the registers clobbered are written.
        b.iter(|| unsafe { chains!("vpdpbusd") })
    });
    group.throughput(Throughput::Elements(STEPS * 12 * 16));
    group.bench_function("512-bit fma peak (f32 multiply-adds)", |b| {
        // SAFETY: the CPU has AVX-512F (above); as above.
        b.iter(|| unsafe { chains!("vfmadd231ps") })
    });
    if Kernel::amx() {
        group.throughput(Throughput::Elements(STEPS * 4 * 16 * 16 * 64));
        group.bench_function("tdpbusd peak (int8 multiply-adds)", |b| b.iter(tile_chains));
    }
    group.finish();
}

/// `STEPS` steps of four independent chains of AMX's `tdpbusd` on full tiles (16 × 64 bytes),
/// sums in tiles 0 to 3, sources 4 to 7 (zero: the time does not depend on the values).
#[cfg(target_arch = "x86_64")]
fn tile_chains() {
    // Palette 1, eight tiles of sixteen rows of 64 bytes.
    let mut config = [0u8; 64];
    config[0] = 1;
    for t in 0..8 {
        config[16 + 2 * t..18 + 2 * t].copy_from_slice(&64u16.to_le_bytes());
        config[48 + t] = 16;
    }
    // SAFETY: `Kernel::amx` granted the tiles; the configuration is read from `config`, the
    // tiles released at the end.
    unsafe {
        core::arch::asm!(
            "ldtilecfg [{config}]",
            "tilezero tmm4",
            "tilezero tmm5",
            "tilezero tmm6",
            "tilezero tmm7",
            "2:",
            "tdpbusd tmm0, tmm4, tmm6",
            "tdpbusd tmm1, tmm4, tmm7",
            "tdpbusd tmm2, tmm5, tmm6",
            "tdpbusd tmm3, tmm5, tmm7",
            "dec {n}",
            "jnz 2b",
            "tilerelease",
            config = in(reg) config.as_ptr(),
            n = inout(reg) black_box(STEPS) => _,
            options(nostack),
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn peaks(_: &mut Criterion) {}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = bench, peaks }
criterion_main!(benches);

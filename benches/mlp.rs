//! W1–W3 (BENCHMARKS.md): the chapter's 1-13-1 Tanh MLP, declared with `sequential!`,
//! beside a kernel written by hand for that one network (fixed arrays, plain loops, samples
//! inside the loops so that they vectorize). Both evaluate tanh with the same bits, in f64 by
//! default, in f32 with nncore's `fast-tanh` feature: the kernel calls `nncore::math::tanh` in
//! its loops, the model's Tanh runs `nncore::math::tanh_slice` over its batch (in AVX2 or
//! AVX-512 registers where the CPU has them).
//!
//! `cargo bench --bench mlp`, or `cargo bench --bench mlp --features nncore/fast-tanh`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// The chapter's model.
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

const T_C: [f32; 11] = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0];
const T_U: [f32; 11] = [
    35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4,
];
const TRAIN: usize = 9;
const VAL: usize = 2;
const LR: f32 = 1e-3;
const HIDDEN: usize = 13;

/// The chapter's data: inputs `0.1 t_u`, the first 9 samples to train on, the last 2 to validate.
struct Data {
    train_x: [[f32; 1]; TRAIN],
    train_y: [[f32; 1]; TRAIN],
    val_x: [[f32; 1]; VAL],
    val_y: [[f32; 1]; VAL],
}

fn data() -> Data {
    let x = |i: usize| [0.1 * T_U[i]];
    let y = |i: usize| [T_C[i]];
    Data {
        train_x: std::array::from_fn(x),
        train_y: std::array::from_fn(y),
        val_x: std::array::from_fn(|i| x(TRAIN + i)),
        val_y: std::array::from_fn(|i| y(TRAIN + i)),
    }
}

/// The hand-written kernel: the same network as fixed arrays.
// Plain index loops, as the kernel would be written in C.
#[allow(clippy::needless_range_loop)]
mod hand {
    use super::{HIDDEN, LR, TRAIN, VAL};

    // The library's tanh, so that both sides get the same values in each configuration (in f64
    // by default, in f32 with `--features nncore/fast-tanh`).
    use nncore::math::tanh;

    #[derive(Clone)]
    pub struct Net {
        pub w1: [f32; HIDDEN],
        pub b1: [f32; HIDDEN],
        pub w2: [f32; HIDDEN],
        pub b2: f32,
    }

    impl Net {
        /// One sample.
        #[inline]
        pub fn forward(&self, x: f32) -> f32 {
            let mut y = 0.0;
            for j in 0..HIDDEN {
                y += self.w2[j] * tanh(self.w1[j] * x + self.b1[j]);
            }
            y + self.b2
        }

        /// `N` samples, neurons outside and samples inside.
        #[inline(always)]
        fn hidden<const N: usize>(&self, x: &[f32; N]) -> [[f32; N]; HIDDEN] {
            let mut h = [[0.0; N]; HIDDEN];
            for j in 0..HIDDEN {
                for b in 0..N {
                    h[j][b] = tanh(self.w1[j] * x[b] + self.b1[j]);
                }
            }
            h
        }

        #[inline(always)]
        fn output<const N: usize>(&self, h: &[[f32; N]; HIDDEN]) -> [f32; N] {
            let mut y = [0.0; N];
            for j in 0..HIDDEN {
                for b in 0..N {
                    y[b] += self.w2[j] * h[j][b];
                }
            }
            y.map(|y| y + self.b2)
        }

        /// A batch, in blocks of 8 samples, the rest one at a time.
        pub fn forward_batch(&self, xs: &[f32], out: &mut [f32]) {
            let mut xc = xs.chunks_exact(8);
            let mut oc = out.chunks_exact_mut(8);
            for (x, o) in (&mut xc).zip(&mut oc) {
                let x: &[f32; 8] = x.try_into().unwrap();
                o.copy_from_slice(&self.output(&self.hidden(x)));
            }
            for (x, o) in xc.remainder().iter().zip(oc.into_remainder()) {
                *o = self.forward(*x);
            }
        }

        /// One epoch: forward and MSE on train, forward and MSE on val, backward, SGD step.
        pub fn epoch(
            &mut self,
            x: &[f32; TRAIN],
            t: &[f32; TRAIN],
            vx: &[f32; VAL],
            vt: &[f32; VAL],
        ) -> (f32, f32) {
            let h = self.hidden(x);
            let y = self.output(&h);
            let mut loss = 0.0;
            let mut dy = [0.0; TRAIN];
            for b in 0..TRAIN {
                let d = y[b] - t[b];
                loss += d * d;
                dy[b] = 2.0 * d / TRAIN as f32;
            }
            let vy = self.output(&self.hidden(vx));
            let mut val = 0.0;
            for b in 0..VAL {
                val += (vy[b] - vt[b]) * (vy[b] - vt[b]);
            }
            let mut db2 = 0.0;
            for d in dy {
                db2 += d;
            }
            for j in 0..HIDDEN {
                let (mut dw1, mut db1, mut dw2) = (0.0, 0.0, 0.0);
                for b in 0..TRAIN {
                    dw2 += dy[b] * h[j][b];
                    let dz = dy[b] * self.w2[j] * (1.0 - h[j][b] * h[j][b]);
                    dw1 += dz * x[b];
                    db1 += dz;
                }
                self.w1[j] -= LR * dw1;
                self.b1[j] -= LR * db1;
                self.w2[j] -= LR * dw2;
            }
            self.b2 -= LR * db2;
            (loss / TRAIN as f32, val / VAL as f32)
        }
    }
}

fn models() -> (TempNet, hand::Net) {
    let model = TempNet::init(&mut StdRng::seed_from_u64(0));
    let net = hand::Net {
        w1: std::array::from_fn(|j| model.hidden_linear.weight[j][0]),
        b1: model.hidden_linear.bias,
        w2: model.output_linear.weight[0],
        b2: model.output_linear.bias[0],
    };
    (model, net)
}

fn w1_epoch(c: &mut Criterion) {
    let d = data();
    let mut group = c.benchmark_group("W1 epoch");
    let (mut model, mut net) = models();
    let mse = MSELoss::new();
    let mut grads = Grads::<TempNet>::new();
    let mut opt = SGD::new(SGDConfig {
        lr: LR,
        ..Default::default()
    })
    .unwrap();
    let mut val_out = [[0.0f32; 1]; VAL];
    group.bench_function("generated", |b| {
        b.iter(|| {
            grads.zero_grad();
            let train = model
                .backward_loss(&mse, black_box(&d.train_x), &d.train_y, &mut grads)
                .unwrap();
            model
                .forward_into(black_box(&d.val_x), &mut val_out)
                .unwrap();
            let val = mse.forward(&val_out, &d.val_y).unwrap();
            opt.step(&mut model, &grads);
            (train, val)
        })
    });
    let (x, t) = (d.train_x.map(|[x]| x), d.train_y.map(|[y]| y));
    let (vx, vt) = (d.val_x.map(|[x]| x), d.val_y.map(|[y]| y));
    group.bench_function("hand-written", |b| {
        b.iter(|| net.epoch(black_box(&x), &t, black_box(&vx), &vt))
    });
    group.finish();
}

fn w2_single(c: &mut Criterion) {
    let mut group = c.benchmark_group("W2 single sample");
    let (model, net) = models();
    group.bench_function("generated", |b| b.iter(|| model.forward(black_box(&[4.8]))));
    group.bench_function("hand-written", |b| b.iter(|| net.forward(black_box(4.8))));
    group.finish();
}

/// W3's batch size.
const N: usize = 4096;

/// W3's inputs: evenly spaced over the range of the chapter's `0.1 t_u`.
fn batch_inputs() -> Vec<[f32; 1]> {
    (0..N).map(|i| [2.0 + 7.0 * i as f32 / N as f32]).collect()
}

fn w3_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("W3 batch of 4096");
    let (model, net) = models();
    let xs = batch_inputs();
    let mut out = vec![[0.0f32; 1]; N];
    group.bench_function("generated", |b| {
        b.iter(|| model.forward_into(black_box(&xs), &mut out).unwrap())
    });
    let flat: Vec<f32> = xs.iter().map(|[x]| *x).collect();
    let mut flat_out = vec![0.0f32; N];
    group.bench_function("hand-written", |b| {
        b.iter(|| net.forward_batch(black_box(&flat), &mut flat_out))
    });
    group.finish();
}

/// tanh alone, over as many values as W3's hidden layer computes (13 per sample): the library's
/// evaluation in this configuration in one loop and over the whole slice (`tanh_slice`, the
/// CPU's widest vectors), and the platform's `f32::tanh`.
fn tanh_alone(c: &mut Criterion) {
    let len = N * HIDDEN;
    let xs: Vec<f32> = (0..len)
        .map(|i| -4.5 + 9.0 * i as f32 / len as f32)
        .collect();
    let mut ys = vec![0.0f32; len];
    let mut group = c.benchmark_group("tanh of 53248 values");
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function("nncore::math::tanh", |b| {
        b.iter(|| map(black_box(&xs), &mut ys, nncore::math::tanh))
    });
    group.bench_function("nncore::math::tanh_slice", |b| {
        b.iter(|| {
            nncore::math::tanh_slice(black_box(&xs), &mut ys);
            black_box(&mut ys);
        })
    });
    group.bench_function("f32::tanh", |b| {
        b.iter(|| map(black_box(&xs), &mut ys, f32::tanh))
    });
    group.finish();
}

/// `ys[i] = f(xs[i])`, a loop LLVM can vectorize once `f` is inlined.
#[inline(always)]
fn map(xs: &[f32], ys: &mut [f32], f: impl Fn(f32) -> f32) {
    for (x, y) in xs.iter().zip(ys.iter_mut()) {
        *y = f(*x);
    }
    black_box(ys);
}

/// Checks that the two sides compute the same thing before timing them.
fn agree(_: &mut Criterion) {
    let d = data();
    let (mut model, mut net) = models();
    for x in [-3.0f32, 0.5, 4.8] {
        let (a, b) = (model.forward(&[x])[0], net.forward(x));
        assert!(
            (a - b).abs() <= 1e-5 * a.abs().max(1.0),
            "forward {a} vs {b}"
        );
    }
    let xs = batch_inputs();
    let mut out = vec![[0.0f32; 1]; N];
    model.forward_into(&xs, &mut out).unwrap();
    let flat: Vec<f32> = xs.iter().map(|[x]| *x).collect();
    let mut flat_out = vec![0.0f32; N];
    net.forward_batch(&flat, &mut flat_out);
    for (x, ([a], b)) in flat.iter().zip(out.iter().zip(&flat_out)) {
        assert!(
            (a - b).abs() <= 1e-5 * a.abs().max(1.0),
            "batch forward at {x}: {a} vs {b}"
        );
    }
    let mut grads = Grads::<TempNet>::new();
    let mut opt = SGD::new(SGDConfig {
        lr: LR,
        ..Default::default()
    })
    .unwrap();
    let (x, t) = (d.train_x.map(|[x]| x), d.train_y.map(|[y]| y));
    let (vx, vt) = (d.val_x.map(|[x]| x), d.val_y.map(|[y]| y));
    for _ in 0..100 {
        grads.zero_grad();
        let a = model
            .backward_loss(&MSELoss::new(), &d.train_x, &d.train_y, &mut grads)
            .unwrap();
        opt.step(&mut model, &grads);
        let (b, _) = net.epoch(&x, &t, &vx, &vt);
        assert!((a - b).abs() <= 1e-4 * a.abs(), "train loss {a} vs {b}");
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! { name = benches; config = config(); targets = agree, w1_epoch, w2_single, w3_batch, tanh_alone }
criterion_main!(benches);

//! Split over threads (the `rayon` feature), a training-mode forward and backward give the bits
//! of one thread: each run of channels summed and written on its own thread.

extern crate std;
use std::vec::Vec;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::samples;
use crate::kernels::parallel;
use crate::layers::norm::batch_norm::kernels::{Train, backward_train};

/// Everything a forward and a backward of `C` channels of `p` on `xs` give, as bits, on
/// `threads` threads: the output, the cache, the running statistics, the parameter and input
/// gradients (and the parameter gradients alone, without the input's), with the `ReLU` folded
/// in if `relu`.
fn run<const C: usize>(threads: usize, xs: &[f32], dys: &[f32], p: usize, relu: bool) -> Vec<u32> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        // Each pass is long enough to split on more than one thread.
        assert_eq!(parallel::channels(C, xs.len() * 2).is_some(), threads > 1);
        let weight: [f32; C] = core::array::from_fn(|c| [1.5, -0.5, 0.3, 2.0][c % 4]);
        let bias: [f32; C] = core::array::from_fn(|c| [0.0, 0.25, -0.1][c % 3]);
        let (mut running_mean, mut running_var, mut tracked) = ([0.1; C], [0.9; C], 0);
        let (mut ys, mut cache) = (std::vec![f32::NAN; xs.len()], std::vec![f32::NAN; 2 * C]);
        let train = Train {
            weight: &weight,
            bias: &bias,
            running_mean: &mut running_mean,
            running_var: &mut running_var,
            num_batches_tracked: &mut tracked,
            eps: 1e-3,
            momentum: 0.1,
        };
        if relu {
            train.forward::<true>(xs, &mut ys, &mut cache, p);
        } else {
            train.forward::<false>(xs, &mut ys, &mut cache, p);
        }
        let with = (&weight, relu.then_some(&bias));
        let (mut dw, mut db, mut dx) = ([0.5; C], [-0.5; C], std::vec![f32::NAN; xs.len()]);
        backward_train(
            with,
            (xs, dys),
            &cache,
            p,
            Some((&mut dw, &mut db)),
            Some(&mut dx),
        );
        let (mut dw_alone, mut db_alone) = ([0.25; C], [0.0; C]);
        let grads = Some((&mut dw_alone, &mut db_alone));
        backward_train(with, (xs, dys), &cache, p, grads, None);
        let parts: [&[f32]; 8] = [
            &ys,
            &cache,
            &running_mean,
            &running_var,
            &dw,
            &db,
            &dx,
            &[dw_alone, db_alone].concat(),
        ];
        parts
            .iter()
            .flat_map(|v| v.iter().map(|x| x.to_bits()))
            .collect()
    })
}

fn check<const C: usize>(p: usize, n: usize) {
    let mut rng = StdRng::seed_from_u64(C as u64 + p as u64);
    let xs: Vec<f32> = samples::<[f32; 1]>(&mut rng, n * C * p, -2.0, 3.0).concat();
    let dys: Vec<f32> = samples::<[f32; 1]>(&mut rng, n * C * p, -1.0, 1.0).concat();
    for relu in [false, true] {
        let one = run::<C>(1, &xs, &dys, p, relu);
        for threads in [2, 3] {
            let what = std::format!("C {C}, P {p}, N {n}, ReLU {relu}, {threads} threads");
            assert!(one == run::<C>(threads, &xs, &dys, p, relu), "{what}");
        }
    }
}

#[test]
fn threads_give_the_bits_of_one() {
    // ResNet-8's last stack (runs of 32 channels), its first (of 8), a run of 16 and one
    // of 8 channels, three runs of 8 (on three threads) and the last one part of a group.
    check::<64>(64, 32);
    check::<16>(1024, 16);
    check::<24>(700, 16);
    check::<19>(1000, 14);
}

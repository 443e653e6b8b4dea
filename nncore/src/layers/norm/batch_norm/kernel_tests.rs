//! The batch-norm kernels' sums: channels side by side (in lanes on AVX-512), each still in its
//! own order, on every instruction set.

use super::kernels::{ReluMask, backward_train};
use super::sums::{batch_stats, grad_sums};
use crate::kernels::{isa, paths};

/// Values of every magnitude; with `big`, each plane of `p` also holds `1e13` and `−1e13`,
/// which cancel, so that a sum in another order would round differently.
fn values(n: usize, seed: u32, p: usize, big: bool) -> alloc::vec::Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let m = (state >> 9) as f32 / (1 << 23) as f32 - 0.5;
            match i % p {
                1 if big => 1e13,
                3 if big => -1e13,
                _ => m * [1e-3, 1.0, 7.0, 1e3][(state & 3) as usize],
            }
        })
        .collect()
}

/// The sums channel by channel, sample after sample, value after value: the mean's and the
/// squares' in f64, the gradients' per plane in f32 and then in f64.
fn in_order<const C: usize>(x: &[f32], dy: &[f32], p: usize) -> [[f64; C]; 4] {
    let n = x.len() / C / p;
    let channels: [[f64; 4]; C] = core::array::from_fn(|c| {
        let planes = || (0..n).map(move |s| (s * C + c) * p..(s * C + c + 1) * p);
        let mut sum = 0.0_f64;
        for plane in planes() {
            for &v in &x[plane] {
                sum += f64::from(v);
            }
        }
        let mean = (sum / (n * p) as f64) as f32;
        let (mut squares, mut s, mut d) = (0.0_f64, 0.0_f64, 0.0_f64);
        for plane in planes() {
            let (mut s32, mut d32) = (0.0_f32, 0.0_f32);
            for (&v, &g) in x[plane.clone()].iter().zip(&dy[plane]) {
                squares += f64::from((v - mean) * (v - mean));
                s32 += g;
                d32 += (v - mean) * g;
            }
            s += f64::from(s32);
            d += f64::from(d32);
        }
        [sum, squares, s, d]
    });
    core::array::from_fn(|k| channels.map(|sums| sums[k]))
}

fn check<const C: usize>(p: usize, n: usize) {
    // With and without the cancelling values (which swamp the squares of the others).
    for big in [true, false] {
        check_values::<C>(p, n, big);
    }
}

fn check_values<const C: usize>(p: usize, n: usize, big: bool) {
    let x = values(n * C * p, C as u32, p, big);
    let dy = values(n * C * p, 7 + C as u32, p, false);
    let want = in_order::<C>(&x, &dy, p);
    for isa in paths() {
        let (mean, var_sum) = batch_stats::<C>(isa, &x, p, n * p);
        let mean_want: [f32; C] = core::array::from_fn(|c| (want[0][c] / (n * p) as f64) as f32);
        let what = alloc::format!("{isa:?}, C {C}, P {p}");
        assert_eq!(
            mean.map(f32::to_bits),
            mean_want.map(f32::to_bits),
            "{what}"
        );
        let var_want = want[1].map(|v| (v as f32).to_bits());
        assert_eq!(var_sum.map(f32::to_bits), var_want, "{what}");
        let (sum, dotp) = grad_sums::<C>(isa, &x, &dy, &mean, p, None);
        assert_eq!(sum.map(f64::to_bits), want[2].map(f64::to_bits), "{what}");
        assert_eq!(dotp.map(f64::to_bits), want[3].map(f64::to_bits), "{what}");
        // Masked by a ReLU: the sums of the gradient masked first, about half the values 0.
        let alpha: [f32; C] = core::array::from_fn(|c| [1.0, -0.5, 3.0][c % 3]);
        let beta: [f32; C] = core::array::from_fn(|c| [0.0, 0.25, -1.0][c % 3]);
        let masked: alloc::vec::Vec<f32> = (x.iter().zip(&dy).enumerate())
            .map(|(i, (&x, &g))| {
                let c = i / p % C;
                if x * alpha[c] + beta[c] > 0.0 { g } else { 0.0 }
            })
            .collect();
        let mask = ReluMask {
            alpha: &alpha,
            beta: &beta,
        };
        let fused = grad_sums::<C>(isa, &x, &dy, &mean, p, Some(mask));
        let apart = grad_sums::<C>(isa, &x, &masked, &mean, p, None);
        assert_eq!(
            fused.0.map(f64::to_bits),
            apart.0.map(f64::to_bits),
            "{what}"
        );
        assert_eq!(
            fused.1.map(f64::to_bits),
            apart.1.map(f64::to_bits),
            "{what}"
        );
    }
}

#[test]
fn channels_side_by_side_sum_in_each_channels_order() {
    // Whole groups of eight channels (two vectors of lanes), a group and a part, fewer than a
    // group, three groups (one vector left after the pairs).
    check::<16>(9, 3);
    check::<24>(5, 2);
    check::<11>(5, 4);
    check::<3>(17, 2);
    check::<8>(4, 1);
    // Seven vectors of eight channels (three pairs and one alone, as the statistics' kernel
    // takes them), and longer runs of samples.
    check::<56>(7, 3);
    check::<8>(13, 6);
    check::<16>(9, 5);
    // Batches large enough to split over rayon's threads (with the feature), the second half
    // of the channels ending in a part group.
    check::<16>(1024, 16);
    check::<24>(700, 16);
}

/// The input gradients of a training-mode backward, value by value in plain code as its doc
/// states them (`dy` masked first where `mask` is given), from the batch's sums.
fn input_grads_in_order<const C: usize>(
    (x, dy): (&[f32], &[f32]),
    (mean, invstd, weight): (&[f32; C], &[f32; C], &[f32; C]),
    p: usize,
    mask: Option<ReluMask<'_, C>>,
) -> alloc::vec::Vec<f32> {
    let n = x.len() / C;
    let gated: alloc::vec::Vec<f32> = (x.iter().zip(dy).enumerate())
        .map(|(i, (&x, &g))| mask.map_or(g, |m| m.keep(i / p % C, x, g)))
        .collect();
    let (sum, dotp) = grad_sums::<C>(isa(), x, &gated, mean, p, None);
    (x.iter().zip(&gated).enumerate())
        .map(|(i, (&x, &g))| {
            let c = i / p % C;
            let k = dotp[c] as f32 * invstd[c] * invstd[c] / n as f32;
            let grad_mean = (sum[c] / n as f64) as f32;
            let projection = (x - mean[c]) * k;
            (g - grad_mean - projection) * invstd[c] * weight[c]
        })
        .collect()
}

fn check_input_grads<const C: usize>(p: usize, n: usize) {
    let x = values(n * C * p, 3 + C as u32, p, false);
    let dy = values(n * C * p, 11 + C as u32, p, false);
    let mean: [f32; C] = core::array::from_fn(|c| [0.0, 0.125, -0.25][c % 3]);
    let invstd: [f32; C] = core::array::from_fn(|c| [1.0, 3.0, 0.7][c % 3]);
    let weight: [f32; C] = core::array::from_fn(|c| [1.5, -0.5, 0.3, 2.0][c % 4]);
    let bias: [f32; C] = core::array::from_fn(|c| [0.0, 0.25, -0.1][c % 3]);
    let cache: alloc::vec::Vec<f32> = mean.iter().chain(&invstd).copied().collect();
    // The map a forward with the ReLU folded in masks by: `α = invstd·weight`, `β = bias − mean·α`.
    let alpha: [f32; C] = core::array::from_fn(|c| invstd[c] * weight[c]);
    let beta: [f32; C] = core::array::from_fn(|c| bias[c] - mean[c] * alpha[c]);
    let mask = ReluMask {
        alpha: &alpha,
        beta: &beta,
    };
    for (with_relu, mask) in [(None, None), (Some(&bias), Some(mask))] {
        let mut dx = alloc::vec![f32::NAN; x.len()];
        backward_train(
            (&weight, with_relu),
            (&x, &dy),
            &cache,
            p,
            None,
            Some(&mut dx),
        );
        let want = input_grads_in_order((&x, &dy), (&mean, &invstd, &weight), p, mask);
        let what = alloc::format!("C {C}, P {p}, N {n}, ReLU {}", mask.is_some());
        let bits = |v: &[f32]| {
            v.iter()
                .map(|v| v.to_bits())
                .collect::<alloc::vec::Vec<_>>()
        };
        assert_eq!(bits(&dx), bits(&want), "{what}");
    }
}

#[test]
fn input_grads_are_the_formula_value_by_value() {
    // One value a channel, planes shorter and longer than a vector, channel counts off the
    // lanes, one sample and several.
    check_input_grads::<3>(1, 4);
    check_input_grads::<11>(5, 2);
    check_input_grads::<8>(17, 1);
    check_input_grads::<16>(36, 3);
    check_input_grads::<5>(9, 1);
    // A batch large enough to split over rayon's threads (with the feature).
    check_input_grads::<24>(700, 16);
}

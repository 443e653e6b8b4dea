//! The narrow layers' products on every path this CPU runs, against the summation order
//! `narrow.rs` documents, bit for bit, for every batch from one sample to past two tiles of the
//! widest registers: each form (one sample, features in the lanes, samples in the lanes) and
//! each remainder of their vectors and tiles.

use super::tests::fill;
use super::{narrow, paths};

/// The largest batch tried: two tiles of sixteen samples and a rest.
const MAX_BATCH: usize = 37;

/// Checks the three products of a layer from `IN` to `OUT` features on every path.
fn check<const IN: usize, const OUT: usize>(seed: u32) {
    let mut weight = [[0.0f32; IN]; OUT];
    let (mut bias, mut start, mut start_bias) = ([0.0; OUT], [[0.0; IN]; OUT], [0.0; OUT]);
    let (mut xs, mut dys) = ([[0.0; IN]; MAX_BATCH], [[0.0; OUT]; MAX_BATCH]);
    fill(weight.as_flattened_mut(), seed);
    fill(&mut bias, seed + 1);
    fill(xs.as_flattened_mut(), seed + 2);
    fill(dys.as_flattened_mut(), seed + 3);
    fill(start.as_flattened_mut(), seed + 4);
    fill(&mut start_bias, seed + 5);
    for isa in paths() {
        for batch in 1..=MAX_BATCH {
            let (x, dy) = (&xs[..batch], &dys[..batch]);
            for bias in [Some(&bias), None] {
                let mut y = [[f32::NAN; OUT]; MAX_BATCH];
                narrow::forward(isa, &weight, bias, x, &mut y[..batch]);
                for (b, (x, y)) in x.iter().zip(&y).enumerate() {
                    for (o, (&got, row)) in y.iter().zip(&weight).enumerate() {
                        let sum = row.iter().zip(x).fold(0.0f32, |s, (w, x)| s + w * x);
                        let expected = bias.map_or(sum, |bias| sum + bias[o]);
                        assert_eq!(
                            got.to_bits(),
                            expected.to_bits(),
                            "{isa:?} forward {IN}x{OUT}, batch {batch}, sample {b}, output {o}"
                        );
                    }
                }
            }
            let mut dx = [[f32::NAN; IN]; MAX_BATCH];
            narrow::input_grad(isa, &weight, dy, &mut dx[..batch]);
            for (b, (dy, dx)) in dy.iter().zip(&dx).enumerate() {
                for (i, &got) in dx.iter().enumerate() {
                    let expected = weight.iter().zip(dy).fold(0.0f32, |s, (w, d)| s + w[i] * d);
                    assert_eq!(
                        got.to_bits(),
                        expected.to_bits(),
                        "{isa:?} input grad {IN}x{OUT}, batch {batch}, sample {b}, input {i}"
                    );
                }
            }
            let (mut dw, mut db) = (start, start_bias);
            narrow::weight_grad(isa, &mut dw, Some(&mut db), x, dy);
            let mut no_bias = start;
            narrow::weight_grad(isa, &mut no_bias, None, x, dy);
            assert_eq!(dw, no_bias, "{isa:?} weight grad {IN}x{OUT} without bias");
            for o in 0..OUT {
                for i in 0..IN {
                    let expected =
                        (x.iter().zip(dy)).fold(start[o][i], |s, (x, d)| s + d[o] * x[i]);
                    assert_eq!(
                        dw[o][i].to_bits(),
                        expected.to_bits(),
                        "{isa:?} weight grad {IN}x{OUT}, batch {batch}, at {o},{i}"
                    );
                }
                let expected = dy.iter().fold(start_bias[o], |s, d| s + d[o]);
                assert_eq!(
                    db[o].to_bits(),
                    expected.to_bits(),
                    "{isa:?} bias grad {IN}x{OUT}, batch {batch}, output {o}"
                );
            }
        }
    }
}

#[test]
fn every_narrow_form_sums_in_the_documented_order() {
    // Samples in the lanes for the forward (twice as many inputs as outputs or more), features
    // in the lanes otherwise; the input gradient the other way round. Inputs over a vector of
    // AVX2's eight lanes, outputs over several vectors, and empty layers.
    check::<1, 13>(1);
    check::<13, 1>(2);
    check::<3, 1>(3);
    check::<2, 5>(4);
    check::<15, 7>(5);
    check::<15, 2>(6);
    check::<7, 16>(7);
    check::<1, 40>(8);
    check::<5, 33>(9);
    check::<4, 4>(10);
    check::<8, 3>(11);
    check::<12, 20>(12);
    check::<9, 17>(13);
    check::<0, 3>(14);
    check::<3, 0>(15);
}

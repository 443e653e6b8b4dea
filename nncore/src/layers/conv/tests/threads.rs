//! Split over threads (the `rayon` feature), every convolution gives the bits of one thread:
//! samples split for the forward and the input gradient, input channels, output channels or
//! groups for the parameter gradients.

extern crate std;
use super::values;
use crate::kernels::{Affine, isa};
use crate::layers::conv::batch::{backward_input, backward_params, forward};
use crate::layers::conv::kernel::Geometry;
use std::vec::Vec;

/// Rows of `N` floats.
fn rows<const N: usize>(v: &[f32]) -> Vec<[f32; N]> {
    v.chunks_exact(N).map(|r| r.try_into().unwrap()).collect()
}

/// The three products of a batch of `batch` on `threads` threads, as bits.
fn run<const S: usize, const K: usize>(
    threads: usize,
    geo: Geometry,
    out: usize,
    batch: usize,
) -> [Vec<u32>; 4] {
    let channels = geo.in_per_group * geo.groups;
    let k = geo.in_per_group * K * K;
    let weight = rows::<K>(&values(out * k, 21));
    let bias = values(out, 22);
    let xs = rows::<S>(&values(batch * channels * S * S, 23));
    let dys = rows::<S>(&values(batch * out * S * S, 24));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut ys = std::vec![[0.0; S]; batch * out * S];
        // A batch norm's map and a `ReLU` after the sums, on every thread's share.
        let (alpha, beta) = (values(out, 27), values(out, 28));
        let then = Affine {
            alpha: &alpha,
            beta: &beta,
            relu: true,
        };
        forward::<S, S, S, S, K, K>(isa(), &geo, &weight, Some(&bias), Some(then), &xs, &mut ys);
        let mut dxs = std::vec![[0.0; S]; batch * channels * S];
        backward_input::<S, S, S, S, K, K>(isa(), &geo, &weight, &dys, &mut dxs);
        let (mut dw, mut db) = (rows::<K>(&values(out * k, 25)), values(out, 26));
        backward_params::<S, S, S, S, K, K>(isa(), &geo, &xs, &dys, &mut dw, Some(&mut db));
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        [
            bits(ys.as_flattened()),
            bits(dxs.as_flattened()),
            bits(dw.as_flattened()),
            bits(&db),
        ]
    })
}

#[test]
fn threads_give_the_bits_of_one() {
    let geo = |ipg, groups| Geometry {
        in_per_group: ipg,
        groups,
        stride: [1, 1],
        padding: [1, 1],
        dilation: [1, 1],
    };
    // 7 samples (shares of 4 and 3), 16 input channels (shares of 8).
    let dense = geo(16, 1);
    assert!(run::<16, 3>(1, dense, 24, 7) == run::<16, 3>(2, dense, 24, 7));
    // Shares of 4, 4 and 2 input channels; of 32, each in two runs on the thread's stack.
    let uneven = geo(10, 1);
    assert!(run::<16, 3>(1, uneven, 24, 8) == run::<16, 3>(3, uneven, 24, 8));
    let wide = geo(64, 1);
    assert!(run::<8, 3>(1, wide, 64, 2) == run::<8, 3>(2, wide, 64, 2));
    // 3 input channels, too few for even shares: 24 output channels in shares of 16 and 8.
    let narrow = geo(3, 1);
    assert!(run::<32, 3>(1, narrow, 24, 8) == run::<32, 3>(2, narrow, 24, 8));
    // Depthwise, 12 groups: shares of 4 whole groups, and of 4, 4 and 2 samples.
    let depthwise = geo(1, 12);
    assert!(run::<64, 3>(1, depthwise, 12, 10) == run::<64, 3>(3, depthwise, 12, 10));
}

//! `Conv1d` against the direct formula and finite differences, and its PyTorch forms.

extern crate std;
use super::{Sizes, check_layer, naive, values};
use crate::layers::conv::conv1d::Conv1d;
use crate::module::{Layer, Module};
use rand::SeedableRng;
use rand::distr::{Distribution, Uniform};
use rand::rngs::StdRng;
use std::{format, vec::Vec};

/// A batch of `n` samples of deterministic values.
fn batch<const C: usize, const L: usize>(n: usize, seed: u32) -> Vec<[[f32; L]; C]> {
    let v = values(n * C * L, seed);
    let rows: Vec<[f32; L]> = v.chunks_exact(L).map(|r| r.try_into().unwrap()).collect();
    rows.chunks_exact(C)
        .map(|s| s.try_into().unwrap())
        .collect()
}

/// The layer's output against the direct formula, over a batch.
fn check_forward<
    const IPG: usize,
    const OUT: usize,
    const K: usize,
    const BIAS: bool,
    const C: usize,
    const L: usize,
    const LO: usize,
>(
    layer: &Conv1d<IPG, OUT, K, BIAS>,
    xs: &[[[f32; L]; C]],
) {
    let geo = layer.geometry();
    let sizes = Sizes {
        input: [1, L],
        output: [1, LO],
        kernel: [1, K],
        out: OUT,
    };
    let weight = layer.weight.as_flattened().as_flattened();
    let bias = BIAS.then_some(&layer.bias[..]);
    for x in xs {
        let y: [[f32; LO]; OUT] = layer.forward(x);
        let expected = naive(&geo, sizes, weight, bias, x.as_flattened());
        for (a, e) in y.as_flattened().iter().zip(&expected) {
            assert!((f64::from(*a) - e).abs() < 1e-5, "{a} vs {e}");
        }
    }
}

/// `y[l] = x[l-1] - x[l+1] + 0.5` with zero padding: x = 1, 2, 3, 4 gives -1.5, -1.5, -1.5,
/// 3.5. With stride 2 and dilation 2 (no padding), `y[l] = x[2l] - x[2l+4] + 0.5` on
/// x = 1..=7: -3.5, -3.5 (LO = (7 - 4 - 1) / 2 + 1 = 2).
#[test]
fn hand_computed_values() {
    let mut layer = Conv1d::<1, 1, 3>::new(1, 1, 1, 1);
    layer.weight = [[[1.0, 0.0, -1.0]]];
    layer.bias = [0.5];
    let y: [[f32; 4]; 1] = layer.forward(&[[1.0, 2.0, 3.0, 4.0]]);
    assert_eq!(y, [[-1.5, -1.5, -1.5, 3.5]]);
    layer.configure(2, 0, 2, 1);
    let y: [[f32; 2]; 1] = layer.forward(&[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]);
    assert_eq!(y, [[-3.5, -3.5]]);
    // Two groups: each output sees only its own channel.
    let mut layer = Conv1d::<1, 2, 1, false>::new(1, 0, 1, 2);
    layer.weight = [[[2.0]], [[-1.0]]];
    let y: [[f32; 2]; 2] = layer.forward(&[[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(y, [[2.0, 4.0], [-3.0, -4.0]]);
}

#[test]
fn plain_conv_matches_direct_formula_and_finite_differences() {
    let mut rng = StdRng::seed_from_u64(1);
    let layer = Conv1d::<2, 4, 3>::init(1, 1, 1, 1, &mut rng);
    let xs = batch::<2, 16>(3, 11);
    check_forward::<2, 4, 3, true, 2, 16, 16>(&layer, &xs);
    check_layer::<_, _, [[f32; 16]; 4]>(&layer, &xs);
}

/// `Conv1d(4, 4, 3, groups=4, dilation=2, padding=2, bias=False)`, the golden run's
/// depthwise layer: length 20 in, 20 out.
#[test]
fn depthwise_dilated_padded_without_bias() {
    let mut rng = StdRng::seed_from_u64(2);
    let layer = Conv1d::<1, 4, 3, false>::init(1, 2, 2, 4, &mut rng);
    let xs = batch::<4, 20>(3, 12);
    check_forward::<1, 4, 3, false, 4, 20, 20>(&layer, &xs);
    check_layer::<_, _, [[f32; 20]; 4]>(&layer, &xs);
    assert_eq!(layer.bias, [0.0; 4]);
    assert_eq!(layer.parameters().count(), 1);
}

/// Stride 3 with padding past the kernel's reach, and two groups of two channels:
/// (10 + 8 - 2·2 - 1) / 3 + 1 = 5.
#[test]
fn strided_grouped_conv() {
    let mut rng = StdRng::seed_from_u64(3);
    let layer = Conv1d::<2, 4, 3>::init(3, 4, 2, 2, &mut rng);
    let xs = batch::<4, 10>(2, 13);
    check_forward::<2, 4, 3, true, 4, 10, 5>(&layer, &xs);
    check_layer::<_, _, [[f32; 5]; 4]>(&layer, &xs);
}

#[test]
fn prints_as_pytorch() {
    assert_eq!(
        format!("{}", Conv1d::<2, 4, 3>::new(1, 1, 1, 1)),
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,))"
    );
    assert_eq!(
        format!("{}", Conv1d::<1, 4, 3, false>::new(1, 2, 2, 4)),
        "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=(2,), dilation=(2,), groups=4, \
         bias=False)"
    );
    assert_eq!(
        format!("{}", Conv1d::<4, 6, 3>::new(1, 0, 1, 1)),
        "Conv1d(4, 6, kernel_size=(3,), stride=(1,))"
    );
    assert_eq!(
        format!("{}", Conv1d::<4, 8, 1, false>::new(2, 0, 1, 1)),
        "Conv1d(4, 8, kernel_size=(1,), stride=(2,), bias=False)"
    );
}

#[test]
fn parameters_and_state() {
    type WithBias = Conv1d<2, 3, 2>;
    type NoBias = Conv1d<2, 3, 2, false>;
    assert_eq!((WithBias::NUM_PARAMS, NoBias::NUM_PARAMS), (15, 12));
    assert_eq!(WithBias::multiply_adds(10), 3 * 2 * 2 * 10);
    let mut rng = StdRng::seed_from_u64(4);
    let layer = WithBias::init(2, 1, 1, 1, &mut rng);
    let names: Vec<_> = layer
        .parameters()
        .map(|p| (format!("{}", p.name), p.shape))
        .collect();
    assert_eq!(
        format!("{names:?}"),
        r#"[("weight", [3, 2, 2]), ("bias", [3])]"#
    );
    let params: Vec<f32> = layer
        .parameters()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    assert_eq!(WithBias::new(2, 1, 1, 1).with_state(&params, &[]), layer);
    let layer = NoBias::init(1, 0, 1, 1, &mut rng);
    let params: Vec<f32> = layer
        .parameters()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    assert_eq!(NoBias::new(1, 0, 1, 1).with_state(&params, &[]), layer);
    // In a `const`, as generated code builds it.
    const LAYER: Conv1d<1, 1, 2> = Conv1d::new(1, 0, 1, 1).with_state(&[1.0, 2.0, 3.0], &[]);
    assert_eq!((LAYER.weight, LAYER.bias), ([[[1.0, 2.0]]], [3.0]));
}

/// A zeroed allocation gets PyTorch's default settings, as `zeros` does, until configured.
#[cfg(feature = "alloc")]
#[test]
fn zeroed_allocation_is_configured() {
    type NoBias = Conv1d<2, 3, 2, false>;
    assert_eq!(*NoBias::zeros_boxed(), NoBias::zeros());
    let mut boxed = NoBias::zeros_boxed();
    boxed.configure(1, 2, 2, 1);
    assert_eq!(
        (boxed.stride, boxed.padding, boxed.dilation, boxed.groups),
        (1, 2, 2, 1)
    );
}

/// kaiming_uniform_(a=√5) on the weight and the bias rule: U(±1/√(IN_PER_GROUP · K)), all
/// weight values row-major, then the bias.
#[test]
fn init_draws_weight_then_bias() {
    let layer = Conv1d::<2, 3, 4>::init(1, 0, 1, 1, &mut StdRng::seed_from_u64(5));
    let bound = 1.0 / 8f32.sqrt();
    let dist = Uniform::new(-bound, bound).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let drawn: Vec<f32> = (0..3 * 2 * 4 + 3).map(|_| dist.sample(&mut rng)).collect();
    let params: Vec<f32> = layer
        .parameters()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    assert_eq!(params, drawn);
    let layer = Conv1d::<2, 3, 4, false>::init(1, 0, 1, 1, &mut StdRng::seed_from_u64(5));
    assert_eq!(layer.weight.as_flattened().as_flattened(), &drawn[..24]);
    assert_eq!(layer.bias, [0.0; 3]);
}

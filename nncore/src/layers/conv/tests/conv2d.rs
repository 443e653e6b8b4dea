//! `Conv2d` against the direct formula and finite differences, and its PyTorch forms.

extern crate std;
use super::{Sizes, check_layer, naive, values};
use crate::layers::conv::conv2d::Conv2d;
use crate::module::{Layer, Module};
use rand::SeedableRng;
use rand::distr::{Distribution, Uniform};
use rand::rngs::StdRng;
use std::{format, vec::Vec};

type Image<const C: usize, const H: usize, const W: usize> = [[[f32; W]; H]; C];

/// A batch of `n` images of deterministic values.
fn batch<const C: usize, const H: usize, const W: usize>(
    n: usize,
    seed: u32,
) -> Vec<Image<C, H, W>> {
    let v = values(n * C * H * W, seed);
    let rows: Vec<[f32; W]> = v.chunks_exact(W).map(|r| r.try_into().unwrap()).collect();
    let planes: Vec<[[f32; W]; H]> = rows
        .chunks_exact(H)
        .map(|p| p.try_into().unwrap())
        .collect();
    planes
        .chunks_exact(C)
        .map(|s| s.try_into().unwrap())
        .collect()
}

/// The layer's output against the direct formula, over a batch.
fn check_forward<
    const IPG: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const BIAS: bool,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    layer: &Conv2d<IPG, OUT, KH, KW, BIAS>,
    xs: &[Image<C, H, W>],
) {
    let geo = layer.geometry();
    let sizes = Sizes {
        input: [H, W],
        output: [HO, WO],
        kernel: [KH, KW],
        out: OUT,
    };
    let weight = layer.weight.as_flattened().as_flattened().as_flattened();
    let bias = BIAS.then_some(&layer.bias[..]);
    for x in xs {
        let y: Image<OUT, HO, WO> = layer.forward(x);
        let expected = naive(&geo, sizes, weight, bias, x.as_flattened().as_flattened());
        for (a, e) in y.as_flattened().as_flattened().iter().zip(&expected) {
            assert!((f64::from(*a) - e).abs() < 1e-5, "{a} vs {e}");
        }
    }
}

/// A 2×2 kernel of ones sums each 2×2 window of x = 1..=9 (3×3): 12, 16, 24, 28. With
/// padding 1 and stride 2 the windows start at rows and columns -1 and 1: x[0][0] = 1,
/// x[0][1] + x[0][2] = 5, x[1][0] + x[2][0] = 11, and 5 + 6 + 8 + 9 = 28.
#[test]
fn hand_computed_values() {
    let x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]];
    let mut layer = Conv2d::<1, 1, 2, 2, false>::new([1, 1], [0, 0], [1, 1], 1);
    layer.weight = [[[[1.0; 2]; 2]]];
    let y: Image<1, 2, 2> = layer.forward(&x);
    assert_eq!(y, [[[12.0, 16.0], [24.0, 28.0]]]);
    layer.configure([2, 2], [1, 1], [1, 1], 1);
    let y: Image<1, 2, 2> = layer.forward(&x);
    assert_eq!(y, [[[1.0, 5.0], [11.0, 28.0]]]);
    // Dilation 2 reads the corners; bias adds: 1 + 3 + 7 + 9 - 1 = 19.
    let mut layer = Conv2d::<1, 1, 2, 2>::new([1, 1], [0, 0], [2, 2], 1);
    layer.weight = [[[[1.0; 2]; 2]]];
    layer.bias = [-1.0];
    let y: Image<1, 1, 1> = layer.forward(&x);
    assert_eq!(y, [[[19.0]]]);
}

#[test]
fn same_padding_matches_direct_formula_and_finite_differences() {
    let mut rng = StdRng::seed_from_u64(1);
    let layer = Conv2d::<3, 4, 3, 3>::init([1, 1], [1, 1], [1, 1], 1, &mut rng);
    let xs = batch::<3, 5, 6>(2, 21);
    check_forward::<3, 4, 3, 3, true, 3, 5, 6, 5, 6>(&layer, &xs);
    check_layer::<_, _, Image<4, 5, 6>>(&layer, &xs);
}

/// Stride 2 with padding 1 and two groups of two channels; the columns also dilated:
/// (6 + 2 - 3) / 2 + 1 = 3 rows, (7 + 2 - 2·2 - 1) / 2 + 1 = 3 columns.
#[test]
fn strided_padded_with_two_groups() {
    let mut rng = StdRng::seed_from_u64(2);
    let layer = Conv2d::<2, 4, 3, 3>::init([2, 2], [1, 1], [1, 2], 2, &mut rng);
    let xs = batch::<4, 6, 7>(3, 22);
    check_forward::<2, 4, 3, 3, true, 4, 6, 7, 3, 3>(&layer, &xs);
    check_layer::<_, _, Image<4, 3, 3>>(&layer, &xs);
    // Depthwise, no bias, a non-square kernel and unequal strides: (6 + 4 - 2) / 1 + 1 = 9
    // rows, (7 + 0 - 3) / 3 + 1 = 2 columns.
    let layer = Conv2d::<1, 4, 2, 3, false>::init([1, 3], [2, 0], [1, 1], 4, &mut rng);
    check_forward::<1, 4, 2, 3, false, 4, 6, 7, 9, 2>(&layer, &xs);
    check_layer::<_, _, Image<4, 9, 2>>(&layer, &xs);
}

#[test]
fn prints_as_pytorch() {
    assert_eq!(
        format!("{}", Conv2d::<3, 16, 3, 3>::new([1, 1], [1, 1], [1, 1], 1)),
        "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    );
    assert_eq!(
        format!("{}", Conv2d::<16, 8, 3, 3>::new([1, 1], [0, 0], [1, 1], 1)),
        "Conv2d(16, 8, kernel_size=(3, 3), stride=(1, 1))"
    );
    assert_eq!(
        format!(
            "{}",
            Conv2d::<2, 4, 3, 1, false>::new([2, 1], [0, 1], [1, 2], 2)
        ),
        "Conv2d(4, 4, kernel_size=(3, 1), stride=(2, 1), padding=(0, 1), dilation=(1, 2), \
         groups=2, bias=False)"
    );
}

#[test]
fn parameters_and_state() {
    type WithBias = Conv2d<2, 3, 2, 3>;
    type NoBias = Conv2d<2, 3, 2, 3, false>;
    assert_eq!((WithBias::NUM_PARAMS, NoBias::NUM_PARAMS), (39, 36));
    assert_eq!(WithBias::multiply_adds(4 * 5), 3 * 2 * 2 * 3 * 20);
    let mut rng = StdRng::seed_from_u64(4);
    let layer = WithBias::init([1, 2], [1, 0], [1, 1], 1, &mut rng);
    let names: Vec<_> = layer
        .parameters()
        .map(|p| (format!("{}", p.name), p.shape))
        .collect();
    assert_eq!(
        format!("{names:?}"),
        r#"[("weight", [3, 2, 2, 3]), ("bias", [3])]"#
    );
    let params: Vec<f32> = layer.parameters().flat_map(|p| p.data.to_vec()).collect();
    let rebuilt = WithBias::new([1, 2], [1, 0], [1, 1], 1).with_state(&params, &[]);
    assert_eq!(rebuilt, layer);
    assert_eq!(rebuilt.weight[2][1][1][2], params[35]);
    let layer = NoBias::init([1, 1], [0, 0], [1, 1], 1, &mut rng);
    let params: Vec<f32> = layer.parameters().flat_map(|p| p.data.to_vec()).collect();
    let rebuilt = NoBias::new([1, 1], [0, 0], [1, 1], 1).with_state(&params, &[]);
    assert_eq!(rebuilt, layer);
}

/// A zeroed allocation gets PyTorch's default settings, as `zeros` does.
#[cfg(feature = "alloc")]
#[test]
fn zeroed_allocation_is_configured() {
    type WithBias = Conv2d<2, 3, 2, 3>;
    assert_eq!(*WithBias::zeros_boxed(), WithBias::zeros());
}

/// U(±1/√(IN_PER_GROUP · KH · KW)): all weight values row-major, then the bias.
#[test]
fn init_draws_weight_then_bias() {
    type Layer = Conv2d<2, 3, 3, 3>;
    let layer = Layer::init([1, 1], [0, 0], [1, 1], 1, &mut StdRng::seed_from_u64(5));
    let dist = Uniform::new(-1.0 / 18f32.sqrt(), 1.0 / 18f32.sqrt()).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let drawn: Vec<f32> = (0..54 + 3).map(|_| dist.sample(&mut rng)).collect();
    let params: Vec<f32> = layer.parameters().flat_map(|p| p.data.to_vec()).collect();
    assert_eq!(params, drawn);
}

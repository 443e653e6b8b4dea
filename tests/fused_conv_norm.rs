//! The inference pass runs a convolution and the batch norm of its value alone as one step
//! (with the `ReLU` after the batch norm, where it reads the batch norm's value alone): the
//! batch norm's map applies to the sums as they are stored, or over the outputs after on the
//! paths that do not store them in tiles. The bits are those of the layers run apart, which an
//! `Identity` between the convolution and the batch norm keeps, on every path.

use nncore::prelude::*;
use nncore::{BatchNorm1d, BatchNorm2d, ReLU};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

mod common;
use common::bits::data;

/// A model of a convolution, a batch norm and an activation, and the same layers with an
/// `Identity` between the first two.
macro_rules! pair {
    ($fused:ident, $apart:ident, $input:tt, $conv:ident $conv_args:tt, $bn:ident $bn_args:tt, $act:ident) => {
        nncore::sequential! {
            #[input $input]
            pub struct $fused { conv: $conv $conv_args, bn: $bn $bn_args, act: $act }

            #[input $input]
            pub struct $apart { conv: $conv $conv_args, id: Identity, bn: $bn $bn_args, act: $act }
        }
    };
}

// Stride 1, planes in place: tiles of 8, 8, 2 and 1 output channels.
pair!(
    Flat,
    FlatApart,
    (5, 9, 13),
    Conv2d(5, 19, 3, padding = 1),
    BatchNorm2d(19),
    ReLU
);
// Stride 2 on decimated planes, the channels in chunks (3, 3 and 1): the map after the last.
pair!(
    Strided,
    StridedApart,
    (7, 40, 40),
    Conv2d(7, 12, 3, stride = 2, padding = 1),
    BatchNorm2d(12),
    ReLU
);
// Stride 2 in bands of rows: a channel's planes do not fit the copy.
pair!(
    Bands,
    BandsApart,
    (2, 130, 130),
    Conv2d(2, 4, 3, stride = 2),
    BatchNorm2d(4),
    ReLU
);
// Groups: each group's channels take their own part of the map.
pair!(
    Grouped,
    GroupedApart,
    (8, 6, 10),
    Conv2d(8, 12, 3, padding = 1, groups = 4),
    BatchNorm2d(12),
    ReLU
);
// Depthwise layers store the map from their own kernel; pointwise layers map their outputs
// after.
pair!(
    Depthwise,
    DepthwiseApart,
    (8, 7, 9),
    Conv2d(8, 8, 3, padding = 1, groups = 8),
    BatchNorm2d(8),
    ReLU
);
pair!(
    Pointwise,
    PointwiseApart,
    (8, 5, 6),
    Conv2d(8, 16, 1),
    BatchNorm2d(16),
    Tanh
);
// No bias, and a batch norm without a `ReLU` after it.
pair!(
    NoBias,
    NoBiasApart,
    (4, 8, 8),
    Conv2d(4, 9, 3, padding = 1, bias = false),
    BatchNorm2d(9),
    Tanh
);
// A kernel of more than 64 taps: the panels.
pair!(
    Wide,
    WideApart,
    (2, 12, 12),
    Conv2d(2, 5, 9),
    BatchNorm2d(5),
    ReLU
);
// Sequences.
pair!(
    Sequence,
    SequenceApart,
    (4, 30),
    Conv1d(4, 10, 5, padding = 2),
    BatchNorm1d(10),
    ReLU
);

/// Random running statistics, scales and shifts, some shifts far enough below 0 that the
/// `ReLU` cuts most of their channel.
fn randomize(weight: &mut [f32], bias: &mut [f32], mean: &mut [f32], var: &mut [f32]) {
    let mut rng = StdRng::seed_from_u64(7);
    for c in 0..weight.len() {
        weight[c] = rng.random_range(-2.0..2.0);
        bias[c] = [0.0, -3.0, 0.7][c % 3];
        mean[c] = rng.random_range(-0.5..0.5);
        var[c] = rng.random_range(0.05..3.0);
    }
}

fn randomize_2d<const C: usize>(bn: &mut BatchNorm2d<C>) {
    randomize(
        &mut bn.weight,
        &mut bn.bias,
        &mut bn.running_mean,
        &mut bn.running_var,
    );
}

fn randomize_1d<const C: usize>(bn: &mut BatchNorm1d<C>) {
    randomize(
        &mut bn.weight,
        &mut bn.bias,
        &mut bn.running_mean,
        &mut bn.running_var,
    );
}

fn out_bits<Y: Tensor>(ys: &[Y]) -> Vec<u32> {
    ys.iter()
        .flat_map(|y| y.flat().iter().map(|v| v.to_bits()))
        .collect()
}

macro_rules! same_bits {
    ($fused:ty, $apart:ty, $x:ty, $y:ty, $randomize:ident, $relu:literal) => {{
        let mut rng = StdRng::seed_from_u64(5);
        let mut fused = <$fused>::init_boxed(&mut rng);
        $randomize(&mut fused.bn);
        let mut apart = <$apart>::init_boxed(&mut rng);
        apart.conv = fused.conv.clone();
        apart.bn = fused.bn.clone();
        // The convolution's value takes no room in the fused model's arena: with a `ReLU`,
        // that leaves one value in it (the output's) where the layers apart hold two at once.
        let (f, a) = (<$fused>::ARENA_BYTES, <$apart>::ARENA_BYTES);
        assert!(f < a || (f == a && !$relu), "arenas of {f} and {a} bytes");
        for len in [1, 3, 17] {
            let (mut xs, _) = data::<$x, $y>(len, &mut rng);
            xs[0].flat_mut()[0] = f32::NAN;
            xs[len - 1].flat_mut()[1] = f32::NEG_INFINITY;
            xs[len - 1].flat_mut()[2] = f32::INFINITY;
            let (f, a) = (fused.forward_batch(&xs), apart.forward_batch(&xs));
            assert_eq!(out_bits(&f), out_bits(&a), "batch of {len}");
            let one = fused.forward(&xs[len - 1]);
            assert_eq!(
                out_bits(&[one]),
                out_bits(&f[len - 1..]),
                "one sample of {len}"
            );
            let zeros = f
                .iter()
                .flat_map(|y| y.flat())
                .filter(|v| **v == 0.0)
                .count();
            assert!(
                zeros < f.len() * <$y as Tensor>::LEN,
                "not every value is 0"
            );
        }
    }};
}

#[test]
fn stride_1_planes_store_the_batch_norm_and_relu() {
    same_bits!(
        Flat,
        FlatApart,
        [[[f32; 13]; 9]; 5],
        [[[f32; 13]; 9]; 19],
        randomize_2d,
        true
    );
}

#[test]
fn strided_planes_map_after_the_last_chunk_of_channels() {
    same_bits!(
        Strided,
        StridedApart,
        [[[f32; 40]; 40]; 7],
        [[[f32; 20]; 20]; 12],
        randomize_2d,
        true
    );
}

#[test]
fn strided_bands_of_rows_store_the_map() {
    same_bits!(
        Bands,
        BandsApart,
        [[[f32; 130]; 130]; 2],
        [[[f32; 64]; 64]; 4],
        randomize_2d,
        true
    );
}

#[test]
fn each_group_takes_its_channels_maps() {
    same_bits!(
        Grouped,
        GroupedApart,
        [[[f32; 10]; 6]; 8],
        [[[f32; 10]; 6]; 12],
        randomize_2d,
        true
    );
}

#[test]
fn depthwise_pointwise_and_panel_paths_map_too() {
    same_bits!(
        Depthwise,
        DepthwiseApart,
        [[[f32; 9]; 7]; 8],
        [[[f32; 9]; 7]; 8],
        randomize_2d,
        true
    );
    same_bits!(
        Pointwise,
        PointwiseApart,
        [[[f32; 6]; 5]; 8],
        [[[f32; 6]; 5]; 16],
        randomize_2d,
        false
    );
    same_bits!(
        Wide,
        WideApart,
        [[[f32; 12]; 12]; 2],
        [[[f32; 4]; 4]; 5],
        randomize_2d,
        true
    );
}

#[test]
fn a_batch_norm_without_relu_and_a_convolution_without_bias() {
    same_bits!(
        NoBias,
        NoBiasApart,
        [[[f32; 8]; 8]; 4],
        [[[f32; 8]; 8]; 9],
        randomize_2d,
        false
    );
}

#[test]
fn sequences_fuse_their_batch_norm_too() {
    same_bits!(
        Sequence,
        SequenceApart,
        [[f32; 30]; 4],
        [[f32; 30]; 10],
        randomize_1d,
        true
    );
}

nncore::sequential! {
    /// The convolution's value is read twice: nothing is fused, and the sum sees it.
    #[input(3, 6, 6)]
    pub struct ReadTwice { conv: Conv2d(3, 3, 3, padding = 1), bn: BatchNorm2d(3), relu: ReLU }
    fn forward(x) {
        let y = conv(x);
        relu(bn(y)) + y
    }
}

#[test]
fn a_convolution_read_by_more_than_its_batch_norm_keeps_its_value() {
    let mut rng = StdRng::seed_from_u64(9);
    let mut model = ReadTwice::init(&mut rng);
    randomize_2d(&mut model.bn);
    let (xs, _) = data::<[[[f32; 6]; 6]; 3], [[[f32; 6]; 6]; 3]>(4, &mut rng);
    let ys = model.forward_batch(&xs);
    for (x, y) in xs.iter().zip(&ys) {
        let conv: [[[f32; 6]; 6]; 3] = model.conv.forward(x);
        let expected = ReLU.forward(&model.bn.forward(&conv));
        for ((y, e), c) in y.flat().iter().zip(expected.flat()).zip(conv.flat()) {
            assert_eq!(y.to_bits(), (e + c).to_bits());
        }
    }
}

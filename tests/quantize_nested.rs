//! `quantize` on models whose layers are models: the keyword-spotting DS-CNN of the MLPerf Tiny
//! example, four depthwise-separable blocks nested in it. Each block's int8 twin is quantized
//! from the quantization of the value it takes, so it must equal the block quantized on its
//! own over the same inputs, and the whole int8 forward must be the blocks' composed.

mod common;
#[allow(dead_code)]
#[path = "../examples/mlperf_tiny/models.rs"]
mod models;

use common::big_stack;
use models::{DsBlock, DsBlockInt8, DsCnn, ResNet8};
use nncore::Layer;
use nncore::quant::{Int8Sample, QuantLayer};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

type Input = [[[f32; 10]; 49]; 1];
type Block = [[[f32; 5]; 25]; 64];
type Int8Block = [[[i8; 64]; 5]; 25];

/// Random weights with BatchNorm statistics away from the identity.
fn model(rng: &mut StdRng) -> Box<DsCnn> {
    let mut model = DsCnn::init_boxed(rng);
    let blocks = [
        &mut model.block1,
        &mut model.block2,
        &mut model.block3,
        &mut model.block4,
    ];
    for block in blocks {
        for bn in [&mut block.bn1, &mut block.bn2] {
            bn.running_mean = std::array::from_fn(|_| rng.random_range(-0.2..0.2));
            bn.running_var = std::array::from_fn(|_| rng.random_range(0.5..2.0));
        }
    }
    model
}

#[test]
fn nested_blocks_quantize_as_they_would_alone() {
    big_stack(|| {
        let mut rng = StdRng::seed_from_u64(17);
        let model = model(&mut rng);
        let xs: Vec<Input> = (0..24)
            .map(|_| {
                [std::array::from_fn(|_| {
                    std::array::from_fn(|_| rng.random_range(-1.0..1.0))
                })]
            })
            .collect();
        let (calibration, test) = xs.split_at(16);
        let int8 = model.quantize(calibration).unwrap();

        // The blocks' inputs, block by block, over the calibration samples.
        let stem = |x: &Input| -> Block {
            let padded: [[[f32; 12]; 58]; 1] = model.pad.forward(x);
            let y: Block = model.conv.forward(&padded);
            model.relu.forward(&model.bn.forward(&y))
        };
        let blocks: [&DsBlock; 4] = [&model.block1, &model.block2, &model.block3, &model.block4];
        let mut inputs: Vec<Block> = calibration.iter().map(stem).collect();
        let mut alone: Vec<DsBlockInt8> = Vec::new();
        for block in blocks {
            alone.push(block.quantize(&inputs).unwrap());
            inputs = inputs.iter().map(|x| block.forward(x)).collect();
        }
        let nested = [&int8.block1, &int8.block2, &int8.block3, &int8.block4];
        for (i, (a, b)) in alone.iter().zip(nested).enumerate() {
            assert_eq!(a, b, "block{}", i + 1);
        }
        assert_eq!(int8.block1.input_params(), int8.conv.stage.output);
        assert_eq!(int8.block4.output_params(), int8.avgpool.0.quant);

        // The int8 forward is the layers and blocks composed.
        for x in test {
            let q = <[[[i8; 1]; 10]; 49]>::quantize(x, int8.input_params());
            let padded: [[[i8; 1]; 12]; 58] = QuantLayer::forward(&int8.pad, &q);
            let mut y: Int8Block = QuantLayer::forward(&int8.conv, &padded);
            for block in &alone {
                y = block.forward(&y);
            }
            let pooled: [[[i8; 64]; 1]; 1] = QuantLayer::forward(&int8.avgpool, &y);
            let flat: [i8; 64] = QuantLayer::forward(&int8.flatten, &pooled);
            let want: [i8; 12] = QuantLayer::forward(&int8.fc, &flat);
            assert_eq!(int8.forward(&q), want);
            // And close to the float model: within a few output steps.
            let (float, int) = (model.forward(x), int8.forward_f32(x));
            let step = int8.output_params().scale;
            for (f, i) in float.iter().zip(int) {
                assert!((f - i).abs() <= 4.0 * step, "{f} vs {i} (step {step})");
            }
        }
    });
}

type Image = [[[f32; 32]; 32]; 3];

#[test]
fn resnet8_stacks_quantize_with_their_sums() {
    big_stack(|| {
        let mut rng = StdRng::seed_from_u64(8);
        let mut model = ResNet8::init_boxed(&mut rng);
        for bn in [&mut model.stack1.bn1, &mut model.stack1.bn2] {
            bn.running_mean = std::array::from_fn(|_| rng.random_range(-0.2..0.2));
            bn.running_var = std::array::from_fn(|_| rng.random_range(0.5..2.0));
        }
        let xs: Vec<Image> = (0..20)
            .map(|_| {
                std::array::from_fn(|_| {
                    std::array::from_fn(|_| std::array::from_fn(|_| rng.random_range(0.0..1.0)))
                })
            })
            .collect();
        let (calibration, test) = xs.split_at(14);
        let int8 = model.quantize(calibration).unwrap();
        // Each stack adds once, its ReLU (one layer, applied twice in Stack1) fused both times.
        assert_eq!(int8.stack1.adds.len(), 1);
        assert_eq!(
            int8.stack1.adds[0].clamp[0],
            int8.stack1.adds[0].output.zero_point
        );
        // Stack1 quantized on its own inputs is the nested one.
        let inputs: Vec<[[[f32; 32]; 32]; 16]> = calibration
            .iter()
            .map(|x| {
                model
                    .relu
                    .forward(&model.bn1.forward(&model.conv1.forward(x)))
            })
            .collect();
        // Alone, Stack1's sum is the model's output; inside ResNet-8 it is not, so TensorFlow
        // Lite's interpreter adds in place, over bn2's value, which the converter then records
        // with the sum's range: only that value's quantization differs.
        let alone = model.stack1.quantize(&inputs).unwrap();
        assert_eq!(alone.conv1, int8.stack1.conv1);
        assert_eq!(alone.conv2.weight, int8.stack1.conv2.weight);
        let (add, nested) = (alone.adds[0], int8.stack1.adds[0]);
        assert_eq!((add.a, add.output), (nested.a, nested.output));
        assert!(nested.b.scale > add.b.scale, "{:?} {:?}", add.b, nested.b);
        assert_eq!(nested.b, int8.stack1.conv2.stage.output);
        assert_eq!(int8.stack3.output_params(), int8.avgpool.0.quant);
        for x in test {
            let (float, int) = (model.forward(x), int8.forward_f32(x));
            let step = int8.output_params().scale;
            for (f, i) in float.iter().zip(int) {
                assert!((f - i).abs() <= 6.0 * step, "{f} vs {i} (step {step})");
            }
        }
    });
}

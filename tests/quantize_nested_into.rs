//! `forward_into` of int8 models whose layers are models (the MLPerf Tiny DS-CNN, chain in chain,
//! and ResNet-8, graphs in a chain): the output written into the caller's storage, whatever it
//! held, is `forward`'s, and both are the layers run one after another.

mod common;
#[allow(dead_code)]
#[path = "../examples/mlperf_tiny/models.rs"]
mod models;

use common::big_stack;
use models::{DsBlockInt8, DsCnn, DsCnnInt8, MobileNetV1Int8, ResNet8, Stack1Int8};
use nncore::quant::{Int8Sample, QuantLayer};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// `model.forward_into` into storage full of `fill`, checked against `forward`; the output.
fn into<M: QuantLayer<X, Y>, X, Y: Int8Sample + PartialEq + std::fmt::Debug>(
    model: &M,
    x: &X,
    fill: i8,
) -> Y {
    let mut y = Y::ZERO;
    y.flat_mut().fill(fill);
    model.forward_into(x, &mut y);
    assert_eq!(y, model.forward(x), "forward_into over {fill}s");
    y
}

/// `x` quantized as a random sample of `X`'s float form would be: values over all of int8.
fn random<X: Int8Sample>(rng: &mut StdRng) -> X {
    let mut x = X::ZERO;
    x.flat_mut().iter_mut().for_each(|v| *v = rng.random());
    x
}

type Block = [[[i8; 64]; 5]; 25];

/// One DS-CNN block by its layers: depthwise, BatchNorm, ReLU, pointwise, BatchNorm, ReLU.
fn block_by_layers(b: &DsBlockInt8, x: &Block) -> Block {
    let y: Block = QuantLayer::forward(&b.depthwise, x);
    let y: Block = QuantLayer::forward(&b.relu1, &QuantLayer::forward(&b.bn1, &y));
    let y: Block = QuantLayer::forward(&b.pointwise, &y);
    QuantLayer::forward(&b.relu2, &QuantLayer::<Block, Block>::forward(&b.bn2, &y))
}

#[test]
fn a_chain_of_chains_writes_into_the_callers_storage() {
    big_stack(|| {
        let mut rng = StdRng::seed_from_u64(3);
        let model = DsCnn::init_boxed(&mut rng);
        let xs: Vec<[[[f32; 10]; 49]; 1]> = (0..10)
            .map(|_| {
                [std::array::from_fn(|_| {
                    std::array::from_fn(|_| rng.random())
                })]
            })
            .collect();
        let int8: Box<DsCnnInt8> = Box::new(model.quantize(&xs[..8]).unwrap());
        let blocks = [&int8.block1, &int8.block2, &int8.block3, &int8.block4];
        for x in &xs[8..] {
            let q = <[[[i8; 1]; 10]; 49]>::quantize(x, int8.input_params());
            let padded: [[[i8; 1]; 12]; 58] = QuantLayer::forward(&int8.pad, &q);
            let mut y: Block = QuantLayer::forward(&int8.conv, &padded);
            for (i, block) in blocks.into_iter().enumerate() {
                let next = block_by_layers(block, &y);
                for fill in [0, -128, 0x55] {
                    assert_eq!(into::<_, _, Block>(block, &y, fill), next, "block{}", i + 1);
                }
                y = next;
            }
            let pooled: [[[i8; 64]; 1]; 1] = QuantLayer::forward(&int8.avgpool, &y);
            let flat: [i8; 64] = QuantLayer::forward(&int8.flatten, &pooled);
            let want: [i8; 12] = QuantLayer::forward(&int8.fc, &flat);
            for fill in [0, 127, -0x33] {
                assert_eq!(into::<_, _, [i8; 12]>(&*int8, &q, fill), want);
            }
        }
        // Blocks alone too, on inputs over all of int8.
        for _ in 0..4 {
            let x: Block = random(&mut rng);
            assert_eq!(
                into::<_, _, Block>(&int8.block2, &x, 9),
                block_by_layers(&int8.block2, &x)
            );
        }
    });
}

#[test]
fn chain_buffers_hold_the_values_before_the_output() {
    // A block: the depthwise output alone (the pointwise writes the caller's, the BatchNorm and
    // ReLU after it rewrite that).
    assert_eq!(DsBlockInt8::BUFFER_BYTES, 25 * 5 * 64);
    // The DS-CNN: the blocks run their layers in its buffer, two of their values at once.
    assert_eq!(DsCnnInt8::BUFFER_BYTES, 2 * 25 * 5 * 64);
    // MobileNetV1: block 2's input and its padded copy, 48×48×16 and 49×49×16.
    assert_eq!(MobileNetV1Int8::BUFFER_BYTES, 48 * 48 * 16 + 49 * 49 * 16);
}

const _: () = assert!(DsCnnInt8::BUFFER_BYTES <= DsCnnInt8::ARENA_BYTES);

type Map = [[[i8; 16]; 32]; 32];

#[test]
fn graphs_in_a_chain_write_into_the_callers_storage() {
    big_stack(|| {
        let mut rng = StdRng::seed_from_u64(5);
        let model = ResNet8::init_boxed(&mut rng);
        let xs: Vec<[[[f32; 32]; 32]; 3]> = (0..10)
            .map(|_| {
                std::array::from_fn(|_| {
                    std::array::from_fn(|_| std::array::from_fn(|_| rng.random()))
                })
            })
            .collect();
        let int8 = Box::new(model.quantize(&xs[..8]).unwrap());
        let stack1 = |s: &Stack1Int8, x: &Map| -> Map {
            // BatchNorms folded, the first ReLU fused into conv1, the second into the sum.
            let y: Map = QuantLayer::forward(&s.conv1, x);
            let y: Map = QuantLayer::forward(&s.conv2, &y);
            s.adds[0].forward(x, &y)
        };
        for x in &xs[8..] {
            let q = <[[[i8; 3]; 32]; 32]>::quantize(x, int8.input_params());
            let stem: Map = QuantLayer::forward(&int8.conv1, &q);
            let s1 = stack1(&int8.stack1, &stem);
            for fill in [0, -1, 100] {
                assert_eq!(into::<_, _, Map>(&int8.stack1, &stem, fill), s1);
            }
            let s = &int8.stack2;
            let padded: [[[i8; 16]; 33]; 33] = QuantLayer::forward(&s.pad, &s1);
            let y: [[[i8; 32]; 16]; 16] = QuantLayer::forward(&s.conv1, &padded);
            let y: [[[i8; 32]; 16]; 16] = QuantLayer::forward(&s.conv2, &y);
            let short: [[[i8; 32]; 16]; 16] = QuantLayer::forward(&s.shortcut, &s1);
            let s2 = s.adds[0].forward(&short, &y);
            assert_eq!(into::<_, _, [[[i8; 32]; 16]; 16]>(s, &s1, 77), s2);
            let s3: [[[i8; 64]; 8]; 8] = into(&int8.stack3, &s2, -77);
            let pooled: [[[i8; 64]; 1]; 1] = QuantLayer::forward(&int8.avgpool, &s3);
            let flat: [i8; 64] = QuantLayer::forward(&int8.flatten, &pooled);
            let want: [i8; 10] = QuantLayer::forward(&int8.fc, &flat);
            assert_eq!(into::<_, _, [i8; 10]>(&*int8, &q, 0x11), want);
        }
        // A stack alone, on inputs over all of int8.
        for _ in 0..4 {
            let x: Map = random(&mut rng);
            assert_eq!(
                into::<_, _, Map>(&int8.stack1, &x, 3),
                stack1(&int8.stack1, &x)
            );
        }
    });
}

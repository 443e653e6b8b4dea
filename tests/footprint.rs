//! Footprint constants, checked in `const` assertions and against counts made by hand.

use nncore::prelude::*;
use nncore::{Linear, LinearNoBias, Tanh};

nncore::sequential! {
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}
const HIDDEN: usize = 32;
nncore::sequential! { pub struct Wide(Linear(4, HIDDEN), Tanh, Linear(HIDDEN, 8, bias = false), ReLU, Linear(8, 3)); }

// What a firmware build would assert: the model fits its budget.
const _: () = assert!(TempNet::PARAM_BYTES <= 2048);
const _: () = assert!(TempNet::MAX_WIDTH <= 16);

#[test]
fn model_footprint_is_the_sum_of_its_layers() {
    // 1×13 + 13 weights and biases, then 13×1 + 1.
    assert_eq!(TempNet::NUM_PARAMS, 40);
    assert_eq!(TempNet::PARAM_BYTES, 160);
    assert_eq!(TempNet::MULTIPLY_ADDS, 13 + 13);
    assert_eq!(TempNet::MAX_WIDTH, 13);

    assert_eq!(Wide::NUM_PARAMS, (4 * 32 + 32) + 32 * 8 + (8 * 3 + 3));
    assert_eq!(Wide::PARAM_BYTES, 4 * Wide::NUM_PARAMS);
    assert_eq!(Wide::MULTIPLY_ADDS, 4 * 32 + 32 * 8 + 8 * 3);
    assert_eq!(Wide::MAX_WIDTH, 32);
    // The parameter bytes are the model's size in memory.
    assert_eq!(Wide::PARAM_BYTES, std::mem::size_of::<Wide>());
}

#[test]
fn layer_footprints() {
    assert_eq!(<Linear<3, 5>>::MULTIPLY_ADDS, 15);
    assert_eq!(<Linear<3, 5>>::MAX_WIDTH, 5);
    assert_eq!(<LinearNoBias<7, 2>>::PARAM_BYTES, 56);
    assert_eq!(<LinearNoBias<7, 2>>::MAX_WIDTH, 7);
    assert_eq!(Tanh::MULTIPLY_ADDS, 0);
    assert_eq!(Tanh::PARAM_BYTES, 0);
}

nncore::sequential! {
    /// The book's convolutional net.
    #[input(3, 32, 32)]
    struct ConvNet(
        Conv2d(3, 16, kernel_size = 3, padding = 1),
        Tanh,
        MaxPool2d(2),
        Conv2d(16, 8, kernel_size = 3, padding = 1),
        Tanh,
        MaxPool2d(2),
        Flatten,
        Linear(512, 32),
        Tanh,
        Linear(32, 2),
    );
}

/// A convolution's multiply-adds depend on its input's size, which the model knows: each
/// output value sums in/groups × kernel products.
#[test]
fn conv_multiply_adds_count_every_output_position() {
    let conv1 = 16 * 32 * 32 * (3 * 3 * 3);
    let conv2 = 8 * 16 * 16 * (16 * 3 * 3);
    assert_eq!(ConvNet::MULTIPLY_ADDS, conv1 + conv2 + 512 * 32 + 32 * 2);
    assert_eq!(ConvNet::MAX_WIDTH, 16 * 32 * 32);
    assert_eq!(
        ConvNet::NUM_PARAMS,
        16 * 27 + 16 + 8 * 144 + 8 + 512 * 32 + 32 + 32 * 2 + 2
    );
}

nncore::sequential! {
    /// Eight layers of one width: the arena holds one value at a time, the output another.
    pub struct Deep(
        Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU,
    );

    /// `x + fc2(relu(fc1(x)))` after a stem: the stem's output stays alive across the block.
    pub struct Residual {
        stem: Linear(4, 16),
        fc1: Linear(16, 32),
        relu: ReLU,
        fc2: Linear(32, 16),
    }
    fn forward(x) {
        let h = stem(x);
        h + fc2(relu(fc1(h)))
    }
}

// The largest single int8 value is a floor of the int8 arena.
const _: () = assert!(ResidualInt8::MAX_ACTIVATION_BYTES <= ResidualInt8::ARENA_BYTES);

// A firmware build's buffer, sized by the constant.
const _: () = assert!(TempNet::ARENA_BYTES <= 256);

#[test]
fn the_arena_holds_the_values_alive_together() {
    // Values start on multiples of 16 floats (64 bytes). TempNet: the hidden layer's input and
    // output (13 + 13, each in 16) are alive together; the output (1) then reuses the first
    // one's space.
    assert_eq!(TempNet::ARENA_BYTES, 4 * (16 + 16));
    // A chain needs its two widest neighbours, whatever its depth, the output's space one of
    // them until the output is written: every other value lives there.
    assert_eq!(Deep::ARENA_BYTES, 4 * 64);
    // The residual block: the stem's output (16) lives while fc1 (32), relu (32) and fc2 (16)
    // run; the sum (16) reuses fc1's space.
    assert_eq!(Residual::ARENA_BYTES, 4 * (16 + 32 + 32));
    // Training keeps every value and its gradient (the input's too): no reuse.
    assert_eq!(Deep::TRAIN_BYTES, 4 * (8 * 64 + 9 * 64));
}

#[test]
fn int8_forward_needs_the_values_alive_together() {
    // One byte a value, no alignment. A chain: a layer's input and output, at the widest.
    assert_eq!(DeepInt8::ARENA_BYTES, 64 + 64);
    assert_eq!(TempNetInt8::ARENA_BYTES, 13 + 13);
    // The residual block: at fc1, the stem's output (16, read again by the sum) and fc1's (32);
    // at the ReLU, those and the ReLU's (32); at fc2, the stem's, the ReLU's and fc2's (16).
    assert_eq!(ResidualInt8::ARENA_BYTES, 16 + 32 + 32);
}

#[test]
fn int8_chain_buffers_hold_the_values_between_input_and_output() {
    // `forward_into`'s buffer: the caller holds the input and output, so Deep's last Linear
    // writes the caller's storage (its ReLU rewriting it there) and TempNet's Tanh rewrites the
    // hidden layer's output in place.
    assert_eq!(DeepInt8::BUFFER_BYTES, 64 + 64);
    assert_eq!(TempNetInt8::BUFFER_BYTES, 13);
}

// The buffer is part of what the arena counts.
const _: () = assert!(DeepInt8::BUFFER_BYTES <= DeepInt8::ARENA_BYTES);

#[test]
fn values_that_live_in_the_output_give_the_outputs_of_the_layers() {
    use rand::SeedableRng;
    let model = Deep::init(&mut rand::rngs::StdRng::seed_from_u64(4));
    let xs: Vec<[f32; 64]> = (0..3)
        .map(|s| core::array::from_fn(|i| ((i * 7 + s * 3) % 11) as f32 / 5.0 - 1.0))
        .collect();
    let mut arena = [f32::NAN; 3 * Deep::ARENA_BYTES / 4];
    let mut out = [[f32::NAN; 64]; 3];
    model.forward_in(&xs, &mut out, &mut arena).unwrap();
    for (x, y) in xs.iter().zip(&out) {
        // One sample of a small model runs each value in a local of its own, not the plan.
        let expected = model.forward(x);
        assert_eq!(y.map(f32::to_bits), expected.map(f32::to_bits));
    }
}

#[test]
fn forward_in_runs_in_the_callers_arena() {
    use rand::SeedableRng;
    let model = Residual::init(&mut rand::rngs::StdRng::seed_from_u64(3));
    let xs = [[0.5, -1.0, 2.0, 0.25], [1.0, 0.0, -0.5, 3.0], [0.0; 4]];
    let mut arena = [f32::NAN; 3 * Residual::ARENA_BYTES / 4];
    let mut out = [[0.0; 16]; 3];
    model.forward_in(&xs, &mut out, &mut arena).unwrap();
    for (x, y) in xs.iter().zip(&out) {
        assert_eq!(*y, model.forward(x));
    }
    let short = &mut arena[..3 * Residual::ARENA_BYTES / 4 - 1];
    assert_eq!(
        model.forward_in(&xs, &mut out, short),
        Err(nncore::Error::Arena {
            samples: 3,
            per_sample: Residual::ARENA_BYTES / 4,
            needed: 3 * Residual::ARENA_BYTES / 4,
            found: 3 * Residual::ARENA_BYTES / 4 - 1,
        })
    );
    assert!(matches!(
        model.forward_in(&xs, &mut out[..2], &mut arena),
        Err(nncore::Error::BatchLength { .. })
    ));
}

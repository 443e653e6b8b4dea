//! The workloads, one a build (chosen by a Cargo feature): each has a name, the footprint its
//! model type states, deterministic inputs, and one inference, `infer`, which the firmware
//! measures between two markers.

#![allow(dead_code)]

/// Deterministic pseudo-random values in `[0, 1)`: the same on every target.
pub fn uniform(seed: u32, n: usize) -> impl Iterator<Item = f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    (0..n).map(move |_| {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 8) as f32 / (1 << 24) as f32
    })
}

/// Deterministic int8 values.
pub fn int8(seed: u32, n: usize) -> impl Iterator<Item = i8> {
    uniform(seed, n).map(|u| (u * 256.0) as i32 as i8 ^ i8::MIN)
}

/// Values as their little-endian bytes, what the host and the firmware compare.
pub trait Bytes {
    /// Calls `emit` with each byte.
    fn bytes(&self, emit: &mut dyn FnMut(u8));
}

impl<const N: usize> Bytes for [f32; N] {
    fn bytes(&self, emit: &mut dyn FnMut(u8)) {
        for v in self {
            v.to_bits().to_le_bytes().into_iter().for_each(&mut *emit);
        }
    }
}

impl<const N: usize> Bytes for [i32; N] {
    fn bytes(&self, emit: &mut dyn FnMut(u8)) {
        for v in self {
            v.to_le_bytes().into_iter().for_each(&mut *emit);
        }
    }
}

impl<const N: usize> Bytes for [i8; N] {
    fn bytes(&self, emit: &mut dyn FnMut(u8)) {
        self.iter().for_each(|&v| emit(v as u8));
    }
}

/// Fills an array from an iterator.
fn array<T: Copy + Default, const N: usize>(mut it: impl Iterator<Item = T>) -> [T; N] {
    core::array::from_fn(|_| it.next().unwrap_or_default())
}

#[cfg(feature = "temp")]
pub mod selected {
    use nn_embedded::{MODEL, TempNet};
    use nncore::Module;

    pub const NAME: &str = "temperature MLP, f32";
    pub const MULTIPLY_ADDS: usize = <TempNet as Module>::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = TempNet::PARAM_BYTES;
    pub const MODEL_BYTES: usize = core::mem::size_of::<TempNet>();
    pub const ARENA_BYTES: usize = <TempNet as Module>::ARENA_BYTES;
    pub type Input = [f32; 1];

    pub fn input(k: u32) -> Input {
        [super::uniform(k, 1).next().unwrap() * 10.0 - 2.0]
    }

    pub type Output = [f32; 1];

    pub fn infer(x: &Input) -> Output {
        MODEL.forward(x)
    }
}

#[cfg(feature = "digits-f32")]
pub mod selected {
    use nncore::Module;

    nncore::sequential! {
        /// The digits MLP, trained by `cargo run --example digits`.
        #[weights = "../models/digits.safetensors"]
        pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
    }

    static MODEL: DigitNet = DigitNet::TRAINED;

    pub const NAME: &str = "digits MLP, f32";
    pub const MULTIPLY_ADDS: usize = <DigitNet as Module>::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = DigitNet::PARAM_BYTES;
    pub const MODEL_BYTES: usize = core::mem::size_of::<DigitNet>();
    pub const ARENA_BYTES: usize = <DigitNet as Module>::ARENA_BYTES;
    pub type Input = [f32; 64];

    pub fn input(k: u32) -> Input {
        super::array(super::uniform(k, 64))
    }

    pub type Output = [f32; 10];

    pub fn infer(x: &Input) -> Output {
        MODEL.forward(x)
    }
}

#[cfg(feature = "digits-int8")]
pub mod selected {
    use nn_embedded::{DIGITS, DigitNetInt8};

    pub const NAME: &str = "digits MLP, int8";
    pub const MULTIPLY_ADDS: usize = DigitNetInt8::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = DigitNetInt8::WEIGHT_BYTES;
    pub const MODEL_BYTES: usize = DigitNetInt8::STORED_BYTES;
    pub const ARENA_BYTES: usize = DigitNetInt8::ARENA_BYTES;
    pub type Input = [i8; 64];

    pub fn input(k: u32) -> Input {
        super::array(super::int8(k, 64))
    }

    pub type Output = [i8; 10];

    pub fn infer(x: &Input) -> Output {
        DIGITS.forward(x)
    }
}

#[cfg(feature = "anomaly-f32")]
pub mod selected {
    use nncore::Module;

    include!("autoencoder.rs");
    include!(concat!(env!("OUT_DIR"), "/anomaly.rs"));

    static MODEL: Deployed = ANOMALY;

    pub const NAME: &str = "anomaly autoencoder, f32";
    pub const MULTIPLY_ADDS: usize = <Deployed as Module>::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = Deployed::PARAM_BYTES;
    pub const MODEL_BYTES: usize = core::mem::size_of::<Deployed>();
    pub const ARENA_BYTES: usize = <Deployed as Module>::ARENA_BYTES;
    pub type Input = [f32; 640];

    pub fn input(k: u32) -> Input {
        super::array(super::uniform(k, 640).map(|u| 4.0 * u - 2.0))
    }

    pub type Output = [f32; 640];

    pub fn infer(x: &Input) -> Output {
        MODEL.forward(x)
    }
}

#[cfg(any(feature = "anomaly-int8", feature = "anomaly-int8-tflm"))]
pub mod selected {
    include!("autoencoder.rs");
    include!(concat!(env!("OUT_DIR"), "/anomaly.rs"));

    static MODEL: DeployedInt8 = ANOMALY;

    #[cfg(feature = "anomaly-int8")]
    pub const NAME: &str = "anomaly autoencoder, int8 (TFLite rounding)";
    #[cfg(feature = "anomaly-int8-tflm")]
    pub const NAME: &str = "anomaly autoencoder, int8 (TFLite Micro rounding)";
    pub const MULTIPLY_ADDS: usize = DeployedInt8::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = DeployedInt8::WEIGHT_BYTES;
    pub const MODEL_BYTES: usize = DeployedInt8::STORED_BYTES;
    pub const ARENA_BYTES: usize = DeployedInt8::ARENA_BYTES;
    pub type Input = [i8; 640];

    pub fn input(k: u32) -> Input {
        super::array(super::int8(k, 640))
    }

    pub type Output = [i8; 640];

    pub fn infer(x: &Input) -> Output {
        MODEL.forward(x)
    }
}

#[cfg(feature = "kws-int8")]
pub mod selected {
    include!("kws.rs");
    include!(concat!(env!("OUT_DIR"), "/kws.rs"));

    static MODEL: KwsInt8 = KWS;

    pub const NAME: &str = "keyword-spotting DS-CNN, int8";
    pub const MULTIPLY_ADDS: usize = KwsInt8::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = KwsInt8::WEIGHT_BYTES;
    pub const MODEL_BYTES: usize = KwsInt8::STORED_BYTES;
    pub const ARENA_BYTES: usize = KwsInt8::ARENA_BYTES;
    pub type Input = [[[i8; 1]; 10]; 49];
    pub type Output = [i8; 12];

    pub fn input(k: u32) -> Input {
        let mut v = super::int8(k, 490);
        core::array::from_fn(|_| core::array::from_fn(|_| [v.next().unwrap()]))
    }

    pub fn infer(x: &Input) -> Output {
        MODEL.forward(x)
    }
}

/// The int8 dot products of this target ([`nncore::quant::Kernel::detect`]: SMLAD on the M4F,
/// Thumb-1 assembly on the M0) on shapes around their blocks and limits, with the extreme
/// input offsets: every sum must be the host's.
#[cfg(feature = "kernels")]
pub mod selected {
    use nncore::quant::Kernel;

    pub const NAME: &str =
        "int8 dot products on odd shapes, output stages on edge cases, f32 dense layers";
    pub const MULTIPLY_ADDS: usize = 0;
    pub const WEIGHT_BYTES: usize = 0;
    pub const MODEL_BYTES: usize = 0;
    pub const ARENA_BYTES: usize = 0;
    pub type Input = u32;
    /// Dot products of seven shapes at four offsets, then [`stages`], then [`dense`]'s bits, then
    /// depthwise convolutions ([`crate::planes`]), then [`crate::convs::convs`], then the
    /// stages that round once ([`crate::once`]), then [`crate::dsp`].
    pub type Output = [i32; LEN];
    const LEN: usize = SUMS + STAGES + DENSE + crate::planes::LEN + FURTHER;
    const FURTHER: usize = crate::convs::OUTPUTS + crate::once::LEN + crate::dsp::LEN;
    const SUMS: usize = 4 * (7 + 5 + 4 + 9 + 2 + 3 + 5);

    pub fn input(k: u32) -> Input {
        k
    }

    /// The sums of one shape, for each of four offsets.
    fn sums<const IN: usize, const OUT: usize>(seed: u32, out: &mut [i32]) {
        let mut v = super::int8(seed, IN * OUT + IN);
        let w: [[i8; IN]; OUT] =
            core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
        let x: [i8; IN] = core::array::from_fn(|_| v.next().unwrap());
        for (k, offset) in [-127, -3, 0, 128].into_iter().enumerate() {
            let mut acc = [seed as i32; OUT];
            Kernel::detect().rows(&w, &x, offset, &mut acc);
            out[k * OUT..(k + 1) * OUT].copy_from_slice(&acc);
        }
    }

    pub fn infer(seed: &Input) -> Output {
        let mut out = [0; LEN];
        let (y, z) = out.split_at_mut(SUMS);
        let (z, d) = z.split_at_mut(STAGES);
        let (d, p) = d.split_at_mut(DENSE);
        let (p, c) = p.split_at_mut(crate::planes::LEN);
        let (c, o) = c.split_at_mut(crate::convs::OUTPUTS);
        let (o, r) = o.split_at_mut(crate::once::LEN);
        crate::dsp::check(*seed, r);
        crate::once::check(*seed, o);
        stages(*seed, z);
        dense(*seed, d);
        crate::planes::check(*seed, p);
        crate::convs::convs(*seed, c);
        let (a, rest) = y.split_at_mut(4 * 7);
        sums::<37, 7>(*seed, a);
        let (b, rest) = rest.split_at_mut(4 * 5);
        sums::<3, 5>(*seed + 1, b);
        let (c, rest) = rest.split_at_mut(4 * 4);
        sums::<16, 4>(*seed + 2, c);
        let (d, rest) = rest.split_at_mut(4 * 9);
        sums::<130, 9>(*seed + 3, d);
        let (e, rest) = rest.split_at_mut(4 * 2);
        sums::<1400, 2>(*seed + 4, e);
        let (f, g) = rest.split_at_mut(4 * 3);
        sums::<70, 3>(*seed + 5, f);
        // Rows longer than the kernels' slices of offset inputs, the last slice three long.
        sums::<259, 5>(*seed + 6, g);
        out
    }

    /// Accumulators a stage meets: the extremes, ties of both roundings, random ones.
    pub(crate) fn accumulators(seed: u32, exponent: u32) -> [i32; 16] {
        let tie = |k: i32| {
            (k << exponent.min(29))
                .wrapping_add(1 << exponent.min(29) >> 1)
                .wrapping_mul(2)
        };
        let mut v = super::int8(seed, 8).map(|b| i32::from(b) << (seed % 24));
        let mut acc = [
            i32::MIN,
            i32::MAX,
            0,
            1,
            -1,
            tie(3),
            tie(-3),
            tie(0),
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        acc[8..].iter_mut().for_each(|a| *a = v.next().unwrap_or(0));
        acc
    }

    const DENSE: usize = 2 * (3 + 5 + 4 + 2);

    /// The outputs of f32 dense layers whose inputs are not a multiple of 8 (the lanes' last
    /// partial step), for a sample alone and in a batch of two.
    fn dense(seed: u32, out: &mut [i32]) {
        let (a, rest) = out.split_at_mut(2 * 3);
        linear::<19, 3>(seed, a);
        let (b, rest) = rest.split_at_mut(2 * 5);
        linear::<37, 5>(seed + 1, b);
        let (c, d) = rest.split_at_mut(2 * 4);
        linear::<47, 4>(seed + 2, c);
        linear::<200, 1>(seed + 3, d);
    }

    fn linear<const IN: usize, const OUT: usize>(seed: u32, out: &mut [i32]) {
        use nncore::{Layer, Linear};
        let mut v = super::uniform(seed, IN * OUT + OUT + 2 * IN).map(|u| 2.0 * u - 1.0);
        let mut layer = Linear::<IN, OUT>::ZERO;
        layer.weight = core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
        layer.bias = core::array::from_fn(|_| v.next().unwrap());
        let x: [[f32; IN]; 2] =
            core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
        let one = layer.forward(&x[0]);
        let mut two = [[0.0; OUT]; 2];
        layer.forward_batch(&x, &mut two);
        let bits = one.iter().chain(&two[1]).map(|v| v.to_bits() as i32);
        for (o, b) in out.iter_mut().zip(bits) {
            *o = b;
        }
    }

    /// Multipliers `(mantissa, shift)` of each stage: right shifts from 0 to beyond 31, a left
    /// shift, the extreme mantissas, zero.
    const MULTIPLIERS: [(i32, i32); 13] = [
        (1 << 30, 0),
        (1 << 30, -1),
        (1 << 30, -2),
        (1_234_567_891, -30),
        (2_000_000_001, -7),
        (1 << 30, -5),
        (1 << 30, -31),
        (1 << 30, -40),
        (i32::MIN, 0),
        (i32::MAX, -3),
        (1_518_500_250, -9),
        (1 << 30, 2),
        (0, 0),
    ];
    const STAGES: usize = 2 * 3 * (MULTIPLIERS.len() + 1) * 16;

    /// The outputs of fully connected layers with zero weights, whose accumulators are their
    /// biases: every multiplier, three zero points and clamps, both roundings.
    fn stages(seed: u32, out: &mut [i32]) {
        use nncore::quant::{FullyConnected, Multiplier, OutputStage, QuantParams, Rounding};
        let mut out = out.iter_mut();
        for rounding in [Rounding::Double, Rounding::Single] {
            for (zero_point, clamp) in [(-128, [-128, 127]), (5, [5, 127]), (127, [-20, 100])] {
                // Each multiplier for all channels, then all of them side by side.
                for k in 0..=MULTIPLIERS.len() {
                    let multiplier: [Multiplier; 16] = core::array::from_fn(|c| {
                        let n = MULTIPLIERS.len();
                        let (mantissa, shift) = MULTIPLIERS[if k < n { k } else { c % n }];
                        Multiplier { mantissa, shift }
                    });
                    let stage = OutputStage {
                        input: QuantParams::new(1.0, 0),
                        output: QuantParams::new(1.0, zero_point),
                        weight_scale: [1.0; 16],
                        multiplier,
                        clamp,
                        rounding,
                    };
                    let shift = MULTIPLIERS[k % MULTIPLIERS.len()].1;
                    let bias = accumulators(seed, shift.unsigned_abs());
                    let layer = FullyConnected::new([[0; 1]; 16], bias, stage);
                    for (o, y) in out.by_ref().zip(layer.forward(&[0])) {
                        *o = i32::from(y);
                    }
                }
            }
        }
    }
}

/// No model: the fixed runtime (start-up, output, measurement) alone.
#[cfg(not(any(
    feature = "temp",
    feature = "digits-f32",
    feature = "digits-int8",
    feature = "anomaly-f32",
    feature = "anomaly-int8",
    feature = "anomaly-int8-tflm",
    feature = "kws-int8",
    feature = "kernels"
)))]
pub mod selected {
    pub const NAME: &str = "none (the runtime alone)";
    pub const MULTIPLY_ADDS: usize = 0;
    pub const WEIGHT_BYTES: usize = 0;
    pub const MODEL_BYTES: usize = 0;
    pub const ARENA_BYTES: usize = 0;
    pub type Input = [i8; 1];

    pub fn input(k: u32) -> Input {
        [k as i8]
    }

    pub type Output = [i8; 1];

    pub fn infer(x: &Input) -> Output {
        *x
    }
}

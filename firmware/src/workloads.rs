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

// The int8 dot products, output stages and f32 dense layers of this target, checked against the
// host's.
#[cfg(feature = "kernels")]
#[path = "kernels.rs"]
pub mod selected;

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

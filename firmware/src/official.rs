//! MLPerf Tiny's official `.tflite` files (`tests/tflite/mlperf_tiny`) run by this workspace's
//! `nncore::tflite!` (`ad01-tflite`, `kws-tflite`: `nn_embedded::imported`, which follows
//! TensorFlow Lite's interpreter) and by a peer, MicroFlow 0.1.3's `#[model]` (`microflow-ad01`,
//! `microflow-kws`): the very same file on the same inputs. Built for the host, each also runs
//! the inputs TensorFlow Lite's interpreter was recorded on and prints `tflite-differs <bytes>
//! <of> <samples> <of>`: the output bytes that differ from its recorded outputs and the samples
//! with a difference, each out of how many.

#![allow(dead_code)] // the other workloads' helpers, and `recorded` on the board

/// The anomaly-detection autoencoder, `ad01_int8.tflite`: 640 int8 values in and out.
mod ad01 {
    pub const RECORDED: &str = "ad01_int8";
    pub type Input = [i8; 640];
    pub type Output = [i8; 640];

    pub fn input(k: u32) -> Input {
        let mut v = crate::workloads::int8(k, 640);
        core::array::from_fn(|_| v.next().unwrap_or(0))
    }

    /// An input from its values in TensorFlow Lite's order.
    pub fn recorded(x: &[i8]) -> Input {
        core::array::from_fn(|i| x[i])
    }
}

/// The keyword-spotting DS-CNN, `kws_ref_model.tflite`: 49×10 int8 MFCC values in (NHWC), the
/// 12 keywords' int8 probabilities out.
mod kws {
    pub const RECORDED: &str = "kws_ref_model";
    pub type Input = [[[i8; 1]; 10]; 49];
    pub type Output = [i8; 12];

    pub fn input(k: u32) -> Input {
        let mut v = crate::workloads::int8(k, 490);
        core::array::from_fn(|_| core::array::from_fn(|_| [v.next().unwrap_or(0)]))
    }

    /// An input from its values in TensorFlow Lite's order.
    pub fn recorded(x: &[i8]) -> Input {
        core::array::from_fn(|h| core::array::from_fn(|w| [x[h * 10 + w]]))
    }
}

#[cfg(feature = "ad01-tflite")]
pub mod selected {
    pub use super::ad01::*;
    use nn_embedded::imported::{ANOMALIES, AnomalyDetection as Model};

    pub const NAME: &str = "MLPerf Tiny ad01_int8.tflite, by nncore::tflite!";
    pub const MULTIPLY_ADDS: usize = Model::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = Model::WEIGHT_BYTES;
    pub const MODEL_BYTES: usize = Model::STORED_BYTES;
    pub const ARENA_BYTES: usize = Model::ARENA_BYTES;

    pub fn infer(x: &Input) -> Output {
        ANOMALIES.forward(x)
    }
}

#[cfg(feature = "kws-tflite")]
pub mod selected {
    pub use super::kws::*;
    use nn_embedded::imported::{KEYWORDS, KeywordSpotting as Model};

    pub const NAME: &str = "MLPerf Tiny kws_ref_model.tflite, by nncore::tflite!";
    pub const MULTIPLY_ADDS: usize = Model::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = Model::WEIGHT_BYTES;
    pub const MODEL_BYTES: usize = Model::STORED_BYTES;
    pub const ARENA_BYTES: usize = Model::ARENA_BYTES;

    pub fn infer(x: &Input) -> Output {
        KEYWORDS.forward(x)
    }
}

/// MicroFlow's model of the file. Its multiply-adds and weights are the file's, as `tflite!`
/// counts them; it states no arena (its activations are values on the stack). The inference is
/// its int8 `predict_inner` (private to this module, where the macro writes it): the public
/// `predict_quantized` would add the dequantization of the output to `f32`. The input's scale
/// and zero point are the file's, read by `tflite!`; MicroFlow's convolutions use them. MicroFlow
/// reads the file relative to the directory the compiler runs in, which Cargo makes this crate's.
#[cfg(feature = "microflow-ad01")]
pub mod selected {
    pub use super::ad01::*;
    use microflow::buffer::Buffer2D;
    use microflow::tensor::Tensor2D;
    use nn_embedded::imported::AnomalyDetection as Reference;

    #[microflow::model("../tests/tflite/mlperf_tiny/ad01_int8.tflite")]
    struct Ad01;

    pub const NAME: &str = "MLPerf Tiny ad01_int8.tflite, by MicroFlow 0.1.3";
    pub const MULTIPLY_ADDS: usize = Reference::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = Reference::WEIGHT_BYTES;
    /// MicroFlow's own storage of the weights: not stated.
    pub const MODEL_BYTES: usize = 0;
    pub const ARENA_BYTES: usize = 0;

    pub fn infer(x: &Input) -> Output {
        let q = Reference::INPUT;
        let x = Tensor2D::new(Buffer2D::from_row_slice(x), [q.scale], [q.zero_point]);
        let y = Ad01::predict_inner(x);
        core::array::from_fn(|j| y.buffer[(0, j)])
    }
}

/// As `microflow-ad01`, for the keyword-spotting file.
#[cfg(feature = "microflow-kws")]
pub mod selected {
    pub use super::kws::*;
    use microflow::buffer::Buffer2D;
    use microflow::tensor::Tensor4D;
    use nn_embedded::imported::KeywordSpotting as Reference;

    #[microflow::model("../tests/tflite/mlperf_tiny/kws_ref_model.tflite")]
    struct Kws;

    pub const NAME: &str = "MLPerf Tiny kws_ref_model.tflite, by MicroFlow 0.1.3";
    pub const MULTIPLY_ADDS: usize = Reference::MULTIPLY_ADDS;
    pub const WEIGHT_BYTES: usize = Reference::WEIGHT_BYTES;
    /// MicroFlow's own storage of the weights: not stated.
    pub const MODEL_BYTES: usize = 0;
    pub const ARENA_BYTES: usize = 0;

    pub fn infer(x: &Input) -> Output {
        let q = Reference::INPUT;
        let image = [Buffer2D::from_fn(|h, w| x[h][w])];
        let y = Kws::predict_inner(Tensor4D::new(image, [q.scale], [q.zero_point]));
        core::array::from_fn(|j| y.buffer[(0, j)])
    }
}

/// The output bytes of `selected` that differ from TensorFlow Lite's recorded outputs, the bytes
/// compared, the samples with a difference and the samples, over every recorded sample.
#[cfg(not(target_os = "none"))]
pub fn against_tflite() -> [usize; 4] {
    use crate::workloads::Bytes;
    use selected::{RECORDED, infer, recorded};
    let path = format!(
        "{}/../tests/tflite/mlperf_tiny/{RECORDED}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (inputs, outputs) = (rows(&text, "input"), rows(&text, "output"));
    assert!(
        !inputs.is_empty() && inputs.len() == outputs.len(),
        "{path}"
    );
    let (mut differ, mut of, mut samples) = (0, 0, 0);
    for (x, want) in inputs.iter().zip(&outputs) {
        let mut got = Vec::new();
        infer(&recorded(x)).bytes(&mut |b| got.push(b as i8));
        assert_eq!(got.len(), want.len(), "{path}: output length");
        let d = got.iter().zip(want).filter(|(a, b)| a != b).count();
        (differ, of, samples) = (differ + d, of + got.len(), samples + usize::from(d > 0));
    }
    [differ, of, samples, inputs.len()]
}

/// The rows of integers of the JSON array `"key": [[...], ...]` in `text`.
#[cfg(not(target_os = "none"))]
fn rows(text: &str, key: &str) -> Vec<Vec<i8>> {
    let open = format!("\"{key}\": [");
    let start = text.find(&open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let (mut rows, mut row, mut number) = (Vec::new(), Vec::new(), String::new());
    for c in text[start..].chars() {
        match c {
            '-' | '0'..='9' => number.push(c),
            ',' | ']' | ' ' | '[' => {
                if !number.is_empty() {
                    row.push(number.parse().expect("an int8 value"));
                    number.clear();
                }
                if c == ']' {
                    if row.is_empty() {
                        break;
                    }
                    rows.push(std::mem::take(&mut row));
                }
            }
            _ => panic!("unexpected {c:?} in {key}"),
        }
    }
    rows
}

//! `nncore::tflite!` on the golden `.tflite` files: each file compiled into a model type when this
//! test compiles, following TensorFlow Lite's reference interpreter, must reproduce every output
//! byte the interpreter computed; and the same files followed as TensorFlow Lite Micro differ
//! only where `FULLY_CONNECTED`'s rounding does.

#[path = "tflite/case.rs"]
mod case;
#[path = "tflite/rebuilt.rs"]
mod rebuilt;

use case::Case;
use rebuilt::image;

nncore::tflite! {
    #[follow = "interpreter"]
    struct DigitsMlp = "tests/tflite/digits_mlp_int8/model.tflite";
    #[follow = "interpreter"]
    struct DigitsCnn = "tests/tflite/digits_cnn_int8/model.tflite";
    #[follow = "interpreter"]
    struct AnomalyDetector = "tests/tflite/mlperf_tiny_ad_int8/model.tflite";
    #[follow = "interpreter"]
    struct OptionsCnn = "tests/tflite/options_cnn_int8/model.tflite";
    #[follow = "interpreter"]
    struct OptionsCnnPerTensor = "tests/tflite/options_cnn_per_tensor_int8/model.tflite";
    #[follow = "interpreter"]
    struct PerTensorMlp = "tests/tflite/options_mlp_per_tensor_int8/model.tflite";
    #[follow = "interpreter"]
    struct ResidualCnn = "tests/tflite/residual_cnn_int8/model.tflite";
    #[follow = "interpreter"]
    struct SoftmaxWide = "tests/tflite/softmax_wide_int8/model.tflite";
    #[follow = "interpreter"]
    struct SoftmaxOnly = "tests/tflite/softmax_only_40x128_int8/model.tflite";
    #[follow = "interpreter"]
    struct ResNet8 = "tests/tflite/resnet8_int8/model.tflite";
    #[follow = "interpreter"]
    struct DsCnn = "tests/tflite/ds_cnn_int8/model.tflite";
    #[follow = "interpreter"]
    struct MobileNetVww = "tests/tflite/mobilenet_vww_int8/model.tflite";
    struct HardSwish8 = "tests/tflite/hard_swish_8_int8/model.tflite";
    #[follow = "interpreter"]
    struct MeanNet = "tests/tflite/mean_int8/model.tflite";
    #[follow = "interpreter"]
    struct Reshapes = "tests/tflite/reshape_int8/model.tflite";
    #[follow = "interpreter"]
    struct FloatEdges = "tests/tflite/float_edges_int8/model.tflite";
    /// The digits MLP as TensorFlow Lite Micro computes it.
    struct DigitsMlpMicro = "tests/tflite/digits_mlp_int8/model.tflite";
}

static RESNET8: ResNet8 = ResNet8::MODEL;
static DS_CNN: DsCnn = DsCnn::MODEL;
static AD: AnomalyDetector = AnomalyDetector::MODEL;
static VWW: MobileNetVww = MobileNetVww::MODEL;

/// How many of the case's samples `run` gets wrong (it must get all of them right to pass).
fn wrong(name: &str, run: impl Fn(&[i8]) -> Vec<i8>) -> usize {
    let case = Case::load(name);
    let samples = case.samples.input.iter().zip(&case.samples.output);
    samples.filter(|(x, want)| &run(x) != *want).count()
}

fn assert_exact(name: &str, run: impl Fn(&[i8]) -> Vec<i8>) {
    let n = Case::load(name).samples.input.len();
    assert_eq!(wrong(name, run), 0, "{name}: outputs differ (of {n})");
}

#[test]
fn imported_mlps_are_bit_exact() {
    let m = DigitsMlp::MODEL;
    assert_exact("digits_mlp_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    let m = PerTensorMlp::MODEL;
    assert_exact("options_mlp_per_tensor_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    assert_exact("mlperf_tiny_ad_int8", |x| {
        AD.forward(x.try_into().unwrap()).to_vec()
    });
}

#[test]
fn imported_cnns_are_bit_exact() {
    let m = DigitsCnn::MODEL;
    assert_exact("digits_cnn_int8", |x| m.forward(&image(x)).to_vec());
    let m = OptionsCnn::MODEL;
    assert_exact("options_cnn_int8", |x| m.forward(&image(x)).to_vec());
    let m = OptionsCnnPerTensor::MODEL;
    assert_exact("options_cnn_per_tensor_int8", |x| {
        m.forward(&image(x)).to_vec()
    });
}

#[test]
fn imported_residual_networks_and_softmax_are_bit_exact() {
    let m = ResidualCnn::MODEL;
    assert_exact("residual_cnn_int8", |x| m.forward(&image(x)).to_vec());
    let m = SoftmaxWide::MODEL;
    assert_exact("softmax_wide_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    let m = SoftmaxOnly::MODEL;
    assert_exact("softmax_only_40x128_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    assert_exact("resnet8_int8", |x| RESNET8.forward(&image(x)).to_vec());
    assert_exact("ds_cnn_int8", |x| DS_CNN.forward(&image(x)).to_vec());
    assert_exact("mobilenet_vww_int8", |x| VWW.forward(&image(x)).to_vec());
    let m = MeanNet::MODEL;
    assert_exact("mean_int8", |x| m.forward(&image(x)).to_vec());
    let m = Reshapes::MODEL;
    assert_exact("reshape_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    let m = HardSwish8::MODEL;
    assert_exact("hard_swish_8_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
}

/// TensorFlow Lite Micro rounds `FULLY_CONNECTED` twice: on the digits MLP some outputs differ
/// from the interpreter's.
#[test]
fn micro_rounding_is_the_default_and_differs_from_the_interpreter() {
    use nncore::quant::Rounding;
    assert_eq!(DigitsMlpMicro::FULLY_CONNECTED_ROUNDING, Rounding::Double);
    assert_eq!(DigitsMlp::FULLY_CONNECTED_ROUNDING, Rounding::Float);
    let m = DigitsMlpMicro::MODEL;
    let differ = wrong("digits_mlp_int8", |x| {
        m.forward(x.try_into().unwrap()).to_vec()
    });
    assert!(differ > 0 && differ < 20, "{differ} of 360 differ");
}

#[test]
fn footprints_count_the_file() {
    // 64·32 + 32·10 int8 weights, 32 + 10 int32 biases.
    assert_eq!(DigitsMlp::WEIGHT_BYTES, 64 * 32 + 32 * 10 + 4 * (32 + 10));
    assert_eq!(DigitsMlp::MULTIPLY_ADDS, 64 * 32 + 32 * 10);
    assert_eq!(DigitsMlp::MAX_ACTIVATION_BYTES, 64);
    // Input, hidden and output are never all alive at once: 64 + 32 at the first layer.
    assert_eq!(DigitsMlp::ARENA_BYTES, 64 + 32);
    // ResNet-8: the stem, three stacks (two 3×3 convolutions, a 1×1 shortcut in the last two),
    // the classifier.
    let stacks = [
        (32 * 32, 16, 16, 0),
        (16 * 16, 16, 32, 16),
        (8 * 8, 32, 64, 32),
    ]
    .map(|(hw, i, o, short)| hw * o * (9 * i + 9 * o + short))
    .iter()
    .sum::<usize>();
    assert_eq!(ResNet8::MULTIPLY_ADDS, 32 * 32 * 16 * 27 + stacks + 64 * 10);
    assert_eq!(ResNet8::MULTIPLY_ADDS, 12_501_632);
    assert_eq!(ResNet8::MAX_ACTIVATION_BYTES, 32 * 32 * 16);
    let case = Case::load("digits_mlp_int8");
    let t = case.quant(case.input);
    assert_eq!(DigitsMlp::INPUT, t);
}

#[test]
fn forward_f32_quantizes_and_dequantizes() {
    let m = DigitsMlp::MODEL;
    let x = [0.25f32; 64];
    let q = x.map(|v| DigitsMlp::INPUT.quantize(v));
    let want = m.forward(&q).map(|v| DigitsMlp::OUTPUT.dequantize(v));
    assert_eq!(m.forward_f32(&x), want);
}

/// The declarations printed for four of the files are the ones `tests/ui/pass/` compiles.
#[test]
fn printed_declarations_are_the_compiled_ones() {
    use nncore::quant::tflite::{Model, sequential_declaration};
    let compiled = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/pass/tflite-declarations.rs"
    ))
    .unwrap();
    for (case, name) in [
        ("residual_cnn_int8", "ResidualNet"),
        ("options_cnn_int8", "OptionsNet"),
        ("resnet8_int8", "ResNet8"),
        ("ds_cnn_int8", "DsCnn"),
    ] {
        let bytes = Case::load(case).tflite_bytes();
        let text = sequential_declaration(&Model::parse(&bytes).unwrap(), name).unwrap();
        assert!(compiled.contains(&text), "{case}:\n{text}");
    }
    // A chain has no `forward`; a residual network has one.
    let bytes = Case::load("digits_cnn_int8").tflite_bytes();
    let text = sequential_declaration(&Model::parse(&bytes).unwrap(), "Net").unwrap();
    assert!(
        !text.contains("fn forward") && text.contains("MaxPool2d(2)"),
        "{text}"
    );
    assert!(compiled.contains("relu2(t10 + t11)"));
}

/// A graph with float32 input and output: its `QUANTIZE` and `DEQUANTIZE` are `forward_f32`'s,
/// and the floats it returns are the interpreter's, bit for bit.
#[test]
fn float_edges_are_forward_f32() {
    #[derive(serde::Deserialize)]
    struct Samples {
        ops: Vec<String>,
        input: Vec<Vec<f32>>,
        output: Vec<Vec<f32>>,
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tflite/float_edges_int8/samples.json"
    );
    let samples: Samples = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(samples.ops.first().map(String::as_str), Some("QUANTIZE"));
    assert_eq!(samples.ops.last().map(String::as_str), Some("DEQUANTIZE"));
    let m = FloatEdges::MODEL;
    for (x, want) in samples.input.iter().zip(&samples.output) {
        let y = m.forward_f32(x.as_slice().try_into().unwrap());
        assert_eq!(y.as_slice(), want.as_slice());
    }
}

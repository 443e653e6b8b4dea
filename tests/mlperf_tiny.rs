//! The MLPerf Tiny reference models (`tests/tflite/mlperf_tiny/`, the `.tflite` files of the
//! MLCommons tiny repository, Apache-2.0) compiled by `nncore::tflite!` when this test compiles:
//! each gives the outputs TensorFlow Lite's reference kernels computed on random inputs
//! (`scripts/record_mlperf_tiny.py` recorded them), bit for bit.

#[path = "tflite/case.rs"]
mod case;
#[path = "tflite/rebuilt.rs"]
mod rebuilt;

use rebuilt::image;

nncore::tflite! {
    /// Anomaly detection: the ToyCar autoencoder.
    #[follow = "interpreter"]
    struct AnomalyDetection = "tests/tflite/mlperf_tiny/ad01_int8.tflite";
    /// Keyword spotting: DS-CNN.
    #[follow = "interpreter"]
    struct KeywordSpotting = "tests/tflite/mlperf_tiny/kws_ref_model.tflite";
    /// Image classification: ResNet-8 on CIFAR-10.
    #[follow = "interpreter"]
    struct ImageClassification = "tests/tflite/mlperf_tiny/pretrainedResnet_quant.tflite";
    /// Visual wake words: MobileNetV1 0.25 on 96×96 images.
    #[follow = "interpreter"]
    struct VisualWakeWords = "tests/tflite/mlperf_tiny/vww_96_int8.tflite";
}

static AD: AnomalyDetection = AnomalyDetection::MODEL;
static KWS: KeywordSpotting = KeywordSpotting::MODEL;
static IC: ImageClassification = ImageClassification::MODEL;
static VWW: VisualWakeWords = VisualWakeWords::MODEL;

/// A recording: int8 inputs and the interpreter's int8 outputs.
#[derive(serde::Deserialize)]
struct Recorded {
    input_type: String,
    output_type: String,
    input: Vec<Vec<i8>>,
    output: Vec<Vec<i8>>,
}

/// Asserts that `run` gives every recorded output of `name`.
fn assert_exact(name: &str, run: impl Fn(&[i8]) -> Vec<i8>) {
    let path = format!(
        "{}/tests/tflite/mlperf_tiny/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let recorded: Recorded = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (recorded.input_type.as_str(), recorded.output_type.as_str()),
        ("int8", "int8")
    );
    assert!(!recorded.input.is_empty());
    for (k, (x, want)) in recorded.input.iter().zip(&recorded.output).enumerate() {
        assert_eq!(&run(x), want, "{name}: sample {k}");
    }
}

#[test]
fn anomaly_detection_is_bit_exact() {
    assert_exact("ad01_int8", |x| AD.forward(x.try_into().unwrap()).to_vec());
}

#[test]
fn keyword_spotting_is_bit_exact() {
    assert_exact("kws_ref_model", |x| KWS.forward(&image(x)).to_vec());
}

#[test]
fn image_classification_is_bit_exact() {
    assert_exact("pretrainedResnet_quant", |x| IC.forward(&image(x)).to_vec());
}

#[test]
fn visual_wake_words_is_bit_exact() {
    assert_exact("vww_96_int8", |x| VWW.forward(&image(x)).to_vec());
}

/// The multiply-adds are the ones MLPerf Tiny quotes (0.26 M, 2.7 M, 12.5 M, 7.5 M); the weights
/// are the file's int8 and int32 data.
#[test]
fn footprints_are_the_models() {
    assert_eq!(AnomalyDetection::MULTIPLY_ADDS, 264_192);
    assert_eq!(KeywordSpotting::MULTIPLY_ADDS, 2_656_768);
    assert_eq!(ImageClassification::MULTIPLY_ADDS, 12_501_632);
    assert_eq!(VisualWakeWords::MULTIPLY_ADDS, 7_489_664);
    // 640·128 + 3·128·128 + 128·8 + 8·128 + 3·128·128 + 128·640 int8 weights, and the biases.
    let ad = 2 * 640 * 128 + 6 * 128 * 128 + 2 * 8 * 128;
    assert_eq!(
        AnomalyDetection::WEIGHT_BYTES,
        ad + 4 * (4 * 128 + 8 + 4 * 128 + 640)
    );
    // What each model's value occupies, its size: beyond the weights and biases, each output
    // channel's stage (an f32 weight scale, a two-word multiplier; on x86-64 a fully connected
    // layer's second bias too, that of the VNNI kernels' sums, and where the compiler has
    // AVX-512 intrinsics the output's factor in `f64`), then a few words of quantization and
    // settings a layer (on x86-64 a convolution's references to its packed weights too).
    assert_eq!(
        AnomalyDetection::STORED_BYTES,
        size_of::<AnomalyDetection>()
    );
    let per_output = if cfg!(target_arch = "x86_64") { 24 } else { 12 };
    let stages = per_output * (4 * 128 + 8 + 4 * 128 + 640);
    let stored = AnomalyDetection::STORED_BYTES - AnomalyDetection::WEIGHT_BYTES;
    let settings = stored.saturating_sub(stages);
    assert!(
        settings <= 10 * 64,
        "{settings} bytes of settings in ten layers"
    );
    // The DS-CNN: nine layers of 64 channels, the classifier's 12; pooling and reshapes.
    let stages = 12 * (9 * 64 + 12);
    let settings = KeywordSpotting::STORED_BYTES - KeywordSpotting::WEIGHT_BYTES - stages;
    assert!(
        settings <= 13 * 96,
        "{settings} bytes of settings in thirteen layers"
    );
    // The largest activations: the 48×48×8 and 48×48×16 maps of the first VWW layers...
    assert_eq!(VisualWakeWords::MAX_ACTIVATION_BYTES, 48 * 48 * 16);
    // ...and at the first ResNet-8 ADD: the stack's input, the second convolution's output, the sum.
    assert_eq!(ImageClassification::ARENA_BYTES, 3 * 32 * 32 * 16);
}

/// The no_std crate's imports of the same files give the same outputs.
#[test]
fn the_no_std_crate_runs_them() {
    use nn_embedded::imported::{classify_image, reconstruct, spot_keyword, wake_word};
    assert_exact("ad01_int8", |x| reconstruct(x.try_into().unwrap()).to_vec());
    assert_exact("kws_ref_model", |x| spot_keyword(&image(x)).to_vec());
    assert_exact("pretrainedResnet_quant", |x| {
        classify_image(&image(x)).to_vec()
    });
    assert_exact("vww_96_int8", |x| wake_word(&image(x)).to_vec());
}

/// Where the CPU has AMX, the tests above run the convolutions on its tiles; with them turned
/// off, on AVX-512 VNNI (or whatever else the CPU has), the same outputs. (Turning them off for
/// the whole process leaves the other tests' outputs as they are: every path gives the same.)
#[test]
fn the_convolutions_without_amx_tiles_are_bit_exact_too() {
    nncore::quant::Kernel::allow_amx(false);
    assert!(!nncore::quant::Kernel::amx(), "the tiles turned off");
    assert_exact("kws_ref_model", |x| KWS.forward(&image(x)).to_vec());
    assert_exact("pretrainedResnet_quant", |x| IC.forward(&image(x)).to_vec());
    assert_exact("vww_96_int8", |x| VWW.forward(&image(x)).to_vec());
    nncore::quant::Kernel::allow_amx(true);
}

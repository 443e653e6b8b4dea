//! The four MLPerf Tiny reference models, compiled from their `.tflite` files by
//! `nncore::tflite!` when this crate compiles, each in read-only memory and run in integer
//! arithmetic: anomaly detection, keyword spotting, image classification and visual wake words.
//! They follow TensorFlow Lite's reference interpreter, whose outputs `tests/mlperf_tiny.rs`
//! checks these functions against.

nncore::tflite! {
    /// The ToyCar autoencoder on 640 log-mel values.
    #[follow = "interpreter"]
    pub struct AnomalyDetection = "../tests/tflite/mlperf_tiny/ad01_int8.tflite";
    /// The DS-CNN on 49×10 MFCC frames, 12 keywords.
    #[follow = "interpreter"]
    pub struct KeywordSpotting = "../tests/tflite/mlperf_tiny/kws_ref_model.tflite";
    /// ResNet-8 on 32×32 RGB images, 10 classes.
    #[follow = "interpreter"]
    pub struct ImageClassification = "../tests/tflite/mlperf_tiny/pretrainedResnet_quant.tflite";
    /// MobileNetV1 0.25 on 96×96 RGB images: a person or not.
    #[follow = "interpreter"]
    pub struct VisualWakeWords = "../tests/tflite/mlperf_tiny/vww_96_int8.tflite";
}

/// The anomaly detector in read-only memory.
pub static ANOMALIES: AnomalyDetection = AnomalyDetection::MODEL;
/// The keyword spotter in read-only memory.
pub static KEYWORDS: KeywordSpotting = KeywordSpotting::MODEL;
/// The image classifier in read-only memory.
pub static IMAGES: ImageClassification = ImageClassification::MODEL;
/// The person detector in read-only memory.
pub static PERSONS: VisualWakeWords = VisualWakeWords::MODEL;

// What a firmware build would check against its chip: the models' values (weights, biases and
// output stages) against its flash.
const _: () = assert!(KeywordSpotting::STORED_BYTES < 32 * 1024);
const _: () = assert!(VisualWakeWords::STORED_BYTES < 256 * 1024);
const _: () = assert!(ImageClassification::ARENA_BYTES <= 64 * 1024);

/// The autoencoder's int8 reconstruction of `x`.
#[must_use]
pub fn reconstruct(x: &[i8; 640]) -> [i8; 640] {
    ANOMALIES.forward(x)
}

/// The int8 probabilities (scale 1/256, zero point −128) of the 12 keywords for one int8 frame.
#[must_use]
pub fn spot_keyword(mfcc: &[[[i8; 1]; 10]; 49]) -> [i8; 12] {
    KEYWORDS.forward(mfcc)
}

/// The int8 probabilities of the 10 classes for one int8 image.
#[must_use]
pub fn classify_image(image: &[[[i8; 3]; 32]; 32]) -> [i8; 10] {
    IMAGES.forward(image)
}

/// The int8 probabilities of "no person" and "person" for one int8 image.
#[must_use]
pub fn wake_word(image: &[[[i8; 3]; 96]; 96]) -> [i8; 2] {
    PERSONS.forward(image)
}

//! Models imported from `.tflite` files by `nncore::tflite!` when this crate compiles: networks
//! with the layers of the MLPerf Tiny keyword spotter (DS-CNN) and image classifier (ResNet-8),
//! and the MLPerf Tiny anomaly detector, each in read-only memory and run in integer arithmetic.
//! They follow TensorFlow Lite's reference interpreter, whose outputs the files were recorded
//! with (`tests/tflite_import.rs` checks these functions against them).

nncore::tflite! {
    /// A DS-CNN on 49×10 MFCC frames, 12 keywords.
    #[follow = "interpreter"]
    pub struct KeywordSpotter = "../tests/tflite/ds_cnn_int8/model.tflite";
    /// A ResNet-8 on 32×32 RGB images, 10 classes.
    #[follow = "interpreter"]
    pub struct ImageClassifier = "../tests/tflite/resnet8_int8/model.tflite";
    /// The MLPerf Tiny anomaly-detection autoencoder on 640 log-mel values.
    #[follow = "interpreter"]
    pub struct AnomalyDetector = "../tests/tflite/mlperf_tiny_ad_int8/model.tflite";
}

/// The keyword spotter in read-only memory.
pub static KEYWORDS: KeywordSpotter = KeywordSpotter::MODEL;
/// The image classifier in read-only memory.
pub static IMAGES: ImageClassifier = ImageClassifier::MODEL;
/// The anomaly detector in read-only memory.
pub static ANOMALIES: AnomalyDetector = AnomalyDetector::MODEL;

// What a firmware build would check against its chip.
const _: () = assert!(KeywordSpotter::WEIGHT_BYTES < 48 * 1024);
const _: () = assert!(ImageClassifier::ARENA_BYTES <= 3 * 32 * 32 * 16);
const _: () = assert!(AnomalyDetector::WEIGHT_BYTES < 300 * 1024);

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

/// The autoencoder's int8 reconstruction of `x`.
#[must_use]
pub fn reconstruct(x: &[i8; 640]) -> [i8; 640] {
    ANOMALIES.forward(x)
}

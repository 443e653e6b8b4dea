//! The one error type of the crate.

/// What went wrong, with the values that show it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two batches that must have one entry per sample have different lengths.
    #[error("{what} has {found} samples but {expected} were expected")]
    BatchLength {
        /// Which argument was wrong, e.g. `"targets"`.
        what: &'static str,
        /// The length it had to have.
        expected: usize,
        /// The length it had.
        found: usize,
    },
    /// The arena given to `forward_in` is too small for the batch.
    #[error(
        "the arena has {found} floats, but {samples} samples need {needed} (`ARENA_BYTES / 4` = {per_sample} each)\nallocate `samples * Net::ARENA_BYTES / 4` floats, e.g. `static mut ARENA: [f32; Net::ARENA_BYTES / 4]`"
    )]
    Arena {
        /// The samples of the batch.
        samples: usize,
        /// The floats one sample needs.
        per_sample: usize,
        /// The floats the batch needs.
        needed: usize,
        /// The floats the arena has.
        found: usize,
    },
    /// A mean was asked of an empty batch.
    #[error("the batch is empty: a mean over zero samples is undefined")]
    EmptyBatch,
    /// `Reduction::None` gives one value per element, not one number.
    #[error(
        "this loss has reduction `none`: use its elementwise form, which gives one value per element"
    )]
    Unreduced,
    /// A class-index target is not one of the model's output classes.
    #[error(
        "sample {sample} has target class {class}, but the model has {classes} classes (0..{classes})"
    )]
    ClassIndex {
        /// The sample's position in the batch.
        sample: usize,
        /// The class index given.
        class: usize,
        /// The number of classes, the width of the model's output.
        classes: usize,
    },
    /// An optimizer, loss or scheduler setting PyTorch would reject.
    #[error("invalid {name}: {value} ({reason})")]
    Hyperparameter {
        /// The setting, e.g. `"learning rate"`.
        name: &'static str,
        /// The value given.
        value: f32,
        /// What a valid value looks like.
        reason: &'static str,
    },
    /// A NaN or an infinity where a finite number is needed, e.g. in weights to quantize.
    #[error("{what} is not finite (NaN or infinite)")]
    NotFinite {
        /// What held it, e.g. `"a weight"`.
        what: &'static str,
    },
    /// Quantization parameters were asked of a calibration that has seen no values.
    #[error("nothing was calibrated: observe values before asking for quantization parameters")]
    Uncalibrated,
    /// A layer of a model being quantized has no int8 form.
    #[error("layer `{layer}` cannot be quantized: {reason}")]
    NotQuantizable {
        /// The layer's name in the model.
        layer: &'static str,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// A `.tflite` file that cannot be read.
    #[error("malformed .tflite file: cannot read {what} (near byte {offset})")]
    Tflite {
        /// What could not be read, e.g. `"a vector past the end"`.
        what: &'static str,
        /// Where, in bytes from the start of the file (0 when unknown).
        offset: usize,
    },
}

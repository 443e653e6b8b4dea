//! A model's `state_dict` as a safetensors file: PyTorch's keys and shapes, parameters F32,
//! buffers F32 or (BatchNorm's `num_batches_tracked`) I64.
//!
//! A file written by `safetensors.torch.save_file(model.state_dict(), path)` loads into the
//! same model declared with `sequential!`; a file written here loads in PyTorch with
//! `model.load_state_dict(safetensors.torch.load_file(path), strict=True)`.
//!
//! ```
//! nncore::sequential! { pub struct Net(Linear(1, 13), Tanh, Linear(13, 1)); }
//! let mut net = Net::ZERO;
//! net.2.bias = [0.25];
//! let bytes = nncore::io::to_bytes(&net)?;
//! let copy: Net = nncore::io::from_bytes(&bytes)?;
//! assert_eq!(copy, net);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Loading checks the whole file against the model before it writes a single value, so a
//! failed load leaves the model as it was. The checks go tensor by tensor in a fixed order (the
//! model's parameters, then its buffers, then the file's other tensors by name), so a file with
//! several faults is always reported by the same one.
//!
//! A plain load is PyTorch's `load_state_dict(strict=True)`: the file must have exactly the
//! model's keys, each with its dtype and shape, except BatchNorm's `num_batches_tracked`, which
//! a file may lack (PyTorch before 0.4.1 wrote none): the model keeps its own count, as PyTorch
//! does. [`load_bytes_with`] and `load_into_with` take
//! [`LoadOptions`] for the rest: `strict: false` loads the keys both have and reports the
//! others, `convert_dtypes` reads F64, F16 and BF16 files into the F32 model.
//!
//! NaN and infinite values load as they are, as in PyTorch: a model trained into a NaN saves
//! and loads as that NaN, bit for bit. [`LoadOptions::reject_non_finite`] refuses them instead,
//! naming the tensor and the index of the first one ([`LoadError::NonFinite`]).
#![allow(
    clippy::result_large_err,
    reason = "a `LoadError` names the key (a nested name holds its path of modules) and both shapes; loading is not a hot path"
)]

mod convert;
mod error;
#[cfg(feature = "std")]
mod file;
mod header;
mod load;
mod names;
mod save;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

pub use error::{FileFormat, LoadError, SaveError};
#[cfg(feature = "std")]
pub use file::{load, load_boxed, load_into, load_into_with, save};
pub use save::to_bytes;

use crate::module::Module;
use crate::state::Name;

/// The largest header accepted, in bytes: the `safetensors` crate's limit (100 MB).
pub const MAX_HEADER_LEN: u64 = 100_000_000;

/// How a load treats a file that is not exactly the model's `state_dict`.
///
/// The default is PyTorch's `load_state_dict`: strict, no dtype conversion, NaN and infinite
/// values accepted.
///
/// ```
/// let options = nncore::io::LoadOptions { convert_dtypes: true, ..Default::default() };
/// assert!(options.strict && !options.reject_non_finite);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Read F64, F16 and BF16 tensors into F32 parameters and buffers (F64 rounds to nearest;
    /// F16 and BF16 are exact). Off: they are a [`LoadError::Dtype`]. I64 buffers load only
    /// from I64.
    pub convert_dtypes: bool,
    /// Refuse a file whose keys differ from the model's (PyTorch's `strict=True`). Off: load the
    /// keys both have and return the others in the [`LoadReport`]; shapes must still match.
    pub strict: bool,
    /// Refuse NaN and infinite values with [`LoadError::NonFinite`]. Off, they load as they are.
    pub reject_non_finite: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            convert_dtypes: false,
            strict: true,
            reject_non_finite: false,
        }
    }
}

/// What a load did besides copying: PyTorch's `_IncompatibleKeys`, and the conversions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The model's keys the file lacks, in the model's order; those tensors kept their values.
    /// Empty after a strict load.
    pub missing_keys: Vec<Name>,
    /// The file's keys the model lacks, sorted; they were ignored. Empty after a strict load.
    pub unexpected_keys: Vec<String>,
    /// The keys whose values were converted to F32 from F64, F16 or BF16, in the model's order.
    pub converted_keys: Vec<Name>,
}

/// A new model of type `M` with the weights and buffers in `bytes` (a whole safetensors file).
///
/// The model is built on the stack; for a large one use [`from_bytes_boxed`].
///
/// # Errors
/// Any [`LoadError`] but `Io`.
pub fn from_bytes<M: Module>(bytes: &[u8]) -> Result<M, LoadError> {
    let mut model = M::zeros();
    load_bytes(&mut model, bytes)?;
    Ok(model)
}

/// [`from_bytes`] on the heap: the model is allocated zeroed and filled in place, never built
/// on the stack, so a model of millions of parameters loads in a small stack.
///
/// # Errors
/// Any [`LoadError`] but `Io`.
pub fn from_bytes_boxed<M: Module>(bytes: &[u8]) -> Result<Box<M>, LoadError> {
    let mut model = M::zeros_boxed();
    load_bytes(&mut *model, bytes)?;
    Ok(model)
}

/// Replaces `model`'s weights and buffers with those in `bytes`, all or nothing.
///
/// The file must have exactly the model's keys, each with its dtype (F32, or I64 for an `int64`
/// buffer) and shape (`load_state_dict(strict=True)`).
///
/// # Errors
/// Any [`LoadError`] but `Io`; `model` is then unchanged.
pub fn load_bytes<M: Module>(model: &mut M, bytes: &[u8]) -> Result<(), LoadError> {
    load_bytes_with(model, bytes, &LoadOptions::default()).map(drop)
}

/// [`load_bytes`] with [`LoadOptions`]; returns the keys that were missing, unexpected or
/// converted.
///
/// ```
/// use nncore::io::{LoadOptions, load_bytes_with, to_bytes};
/// nncore::sequential! { pub struct Small(Linear(2, 1)); }
/// nncore::sequential! { pub struct Wide(Linear(2, 1), Tanh, Linear(1, 1)); }
/// let mut wide = Wide::ZERO;
/// let options = LoadOptions { strict: false, ..Default::default() };
/// let report = load_bytes_with(&mut wide, &to_bytes(&Small::ZERO)?, &options)?;
/// assert_eq!(report.missing_keys, ["2.weight", "2.bias"]);
/// assert!(report.unexpected_keys.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Any [`LoadError`] but `Io`; `model` is then unchanged. A non-strict load still refuses a
/// tensor of the wrong shape or dtype.
pub fn load_bytes_with<M: Module>(
    model: &mut M,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    load::load(model, bytes, options)
}

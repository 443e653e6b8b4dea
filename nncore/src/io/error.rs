//! What can go wrong loading or saving, each error naming the tensor and what was found.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::state::{Name, Shape};

/// Why a safetensors file could not be loaded into a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The model has a parameter or buffer the file lacks.
    #[error(
        "the file has no tensor `{key}`, which the model needs; to load the tensors it has and \
         keep this one's values, load with `LoadOptions {{ strict: false, .. }}` (PyTorch's \
         `strict=False`), which lists what it skipped"
    )]
    MissingKey {
        /// The parameter's or buffer's `state_dict` key.
        key: Name,
    },
    /// The file has a tensor the model lacks (`strict=True` in PyTorch's terms).
    #[error(
        "the file has a tensor `{key}`, which the model does not have; to load the model's \
         tensors and ignore the file's others, load with `LoadOptions {{ strict: false, .. }}` \
         (PyTorch's `strict=False`), which lists what it skipped"
    )]
    UnexpectedKey {
        /// The tensor's name in the file.
        key: String,
    },
    /// The file and the model name the same layers differently: one by index (`0.weight`), the
    /// other by name (`fc.weight`); the tensors are otherwise the same.
    #[error("{}", layer_names_message(*file_indexed, file_key, model_key))]
    LayerNames {
        /// Whether the file has the index names (and the model names), or the reverse.
        file_indexed: bool,
        /// One of the file's keys, of the same tensor name as `model_key` if it can
        /// (`0.weight`).
        file_key: String,
        /// The model's first key (`hidden_linear.weight`).
        model_key: Name,
    },
    /// The file's keys are the model's under one more module (`module.fc.weight` for
    /// `fc.weight`, as `nn.DataParallel` saves a model), or the model's are the file's under one
    /// more (the file holds a part of the model).
    #[error("{}", prefix_message(prefix, *in_file, file_key, model_key))]
    KeyPrefix {
        /// The prefix one side has, with its dot: `module.`.
        prefix: String,
        /// Whether the file's keys have it (else the model's do).
        in_file: bool,
        /// One of the file's keys.
        file_key: String,
        /// One of the model's keys.
        model_key: String,
    },
    /// A tensor's shape differs from its parameter's or buffer's.
    #[error(
        "`{key}` has shape {found:?} in the file but {expected:?} in the model{}",
        layout_hint(found, expected)
    )]
    Shape {
        /// The `state_dict` key.
        key: Name,
        /// The shape the model has.
        expected: Shape,
        /// The shape the file has.
        found: Vec<usize>,
    },
    /// A tensor the model holds as F32 is another dtype in the file.
    #[error(
        "`{key}` is {found} in the file, but the model holds F32{}",
        dtype_hint(found)
    )]
    Dtype {
        /// The `state_dict` key.
        key: Name,
        /// The file's dtype, as safetensors spells it (`F64`, `BF16`, ...).
        found: String,
    },
    /// A buffer the model holds as I64 (`num_batches_tracked`) is another dtype in the file.
    #[error(
        "`{key}` is {found} in the file, but the model holds I64 (PyTorch's `int64`), which loads only from I64"
    )]
    IntegerDtype {
        /// The buffer's `state_dict` key.
        key: Name,
        /// The file's dtype, as safetensors spells it.
        found: String,
    },
    /// A value is NaN or infinite, and [`LoadOptions::reject_non_finite`](super::LoadOptions)
    /// asked to refuse those.
    #[error(
        "`{key}` holds {value} at index {index} ({}), and the load refuses NaN and infinite values",
        position(*index, shape)
    )]
    NonFinite {
        /// The `state_dict` key.
        key: Name,
        /// The tensor's shape.
        shape: Shape,
        /// The first bad value's position, counted row-major.
        index: usize,
        /// The value, as it would have loaded (after any dtype conversion).
        value: f32,
    },
    /// The file's header entry for a tensor is wrong: its byte range does not fit its dtype and
    /// shape, overlaps another tensor's, or leaves a gap before it.
    #[error("the file's entry for `{key}` is corrupt: {reason}")]
    CorruptTensor {
        /// The tensor's name in the file.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The file ends before its header or tensor data does.
    #[error(
        "the file is truncated: it has {len} bytes but needs {needed}; it ends {}",
        match tensor {
            Some(key) => format!("inside the data of `{key}`"),
            None if *needed == 8 => "inside the 8-byte length that opens a safetensors file".into(),
            None => "inside its header".into(),
        }
    )]
    Truncated {
        /// The bytes the header says the file has (at least).
        needed: u64,
        /// The bytes it has.
        len: u64,
        /// The tensor the file ends inside, the first whose bytes are cut short; `None` if it
        /// ends inside its header.
        tensor: Option<String>,
    },
    /// The file is another format's, told by its first bytes: a `torch.save` archive or pickle,
    /// a Keras HDF5 file, a NumPy array, a TensorFlow Lite model.
    #[error("the file is {}, not safetensors: {}", format.name(), format.fix())]
    OtherFormat {
        /// What the file is.
        format: FileFormat,
    },
    /// The header's length field exceeds [`MAX_HEADER_LEN`](super::MAX_HEADER_LEN).
    #[error("the header claims {len} bytes, more than the {max} allowed")]
    HeaderTooLarge {
        /// The length the file claims.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// The file is not valid safetensors (bad JSON, bytes after the last tensor, ...).
    #[error("the file is not valid safetensors: {reason}")]
    Corrupt {
        /// What the parser found wrong.
        reason: String,
    },
    /// The file could not be read.
    #[cfg(feature = "std")]
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A format that a file given as safetensors turned out to be, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// A zip archive: what `torch.save` writes (`.pt`, `.pth`), or NumPy's `.npz`.
    Zip,
    /// A Python pickle: what `torch.save` wrote before PyTorch 1.6.
    Pickle,
    /// HDF5: Keras's `.h5` weights.
    Hdf5,
    /// A NumPy `.npy` array.
    Npy,
    /// A TensorFlow Lite flatbuffer (`.tflite`).
    TfLite,
}

impl FileFormat {
    /// The format told by a file's first bytes, if it is one of these.
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => Some(FileFormat::Zip),
            [0x80, 2..=5, ..] => Some(FileFormat::Pickle),
            [0x89, b'H', b'D', b'F', ..] => Some(FileFormat::Hdf5),
            [0x93, b'N', b'U', b'M', b'P', b'Y', ..] => Some(FileFormat::Npy),
            [_, _, _, _, b'T', b'F', b'L', b'3', ..] => Some(FileFormat::TfLite),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFormat::Zip => "a zip archive, as `torch.save` writes (`.pt`, `.pth`)",
            FileFormat::Pickle => "a Python pickle, as `torch.save` wrote before PyTorch 1.6",
            FileFormat::Hdf5 => "an HDF5 file, as Keras writes its weights (`.h5`)",
            FileFormat::Npy => "a NumPy array (`.npy`)",
            FileFormat::TfLite => "a TensorFlow Lite model (`.tflite`)",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            FileFormat::Zip | FileFormat::Pickle => {
                "in PyTorch, write the model's weights with \
                 `safetensors.torch.save_file(model.state_dict(), path)`"
            }
            FileFormat::Hdf5 => {
                "load the weights into the same model in PyTorch (dense kernels transposed to \
                 `[out, in]`) and write them with `safetensors.torch.save_file`"
            }
            FileFormat::Npy => {
                "write the arrays under the model's `state_dict` keys with \
                 `safetensors.numpy.save_file`"
            }
            FileFormat::TfLite => "`nncore::quant` reads TensorFlow Lite models",
        }
    }
}

/// Why a model could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// A parameter's or buffer's data does not fill its shape (a hand-written `Module` that is
    /// wrong).
    #[error("`{key}` has {len} values but shape {shape:?}")]
    Inconsistent {
        /// The `state_dict` key.
        key: Name,
        /// The shape it reports.
        shape: Shape,
        /// The number of values it has.
        len: usize,
    },
    /// Two tensors have the same key (a hand-written `Module` that is wrong).
    #[error("the model has two tensors named `{key}`")]
    DuplicateKey {
        /// The key.
        key: Name,
    },
    /// The safetensors writer refused the tensors.
    #[error("cannot write safetensors: {reason}")]
    Format {
        /// What the writer said.
        reason: String,
    },
    /// The file could not be written; any previous file at the path is untouched.
    #[cfg(feature = "std")]
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// How to fix a float tensor of another width: PyTorch writes what the model holds.
fn dtype_hint(found: &str) -> &'static str {
    match found {
        "F64" | "F16" | "BF16" => {
            ": save it from PyTorch with `model.float()` first, or load it with \
             `LoadOptions { convert_dtypes: true, .. }`"
        }
        _ => "",
    }
}

/// What a shape of the same sizes in another order most likely is: a weight in another
/// framework's layout (Keras, TensorFlow and JAX keep a dense kernel `[in, out]` and a
/// convolution's `[k, in, out]` or `[kh, kw, in, out]`), and how to bring it to PyTorch's.
fn layout_hint(found: &[usize], expected: &Shape) -> String {
    let e = expected.dims();
    let (how, order) = match *e {
        [o, i] if o != i && found == [i, o] => ("its transpose", ".T"),
        [o, i, k] if found == [k, i, o] && found != e => {
            ("`[kernel, in, out]`", ".permute(2, 1, 0)")
        }
        [o, i, h, w] if found == [h, w, i, o] && found != e => {
            ("`[kh, kw, in, out]`", ".permute(3, 2, 0, 1)")
        }
        _ => return String::new(),
    };
    let stored = match e.len() {
        2 => {
            "a dense kernel stored `[in, out]` (Keras, TensorFlow and JAX store it so; PyTorch's is \
              `[out, in]`)"
        }
        _ => {
            "a convolution kernel stored channels-last (Keras and TensorFlow store it so; \
              PyTorch's is `[out, in, ...]`)"
        }
    };
    format!(
        ": the file holds {how}, {stored}; rearrange it with `{order}` (and `.contiguous()`) \
         before saving"
    )
}

/// The message of [`LoadError::KeyPrefix`], with how to load the file.
fn prefix_message(prefix: &str, in_file: bool, file_key: &str, model_key: &str) -> String {
    if in_file {
        let saved = if prefix == "module." {
            "as `nn.DataParallel` and `DistributedDataParallel` save a model"
        } else {
            "as a model saved inside another module has them"
        };
        format!(
            "every key in the file starts with `{prefix}` (`{file_key}`), which the model's do \
             not (`{model_key}`), {saved}: save the inner model's `state_dict`, or strip the \
             prefix in PyTorch with \
             `torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, '{prefix}')` \
             before saving"
        )
    } else {
        let field = prefix.trim_end_matches('.');
        format!(
            "every key of the model starts with `{prefix}` (`{model_key}`), which the file's do \
             not (`{file_key}`): the file holds the weights of `{field}` alone; load it into \
             that part, `io::load_into(&mut model.{field}, path)`"
        )
    }
}

/// The message of [`LoadError::LayerNames`], with the declaration that would load the file.
fn layer_names_message(file_indexed: bool, file_key: &str, model_key: &Name) -> String {
    if file_indexed {
        format!(
            "the file's keys are index names (`{file_key}`, ...), as `nn.Sequential(...)` \
             without names writes them, but the model's are names (`{model_key}`, ...): to load \
             it, declare the model as a tuple struct `struct Net(...)` of the same layers, or \
             name the layers in PyTorch with `nn.Sequential(OrderedDict(...))`"
        )
    } else {
        format!(
            "the file's keys are names (`{file_key}`, ...), as `nn.Sequential(OrderedDict(...))` \
             or a module's attributes write them, but the model's are index names \
             (`{model_key}`, ...): to load it, declare the model with named fields \
             `struct Net {{ name: Layer, ... }}` using the file's names, or save it in PyTorch \
             from an `nn.Sequential(...)` without names"
        )
    }
}

/// A row-major position as its index along each dimension: `[2, 0]`.
fn position(index: usize, shape: &Shape) -> String {
    let mut at = [0; Shape::MAX_RANK];
    let mut rest = index;
    for (i, &dim) in shape.dims().iter().enumerate().rev() {
        if dim > 0 {
            at[i] = rest % dim;
            rest /= dim;
        }
    }
    format!("{:?}", &at[..shape.dims().len()])
}

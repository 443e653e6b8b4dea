//! A model's weights as a safetensors file: PyTorch's `state_dict` keys and shapes, F32 values.
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
//! failed load leaves the model as it was.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ::safetensors::tensor::{Metadata, TensorView};
use ::safetensors::{Dtype, SafeTensorError, SafeTensors, View};

use crate::{Module, Name, Shape};

/// The largest header accepted, in bytes: the `safetensors` crate's limit (100 MB).
pub const MAX_HEADER_LEN: u64 = 100_000_000;

/// Why a safetensors file could not be loaded into a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The model has a parameter the file lacks.
    #[error("the file has no tensor `{key}`, which the model needs")]
    MissingKey {
        /// The parameter's `state_dict` key.
        key: Name,
    },
    /// The file has a tensor the model lacks (`strict=True` in PyTorch's terms).
    #[error("the file has a tensor `{key}`, which the model does not have")]
    UnexpectedKey {
        /// The tensor's name in the file.
        key: String,
    },
    /// A tensor's shape differs from its parameter's.
    #[error("`{key}` has shape {found:?} in the file but {expected:?} in the model")]
    Shape {
        /// The parameter's `state_dict` key.
        key: Name,
        /// The shape the model has.
        expected: Shape,
        /// The shape the file has.
        found: Vec<usize>,
    },
    /// A tensor is not F32.
    #[error("`{key}` is {found} in the file, but the model holds F32")]
    Dtype {
        /// The parameter's `state_dict` key.
        key: Name,
        /// The file's dtype, as safetensors spells it (`F64`, `BF16`, ...).
        found: String,
    },
    /// The file ends before its header or tensor data does.
    #[error("the file is truncated: it has {len} bytes but needs {needed}")]
    Truncated {
        /// The bytes the header says the file has (at least).
        needed: u64,
        /// The bytes it has.
        len: u64,
    },
    /// The header's length field exceeds [`MAX_HEADER_LEN`].
    #[error("the header claims {len} bytes, more than the {max} allowed")]
    HeaderTooLarge {
        /// The length the file claims.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// The file is not valid safetensors (bad JSON, overlapping offsets, ...).
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

/// Why a model could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// A parameter's data does not fill its shape (a hand-written `Module` that is wrong).
    #[error("`{key}` has {len} values but shape {shape:?}")]
    Inconsistent {
        /// The parameter's `state_dict` key.
        key: Name,
        /// The shape it reports.
        shape: Shape,
        /// The number of values it has.
        len: usize,
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

/// A new model of type `M` with the weights in `bytes` (a whole safetensors file).
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

/// Replaces `model`'s weights with those in `bytes`, all or nothing.
///
/// The file must have exactly the model's keys, each F32 with the parameter's shape
/// (`load_state_dict(strict=True)`).
///
/// # Errors
/// Any [`LoadError`] but `Io`; `model` is then unchanged.
pub fn load_bytes<M: Module>(model: &mut M, bytes: &[u8]) -> Result<(), LoadError> {
    let file = parse(bytes)?;
    // Validate everything first: keys both ways, dtypes, shapes.
    for p in model.parameters() {
        let tensor = file
            .tensor(&p.name.to_string())
            .map_err(|_| LoadError::MissingKey { key: p.name })?;
        check_tensor(p.name, p.shape, &tensor)?;
    }
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|key| !model.parameters().any(|p| p.name == *key))
        .collect();
    unexpected.sort_unstable();
    if let Some(key) = unexpected.first() {
        return Err(LoadError::UnexpectedKey {
            key: (*key).to_string(),
        });
    }
    // Then copy; nothing below can fail.
    for p in model.parameters_mut() {
        if let Ok(tensor) = file.tensor(&p.name.to_string()) {
            for (value, bytes) in p.data.iter_mut().zip(tensor.data().chunks_exact(4)) {
                *value = f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            }
        }
    }
    Ok(())
}

fn check_tensor(key: Name, expected: Shape, tensor: &TensorView<'_>) -> Result<(), LoadError> {
    if tensor.dtype() != Dtype::F32 {
        return Err(LoadError::Dtype {
            key,
            found: tensor.dtype().to_string(),
        });
    }
    if tensor.shape() != expected.dims() {
        return Err(LoadError::Shape {
            key,
            expected,
            found: tensor.shape().to_vec(),
        });
    }
    Ok(())
}

/// Parses the file, telling a truncated file and an oversized header from other damage.
fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, LoadError> {
    let len = bytes.len() as u64;
    let Some(prefix) = bytes.first_chunk::<8>() else {
        return Err(LoadError::Truncated { needed: 8, len });
    };
    let header_len = u64::from_le_bytes(*prefix);
    if header_len > MAX_HEADER_LEN {
        return Err(LoadError::HeaderTooLarge {
            len: header_len,
            max: MAX_HEADER_LEN,
        });
    }
    let data_start = 8 + header_len;
    if data_start > len {
        return Err(LoadError::Truncated {
            needed: data_start,
            len,
        });
    }
    SafeTensors::deserialize(bytes).map_err(|error| match error {
        SafeTensorError::MetadataIncompleteBuffer => {
            // The header is sound; the data is too short or too long for it.
            let header = &bytes[8..data_start as usize];
            match serde_json::from_slice::<Metadata>(header) {
                Ok(metadata) if data_start + metadata.data_len() as u64 > len => {
                    LoadError::Truncated {
                        needed: data_start + metadata.data_len() as u64,
                        len,
                    }
                }
                _ => LoadError::Corrupt {
                    reason: "bytes follow the last tensor".to_string(),
                },
            }
        }
        other => LoadError::Corrupt {
            reason: other.to_string(),
        },
    })
}

/// One parameter as a safetensors F32 tensor.
struct F32View<'a> {
    shape: Shape,
    data: &'a [f32],
}

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        self.shape.dims()
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.data.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        self.data.len() * 4
    }
}

/// The model's weights as a safetensors file, as `safetensors.torch.save_file` writes them.
///
/// # Errors
/// [`SaveError::Inconsistent`] if a parameter's values do not fill its shape, which a
/// model declared with `sequential!` never does.
pub fn to_bytes<M: Module>(model: &M) -> Result<Vec<u8>, SaveError> {
    let mut tensors = Vec::new();
    for p in model.parameters() {
        if p.data.len() != p.shape.numel() {
            return Err(SaveError::Inconsistent {
                key: p.name,
                shape: p.shape,
                len: p.data.len(),
            });
        }
        let view = F32View {
            shape: p.shape,
            data: p.data,
        };
        tensors.push((p.name.to_string(), view));
    }
    ::safetensors::serialize(tensors, None).map_err(|error| SaveError::Format {
        reason: error.to_string(),
    })
}

#[cfg(feature = "std")]
mod file {
    use std::fs;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::{Box, LoadError, SaveError, load_bytes, to_bytes};
    use crate::Module;

    /// A new model of type `M` with the weights in the safetensors file at `path`.
    ///
    /// The model is built on the stack; for a large one use [`load_boxed`].
    ///
    /// # Errors
    /// Any [`LoadError`].
    pub fn load<M: Module>(path: impl AsRef<Path>) -> Result<M, LoadError> {
        let mut model = M::zeros();
        load_into(&mut model, path)?;
        Ok(model)
    }

    /// [`load`] on the heap: the model is allocated zeroed and filled in place, never built on
    /// the stack, so a model of millions of parameters loads in a small stack.
    ///
    /// # Errors
    /// Any [`LoadError`].
    pub fn load_boxed<M: Module>(path: impl AsRef<Path>) -> Result<Box<M>, LoadError> {
        let mut model = M::zeros_boxed();
        load_into(&mut *model, path)?;
        Ok(model)
    }

    /// Replaces `model`'s weights with those in the file at `path`, all or nothing.
    ///
    /// # Errors
    /// Any [`LoadError`]; `model` is then unchanged.
    pub fn load_into<M: Module>(model: &mut M, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        load_bytes(model, &bytes)
    }

    /// Writes the model's weights to `path` atomically: to a new file in the same directory,
    /// flushed to disk, then renamed over `path`. A crash leaves the old file or the new one.
    ///
    /// # Errors
    /// [`SaveError::Io`] if the directory cannot be written; the old file is then untouched.
    pub fn save<M: Module>(model: &M, path: impl AsRef<Path>) -> Result<(), SaveError> {
        let path = path.as_ref();
        let bytes = to_bytes(model)?;
        let io = |source| SaveError::Io {
            path: path.to_path_buf(),
            source,
        };
        let (tmp, mut file) = create_temp(path).map_err(io)?;
        let written = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&tmp, path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(io)
    }

    /// A new file beside `path`, named `.NAME.PID.N.tmp`.
    fn create_temp(path: &Path) -> std::io::Result<(PathBuf, fs::File)> {
        let name = path.file_name().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path has no file name",
            )
        })?;
        let mut attempt = 0u32;
        loop {
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(std::format!(".{}.{attempt}.tmp", std::process::id()));
            let tmp = path.with_file_name(tmp_name);
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(file) => return Ok((tmp, file)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(feature = "std")]
pub use file::{load, load_boxed, load_into, save};

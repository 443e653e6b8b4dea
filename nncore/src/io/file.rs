//! Loading and saving by path (with `std`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use alloc::boxed::Box;

use super::{LoadError, LoadOptions, LoadReport, SaveError, load_bytes_with, to_bytes};
use crate::module::Module;

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

/// Replaces `model`'s weights and buffers with those in the file at `path`, all or nothing.
///
/// # Errors
/// Any [`LoadError`]; `model` is then unchanged.
pub fn load_into<M: Module>(model: &mut M, path: impl AsRef<Path>) -> Result<(), LoadError> {
    load_into_with(model, path, &LoadOptions::default()).map(drop)
}

/// [`load_into`] with [`LoadOptions`]: dtype conversion, a non-strict load, a check for NaN
/// and infinite values. See [`load_bytes_with`].
///
/// # Errors
/// Any [`LoadError`]; `model` is then unchanged.
pub fn load_into_with<M: Module>(
    model: &mut M,
    path: impl AsRef<Path>,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_bytes_with(model, &bytes, options)
}

/// Writes the model's `state_dict` (weights and buffers) to `path` atomically: to a new file in the same directory,
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

//! Loading: every check first, in the model's order, then the copy, which cannot fail.

use alloc::collections::BTreeMap;
use alloc::string::ToString;
use alloc::vec::Vec;

use ::safetensors::Dtype;

use super::convert::{converts, values};
use super::header::{Entry, Header, parse};
use super::names::{layer_names_error, prefix_error};
use super::{LoadError, LoadOptions, LoadReport};
use crate::module::Module;
use crate::state::{BufferData, BufferDataMut, Name, Shape};

/// What a model tensor holds.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    F32,
    I64,
}

/// One of the model's tensors, as the checks see it.
struct Slot {
    name: Name,
    shape: Shape,
    kind: Kind,
}

impl Slot {
    /// Whether a file may lack it, the model keeping its value: BatchNorm's
    /// `num_batches_tracked`, which PyTorch added in 0.4.1 and fills in, even in a strict load,
    /// from the module's own count (0 in a new one) when a `state_dict` without it is loaded
    /// (`_BatchNorm._load_from_state_dict`).
    fn defaults(&self) -> bool {
        self.kind == Kind::I64 && self.name.param == "num_batches_tracked"
    }
}

/// The model's parameters, then its buffers: the order of `state_dict`, and of the checks.
fn slots<M: Module>(model: &M) -> Vec<Slot> {
    let params = model.parameters().map(|p| Slot {
        name: p.name,
        shape: p.shape,
        kind: Kind::F32,
    });
    let buffers = model.buffers().map(|b| Slot {
        name: b.name,
        shape: b.shape,
        kind: match b.data {
            BufferData::F32(_) => Kind::F32,
            BufferData::I64(_) => Kind::I64,
        },
    });
    params.chain(buffers).collect()
}

/// Checks `bytes` against `model` under `options`, then copies; see [`super::load_bytes_with`].
pub(super) fn load<M: Module>(
    model: &mut M,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let file = parse(bytes)?;
    let slots = slots(model);
    let keys: Vec<_> = slots.iter().map(|s| s.name.to_string()).collect();
    file.check_layout(keys.iter().map(|k| k.as_str()))?;

    let mut sorted: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    sorted.sort_unstable();
    let present = |key: &str| sorted.binary_search(&key).is_ok();
    let unexpected: Vec<&Entry> = file.entries.iter().filter(|e| !present(&e.key)).collect();
    let missing = slots
        .iter()
        .zip(&keys)
        .any(|(slot, k)| file.get(k).is_none() && !slot.defaults());
    if options.strict && (missing || !unexpected.is_empty()) {
        let shapes: Vec<(Name, &[usize])> =
            slots.iter().map(|s| (s.name, s.shape.dims())).collect();
        if let Some(error) = layer_names_error(&shapes, &file) {
            return Err(error);
        }
        let needed: Vec<&str> = slots
            .iter()
            .zip(&keys)
            .filter(|(slot, _)| !slot.defaults())
            .map(|(_, key)| key.as_str())
            .collect();
        if let Some(error) = prefix_error(&needed, &file) {
            return Err(error);
        }
    }

    let mut report = LoadReport::default();
    // The checked tensors, by key.
    let mut checked: BTreeMap<&str, &Entry> = BTreeMap::new();
    for (slot, key) in slots.iter().zip(&keys) {
        let Some(entry) = file.get(key) else {
            if slot.defaults() {
                continue;
            }
            if options.strict {
                return Err(LoadError::MissingKey { key: slot.name });
            }
            report.missing_keys.push(slot.name);
            continue;
        };
        if check(slot, entry, &file, options)? {
            report.converted_keys.push(slot.name);
        }
        checked.insert(key, entry);
    }
    if let Some(entry) = unexpected.first() {
        if options.strict {
            return Err(LoadError::UnexpectedKey {
                key: entry.key.clone(),
            });
        }
    }
    report.unexpected_keys = unexpected.iter().map(|e| e.key.clone()).collect();

    // Every check has passed: copy.
    let entry = |name: Name| checked.get(name.to_string().as_str()).copied();
    for p in model.parameters_mut() {
        if let Some(entry) = entry(p.name) {
            copy_f32(p.data, entry, &file);
        }
    }
    for b in model.buffers_mut() {
        let Some(entry) = entry(b.name) else {
            continue;
        };
        match b.data {
            BufferDataMut::F32(data) => copy_f32(data, entry, &file),
            BufferDataMut::I64(data) => {
                for (value, bytes) in data.iter_mut().zip(file.bytes(entry).chunks_exact(8)) {
                    let mut le = [0; 8];
                    le.copy_from_slice(bytes);
                    *value = i64::from_le_bytes(le);
                }
            }
        }
    }
    Ok(report)
}

/// Checks one tensor's dtype, shape and (if asked) values; `true` if its dtype is converted.
fn check(
    slot: &Slot,
    entry: &Entry,
    file: &Header<'_>,
    options: &LoadOptions,
) -> Result<bool, LoadError> {
    let converted = match slot.kind {
        Kind::F32 if entry.dtype == Dtype::F32 => false,
        Kind::F32 if options.convert_dtypes && converts(entry.dtype) => true,
        Kind::F32 => {
            return Err(LoadError::Dtype {
                key: slot.name,
                found: entry.dtype.to_string(),
            });
        }
        Kind::I64 if entry.dtype == Dtype::I64 => false,
        Kind::I64 => {
            return Err(LoadError::IntegerDtype {
                key: slot.name,
                found: entry.dtype.to_string(),
            });
        }
    };
    if entry.shape != slot.shape.dims() {
        return Err(LoadError::Shape {
            key: slot.name,
            expected: slot.shape,
            found: entry.shape.clone(),
        });
    }
    if options.reject_non_finite && slot.kind == Kind::F32 {
        let values = values(entry.dtype, file.bytes(entry));
        if let Some((index, value)) = values.enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(LoadError::NonFinite {
                key: slot.name,
                shape: slot.shape,
                index,
                value,
            });
        }
    }
    Ok(converted)
}

/// Copies a checked F32 (or convertible) tensor into the model's values.
fn copy_f32(data: &mut [f32], entry: &Entry, file: &Header<'_>) {
    for (value, new) in data.iter_mut().zip(values(entry.dtype, file.bytes(entry))) {
        *value = new;
    }
}

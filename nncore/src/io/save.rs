//! Saving: the model's `state_dict`, parameters then buffers, as safetensors.

use alloc::borrow::Cow;
use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ::safetensors::{Dtype, View};

use super::SaveError;
use crate::module::Module;
use crate::state::{BufferData, Name, Shape};

/// One tensor of the model, as safetensors writes it.
struct TensorOut<'a> {
    shape: Shape,
    data: BufferData<'a>,
}

impl View for TensorOut<'_> {
    fn dtype(&self) -> Dtype {
        match self.data {
            BufferData::F32(_) => Dtype::F32,
            BufferData::I64(_) => Dtype::I64,
        }
    }

    fn shape(&self) -> &[usize] {
        self.shape.dims()
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(match self.data {
            BufferData::F32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            BufferData::I64(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        })
    }

    fn data_len(&self) -> usize {
        match self.data {
            BufferData::F32(values) => values.len() * 4,
            BufferData::I64(values) => values.len() * 8,
        }
    }
}

/// The model's `state_dict` as a safetensors file, as `safetensors.torch.save_file` writes it:
/// every parameter and buffer, F32 but for `int64` buffers (I64), a scalar with shape `[]`.
///
/// # Errors
/// [`SaveError::Inconsistent`] if a tensor's values do not fill its shape and
/// [`SaveError::DuplicateKey`] if two share a key, which a model declared with `sequential!`
/// never does.
pub fn to_bytes<M: Module>(model: &M) -> Result<Vec<u8>, SaveError> {
    let params = model
        .parameters()
        .map(|p| (p.name, p.shape, BufferData::F32(p.data)));
    let buffers = model.buffers().map(|b| (b.name, b.shape, b.data));
    let mut keys = BTreeSet::new();
    let mut tensors: Vec<(String, TensorOut<'_>)> = Vec::new();
    for (name, shape, data) in params.chain(buffers) {
        check(name, shape, &data)?;
        let key = name.to_string();
        if !keys.insert(key.clone()) {
            return Err(SaveError::DuplicateKey { key: name });
        }
        tensors.push((key, TensorOut { shape, data }));
    }
    ::safetensors::serialize(tensors, None).map_err(|error| SaveError::Format {
        reason: error.to_string(),
    })
}

/// The tensor's values fill its shape.
fn check(key: Name, shape: Shape, data: &BufferData<'_>) -> Result<(), SaveError> {
    let len = match data {
        BufferData::F32(values) => values.len(),
        BufferData::I64(values) => values.len(),
    };
    if len == shape.numel() {
        Ok(())
    } else {
        Err(SaveError::Inconsistent { key, shape, len })
    }
}

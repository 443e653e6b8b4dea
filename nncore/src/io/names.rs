//! Telling a file of index names (`0.weight`, from `nn.Sequential(...)`) loaded into a model of
//! names (`fc.weight`), or the reverse, and keys under a prefix on one side only
//! (`module.fc.weight`, from `nn.DataParallel`), from any other mismatch of keys.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::LoadError;
use super::header::Header;
use crate::state::Name;

/// A layer's tensors: each one's name in the layer and shape, sorted.
type Signature<'a> = Vec<(&'a str, &'a [usize])>;

/// `0`, `12`: a name `nn.Sequential(...)` gives a layer.
fn is_index(module: &str) -> bool {
    !module.is_empty() && module.bytes().all(|b| b.is_ascii_digit())
}

/// [`LoadError::LayerNames`] if the model's keys and the file's differ only by their layers'
/// names, and one side's names are all indices while the other's are not.
///
/// `model` lists the model's keys and shapes, parameters then buffers.
pub(super) fn layer_names_error(
    model: &[(Name, &[usize])],
    file: &Header<'_>,
) -> Option<LoadError> {
    // A nested model's layers are named by their whole path (`layer1.0.conv1`).
    let keys: Vec<String> = model.iter().map(|(name, _)| name.to_string()).collect();
    let mut ours: BTreeMap<&str, Signature<'_>> = BTreeMap::new();
    for (key, (_, shape)) in keys.iter().zip(model) {
        let (module, param) = key.rsplit_once('.').unwrap_or(("", key));
        ours.entry(module).or_default().push((param, shape));
    }
    let mut theirs: BTreeMap<&str, Signature<'_>> = BTreeMap::new();
    for entry in &file.entries {
        let (module, param) = entry.key.rsplit_once('.')?;
        theirs
            .entry(module)
            .or_default()
            .push((param, &entry.shape));
    }
    let all_indices = |layers: &BTreeMap<&str, Signature<'_>>| layers.keys().all(|m| is_index(m));
    let (model_indexed, file_indexed) = (all_indices(&ours), all_indices(&theirs));
    let named = |layers: &BTreeMap<&str, Signature<'_>>| layers.keys().all(|m| !m.is_empty());
    if model_indexed == file_indexed || !named(&ours) || !named(&theirs) {
        return None;
    }
    // The same layers, whatever their names: the same multiset of signatures.
    if signatures(ours) != signatures(theirs) {
        return None;
    }
    // Examples for the message: the model's first key, and the file's first key of the same
    // tensor name (`0.weight` for `fc.weight`), index names in numeric order.
    let model_key = model.first()?.0;
    let rank = |key: &str| {
        let module = key.rsplit_once('.').map_or(key, |(m, _)| m);
        (file_indexed.then_some(module.len()), key.to_string())
    };
    let file_key = file
        .entries
        .iter()
        .filter(|e| {
            e.key
                .rsplit_once('.')
                .is_some_and(|(_, p)| p == model_key.param)
        })
        .map(|e| rank(&e.key))
        .min()
        .or_else(|| file.entries.first().map(|e| rank(&e.key)))?
        .1;
    Some(LoadError::LayerNames {
        file_indexed,
        file_key,
        model_key,
    })
}

/// The layers' signatures, each sorted and all sorted: equal for two sets of layers that differ
/// only by their names.
fn signatures<'a>(layers: BTreeMap<&'a str, Signature<'a>>) -> Vec<Signature<'a>> {
    let mut all: Vec<Signature<'a>> = layers
        .into_values()
        .map(|mut s| {
            s.sort_unstable();
            s
        })
        .collect();
    all.sort_unstable();
    all
}

/// [`LoadError::KeyPrefix`] if the file's keys are the model's under one more module
/// (`module.fc.weight` for `fc.weight`), or the model's are the file's under one more.
///
/// `model` lists the model's keys; those a file may lack (`num_batches_tracked`) are left out.
pub(super) fn prefix_error(model: &[&str], file: &Header<'_>) -> Option<LoadError> {
    let file_keys: Vec<&str> = file.entries.iter().map(|e| e.key.as_str()).collect();
    let (first_model, first_file) = (*model.first()?, *file_keys.first()?);
    // The file's keys under a prefix the model's do not have.
    let (prefix, _) = first_file.split_once('.')?;
    let prefix = &first_file[..=prefix.len()];
    let stripped = |key: &&str| key.strip_prefix(prefix).is_some_and(|k| model.contains(&k));
    if model.iter().all(|k| !k.starts_with(prefix)) && file_keys.iter().all(stripped) {
        return Some(LoadError::KeyPrefix {
            prefix: prefix.to_string(),
            in_file: true,
            file_key: format!("{prefix}{first_model}"),
            model_key: first_model.to_string(),
        });
    }
    // The model's keys under a prefix the file's do not have.
    let (prefix, _) = first_model.split_once('.')?;
    let prefix = &first_model[..=prefix.len()];
    let present = |key: &&str| {
        key.strip_prefix(prefix)
            .is_some_and(|k| file.get(k).is_some())
    };
    if file_keys.iter().all(|k| !k.starts_with(prefix)) && model.iter().all(present) {
        return Some(LoadError::KeyPrefix {
            prefix: prefix.to_string(),
            in_file: false,
            file_key: first_model[prefix.len()..].to_string(),
            model_key: first_model.to_string(),
        });
    }
    None
}

//! Telling a file of index names (`0.weight`, from `nn.Sequential(...)`) loaded into a model of
//! names (`fc.weight`), or the reverse, from any other mismatch of keys.

use alloc::collections::BTreeMap;
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

//! The `.safetensors` files beside a golden run's `case.json`: they must hold the same state.

use std::path::Path;

use super::{Dtype, StateDict};

/// Asserts that every case folder under `root` has `init.safetensors` and `final.safetensors`
/// holding its `case.json`'s `init` and `final` state bit for bit (`int64` where the record says
/// so); `load` gives a case's two states by name. Returns how many cases there were.
pub fn assert_files_match_json(
    root: &Path,
    load: impl Fn(&str) -> (StateDict, StateDict),
) -> usize {
    let mut cases = 0;
    for entry in std::fs::read_dir(root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let (init, final_) = load(&name);
        for (file, state) in [("init", &init), ("final", &final_)] {
            let path = dir.join(format!("{file}.safetensors"));
            let bytes = std::fs::read(&path).unwrap();
            let tensors = safetensors::SafeTensors::deserialize(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut names = tensors.names();
            names.sort_unstable();
            assert_eq!(
                names,
                state.keys().map(String::as_str).collect::<Vec<_>>(),
                "{name}: {file} names"
            );
            for (key, tensor) in state {
                let view = tensors.tensor(key).unwrap();
                assert_eq!(view.shape(), tensor.shape, "{name}: {file} {key} shape");
                let values: Vec<f64> = match (view.dtype(), tensor.dtype) {
                    (safetensors::Dtype::F32, Dtype::Float32) => view
                        .data()
                        .chunks_exact(4)
                        .map(|b| f64::from(f32::from_le_bytes(b.try_into().unwrap())))
                        .collect(),
                    (safetensors::Dtype::I64, Dtype::Int64) => view
                        .data()
                        .chunks_exact(8)
                        .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as f64)
                        .collect(),
                    (stored, recorded) => {
                        panic!("{name}: {file} {key} is {stored:?} but case.json says {recorded:?}")
                    }
                };
                assert_eq!(values, tensor.data, "{name}: {file} {key} values");
            }
        }
        cases += 1;
    }
    cases
}

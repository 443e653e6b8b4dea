//! Safetensors save and load: PyTorch's files, round trips, every error, and a mutation fuzz.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nncore::io::{self, LoadError, SaveError};
use nncore::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use safetensors::{Dtype, tensor::TensorView};

#[path = "io/buffers.rs"]
mod buffers;
#[path = "io/errors.rs"]
mod errors;
#[path = "io/fuzz.rs"]
mod fuzz;
#[path = "io/messages.rs"]
mod messages;
#[path = "io/options.rs"]
mod options;

nncore::sequential! {
    pub struct SeedMlpNamed { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}
nncore::sequential! { pub struct SeedMlpIndexed(Linear(1, 13), Tanh, Linear(13, 1)); }
nncore::sequential! { pub struct SeedLinear(Linear(1, 1)); }
nncore::sequential! { pub struct AdamTanh { fc1: Linear(2, 10), act: Tanh, fc2: Linear(10, 1) } }
nncore::sequential! { pub struct CeBlobs(Linear(4, 6), ReLU, Linear(6, 3)); }
nncore::sequential! { pub struct ReluSigmoid(Linear(2, 8), ReLU, Linear(8, 8), Sigmoid, Linear(8, 2)); }
nncore::sequential! { pub struct NoBias(Linear(3, 2, bias = false), Tanh); }
// 4.2 MB of parameters: twice the stack of the thread that loads it.
nncore::sequential! { pub struct Big(Linear(1024, 1024)); }

fn golden(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

/// The `init` state_dict of a golden case, from its JSON.
fn json_init(case: &str) -> HashMap<String, (Vec<usize>, Vec<f32>)> {
    let text = std::fs::read_to_string(golden(case).join("case.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let init = json["init"].as_object().unwrap();
    init.iter()
        .map(|(key, tensor)| {
            let shape = tensor["shape"].as_array().unwrap();
            let data = tensor["data"].as_array().unwrap();
            (
                key.clone(),
                (
                    shape.iter().map(|d| d.as_u64().unwrap() as usize).collect(),
                    data.iter().map(|v| v.as_f64().unwrap() as f32).collect(),
                ),
            )
        })
        .collect()
}

/// Every value of the model, parameters then buffers, as bits: equality that sees -0.0 and NaN
/// payloads.
fn bits<M: Module>(model: &M) -> Vec<(String, Vec<usize>, Vec<u64>)> {
    let params = model.parameters().map(|p| {
        let values = p.data.iter().map(|v| u64::from(v.to_bits())).collect();
        (p.name.to_string(), p.shape.to_vec(), values)
    });
    let buffers = model.buffers().map(|b| {
        let values = match b.data {
            nncore::BufferData::F32(data) => data.iter().map(|v| u64::from(v.to_bits())).collect(),
            nncore::BufferData::I64(data) => data.iter().map(|&v| v as u64).collect(),
        };
        (b.name.to_string(), b.shape.to_vec(), values)
    });
    params.chain(buffers).collect()
}

/// Loads a golden `init.safetensors`, checks it against `init` in case.json, and checks that
/// saving it again gives PyTorch's file byte for byte.
fn check_golden<M: Module>(case: &str) {
    let path = golden(case).join("init.safetensors");
    let model: M = io::load(&path).unwrap();
    let expected = json_init(case);
    assert_eq!(model.parameters().count(), expected.len(), "{case}");
    for p in model.parameters() {
        let (shape, data) = &expected[&p.name.to_string()];
        assert_eq!(p.shape.dims(), shape.as_slice(), "{case} {}", p.name);
        let got: Vec<u32> = p.data.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u32> = data.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "{case} {}", p.name);
    }
    let written = io::to_bytes(&model).unwrap();
    assert_eq!(
        written,
        std::fs::read(&path).unwrap(),
        "{case}: bytes differ"
    );
}

#[test]
fn pytorch_files_load_and_equal_init() {
    check_golden::<SeedMlpNamed>("seed_mlp_named");
    check_golden::<SeedMlpIndexed>("seed_mlp_indexed");
    check_golden::<SeedLinear>("seed_linear");
    check_golden::<AdamTanh>("adam_tanh");
    check_golden::<CeBlobs>("ce_blobs_momentum");
    check_golden::<ReluSigmoid>("relu_sigmoid_momentum");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nncore-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn round_trip_is_bit_exact() {
    let mut model = ReluSigmoid::init(&mut StdRng::seed_from_u64(7));
    // Values that a lossy path would change.
    model.0.weight[0] = [-0.0, f32::from_bits(0x7fc0_1234)];
    model.0.bias[0] = f32::from_bits(1); // the smallest subnormal
    model.2.bias[7] = f32::INFINITY;
    model.4.weight[1][7] = f32::MAX;

    let back: ReluSigmoid = io::from_bytes(&io::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(bits(&back), bits(&model));

    let dir = temp_dir("round-trip");
    let path = dir.join("model.safetensors");
    io::save(&model, &path).unwrap();
    let back: ReluSigmoid = io::load(&path).unwrap();
    assert_eq!(bits(&back), bits(&model));

    let no_bias = NoBias::init(&mut StdRng::seed_from_u64(8));
    let back: NoBias = io::from_bytes(&io::to_bytes(&no_bias).unwrap()).unwrap();
    assert_eq!(back, no_bias);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_million_parameter_model_loads_in_a_small_stack() {
    const { assert!(Big::PARAM_BYTES > 2 * (2 << 20)) };
    let dir = temp_dir("boxed");
    let path = dir.join("big.safetensors");
    let run = {
        let path = path.clone();
        move || {
            let model = Big::init_boxed(&mut StdRng::seed_from_u64(12));
            let bytes = io::to_bytes(&*model).unwrap();
            let back: Box<Big> = io::from_bytes_boxed(&bytes).unwrap();
            assert!(back.parameters().eq(model.parameters()));
            io::save(&*model, &path).unwrap();
            let back: Box<Big> = io::load_boxed(&path).unwrap();
            assert!(back.parameters().eq(model.parameters()));
            // Checked before anything is copied, as for the other loads.
            let error = io::from_bytes_boxed::<Big>(&io::to_bytes(&SeedLinear::ZERO).unwrap());
            assert!(matches!(error, Err(LoadError::Shape { key, .. }) if key == "0.weight"));
            let error = io::load_boxed::<Big>(path.with_file_name("missing.safetensors"));
            assert!(matches!(error, Err(LoadError::Io { .. })));
        }
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_replaces_the_file_atomically() {
    let dir = temp_dir("atomic");
    let path = dir.join("model.safetensors");
    let first = SeedMlpNamed::init(&mut StdRng::seed_from_u64(1));
    let second = SeedMlpNamed::init(&mut StdRng::seed_from_u64(2));
    io::save(&first, &path).unwrap();
    io::save(&second, &path).unwrap();
    assert_eq!(io::load::<SeedMlpNamed>(&path).unwrap(), second);
    // Only the file itself is left: no temporary beside it.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["model.safetensors"]);

    // A path that cannot be replaced (a directory) fails with `Io` and leaves it alone.
    let blocked = dir.join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), b"x").unwrap();
    let err = io::save(&first, &blocked).unwrap_err();
    assert!(
        matches!(&err, SaveError::Io { path, .. } if *path == blocked),
        "{err}"
    );
    assert_eq!(std::fs::read(blocked.join("keep")).unwrap(), b"x");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    // A directory that does not exist.
    let err = io::save(&first, dir.join("missing/model.safetensors")).unwrap_err();
    assert!(matches!(err, SaveError::Io { .. }), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A file with the given tensors, each F32 unless its dtype says otherwise.
fn file(tensors: &[(&str, Dtype, &[usize])]) -> Vec<u8> {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, dtype, shape)| {
            let n: usize = shape.iter().product();
            vec![0x3f; n * dtype.bitsize() / 8]
        })
        .collect();
    let views = tensors
        .iter()
        .zip(&data)
        .map(|((name, dtype, shape), data)| {
            (
                name.to_string(),
                TensorView::new(*dtype, shape.to_vec(), data).unwrap(),
            )
        });
    safetensors::serialize(views, None).unwrap()
}

/// A file with the given tensors and their bytes.
fn file_with(tensors: &[(&str, Dtype, &[usize], Vec<u8>)]) -> Vec<u8> {
    let views = tensors.iter().map(|(name, dtype, shape, data)| {
        (
            name.to_string(),
            TensorView::new(*dtype, shape.to_vec(), data).unwrap(),
        )
    });
    safetensors::serialize(views, None).unwrap()
}

/// Loads `bytes` into a seeded model and checks that the error leaves it unchanged.
fn load_err(bytes: &[u8]) -> LoadError {
    let mut model = SeedMlpNamed::init(&mut StdRng::seed_from_u64(3));
    let before = bits(&model);
    let err = io::load_bytes(&mut model, bytes).unwrap_err();
    assert_eq!(
        bits(&model),
        before,
        "a failed load changed the model: {err}"
    );
    err
}

const F32: Dtype = Dtype::F32;

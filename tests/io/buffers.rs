//! Buffers (BatchNorm's running statistics and batch count) saved and loaded with the
//! parameters: a small hand-written module for every error, and a generated model for PyTorch's
//! own file.

use nncore::io::{self, LoadError};
use nncore::prelude::*;
use nncore::{Buffer, BufferData, BufferDataMut, BufferMut, Name, Param, ParamMut, Shape};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::{F32, file, file_with, temp_dir};

/// One parameter and BatchNorm-like buffers, as a layer `bn` would have them.
#[derive(Clone, Debug, PartialEq)]
pub struct Norm {
    pub weight: [f32; 3],
    pub running_mean: [f32; 3],
    pub num_batches_tracked: i64,
}

const fn bn(param: &'static str) -> Name {
    Name::new(&["bn"], param)
}

impl Module for Norm {
    const NUM_PARAMS: usize = 3;
    const NUM_BUFFERS: usize = 4;
    fn zeros() -> Self {
        Norm {
            weight: [0.0; 3],
            running_mean: [0.0; 3],
            num_batches_tracked: 0,
        }
    }
    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        let (name, shape) = (bn("weight"), Shape::vector(3));
        std::iter::once(Param {
            name,
            shape,
            data: &self.weight,
        })
    }
    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        let (name, shape) = (bn("weight"), Shape::vector(3));
        std::iter::once(ParamMut {
            name,
            shape,
            data: &mut self.weight,
        })
    }
    fn buffers(&self) -> impl Iterator<Item = Buffer<'_>> {
        let count = std::slice::from_ref(&self.num_batches_tracked);
        [
            Buffer {
                name: bn("running_mean"),
                shape: Shape::vector(3),
                data: BufferData::F32(&self.running_mean),
            },
            Buffer {
                name: bn("num_batches_tracked"),
                shape: Shape::scalar(),
                data: BufferData::I64(count),
            },
        ]
        .into_iter()
    }
    fn buffers_mut(&mut self) -> impl Iterator<Item = BufferMut<'_>> {
        let count = std::slice::from_mut(&mut self.num_batches_tracked);
        [
            BufferMut {
                name: bn("running_mean"),
                shape: Shape::vector(3),
                data: BufferDataMut::F32(&mut self.running_mean),
            },
            BufferMut {
                name: bn("num_batches_tracked"),
                shape: Shape::scalar(),
                data: BufferDataMut::I64(count),
            },
        ]
        .into_iter()
    }
}

pub fn norm() -> Norm {
    Norm {
        weight: [1.5, -0.0, f32::from_bits(0x7fc0_0123)],
        running_mean: [0.25, f32::NEG_INFINITY, f32::from_bits(1)],
        num_batches_tracked: 1 << 40,
    }
}

/// The bits of every value, parameters and buffers.
fn state_bits(n: &Norm) -> (Vec<u32>, Vec<u32>, i64) {
    (
        n.weight.map(f32::to_bits).to_vec(),
        n.running_mean.map(f32::to_bits).to_vec(),
        n.num_batches_tracked,
    )
}

#[test]
fn buffers_are_saved_with_their_dtype_and_shape_and_load_back() {
    let model = norm();
    let bytes = io::to_bytes(&model).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(
        names,
        ["bn.num_batches_tracked", "bn.running_mean", "bn.weight"]
    );
    let count = file.tensor("bn.num_batches_tracked").unwrap();
    assert_eq!((count.dtype(), count.shape()), (Dtype::I64, &[][..]));
    assert_eq!(count.data(), (1i64 << 40).to_le_bytes());
    let mean = file.tensor("bn.running_mean").unwrap();
    assert_eq!((mean.dtype(), mean.shape()), (Dtype::F32, &[3][..]));

    let back: Norm = io::from_bytes(&bytes).unwrap();
    assert_eq!(state_bits(&back), state_bits(&model));
    let dir = temp_dir("buffers");
    let path = dir.join("norm.safetensors");
    io::save(&model, &path).unwrap();
    let back: Box<Norm> = io::load_boxed(&path).unwrap();
    assert_eq!(state_bits(&back), state_bits(&model));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Loads `bytes` into [`norm`] and checks that the error leaves it unchanged.
fn norm_err(bytes: &[u8]) -> LoadError {
    let mut model = norm();
    let err = io::load_bytes(&mut model, bytes).unwrap_err();
    assert_eq!(state_bits(&model), state_bits(&norm()), "{err}");
    err
}

#[test]
fn buffer_errors_name_the_buffer() {
    let good = [
        ("bn.weight", F32, &[3][..]),
        ("bn.running_mean", F32, &[3][..]),
        ("bn.num_batches_tracked", Dtype::I64, &[][..]),
    ];
    let mut model = Norm::zeros();
    io::load_bytes(&mut model, &file(&good)).unwrap();
    assert_eq!(model.num_batches_tracked, 0x3f3f_3f3f_3f3f_3f3f);
    assert_eq!(model.running_mean[2].to_bits(), 0x3f3f_3f3f);

    // Without its count (PyTorch before 0.4.1) the file loads, strictly, and the model keeps
    // its own, as PyTorch's `_BatchNorm._load_from_state_dict` does.
    let mut counted = Norm::zeros();
    counted.num_batches_tracked = 7;
    io::load_bytes(&mut counted, &file(&good[..2])).unwrap();
    assert_eq!(counted.num_batches_tracked, 7);
    assert_eq!(counted.running_mean[0].to_bits(), 0x3f3f_3f3f);
    let err = norm_err(&file(&[good[0], good[2]]));
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "bn.running_mean"),
        "{err}"
    );

    // The count is I64 only, even when float dtypes are converted.
    let mut float_count = good;
    float_count[2].1 = F32;
    let err = norm_err(&file(&float_count));
    assert!(
        matches!(&err, LoadError::IntegerDtype { key, found } if *key == "bn.num_batches_tracked" && found == "F32"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "`bn.num_batches_tracked` is F32 in the file, but the model holds I64 (PyTorch's `int64`), which loads only from I64"
    );
    let convert = io::LoadOptions {
        convert_dtypes: true,
        ..Default::default()
    };
    let err = io::load_bytes_with(&mut Norm::zeros(), &file(&float_count), &convert).unwrap_err();
    assert!(matches!(err, LoadError::IntegerDtype { .. }), "{err}");

    // A count of shape [1] (a `torch.tensor([n])`) is not PyTorch's scalar.
    let mut vector_count = good;
    vector_count[2].2 = &[1];
    let err = norm_err(&file(&vector_count));
    assert_eq!(
        err.to_string(),
        "`bn.num_batches_tracked` has shape [1] in the file but [] in the model"
    );

    let mut long_mean = good;
    long_mean[1].2 = &[4];
    let err = norm_err(&file(&long_mean));
    assert!(
        matches!(&err, LoadError::Shape { key, .. } if *key == "bn.running_mean"),
        "{err}"
    );

    let mut extra = good.to_vec();
    extra.push(("bn.running_var", F32, &[3]));
    let err = norm_err(&file(&extra));
    assert!(
        matches!(&err, LoadError::UnexpectedKey { key } if key == "bn.running_var"),
        "{err}"
    );

    // An `int32` count is refused, not widened.
    let short = file_with(&[
        ("bn.weight", F32, &[3], vec![0; 12]),
        ("bn.running_mean", F32, &[3], vec![0; 12]),
        ("bn.num_batches_tracked", Dtype::I32, &[], vec![0; 4]),
    ]);
    let err = norm_err(&short);
    assert!(
        matches!(&err, LoadError::IntegerDtype { found, .. } if found == "I32"),
        "{err}"
    );
}

nncore::sequential! {
    /// The model of the golden run `dsconv1d_gap_adam`.
    #[input(4, 20)]
    struct DsConv {
        dw: Conv1d(4, 4, 3, groups = 4, dilation = 2, padding = 2, bias = false),
        pw: Conv1d(4, 8, 1, bias = false),
        bn: BatchNorm1d(8),
        act: ReLU,
        gap: AdaptiveAvgPool1d(1),
        flat: Flatten,
        head: Linear(8, 4),
    }
}

/// PyTorch's file (`final.safetensors` of `/work/shared/golden2/dsconv1d_gap_adam`, PyTorch
/// 2.15, 60 training batches) loads, and saving it again gives the same bytes: I64 and F32
/// tensors, sorted as `safetensors.torch.save_file` sorts them.
#[test]
fn a_pytorch_batchnorm_file_loads_and_saves_byte_for_byte() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/io/dsconv1d_gap_adam_final.safetensors");
    let model: DsConv = io::load(&path).unwrap();
    assert_eq!(model.bn.num_batches_tracked, 60);
    // Values from the run's case.json, which holds each f32 exactly as an f64.
    assert_eq!(f64::from(model.bn.running_mean[0]), 0.043514788150787354);
    assert_eq!(f64::from(model.bn.running_var[7]), 1.1703773736953735);
    let head_bias = model
        .head
        .bias
        .iter()
        .map(|&v| f64::from(v))
        .collect::<Vec<_>>();
    let expected = [
        -0.14804482460021973,
        -0.09383563697338104,
        -0.3303245007991791,
        0.07908383011817932,
    ];
    assert_eq!(head_bias, expected);
    assert_eq!(io::to_bytes(&model).unwrap(), std::fs::read(&path).unwrap());
}

nncore::sequential! {
    /// The same model with PyTorch's trained values baked in when the test compiles.
    #[input(4, 20)]
    #[weights = "tests/io/dsconv1d_gap_adam_final.safetensors"]
    struct BakedDsConv {
        dw: Conv1d(4, 4, 3, groups = 4, dilation = 2, padding = 2, bias = false),
        pw: Conv1d(4, 8, 1, bias = false),
        bn: BatchNorm1d(8),
        act: ReLU,
        gap: AdaptiveAvgPool1d(1),
        flat: Flatten,
        head: Linear(8, 4),
    }
}

/// `#[weights]` bakes parameters and buffers (the int64 batch count too) bit for bit.
#[test]
fn baked_batchnorm_model_equals_the_loaded_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/io/dsconv1d_gap_adam_final.safetensors");
    let loaded: DsConv = io::load(&path).unwrap();
    let baked = BakedDsConv::TRAINED;
    assert_eq!(
        io::to_bytes(&baked).unwrap(),
        io::to_bytes(&loaded).unwrap()
    );
    assert_eq!(baked.bn.num_batches_tracked, 60);
}

nncore::sequential! {
    pub struct FcBn { fc: Linear(3, 4), bn: BatchNorm1d(4) }
}

/// A trained `state_dict` without `num_batches_tracked`, written by PyTorch
/// (`scripts/io_cases.py`), loads strictly with the count at 0, as PyTorch loads
/// it; a non-strict load does not report the count as missing.
#[test]
fn batchnorm_without_its_count_loads_as_in_pytorch() {
    let bytes = include_bytes!("batchnorm_without_count.safetensors");
    let tensors = SafeTensors::deserialize(bytes).unwrap();
    assert!(tensors.tensor("bn.num_batches_tracked").is_err());
    let model: FcBn = io::from_bytes(bytes).unwrap();
    assert_eq!(model.bn.num_batches_tracked, 0);
    let mean = tensors.tensor("bn.running_mean").unwrap();
    let expected: Vec<f32> = mean
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(model.bn.running_mean.to_vec(), expected);
    assert!(expected.iter().all(|&m| m != 0.0));

    let options = io::LoadOptions {
        strict: false,
        ..Default::default()
    };
    let mut model = FcBn::ZERO;
    model.bn.num_batches_tracked = 3;
    let report = io::load_bytes_with(&mut model, bytes, &options).unwrap();
    assert_eq!(report, io::LoadReport::default());
    assert_eq!(model.bn.num_batches_tracked, 3);

    // The other buffers are still required.
    let without_var: Vec<(String, TensorView<'_>)> = tensors
        .tensors()
        .into_iter()
        .filter(|(name, _)| name != "bn.running_var")
        .collect();
    let bytes = safetensors::serialize(without_var, None).unwrap();
    let err = io::from_bytes::<FcBn>(&bytes).unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "bn.running_var"),
        "{err}"
    );
}

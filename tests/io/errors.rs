//! Every load error typed, worded and leaving the model as it was; a module that does not fill
//! its shapes is a save error.

use nncore::io::{self, LoadError, SaveError};
use nncore::prelude::*;
use safetensors::Dtype;

use super::{F32, SeedMlpNamed, file, load_err};

#[test]
fn every_error_is_typed_and_leaves_the_model_unchanged() {
    let good = [
        ("hidden_linear.weight", F32, &[13, 1][..]),
        ("hidden_linear.bias", F32, &[13][..]),
        ("output_linear.weight", F32, &[1, 13][..]),
        ("output_linear.bias", F32, &[1][..]),
    ];
    // The good file loads, so each error below comes from its one change.
    let mut model = SeedMlpNamed::ZERO;
    io::load_bytes(&mut model, &file(&good)).unwrap();
    assert_eq!(model.output_linear.bias[0].to_bits(), 0x3f3f_3f3f);

    let err = load_err(&file(&good[..3]));
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "output_linear.bias"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the file has no tensor `output_linear.bias`, which the model needs; to load the tensors \
         it has and keep this one's values, load with `LoadOptions { strict: false, .. }` \
         (PyTorch's `strict=False`), which lists what it skipped"
    );

    let mut extra = good.to_vec();
    extra.push(("hidden_linear.running_mean", F32, &[13]));
    let err = load_err(&file(&extra));
    assert!(
        matches!(&err, LoadError::UnexpectedKey { key } if key == "hidden_linear.running_mean"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the file has a tensor `hidden_linear.running_mean`, which the model does not have; to \
         load the model's tensors and ignore the file's others, load with `LoadOptions { strict: \
         false, .. }` (PyTorch's `strict=False`), which lists what it skipped"
    );

    let mut transposed = good.to_vec();
    transposed[0].2 = &[1, 13];
    let err = load_err(&file(&transposed));
    match &err {
        LoadError::Shape {
            key,
            expected,
            found,
        } => {
            assert_eq!(*key, "hidden_linear.weight");
            assert_eq!(expected.dims(), [13, 1]);
            assert_eq!(found, &[1, 13]);
        }
        _ => panic!("{err}"),
    }
    assert_eq!(
        err.to_string(),
        "`hidden_linear.weight` has shape [1, 13] in the file but [13, 1] in the model: the \
         file holds its transpose, a dense kernel stored `[in, out]` (Keras, TensorFlow and JAX \
         store it so; PyTorch's is `[out, in]`); rearrange it with `.T` (and `.contiguous()`) \
         before saving"
    );

    let mut double = good.to_vec();
    double[3].1 = Dtype::F64;
    let err = load_err(&file(&double));
    assert!(
        matches!(&err, LoadError::Dtype { key, found } if *key == "output_linear.bias" && found == "F64"),
        "{err}"
    );

    let bytes = file(&good);
    let err = load_err(&bytes[..bytes.len() - 1]);
    assert!(
        matches!(&err, LoadError::Truncated { needed, len, tensor: Some(key) }
            if *needed == bytes.len() as u64 && len + 1 == *needed && key == "output_linear.weight"),
        "{err}"
    );
    let (needed, len) = (bytes.len(), bytes.len() - 1);
    assert_eq!(
        err.to_string(),
        format!(
            "the file is truncated: it has {len} bytes but needs {needed}; it ends inside the \
             data of `output_linear.weight`"
        )
    );
    let err = load_err(&bytes[..20]);
    assert!(
        matches!(
            err,
            LoadError::Truncated {
                len: 20,
                tensor: None,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().ends_with("it ends inside its header"),
        "{err}"
    );
    let err = load_err(&bytes[..5]);
    assert!(
        matches!(
            err,
            LoadError::Truncated {
                needed: 8,
                len: 5,
                tensor: None
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the file is truncated: it has 5 bytes but needs 8; it ends inside the 8-byte length \
         that opens a safetensors file"
    );

    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(load_err(&trailing), LoadError::Corrupt { .. }));
    let mut bad_json = bytes.clone();
    bad_json[8] = b'[';
    assert!(matches!(load_err(&bad_json), LoadError::Corrupt { .. }));

    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = load_err(&huge);
    assert!(
        matches!(err, LoadError::HeaderTooLarge { len: u64::MAX, max } if max == io::MAX_HEADER_LEN),
        "{err}"
    );

    let mut model = SeedMlpNamed::ZERO;
    let err = io::load_into(&mut model, "no/such/file.safetensors").unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err}");
    assert!(err.to_string().contains("no/such/file.safetensors"));
    assert_eq!(model, SeedMlpNamed::ZERO);
}

/// A model whose parameter does not fill its shape: saving it is an error, not a bad file.
struct Broken([f32; 3]);

impl Module for Broken {
    const NUM_PARAMS: usize = 3;
    fn zeros() -> Self {
        Broken([0.0; 3])
    }
    fn parameters(&self) -> impl Iterator<Item = nncore::Param<'_>> {
        std::iter::once(nncore::Param {
            name: nncore::Name::local("weight"),
            shape: nncore::Shape::matrix(2, 2),
            data: &self.0,
        })
    }
    fn parameters_mut(&mut self) -> impl Iterator<Item = nncore::ParamMut<'_>> {
        std::iter::once(nncore::ParamMut {
            name: nncore::Name::local("weight"),
            shape: nncore::Shape::matrix(2, 2),
            data: &mut self.0,
        })
    }
}

#[test]
fn inconsistent_module_is_a_save_error() {
    let err = io::to_bytes(&Broken([1.0; 3])).unwrap_err();
    assert!(
        matches!(err, SaveError::Inconsistent { len: 3, .. }),
        "{err}"
    );
}

//! `LoadOptions`: dtype conversion, PyTorch's `strict=False`, and refusing NaN and infinity.

use nncore::io::{self, LoadError, LoadOptions, LoadReport};
use nncore::prelude::*;
use safetensors::Dtype;

use super::buffers::{Norm, norm};
use super::{F32, NoBias, SeedMlpNamed, file, file_with};

const CONVERT: LoadOptions = LoadOptions {
    convert_dtypes: true,
    strict: true,
    reject_non_finite: false,
};

fn f16_bytes(bits: &[u16]) -> Vec<u8> {
    bits.iter().flat_map(|b| b.to_le_bytes()).collect()
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn the_default_options_are_pytorchs() {
    let options = LoadOptions::default();
    assert!(!options.convert_dtypes && options.strict && !options.reject_non_finite);
}

#[test]
fn float_dtypes_convert_only_when_asked() {
    let half = file_with(&[
        // 1, the smallest subnormal (2^-24), infinity.
        (
            "bn.weight",
            Dtype::F16,
            &[3],
            f16_bytes(&[0x3c00, 0x0001, 0x7c00]),
        ),
        // 0.1 rounds to the nearest f32; 1e39 is past f32::MAX; 1 + 2^-24 is a tie, to even.
        (
            "bn.running_mean",
            Dtype::F64,
            &[3],
            f64_bytes(&[0.1, 1e39, 1.0 + 2f64.powi(-24)]),
        ),
        (
            "bn.num_batches_tracked",
            Dtype::I64,
            &[],
            7i64.to_le_bytes().to_vec(),
        ),
    ]);
    let mut model = norm();
    let err = io::load_bytes(&mut model, &half).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`bn.weight` is F16 in the file, but the model holds F32: save it from PyTorch with \
         `model.float()` first, or load it with `LoadOptions { convert_dtypes: true, .. }`"
    );
    assert_eq!(
        model.weight.map(f32::to_bits),
        norm().weight.map(f32::to_bits)
    );

    let report = io::load_bytes_with(&mut model, &half, &CONVERT).unwrap();
    assert_eq!(report.converted_keys, ["bn.weight", "bn.running_mean"]);
    assert!(report.missing_keys.is_empty() && report.unexpected_keys.is_empty());
    assert_eq!(model.weight, [1.0, 5.960_464_5e-8, f32::INFINITY]);
    assert_eq!(model.running_mean, [0.1, f32::INFINITY, 1.0]);
    assert_eq!(model.num_batches_tracked, 7);

    // BF16, NaN payloads and negative zero included, is exact.
    let brain = file_with(&[(
        "0.weight",
        Dtype::BF16,
        &[2, 3],
        f16_bytes(&[0x3f80, 0xc049, 0x8000, 0x7f81, 0x0001, 0xff80]),
    )]);
    let mut model = NoBias::ZERO;
    io::load_bytes_with(&mut model, &brain, &CONVERT).unwrap();
    let bits = model
        .0
        .weight
        .as_flattened()
        .iter()
        .map(|v| v.to_bits())
        .collect::<Vec<_>>();
    assert_eq!(
        bits,
        [
            0x3f80_0000,
            0xc049_0000,
            0x8000_0000,
            0x7f81_0000,
            0x0001_0000,
            0xff80_0000
        ]
    );

    // Integers are not floats to convert, and say nothing of `model.float()`.
    let ints = file(&[("0.weight", Dtype::I32, &[2, 3])]);
    let err = io::load_bytes_with(&mut NoBias::zeros(), &ints, &CONVERT).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`0.weight` is I32 in the file, but the model holds F32"
    );
}

#[test]
fn a_non_strict_load_reports_missing_and_unexpected_keys() {
    let lax = LoadOptions {
        strict: false,
        ..Default::default()
    };
    let partial = file_with(&[
        (
            "bn.weight",
            F32,
            &[3],
            [2.0f32, 3.0, 4.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        ("bn.bias", F32, &[3], vec![0; 12]),
        ("a.b", F32, &[], vec![0; 4]),
    ]);
    let mut model = norm();
    // Strict, the first missing key in the model's order is the error.
    let err = io::load_bytes(&mut model, &partial).unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "bn.running_mean"),
        "{err}"
    );

    let report = io::load_bytes_with(&mut model, &partial, &lax).unwrap();
    assert_eq!(
        report,
        LoadReport {
            // The count, which PyTorch fills in from the module's, is not missing.
            missing_keys: vec![nncore::Name::new(&["bn"], "running_mean")],
            unexpected_keys: vec!["a.b".to_string(), "bn.bias".to_string()],
            converted_keys: vec![],
        }
    );
    assert_eq!(model.weight, [2.0, 3.0, 4.0]);
    // The missing ones kept their values.
    assert_eq!(
        model.running_mean.map(f32::to_bits),
        norm().running_mean.map(f32::to_bits)
    );
    assert_eq!(model.num_batches_tracked, norm().num_batches_tracked);

    // Shapes and dtypes are still checked, and a refused load changes nothing.
    let before = model.clone();
    let wrong_shape = file(&[("bn.weight", F32, &[4]), ("bn.bias", F32, &[3])]);
    let err = io::load_bytes_with(&mut model, &wrong_shape, &lax).unwrap_err();
    assert!(
        matches!(&err, LoadError::Shape { key, .. } if *key == "bn.weight"),
        "{err}"
    );
    let wrong_dtype = file(&[("bn.running_mean", Dtype::F64, &[3])]);
    let err = io::load_bytes_with(&mut model, &wrong_dtype, &lax).unwrap_err();
    assert!(
        matches!(&err, LoadError::Dtype { key, .. } if *key == "bn.running_mean"),
        "{err}"
    );
    assert_eq!(model.weight, before.weight);
    assert_eq!(model.num_batches_tracked, before.num_batches_tracked);

    // A complete file reports nothing.
    let report = io::load_bytes_with(&mut model, &io::to_bytes(&norm()).unwrap(), &lax).unwrap();
    assert_eq!(report, LoadReport::default());
}

#[test]
fn non_finite_values_load_unless_refused() {
    let mut model = SeedMlpNamed::ZERO;
    model.output_linear.weight[0][5] = f32::NAN;
    model.output_linear.weight[0][9] = f32::INFINITY;
    model.output_linear.bias[0] = f32::NEG_INFINITY;
    let bytes = io::to_bytes(&model).unwrap();
    // By default they load as they are, as in PyTorch.
    let back: SeedMlpNamed = io::from_bytes(&bytes).unwrap();
    assert!(back.output_linear.weight[0][5].is_nan());
    assert_eq!(back.output_linear.bias[0], f32::NEG_INFINITY);

    let strict = LoadOptions {
        reject_non_finite: true,
        ..Default::default()
    };
    let mut target = SeedMlpNamed::ZERO;
    let err = io::load_bytes_with(&mut target, &bytes, &strict).unwrap_err();
    assert!(
        matches!(&err, LoadError::NonFinite { key, index: 5, value, .. } if *key == "output_linear.weight" && value.is_nan()),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "`output_linear.weight` holds NaN at index 5 ([0, 5]), and the load refuses NaN and infinite values"
    );
    assert_eq!(target, SeedMlpNamed::ZERO);
    // Buffers are checked too, after conversion: an F64 too large for f32 is infinite.
    let big = file_with(&[
        ("bn.weight", F32, &[3], vec![0; 12]),
        (
            "bn.running_mean",
            Dtype::F64,
            &[3],
            f64_bytes(&[0.0, 1.0, 1e39]),
        ),
        ("bn.num_batches_tracked", Dtype::I64, &[], vec![0; 8]),
    ]);
    let options = LoadOptions {
        reject_non_finite: true,
        ..CONVERT
    };
    let err = io::load_bytes_with(&mut Norm::zeros(), &big, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`bn.running_mean` holds inf at index 2 ([2]), and the load refuses NaN and infinite values"
    );
    // A finite file passes the check.
    let finite = io::to_bytes(&SeedMlpNamed::ZERO).unwrap();
    io::load_bytes_with(&mut target, &finite, &strict).unwrap();
}

//! Source export: the checked-in `tests/export/*.rs` is what `rust_const` writes today, and,
//! compiled, it is the model bit for bit.
//!
//! After a deliberate change to the format, regenerate with `NNCORE_BLESS=1 cargo test --test
//! export` and read the diff.

use std::path::Path;

use nncore::prelude::*;
use rand::{SeedableRng, rngs::StdRng};

nncore::sequential! {
    pub struct Named { hidden: Linear(3, 5), act: Tanh, out: Linear(5, 2, bias = false) }
}
nncore::sequential! { pub struct Indexed(Linear(2, 4), ReLU, Linear(4, 4), Sigmoid, Linear(4, 1)); }

include!("export/named.rs");
include!("export/indexed.rs");
include!("export/buffers.rs");

/// A hand-written model with buffers (a BatchNorm-like layer `bn`), with the `from_state`
/// that `sequential!` writes for such models.
#[derive(Debug, PartialEq)]
pub struct Norm {
    weight: [f32; 2],
    running_mean: [f32; 2],
    num_batches_tracked: i64,
}

impl Norm {
    /// The parameters, then the buffers, the `int64` one as its `f32` value.
    pub const fn from_state(params: &[f32; 2], buffers: &[f32; 3]) -> Self {
        Norm {
            weight: *params,
            running_mean: [buffers[0], buffers[1]],
            num_batches_tracked: buffers[2] as i64,
        }
    }
}

const fn key(param: &'static str) -> nncore::Name {
    nncore::Name::new(&["bn"], param)
}

impl Module for Norm {
    const NUM_PARAMS: usize = 2;
    const NUM_BUFFERS: usize = 3;
    fn zeros() -> Self {
        Norm::from_state(&[0.0; 2], &[0.0; 3])
    }
    fn parameters(&self) -> impl Iterator<Item = nncore::Param<'_>> {
        let (name, shape) = (key("weight"), nncore::Shape::vector(2));
        std::iter::once(nncore::Param {
            name,
            shape,
            data: &self.weight,
        })
    }
    fn parameters_mut(&mut self) -> impl Iterator<Item = nncore::ParamMut<'_>> {
        let (name, shape) = (key("weight"), nncore::Shape::vector(2));
        std::iter::once(nncore::ParamMut {
            name,
            shape,
            data: &mut self.weight,
        })
    }
    fn buffers(&self) -> impl Iterator<Item = nncore::Buffer<'_>> {
        [
            nncore::Buffer {
                name: key("running_mean"),
                shape: nncore::Shape::vector(2),
                data: nncore::BufferData::F32(&self.running_mean),
            },
            nncore::Buffer {
                name: key("num_batches_tracked"),
                shape: nncore::Shape::scalar(),
                data: nncore::BufferData::I64(std::slice::from_ref(&self.num_batches_tracked)),
            },
        ]
        .into_iter()
    }
}

/// A seeded model, with values a decimal writer could get wrong.
fn named() -> Named {
    let mut model = Named::init(&mut StdRng::seed_from_u64(11));
    model.hidden.weight[0] = [-0.0, f32::from_bits(1), f32::MIN_POSITIVE];
    model.hidden.bias[1] = f32::from_bits(0xffc0_0001); // a NaN with a payload
    model.hidden.bias[2] = f32::NEG_INFINITY;
    model.out.weight[1][4] = f32::MAX;
    model
}

fn indexed() -> Indexed {
    Indexed::init(&mut StdRng::seed_from_u64(12))
}

fn bits<M: Module>(model: &M) -> Vec<u32> {
    model
        .parameters()
        .flat_map(|p| p.data.iter().map(|v| v.to_bits()))
        .collect()
}

/// The generated file is what the exporter writes now (or is rewritten, when blessing).
fn check_file(file: &str, source: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/export")
        .join(file);
    if std::env::var_os("NNCORE_BLESS").is_some() {
        std::fs::write(&path, source).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        on_disk == source,
        "{} is stale; regenerate with NNCORE_BLESS=1",
        path.display()
    );
}

#[test]
fn exported_source_compiles_to_the_same_bits() {
    check_file(
        "named.rs",
        &nncore::export::rust_const(&named(), "Named", "NAMED"),
    );
    check_file(
        "indexed.rs",
        &nncore::export::rust_const(&indexed(), "Indexed", "INDEXED"),
    );
    assert_eq!(bits(&NAMED), bits(&named()));
    assert_eq!(bits(&INDEXED), bits(&indexed()));
    // The special values survived as such.
    assert_eq!(NAMED.hidden.bias[1].to_bits(), 0xffc0_0001);
    assert_eq!(NAMED.hidden.weight[0][0].to_bits(), (-0.0f32).to_bits());
}

#[test]
fn a_model_with_buffers_exports_from_state() {
    let norm = Norm {
        weight: [0.5, f32::NAN],
        running_mean: [-0.25, f32::from_bits(1)],
        num_batches_tracked: 60,
    };
    let source = nncore::export::rust_const(&norm, "Norm", "NORM");
    check_file("buffers.rs", &source);
    assert!(source.contains("pub const NORM: Norm = Norm::from_state(&[\n"));
    assert!(source.contains("], &[\n    // bn.running_mean [2]\n"));
    assert!(source.contains("    // bn.num_batches_tracked [] int64\n    60.0,\n]);\n"));
    assert_eq!(NORM.weight[0], 0.5);
    assert_eq!(NORM.weight[1].to_bits(), f32::NAN.to_bits());
    assert_eq!(
        NORM.running_mean.map(f32::to_bits),
        norm.running_mean.map(f32::to_bits)
    );
    assert_eq!(NORM.num_batches_tracked, 60);
}

#[test]
fn from_params_takes_values_in_parameter_order() {
    let values: [f32; Indexed::NUM_PARAMS] = std::array::from_fn(|i| i as f32);
    let model = Indexed::from_params(&values);
    let flat: Vec<f32> = model.parameters().flat_map(|p| p.data.to_vec()).collect();
    assert_eq!(flat, values);
    assert_eq!(model.2.weight[1][0], 2.0 * 4.0 + 4.0 + 4.0);
}

//! A golden model rebuilt from `nncore::quant` layers, run on every sample of its case and
//! compared with the interpreter's outputs and intermediates.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use super::case::Case;

/// A golden model rebuilt: one sample's every op output, in op order.
pub trait Rebuilt {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>>;
}

/// The samples whose output differs, and a description of the first intermediate that does.
pub fn compare(case: &Case, model: &dyn Rebuilt) -> (usize, Option<String>) {
    assert_eq!(
        case.ops[0].inputs[0], case.input,
        "the graph starts at its input"
    );
    assert_eq!(
        case.ops.last().unwrap().outputs[0],
        case.output,
        "and ends at its output"
    );
    let mut wrong = 0;
    let mut first = None;
    let samples = case.samples.input.iter().zip(&case.samples.output);
    for (k, (x, want)) in samples.enumerate() {
        let outputs = model.run(x);
        assert_eq!(outputs.len(), case.ops.len());
        wrong += usize::from(outputs.last() != Some(want));
        for (op, got) in case.ops.iter().zip(&outputs) {
            let Some(rows) = case.intermediates.get(&op.outputs[0]) else {
                continue;
            };
            let Some(row) = rows.get(k) else { continue };
            if got != row && first.is_none() {
                let at = got.iter().zip(row).position(|(a, b)| a != b);
                first = Some(format!(
                    "sample {k}, {} -> tensor {}: first difference at {at:?}",
                    op.op, op.outputs[0]
                ));
            }
        }
    }
    (wrong, first)
}

/// Asserts that `model` reproduces every output and intermediate of `case`.
pub fn assert_bit_exact(case: &Case, model: &dyn Rebuilt) {
    let (wrong, first) = compare(case, model);
    let n = case.samples.input.len();
    assert!(
        wrong == 0 && first.is_none(),
        "{}: {wrong} of {n} outputs differ; {first:?}",
        case.name
    );
}

/// A flat sample as an `H × W × C` image.
pub fn image<const H: usize, const W: usize, const C: usize>(x: &[i8]) -> [[[i8; C]; W]; H] {
    assert_eq!(x.len(), H * W * C);
    std::array::from_fn(|h| {
        std::array::from_fn(|w| std::array::from_fn(|c| x[(h * W + w) * C + c]))
    })
}

pub fn flat<T: AsRef<[i8]>>(rows: &[T]) -> Vec<i8> {
    rows.iter().flat_map(|r| r.as_ref().to_vec()).collect()
}

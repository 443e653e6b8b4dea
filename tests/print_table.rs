//! Every layer's printed form, with every form of its arguments, against PyTorch's `print`:
//! `tests/print_table/table.rs`, written by `scripts/print_table.py`, declares each layer in a
//! model of its own and holds what PyTorch 2.15 prints for it. A layer prints as PyTorch prints
//! what was written (`Softplus(beta = 2)` prints `beta=2`, `MaxPool2d((2, 2))` prints
//! `kernel_size=(2, 2)`).

#![allow(
    clippy::excessive_precision,
    reason = "a row declares `LeakyReLU(0.123456789)`, which PyTorch prints as written"
)]

include!("print_table/table.rs");

#[test]
fn every_layer_prints_as_pytorch_prints_it() {
    let rows = rows();
    assert!(rows.len() >= 100, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for (layer, pytorch, model) in &rows {
        let line = model
            .strip_prefix("Sequential(\n  (0): ")
            .and_then(|rest| rest.strip_suffix("\n)"))
            .unwrap_or_else(|| panic!("`{layer}` is not one layer of a Sequential: {model}"));
        if line != *pytorch {
            wrong.push(format!("{layer}\n  PyTorch: {pytorch}\n  here:    {line}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// A setting changed after the declaration prints as the layer now holds it, as PyTorch prints
/// an attribute set after construction.
#[test]
fn a_changed_setting_prints_its_new_value() {
    nncore::sequential! {
        pub struct Net(Linear(2, 2), Softplus(beta = 2, threshold = 10), Dropout(1));
    }
    let mut net = Net::ZERO;
    assert_eq!(net.1.to_string(), "Softplus(beta=2.0, threshold=10.0)");
    net.1 = nncore::Softplus::new(3.0, 10.0);
    net.2 = nncore::Dropout::new(0.5);
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  \
         (1): Softplus(beta=3.0, threshold=10)\n  (2): Dropout(p=0.5, inplace=False)\n)"
    );
}

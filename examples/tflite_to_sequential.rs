//! Prints the `sequential!` declaration of a `.tflite` file: the layers `nncore::tflite!`
//! imports, in PyTorch's terms, to read or to edit.
//!
//! `cargo run --example tflite_to_sequential -- tests/tflite/residual_cnn_int8/model.tflite Net`

use nncore::quant::tflite::{Model, sequential_declaration};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: tflite_to_sequential FILE.tflite [NAME]");
        std::process::exit(2);
    };
    let name = args.next().unwrap_or_else(|| "Net".into());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    match Model::parse(&bytes).and_then(|m| sequential_declaration(&m, &name)) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}

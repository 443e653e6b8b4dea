//! A program whose model is baked in at compile time: `models/temp.safetensors` (written by
//! `cargo run --example train_temp`) becomes `TempNet::TRAINED`, a constant in the binary's
//! read-only data. Nothing is read from disk at run time.
//!
//! ```text
//! cargo run --release --example embedded -- 21.8 48.4 81.9
//! ```

use nncore::prelude::*;

nncore::sequential! {
    /// Celsius from a tenth of the chapter's unknown unit.
    #[weights = "models/temp.safetensors"]
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

/// The model in read-only memory.
static MODEL: TempNet = TempNet::TRAINED;

// The footprint, checked when the program compiles.
const _: () = assert!(TempNet::PARAM_BYTES == 160);

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_none() {
        eprintln!("usage: embedded READING...  (temperatures in the unknown unit, e.g. 48.4)");
        std::process::exit(2);
    }
    for arg in args {
        match arg.parse::<f32>() {
            Ok(unknown) => {
                let [celsius] = MODEL.forward(&[0.1 * unknown]);
                println!("{unknown} -> {celsius:.1} °C");
            }
            Err(e) => {
                eprintln!("`{arg}` is not a number: {e}");
                std::process::exit(2);
            }
        }
    }
}

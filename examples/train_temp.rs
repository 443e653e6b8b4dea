//! Trains the temperature model (Celsius from the chapter's unknown unit) with a fixed seed and
//! writes the weights that `examples/embedded.rs` and the `embedded/` crate bake in:
//! `models/temp.safetensors` and its source form, `embedded/src/trained.rs`.
//!
//! `cargo run --example train_temp` regenerates both; the same platform gives the same bits.

use std::path::Path;

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use rand::{SeedableRng, rngs::StdRng};

nncore::sequential! {
    /// Celsius from a tenth of the unknown unit.
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

/// The chapter's readings: the unknown unit, and Celsius.
const T_U: [f32; 11] = [
    35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4,
];
const T_C: [f32; 11] = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let xs: Vec<[f32; 1]> = T_U.iter().map(|&u| [0.1 * u]).collect();
    let ys: Vec<[f32; 1]> = T_C.iter().map(|&c| [c]).collect();
    let mut model = TempNet::init(&mut StdRng::seed_from_u64(42));
    let mut grads = Grads::<TempNet>::new();
    let mut opt = SGD::new(SGDConfig {
        lr: 1e-3,
        ..Default::default()
    })?;
    let mut loss = 0.0;
    for _ in 0..3000 {
        grads.zero_grad();
        loss = model.backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)?;
        opt.step(&mut model, &grads);
    }
    println!("training loss after 3000 epochs: {loss}");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let weights = root.join("models/temp.safetensors");
    nncore::io::save(&model, &weights)?;
    let source = nncore::export::rust_const(&model, "TempNet", "TRAINED");
    std::fs::write(root.join("embedded/src/trained.rs"), source)?;
    println!("wrote {} and embedded/src/trained.rs", weights.display());
    Ok(())
}

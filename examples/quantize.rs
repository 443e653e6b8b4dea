//! The digits MLP in int8: trained as `examples/digits.rs` trains it (same seed, split and
//! settings), quantized with calibration on its training images, and compared with its float
//! self on the test images; then the int8 model that the `no_std` crate `embedded/` holds as a
//! constant (`embedded/src/digits_int8.rs`) classifies the same images.
//!
//! `cargo run --release --example quantize`; with `-- --write` it also writes the exported
//! model to `embedded/src/digits_int8.rs` and the float weights to `models/digits.safetensors`
//! (which `tests/embed.rs` checks the constant against).

use std::error::Error;
use std::path::Path;

// The data set and `argmax` of the digits examples; their figures are not drawn here.
#[path = "common/digits.rs"]
#[allow(dead_code)]
mod digits;
#[path = "common/figure.rs"]
#[allow(dead_code)]
mod figure;

use nncore::data::DataLoader;
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// 64 pixels in, 10 class logits out.
    pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
}

const EPOCHS: usize = 30;
const BATCH: usize = 32;

fn main() -> Result<(), Box<dyn Error>> {
    let write = std::env::args().skip(1).any(|a| a == "--write");
    let mut rng = StdRng::seed_from_u64(0);
    let split = digits::load(&mut rng)?;
    let model = train(&split.train_x, &split.train_y, &mut rng)?;

    let int8 = model.quantize(&split.train_x)?;
    let (test_x, test_y) = (&split.val_x, &split.val_y);
    let f32_classes: Vec<usize> = test_x
        .iter()
        .map(|x| digits::argmax(&model.forward(x)))
        .collect();
    let int8_classes: Vec<usize> = test_x.iter().map(|x| int8_class(&int8, x)).collect();
    println!("f32 test accuracy: {:.2}%", accuracy(&f32_classes, test_y));
    println!(
        "int8 test accuracy: {:.2}%",
        accuracy(&int8_classes, test_y)
    );
    println!("f32 weight bytes: {}", DigitNet::PARAM_BYTES);
    println!("int8 weight bytes: {}", DigitNetInt8::WEIGHT_BYTES);
    let agree = f32_classes
        .iter()
        .zip(&int8_classes)
        .filter(|(a, b)| a == b)
        .count();
    println!(
        "int8 and f32 agree on {agree} of {} test images; the int8 struct is {} bytes in memory",
        test_x.len(),
        std::mem::size_of::<DigitNetInt8>()
    );

    // The model as source for the no_std crate, and the constant that crate holds.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exported = root.join("embedded/src/digits_int8.rs");
    let source = nncore::export::rust_const_int8(&int8, "DigitNetInt8", "DIGITS_INT8");
    if write {
        std::fs::write(&exported, &source)?;
        nncore::io::save(&model, root.join("models/digits.safetensors"))?;
        println!("wrote {} and models/digits.safetensors", exported.display());
    } else if std::fs::read_to_string(&exported).ok().as_deref() != Some(source.as_str()) {
        println!("this run's int8 model differs from the one in embedded/ (rerun with -- --write)");
    }
    let embedded: Vec<usize> = test_x.iter().map(nn_embedded::classify_digit).collect();
    let same = embedded
        .iter()
        .zip(&int8_classes)
        .filter(|(a, b)| a == b)
        .count();
    println!(
        "no_std int8 model (nn_embedded::DIGITS, {} bytes of weights): the same class as the quantized model on {same} of {} test images",
        nn_embedded::DigitNetInt8::WEIGHT_BYTES,
        test_x.len()
    );
    Ok(())
}

/// `examples/digits.rs`'s training: Adam, cross-entropy, shuffled batches of 32.
fn train(xs: &[[f32; 64]], ys: &[usize], rng: &mut StdRng) -> Result<DigitNet, Box<dyn Error>> {
    let mut model = DigitNet::init(rng);
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })?;
    let mut grads = Grads::<DigitNet>::new();
    let mut loader = DataLoader::new(xs, ys, BATCH)?;
    for _ in 0..EPOCHS {
        let mut epoch = loader.epoch(rng);
        while let Some((bx, by)) = epoch.next_batch() {
            grads.zero_grad();
            model.backward_loss(&CrossEntropyLoss::new(), bx, by, &mut grads)?;
            opt.step(&mut model, &grads);
        }
    }
    Ok(model)
}

/// The class of the largest int8 logit.
fn int8_class(model: &DigitNetInt8, x: &[f32; 64]) -> usize {
    let input = model.input_params();
    let logits = model.forward(&x.map(|v| input.quantize(v)));
    (0..10).fold(0, |best, c| if logits[c] > logits[best] { c } else { best })
}

/// The percentage of `classes` equal to `truth`.
fn accuracy(classes: &[usize], truth: &[usize]) -> f32 {
    let correct = classes.iter().zip(truth).filter(|(c, t)| c == t).count();
    100.0 * correct as f32 / truth.len() as f32
}

// After a mistake in the model, the code that uses it reports nothing more: the model's
// type, fields, constructors, traits and methods all still exist.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};

nncore::sequential! {
    pub struct Net {
        hidden: Linear(1, 13),
        activation: tanh,
        output: Linear(13, 1),
    }
}

fn main() -> Result<(), nncore::Error> {
    let mut rng = rand::rng();
    let mut model = Net::init(&mut rng);
    let mut grads = Grads::<Net>::new();
    let mut opt = SGD::new(SGDConfig::default())?;
    grads.zero_grad();
    let loss = model.backward_loss(&MSELoss::new(), &[[1.0]], &[[2.0]], &mut grads)?;
    opt.step(&mut model, &grads);
    let y: [f32; 1] = model.forward(&[0.5]);
    let _ = Net::from_state(&[0.0; 40], &[]);
    let w: [[f32; 1]; 13] = model.hidden.weight;
    println!("{model} {loss} {y:?} {w:?} {} {}", model.output.bias[0], Net::NUM_PARAMS);
    Ok(())
}

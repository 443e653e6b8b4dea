//! Models declared through a user's own `macro_rules!`, which passes the layers (and a
//! `forward`) through to `sequential!`: every generated pass still names the model's fields.

use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Grads, MSELoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A chain of the layers given.
macro_rules! chain {
    ($name:ident: $($layers:tt)*) => {
        nncore::sequential! { pub struct $name($($layers)*); }
    };
}

/// A model with named layers and its own `forward`.
macro_rules! graph {
    ($name:ident { $($fields:tt)* } $($forward:tt)*) => {
        nncore::sequential! { pub struct $name { $($fields)* } $($forward)* }
    };
}

chain!(Chain: Linear(3, 4), ReLU, Linear(4, 2));

graph!(Skip {
    fc1: Linear(3, 3),
    relu: ReLU,
    fc2: Linear(3, 3),
} fn forward(x) {
    let y = relu(fc1(x));
    fc2(y) + x
});

#[test]
fn a_chain_from_macro_rules_runs_every_pass() {
    let mut rng = StdRng::seed_from_u64(1);
    let model = Chain::init(&mut rng);
    let xs = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]];
    let batch = model.forward_batch(&xs);
    assert_eq!(batch[1], model.forward(&xs[1]));

    let mut grads = Grads::<Chain>::new();
    let loss = model
        .backward_loss(&CrossEntropyLoss::new(), &xs, &[0, 1], &mut grads)
        .unwrap();
    assert!(loss.is_finite() && loss > 0.0);
    assert!(grads.0.weight.iter().flatten().any(|&g| g != 0.0));

    let int8 = model.quantize(&xs).unwrap();
    let _: [i8; 2] = int8.forward(&[0; 3]);
}

#[test]
fn a_graph_from_macro_rules_trains() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut model = Skip::init(&mut rng);
    let xs = [[0.5f32, -1.0, 2.0]; 4];
    let y = model.forward(&xs[0]);
    let skip = model
        .fc2
        .forward(&model.relu.forward(&model.fc1.forward(&xs[0])));
    for i in 0..3 {
        assert_eq!(y[i], skip[i] + xs[0][i]);
    }
    let mut grads = Grads::<Skip>::new();
    let mut train = Train::new(StdRng::seed_from_u64(3));
    let loss = train
        .backward_loss(&mut model, &MSELoss::new(), &xs, &xs, &mut grads)
        .unwrap();
    assert!(loss.is_finite());
    assert!(grads.fc1.weight.iter().flatten().any(|&g| g != 0.0));
}

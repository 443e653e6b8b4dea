// The generated code compiles whatever ordinary names are in scope where the model is declared:
// primitive types shadowed (`type f32 = f64`), and constants named like the generic parameters
// (`B`, `L`, `R`), locals (`x1`, `d1`, `a1`, `g1`) and parameters (`rng`, `grads`, `params`)
// the macro writes, some of them used as sizes.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD, SGDConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

mod shadowed {
    #![allow(non_camel_case_types, non_upper_case_globals, dead_code)]

    // Only the macro's code is in this module, so the user's own code keeps the real types.
    type f32 = f64;
    type usize = u8;
    type u8 = u16;

    pub const B: ::core::primitive::usize = 4;
    pub const L: ::core::primitive::usize = 2;
    pub const R: ::core::primitive::usize = 3;
    pub const x1: ::core::primitive::usize = 5;
    pub const d1: ::core::primitive::usize = 6;
    pub const BLOCK: ::core::primitive::usize = 2;
    pub const N: ::core::primitive::usize = 3;
    pub const T: ::core::primitive::usize = 7;
    pub const IN: ::core::primitive::usize = 2;
    pub const OUT: ::core::primitive::usize = 1;
    pub const fields: ::core::primitive::usize = 3;

    // Names the macro's locals, parameters and closures would bind: as constants in scope, each
    // would turn a binding into a pattern that does not match.
    const a1: i32 = 0;
    const g1: i32 = 0;
    const x0: i32 = 0;
    const a0: i32 = 0;
    const x2: i32 = 0;
    const d2: i32 = 0;
    const rng: i32 = 0;
    const grads: i32 = 0;
    const params: i32 = 0;
    const model: i32 = 0;
    const xs: i32 = 0;
    const dys: i32 = 0;
    const out: i32 = 0;
    const targets: i32 = 0;
    const loss_fn: i32 = 0;
    const loss_grad: i32 = 0;
    const p: i32 = 0;
    const f: i32 = 0;

    nncore::sequential! {
        /// Sizes named like the macro's generics and locals.
        pub struct Named {
            hidden: Linear(R, x1),
            activ: Tanh,
            middle: Linear(x1, d1),
            relu: ReLU,
            wide: Linear(d1, B),
            soft: Softplus(beta = 2),
            output: Linear(B, L),
        }
    }

    nncore::sequential! {
        pub struct Tuple(Linear(IN, T), LeakyReLU(0.1), Linear(T, N, bias = false), ELU(alpha = 0.5), Linear(N, fields), GELU, Linear(fields, OUT));
    }

    nncore::sequential! {
        // The path is relative to the crate trybuild writes, where tests/compiletest.rs copies it.
        #[weights = "weights/seed_mlp_named.safetensors"]
        pub struct Baked { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
    }
}

use shadowed::{Baked, Named, Tuple};

/// One step of SGD on `model`; returns the loss before and after it.
fn step<M: Model<[f32; IN], [f32; OUT]>, const IN: usize, const OUT: usize>(
    model: &mut M,
    xs: &[[f32; IN]],
    ys: &[[f32; OUT]],
) -> (f32, f32) {
    let mut grads = Grads::<M>::new();
    let mut opt = SGD::new(SGDConfig { lr: 0.1, ..Default::default() }).unwrap();
    let loss = MSELoss::new();
    grads.zero_grad();
    let before = model.backward_loss(&loss, xs, ys, &mut grads).unwrap();
    opt.step(model, &grads);
    grads.zero_grad();
    let after = model.backward_loss(&loss, xs, ys, &mut grads).unwrap();
    (before, after)
}

fn main() {
    let mut rng = StdRng::seed_from_u64(0);

    let mut named = Named::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..10).map(|i| [i as f32 / 10.0, 1.0, -0.5]).collect();
    let ys = vec![[0.5, -0.5]; xs.len()];
    let batch = named.forward_batch(&xs);
    assert_eq!(batch[3], named.forward(&xs[3]));
    let (before, after) = step(&mut named, &xs, &ys);
    assert!(after < before, "{after} < {before}");
    assert!(named.to_string().contains("(soft): Softplus(beta=2, threshold=20.0)"));

    let mut tuple = Tuple::init(&mut rng);
    let xs: Vec<[f32; 2]> = (0..10).map(|i| [i as f32 / 10.0, 1.0]).collect();
    let ys = vec![[0.25]; xs.len()];
    let (before, after) = step(&mut tuple, &xs, &ys);
    assert!(after < before, "{after} < {before}");

    let mut baked = Baked::TRAINED;
    assert_ne!(baked, Baked::ZERO);
    let xs = [[0.5], [1.0]];
    let (before, after) = step(&mut baked, &xs, &[[0.0], [1.0]]);
    assert!(after < before, "{after} < {before}");
}

// Original code (./temperature.rs, the named model):
//
// ```rust
// nncore::sequential! {
//     /// The chapter's `seq_model`, with its layers named as in its `OrderedDict`.
//     pub struct TempNet {
//         hidden_linear: Linear(1, 13),
//         hidden_activ: Tanh,
//         output_linear: Linear(13, 1),
//     }
// }
// ```
//
// What `sequential!` writes for it, as `cargo expand` shows it (rustc's `-Zunpretty=expanded`,
// with the `derive`s left unexpanded and doc attributes as `///`), formatted by rustfmt.
//
// The widths are checked by the types: `Layer::<13, 1>` is implemented only by a layer that takes
// 13 features and gives 1. Gradients are a second `TempNet` (inside `nncore::Grads`), so
// `grads.hidden_linear.weight` has the weight's own type.

// The macro writes the parameter count as a sum that starts at 0, so that a model without
// parameters needs no special case; in macro output clippy does not look, here it does.
#![allow(clippy::identity_op)]

use nncore::prelude::*;
use nncore::{Grads, MSELoss};
use rand::SeedableRng;

/// The chapter's `seq_model`, with its layers named as in its `OrderedDict`.
#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
pub struct TempNet {
    pub hidden_linear: ::nncore::Linear<1usize, 13usize>,
    pub hidden_activ: ::nncore::Tanh,
    pub output_linear: ::nncore::Linear<13usize, 1usize>,
}
impl TempNet {
    /// The model with every parameter zero.
    pub const ZERO: Self = Self {
        hidden_linear: <::nncore::Linear<1usize, 13usize>>::ZERO,
        hidden_activ: ::nncore::Tanh,
        output_linear: <::nncore::Linear<13usize, 1usize>>::ZERO,
    };
    /// A model with PyTorch's default initialization (every `Linear` uniform in
    /// ±1/√in_features), drawn from `rng`: the same seed gives the same model.
    pub fn init<R: ::nncore::__private::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
        Self {
            hidden_linear: <::nncore::Linear<1usize, 13usize>>::init(rng),
            hidden_activ: ::nncore::Tanh,
            output_linear: <::nncore::Linear<13usize, 1usize>>::init(rng),
        }
    }
}
impl ::nncore::Module for TempNet {
    const NUM_PARAMS: usize = 0
        + <::nncore::Linear<1usize, 13usize> as ::nncore::Module>::NUM_PARAMS
        + <::nncore::Linear<13usize, 1usize> as ::nncore::Module>::NUM_PARAMS;
    fn zeros() -> Self {
        Self::ZERO
    }
    fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::parameters(&self.hidden_linear)
                    .map(|p| p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::parameters(&self.output_linear)
                    .map(|p| p.in_module("output_linear")),
            )
    }
    fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::parameters_mut(&mut self.hidden_linear)
                    .map(|p| p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::parameters_mut(&mut self.output_linear)
                    .map(|p| p.in_module("output_linear")),
            )
    }
}
impl ::nncore::Model<1usize, 1usize> for TempNet {
    #[inline]
    fn forward(&self, x0: &[f32; 1usize]) -> [f32; 1usize] {
        let x1: [f32; 13usize] =
            ::nncore::Layer::<1usize, 13usize>::forward(&self.hidden_linear, x0);
        let x2: [f32; 13usize] =
            ::nncore::Layer::<13usize, 13usize>::forward(&self.hidden_activ, &x1);
        let x3: [f32; 1usize] =
            ::nncore::Layer::<13usize, 1usize>::forward(&self.output_linear, &x2);
        x3
    }
    fn backward_sample(
        &self,
        x0: &[f32; 1usize],
        grads: &mut Self,
        loss_grad: impl ::core::ops::FnOnce(&[f32; 1usize]) -> [f32; 1usize],
    ) {
        let x1: [f32; 13usize] =
            ::nncore::Layer::<1usize, 13usize>::forward(&self.hidden_linear, x0);
        let x2: [f32; 13usize] =
            ::nncore::Layer::<13usize, 13usize>::forward(&self.hidden_activ, &x1);
        let x3: [f32; 1usize] =
            ::nncore::Layer::<13usize, 1usize>::forward(&self.output_linear, &x2);
        let d3 = loss_grad(&x3);
        ::nncore::Layer::<13usize, 1usize>::backward_params(
            &self.output_linear,
            &x2,
            &x3,
            &d3,
            &mut grads.output_linear,
        );
        let d2 =
            ::nncore::Layer::<13usize, 1usize>::backward_input(&self.output_linear, &x2, &x3, &d3);
        let d1 =
            ::nncore::Layer::<13usize, 13usize>::backward_input(&self.hidden_activ, &x1, &x2, &d2);
        ::nncore::Layer::<1usize, 13usize>::backward_params(
            &self.hidden_linear,
            x0,
            &x1,
            &d1,
            &mut grads.hidden_linear,
        );
    }
}
/// Prints the model as PyTorch's `print(model)` does.
impl ::core::fmt::Display for TempNet {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::nncore::__private::write_sequential(
            f,
            &[
                (
                    "hidden_linear",
                    &self.hidden_linear as &dyn ::core::fmt::Display,
                ),
                (
                    "hidden_activ",
                    &self.hidden_activ as &dyn ::core::fmt::Display,
                ),
                (
                    "output_linear",
                    &self.output_linear as &dyn ::core::fmt::Display,
                ),
            ],
        )
    }
}

/// The hand-expanded model works like the macro's: print it, run it, take one gradient.
fn main() -> Result<(), nncore::Error> {
    let model = TempNet::init(&mut rand::rngs::StdRng::seed_from_u64(0));
    println!("{model}");
    println!("{} parameters", TempNet::NUM_PARAMS);

    let (t_u, t_c) = ([[3.57], [5.59], [5.82]], [[0.5], [14.0], [15.0]]);
    println!("output {:?}", model.forward_batch(&t_u));
    let mut grads = Grads::<TempNet>::new();
    let loss = model.backward_loss(&MSELoss::new(), &t_u, &t_c, &mut grads)?;
    println!("loss {loss}");
    println!("grads.output_linear.bias {:?}", grads.output_linear.bias);
    Ok(())
}

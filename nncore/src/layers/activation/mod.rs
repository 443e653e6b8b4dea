//! Activations. `ReLU`, `Tanh`, `GELU` and the others apply one function to each value, so the
//! output has the input's shape: each is an [`Elementwise`](elementwise::Elementwise), its value
//! and its derivative at one element, which [`elementwise`] makes a `Layer` for samples of
//! every shape and for batches. `Softmax` and `LogSoftmax` normalize a sample's features
//! together and implement `Layer` themselves.

pub(crate) mod elementwise;
pub use elementwise::Elementwise;

/// Declares each activation's module and re-exports its public types, which the crate's root
/// re-exports in turn: a new activation is its file and one line here.
macro_rules! activations {
    ($($module:ident: $($item:ident),+;)*) => {
        $(
            pub(crate) mod $module;
            pub use $module::{$($item),+};
        )*
    };
}

activations! {
    elu: ELU;
    gelu: Approximate, GELU;
    hardsigmoid: Hardsigmoid;
    hardswish: Hardswish;
    identity: Identity;
    leaky_relu: LeakyReLU;
    relu: ReLU;
    relu6: ReLU6;
    sigmoid: Sigmoid;
    silu: SiLU;
    softmax: LogSoftmax, Softmax;
    softplus: Softplus;
    tanh: Tanh;
}

#[cfg(test)]
mod tests;

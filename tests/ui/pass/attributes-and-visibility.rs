// Doc comments and attributes on the model and on its fields, and `pub(crate)` visibility.

mod inner {
    nncore::sequential! {
        /// A model inside a module.
        #[allow(clippy::all)]
        pub(crate) struct Net {
            /// The hidden layer.
            #[allow(unused)]
            hidden: Linear(1, 13),
            /// The activation.
            activation: Tanh,
            #[doc = "The output layer."]
            output: Linear(13, 1),
        }
    }
}

fn main() {
    let net = inner::Net::ZERO;
    assert_eq!(net.hidden.weight.len(), 13);
    assert_eq!(net.output.bias, [0.0]);
}

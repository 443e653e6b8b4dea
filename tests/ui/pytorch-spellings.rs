// PyTorch's and other Rust items' spellings of a layer: `nn.Linear`, `name = Layer`,
// `Linear<1, 13>`, Python's `False`, a `#` comment. Each is one error saying what to write; the layer is still
// checked (the size mismatch at the end is found) and the code using the model reports nothing.


nncore::sequential! {
    pub struct Net {
        # the hidden layer
        hidden = nn.Linear(1, 13, bias = False),
        activation: nn.Tanh(),
        output: Linear<12, 1>,
    }
}

fn main() {
    let model = Net::ZERO;
    let _: [f32; 1] = model.forward(&[1.0]);
    let _ = (model.hidden.weight, model.output.bias);
}

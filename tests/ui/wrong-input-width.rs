// Calling a one-input model with two inputs.

nncore::sequential! {
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}

fn main() {
    let model = Net::ZERO;
    let _ = model.forward(&[1.0, 2.0]);
}

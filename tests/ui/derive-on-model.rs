// A `#[derive]` of the traits the macro implements, or of `Default`: the error says what the
// macro derives and what the zero model is; the other derives are kept.

nncore::sequential! {
    #[derive(Clone, Debug, Default)]
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}

fn main() {
    let model = Net::ZERO;
    let _ = format!("{:?}", model.clone());
}

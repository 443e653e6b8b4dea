// A `#[derive]` of the traits the macro implements, of `Default`, or of traits a model cannot
// have: the error says what the macro derives and what the zero model is.

nncore::sequential! {
    #[derive(Clone, Debug, Default, Copy, Hash)]
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}

fn main() {
    let model = Net::ZERO;
    let _ = format!("{:?}", model.clone());
}

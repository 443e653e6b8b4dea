// `quantize` on a model with a layer that has no int8 form: the error is on that layer.

nncore::sequential! {
    pub struct Classifier { fc: Linear(4, 3), probs: LogSoftmax(dim = 1) }
}

fn main() {
    let model = Classifier::ZERO;
    let _ = model.quantize(&[[0.0; 4]]);
}

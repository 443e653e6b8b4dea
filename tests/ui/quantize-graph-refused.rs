// `quantize` on models with a graph: a BatchNorm after a sum has no Linear or convolution to
// fold into, and a layer with no int8 form inside a nested model is reported on that layer.

nncore::sequential! {
    #[input(4)]
    pub struct Residual { fc: Linear(4, 4), norm: BatchNorm1d(4) }
    fn forward(x) {
        norm(x + fc(x))
    }

    #[input(4)]
    pub struct Head { fc: Linear(4, 3), probs: LogSoftmax(dim = 1) }

    #[input(4)]
    pub struct Outer { fc: Linear(4, 4), head: Head }
}

fn main() {
    let _ = Residual::ZERO.quantize(&[[0.0; 4]]);
    let _ = Outer::ZERO.quantize(&[[0.0; 4]]);
}

// `quantize` on a model with a BatchNorm after no Linear or convolution, which has nothing to
// fold into: the error is on the BatchNorm.

nncore::sequential! {
    #[input(1, 4, 4)]
    pub struct Net { pool: MaxPool2d(2), norm: BatchNorm2d(1), flat: Flatten, fc: Linear(4, 2) }
}

fn main() {
    let model = Net::ZERO;
    let _ = model.quantize(&[[[[0.0; 4]; 4]; 1]]);
}

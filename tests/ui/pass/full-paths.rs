// Layers written with their full path, with `()` on a layer without arguments, and keyword
// arguments, the sizes of `Linear` among them as PyTorch names them.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Net(
        nncore::Linear(in_features = 2, out_features = 3),
        ::nncore::Tanh(),
        nncore::LeakyReLU(negative_slope = 0.2),
        Linear(3, out_features = 2, bias = false),
        Linear(out_features = 1, in_features = 2, bias = true),
        Sigmoid,
    );
}

fn main() {
    let params: Vec<(String, Vec<usize>)> = Net::ZERO
        .parameters()
        .map(|p| (p.name.to_string(), p.shape.to_vec()))
        .collect();
    let expected = [
        ("0.weight", vec![3, 2]),
        ("0.bias", vec![3]),
        ("3.weight", vec![2, 3]),
        ("4.weight", vec![1, 2]),
        ("4.bias", vec![1]),
    ];
    let expected: Vec<(String, Vec<usize>)> =
        expected.into_iter().map(|(name, shape)| (name.to_owned(), shape)).collect();
    assert_eq!(params, expected);
    assert_eq!(Net::ZERO.forward(&[1.0, 2.0]), [0.5]);
}

//! What the fused-layer tests compare: random data, and every parameter's and buffer's bits.

use nncore::{Module, Tensor};
use rand::RngExt;
use rand::rngs::StdRng;

/// Inputs uniform in [−1, 1), targets uniform in [0, 1).
pub fn data<X: Tensor, Y: Tensor>(len: usize, rng: &mut StdRng) -> (Vec<X>, Vec<Y>) {
    let xs = (0..len)
        .map(|_| {
            let mut x = X::ZERO;
            x.flat_mut()
                .iter_mut()
                .for_each(|v| *v = rng.random::<f32>() * 2.0 - 1.0);
            x
        })
        .collect();
    let ys = (0..len)
        .map(|_| {
            let mut y = Y::ZERO;
            y.flat_mut().iter_mut().for_each(|v| *v = rng.random());
            y
        })
        .collect();
    (xs, ys)
}

/// Every float's bits, parameter by parameter, with its name.
pub fn bits<M: Module>(m: &M) -> Vec<(String, Vec<u32>)> {
    m.parameters()
        .map(|p| {
            (
                p.name.to_string(),
                p.data.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

pub fn buffer_bits<M: Module>(m: &M) -> Vec<String> {
    m.buffers()
        .map(|b| format!("{}: {:?}", b.name, b.data))
        .collect()
}

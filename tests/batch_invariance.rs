//! A sample gives the same bits alone or anywhere in a batch of any size: outputs in evaluation
//! and training mode, and gradients, which a batch accumulates one sample after another exactly
//! as single samples do. The model mixes wide layers (the vector kernels) with narrow ones (a
//! sample's features in the lanes, or a tile of samples), with and without bias, and Tanh (in
//! vector registers over the whole batch); `nncore`'s kernel tests cover each instruction set.

use nncore::prelude::*;
use nncore::{Grads, Train};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

nncore::sequential! {
    /// Wide (40 and 24 inputs, 17 without bias) and narrow (3 and 5 inputs) dense layers.
    pub struct Mixed(
        Linear(40, 24), ReLU, Linear(24, 3), Tanh, Linear(3, 17), GELU,
        Linear(17, 5, bias = false), Tanh, Linear(5, 2),
    );
}

fn rows<const N: usize>(rng: &mut StdRng, len: usize) -> Vec<[f32; N]> {
    (0..len)
        .map(|_| std::array::from_fn(|_| rng.random_range(-2.0..2.0)))
        .collect()
}

/// The parameter gradients as bits.
fn bits(grads: &Grads<Mixed>) -> Vec<u32> {
    grads
        .parameters()
        .flat_map(|p| p.data.iter().map(|v| v.to_bits()))
        .collect()
}

/// Batches that fill no block, one block exactly, and several blocks with a rest.
const LENS: [usize; 7] = [1, 2, 7, 8, 9, 33, 70];

#[test]
fn outputs_do_not_depend_on_the_batch() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut model = Mixed::init(&mut rng);
    let mut train = Train::new(StdRng::seed_from_u64(2));
    for len in LENS {
        let xs = rows::<40>(&mut rng, len);
        let alone: Vec<[u32; 2]> = xs
            .iter()
            .map(|x| model.forward(x).map(f32::to_bits))
            .collect();
        let batch = model.forward_batch(&xs);
        let mut trained = vec![[0.0; 2]; len];
        train.forward_into(&mut model, &xs, &mut trained).unwrap();
        for (b, a) in alone.iter().enumerate() {
            assert_eq!(
                batch[b].map(f32::to_bits),
                *a,
                "evaluation, sample {b} of {len}"
            );
            assert_eq!(
                trained[b].map(f32::to_bits),
                *a,
                "training mode, sample {b} of {len}"
            );
        }
    }
}

#[test]
fn gradients_accumulate_sample_by_sample_whatever_the_batch() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut model = Mixed::init(&mut rng);
    let mut train = Train::new(StdRng::seed_from_u64(4));
    for len in LENS {
        let (xs, dys) = (rows::<40>(&mut rng, len), rows::<2>(&mut rng, len));
        // A non-zero start: a batch adds onto what is there.
        let mut start = Grads::<Mixed>::new();
        model.backward_sample(&xs[0], &mut start, |_| dys[0]);
        let mut one_by_one = start.clone();
        for (x, dy) in xs.iter().zip(&dys) {
            model.backward_sample(x, &mut one_by_one, |_| *dy);
        }
        let mut evaluation = start.clone();
        model.backward(&xs, &dys, &mut evaluation).unwrap();
        let mut training = start.clone();
        train
            .backward(&mut model, &xs, &dys, &mut training)
            .unwrap();
        let expected = bits(&one_by_one);
        assert_eq!(
            bits(&evaluation),
            expected,
            "evaluation mode, batch of {len}"
        );
        assert_eq!(bits(&training), expected, "training mode, batch of {len}");
        // Split in two anywhere: the same bits.
        let split = len / 3;
        let mut halves = start.clone();
        model
            .backward(&xs[..split], &dys[..split], &mut halves)
            .unwrap();
        train
            .backward(&mut model, &xs[split..], &dys[split..], &mut halves)
            .unwrap();
        assert_eq!(bits(&halves), expected, "batch of {len} split at {split}");
    }
}

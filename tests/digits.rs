//! A short run of the digits example: a few epochs must already beat chance (10%) by far.

use nncore::data::{DataLoader, read_csv, train_val_split};
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! { struct DigitNet(Linear(64, 32), ReLU, Linear(32, 10)); }

#[test]
fn a_short_run_learns_the_digits() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    assert_eq!(rows.len(), 1797);
    let xs: Vec<[f32; 64]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i] / 16.0))
        .collect();
    let ys: Vec<usize> = rows.iter().map(|r| r[64] as usize).collect();
    let mut rng = StdRng::seed_from_u64(1);
    let split = train_val_split(&xs, &ys, 0.2, &mut rng).unwrap();
    let mut model = DigitNet::init(&mut rng);
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })
    .unwrap();
    let mut grads = Grads::<DigitNet>::new();
    let mut loader = DataLoader::new(&split.train_x, &split.train_y, 32).unwrap();
    for _ in 0..5 {
        let mut epoch = loader.epoch(&mut rng);
        while let Some((bx, by)) = epoch.next_batch() {
            grads.zero_grad();
            model
                .backward_loss(&CrossEntropyLoss::new(), bx, by, &mut grads)
                .unwrap();
            opt.step(&mut model, &grads);
        }
    }
    let correct = split
        .val_x
        .iter()
        .zip(&split.val_y)
        .filter(|(x, y)| {
            let logits = model.forward(x);
            (0..10).max_by(|&a, &b| logits[a].total_cmp(&logits[b])) == Some(**y)
        })
        .count();
    let accuracy = correct as f32 / split.val_x.len() as f32;
    assert!(accuracy > 0.85, "test accuracy {accuracy} after 5 epochs");
}

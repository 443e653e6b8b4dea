//! A short run of the digits_conv example's recipe on a smaller net: trained in training mode
//! (BatchNorm on batch statistics, Dropout on) and evaluated in evaluation mode, a few epochs
//! must already classify most test images.

use nncore::data::{DataLoader, read_csv, train_val_split};
use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

type Image = [[[f32; 8]; 8]; 1];

nncore::sequential! {
    #[input(1, 8, 8)]
    struct DigitConv {
        conv: Conv2d(1, 8, kernel_size = 3, padding = 1),
        bn: BatchNorm2d(8),
        act: ReLU,
        pool: MaxPool2d(2),
        flat: Flatten,
        drop: Dropout(0.25),
        fc: Linear(128, 10),
    }
}

const EPOCHS: usize = 3;

#[test]
fn a_short_run_learns_the_digits_as_images() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    let xs: Vec<Image> = rows
        .iter()
        .map(|r| {
            [std::array::from_fn(|y| {
                std::array::from_fn(|x| r[8 * y + x] / 16.0)
            })]
        })
        .collect();
    let ys: Vec<usize> = rows.iter().map(|r| r[64] as usize).collect();
    let mut rng = StdRng::seed_from_u64(1);
    let split = train_val_split(&xs, &ys, 0.2, &mut rng).unwrap();
    let mut model = DigitConv::init(&mut rng);
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })
    .unwrap();
    let mut grads = Grads::<DigitConv>::new();
    let mut train = Train::new(StdRng::seed_from_u64(2));
    let mut loader = DataLoader::new(&split.train_x, &split.train_y, 32).unwrap();
    for _ in 0..EPOCHS {
        let mut epoch = loader.epoch(&mut rng);
        while let Some((bx, by)) = epoch.next_batch() {
            grads.zero_grad();
            let loss_fn = CrossEntropyLoss::new();
            train
                .backward_loss(&mut model, &loss_fn, bx, by, &mut grads)
                .unwrap();
            opt.step(&mut model, &grads);
        }
    }
    // Every training batch went through BatchNorm in training mode.
    let batches = EPOCHS * split.train_x.len().div_ceil(32);
    assert_eq!(model.bn.num_batches_tracked, batches as i64);

    let logits = model.forward_batch(&split.val_x);
    let correct = logits
        .iter()
        .zip(&split.val_y)
        .filter(|(l, y)| (0..10).max_by(|&a, &b| l[a].total_cmp(&l[b])) == Some(**y))
        .count();
    let accuracy = correct as f32 / split.val_x.len() as f32;
    assert!(
        accuracy > 0.9,
        "test accuracy {accuracy} after {EPOCHS} epochs"
    );
}

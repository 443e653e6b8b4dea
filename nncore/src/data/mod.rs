//! Data handling: shuffled mini-batches, a train/validation split and a CSV reader.
//!
//! [`DataLoader`] is PyTorch's `DataLoader(shuffle=True)`: each epoch draws a new order from
//! the caller's seeded RNG. Its buffers are allocated once, so a training step does no heap work.

mod csv;

#[cfg(feature = "std")]
pub use csv::read_csv;
pub use csv::{CsvError, parse_csv};

use alloc::vec::Vec;
use rand::Rng;
use rand::seq::SliceRandom;

use crate::error::Error;
use crate::module::check_len;

/// Mini-batches of `(inputs, targets)` in a new random order each epoch.
///
/// ```
/// # use nncore::data::DataLoader;
/// # use rand::SeedableRng;
/// let xs = [[0.0f32], [1.0], [2.0], [3.0], [4.0]];
/// let ys = [0usize, 1, 0, 1, 0];
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut loader = DataLoader::new(&xs, &ys, 2).unwrap();
/// let mut epoch = loader.epoch(&mut rng);
/// let mut seen = 0;
/// while let Some((batch_x, batch_y)) = epoch.next_batch() {
///     assert_eq!(batch_x.len(), batch_y.len());
///     seen += batch_x.len();
/// }
/// assert_eq!(seen, 5);
/// ```
#[derive(Clone, Debug)]
pub struct DataLoader<'a, X, Y> {
    xs: &'a [X],
    ys: &'a [Y],
    order: Vec<usize>,
    batch_x: Vec<X>,
    batch_y: Vec<Y>,
    batch_size: usize,
}

impl<'a, X: Copy, Y: Copy> DataLoader<'a, X, Y> {
    /// A loader over `xs` and `ys` (one target per input) in batches of `batch_size`; the last
    /// batch of an epoch may be shorter, as with PyTorch's `drop_last=False`.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `ys` has not one entry per input, [`Error::Hyperparameter`]
    /// for a batch size of zero.
    pub fn new(xs: &'a [X], ys: &'a [Y], batch_size: usize) -> Result<Self, Error> {
        check_len("targets", xs.len(), ys.len())?;
        if batch_size == 0 {
            return Err(Error::Hyperparameter {
                name: "batch_size",
                value: 0.0,
                reason: "it must be at least 1",
            });
        }
        let capacity = batch_size.min(xs.len());
        Ok(DataLoader {
            xs,
            ys,
            order: (0..xs.len()).collect(),
            batch_x: Vec::with_capacity(capacity),
            batch_y: Vec::with_capacity(capacity),
            batch_size,
        })
    }

    /// Starts an epoch: shuffles the sample order with `rng` (in place, no allocation).
    pub fn epoch<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Epoch<'_, 'a, X, Y> {
        self.order.shuffle(rng);
        Epoch {
            loader: self,
            next: 0,
        }
    }

    /// The number of batches in an epoch.
    #[must_use]
    pub fn batches(&self) -> usize {
        self.xs.len().div_ceil(self.batch_size)
    }
}

/// One pass over the data; [`Epoch::next_batch`] hands out the batches in turn.
#[derive(Debug)]
pub struct Epoch<'l, 'a, X, Y> {
    loader: &'l mut DataLoader<'a, X, Y>,
    next: usize,
}

impl<X: Copy, Y: Copy> Epoch<'_, '_, X, Y> {
    /// The next batch, copied into the loader's buffers, or `None` at the end of the epoch.
    pub fn next_batch(&mut self) -> Option<(&[X], &[Y])> {
        let loader = &mut *self.loader;
        let end = (self.next + loader.batch_size).min(loader.order.len());
        if self.next >= end {
            return None;
        }
        loader.batch_x.clear();
        loader.batch_y.clear();
        for &i in &loader.order[self.next..end] {
            loader.batch_x.push(loader.xs[i]);
            loader.batch_y.push(loader.ys[i]);
        }
        self.next = end;
        Some((&loader.batch_x, &loader.batch_y))
    }
}

/// Inputs and targets split in two at random: what `torch.utils.data.random_split` gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Split<X, Y> {
    /// The training inputs.
    pub train_x: Vec<X>,
    /// The training targets.
    pub train_y: Vec<Y>,
    /// The validation inputs.
    pub val_x: Vec<X>,
    /// The validation targets.
    pub val_y: Vec<Y>,
}

/// Splits the samples at random, `⌊n · val_fraction⌋` of them for validation and the rest for
/// training (the sizes `random_split(data, [1 - f, f])` gives); the same seed gives the same split.
///
/// # Errors
/// [`Error::BatchLength`] if `ys` has not one entry per input, [`Error::Hyperparameter`]
/// unless `0 ≤ val_fraction ≤ 1`.
pub fn train_val_split<X: Copy, Y: Copy, R: Rng + ?Sized>(
    xs: &[X],
    ys: &[Y],
    val_fraction: f32,
    rng: &mut R,
) -> Result<Split<X, Y>, Error> {
    check_len("targets", xs.len(), ys.len())?;
    if !(0.0..=1.0).contains(&val_fraction) {
        return Err(Error::Hyperparameter {
            name: "validation fraction",
            value: val_fraction,
            reason: "it must be between 0.0 and 1.0",
        });
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.shuffle(rng);
    let val_len = (xs.len() as f64 * f64::from(val_fraction)) as usize;
    let (train, val) = order.split_at(xs.len() - val_len);
    let pick_x = |idx: &[usize]| idx.iter().map(|&i| xs[i]).collect();
    let pick_y = |idx: &[usize]| idx.iter().map(|&i| ys[i]).collect();
    Ok(Split {
        train_x: pick_x(train),
        train_y: pick_y(train),
        val_x: pick_x(val),
        val_y: pick_y(val),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn epoch_order(loader: &mut DataLoader<'_, [f32; 1], usize>, rng: &mut StdRng) -> Vec<usize> {
        let mut epoch = loader.epoch(rng);
        let mut order = Vec::new();
        let mut sizes = Vec::new();
        while let Some((xs, ys)) = epoch.next_batch() {
            sizes.push(xs.len());
            for (x, &y) in xs.iter().zip(ys) {
                assert_eq!(x[0] as usize, y, "inputs and targets stay paired");
                order.push(y);
            }
        }
        assert_eq!(sizes, [4, 4, 2]);
        order
    }

    #[test]
    fn every_sample_once_per_epoch_in_a_seeded_order() {
        let xs: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
        let ys: Vec<usize> = (0..10).collect();
        let mut loader = DataLoader::new(&xs, &ys, 4).unwrap();
        assert_eq!(loader.batches(), 3);
        let mut rng = StdRng::seed_from_u64(7);
        let first = epoch_order(&mut loader, &mut rng);
        let second = epoch_order(&mut loader, &mut rng);
        for order in [&first, &second] {
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, ys);
        }
        assert_ne!(first, second, "a new order each epoch");
        let mut again = DataLoader::new(&xs, &ys, 4).unwrap();
        assert_eq!(
            epoch_order(&mut again, &mut StdRng::seed_from_u64(7)),
            first
        );
        assert!(DataLoader::new(&xs, &ys[..3], 4).is_err());
        assert!(DataLoader::new(&xs, &ys, 0).is_err());
    }

    #[test]
    fn split_sizes_and_seeds() {
        let xs: Vec<u32> = (0..1797).collect();
        let split =
            |seed| train_val_split(&xs, &xs, 0.2, &mut StdRng::seed_from_u64(seed)).unwrap();
        let a = split(1);
        assert_eq!((a.train_x.len(), a.val_x.len()), (1438, 359));
        assert_eq!(
            (a.train_x.clone(), a.val_x.clone()),
            (a.train_y.clone(), a.val_y.clone())
        );
        let mut all: Vec<u32> = a.train_x.iter().chain(&a.val_x).copied().collect();
        all.sort_unstable();
        assert_eq!(all, xs);
        assert_eq!(split(1), a);
        assert_ne!(split(2).val_x, a.val_x);
        assert!(train_val_split(&xs, &xs, 1.5, &mut StdRng::seed_from_u64(0)).is_err());
    }
}

//! Training mode (PyTorch's `model.train()`): BatchNorm normalizes by each batch's statistics
//! and updates its running ones, Dropout zeroes inputs at random.
//!
//! Evaluation mode needs nothing: it is what [`Model`]'s methods compute. Training mode is a
//! value you hold, a [`Train`], which owns the random generator Dropout draws from and the
//! buffers a batch's activations need; it runs a model a whole batch, layer after layer, since
//! BatchNorm couples the samples of a batch.

use alloc::vec::Vec;

use crate::error::Error;
use crate::grads::Grads;
use crate::loss::Loss;
use crate::module::Model;
use crate::module::check_len;
use crate::tensor::Tensor;

/// A model that runs in training mode; written by `sequential!` for every model.
///
/// Its methods take a workspace of [`TrainModel::workspace_len`] floats, which [`Train`]
/// provides; call them through [`Train`].
pub trait TrainModel<X: Tensor, Y: Tensor>: Model<X, Y> {
    /// The floats of workspace a batch of `batch` samples needs: every activation, two
    /// gradient buffers, and the layers' caches.
    #[must_use]
    fn workspace_len(batch: usize) -> usize;

    /// The training-mode forward of a batch into `out` (which has one row per sample), updating
    /// BatchNorm's running statistics.
    fn forward_train<R: rand::Rng + ?Sized>(
        &mut self,
        xs: &[X],
        out: &mut [Y],
        workspace: &mut [f32],
        rng: &mut R,
    );

    /// The training-mode forward of a batch, then the backward from the output gradients that
    /// `loss_grad(b, y)` gives for sample `b`; adds the parameter gradients into `grads`.
    fn backward_train<R: rand::Rng + ?Sized>(
        &mut self,
        xs: &[X],
        grads: &mut Self,
        workspace: &mut [f32],
        rng: &mut R,
        loss_grad: impl FnMut(usize, &Y) -> Y,
    );
}

/// A workspace of `len` zeros. On Linux, the whole 2 MiB pages of a large one are first asked
/// to be huge pages (`madvise(MADV_HUGEPAGE)`; the kernel grants them where transparent huge
/// pages are `always` or `madvise`): a batch's passes sweep megabytes of
/// activations, and on 4 KiB pages the address translations' misses make the reference models'
/// training steps on 32 samples 11–12% longer (`benches/reference.rs`).
fn workspace(len: usize) -> Vec<f32> {
    let mut fresh = Vec::with_capacity(len);
    #[cfg(all(feature = "std", target_os = "linux"))]
    huge_pages(fresh.spare_capacity_mut());
    fresh.resize(len, 0.0);
    fresh
}

/// Asks the kernel to back the whole 2 MiB pages inside `buffer`, not yet written, with huge
/// pages.
#[cfg(all(feature = "std", target_os = "linux"))]
fn huge_pages(buffer: &mut [core::mem::MaybeUninit<f32>]) {
    const HUGE: usize = 2 << 20;
    let start = buffer.as_mut_ptr() as usize;
    let (first, end) = (start.next_multiple_of(HUGE), start + size_of_val(buffer));
    if first + HUGE <= end {
        let len = (end - first) / HUGE * HUGE;
        // SAFETY: the range lies inside `buffer`, which this allocation owns, and starts on a
        // page. The advice changes how its pages are backed, never their contents; an error
        // (a kernel without transparent huge pages) leaves the buffer as it was.
        unsafe { libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    }
}

/// Training mode: runs models as `model.train()` does in PyTorch.
///
/// ```
/// # use nncore::prelude::*;
/// # use rand::SeedableRng;
/// nncore::sequential! {
///     pub struct Net { fc: Linear(4, 8), act: ReLU, out: Linear(8, 2) }
/// }
/// let mut model = Net::init(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let mut grads = nncore::Grads::<Net>::new();
/// let mut train = nncore::Train::new(rand::rngs::StdRng::seed_from_u64(1));
/// let xs = [[0.5, -1.0, 2.0, 0.0]; 3];
/// let loss = train.backward_loss(&mut model, &nncore::MSELoss::new(), &xs, &[[1.0, 0.0]; 3], &mut grads)?;
/// assert!(loss.is_finite());
/// # Ok::<(), nncore::Error>(())
/// ```
#[derive(Debug)]
pub struct Train<R> {
    rng: R,
    workspace: Vec<f32>,
}

impl<R: rand::Rng> Train<R> {
    /// Training mode whose Dropout masks come from `rng`: the same seed gives the same masks.
    pub fn new(rng: R) -> Self {
        Train {
            rng,
            workspace: Vec::new(),
        }
    }

    /// The random generator Dropout draws from.
    pub fn rng(&mut self) -> &mut R {
        &mut self.rng
    }

    /// Makes room for a batch of `batch` samples of `M` now, so that later calls with batches
    /// up to that size allocate nothing.
    pub fn reserve<M: TrainModel<X, Y>, X: Tensor, Y: Tensor>(&mut self, batch: usize) {
        let len = M::workspace_len(batch);
        if self.workspace.len() < len {
            self.workspace = workspace(len);
        }
    }

    /// `model(xs)` in training mode, into `out`: BatchNorm normalizes by the batch's
    /// statistics and updates its running statistics, as PyTorch's forward does.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `out` has not one row per sample; the model is then unchanged.
    pub fn forward_into<M: TrainModel<X, Y>, X: Tensor, Y: Tensor>(
        &mut self,
        model: &mut M,
        xs: &[X],
        out: &mut [Y],
    ) -> Result<(), Error> {
        check_len("output", xs.len(), out.len())?;
        self.reserve::<M, X, Y>(xs.len());
        model.forward_train(xs, out, &mut self.workspace, &mut self.rng);
        Ok(())
    }

    /// `loss_fn(model(xs), targets).backward()` in training mode: adds the batch's gradients
    /// into `grads` and returns the loss. BatchNorm's running statistics are updated, as by
    /// PyTorch's forward.
    ///
    /// # Errors
    /// As [`Model::backward_loss`]; on error neither `model` nor `grads` has changed.
    pub fn backward_loss<M: TrainModel<X, Y>, X: Tensor, Y: Tensor, L: Loss<Y>>(
        &mut self,
        model: &mut M,
        loss_fn: &L,
        xs: &[X],
        targets: &[L::Target],
        grads: &mut Grads<M>,
    ) -> Result<f32, Error> {
        let scale = loss_fn.scale(xs.len(), targets.len())?;
        for (sample, target) in targets.iter().enumerate() {
            loss_fn.check_target(sample, target)?;
        }
        self.reserve::<M, X, Y>(xs.len());
        let mut total = 0.0;
        model.backward_train(xs, grads, &mut self.workspace, &mut self.rng, |b, y| {
            total += loss_fn.sample_loss(y, &targets[b]);
            loss_fn.sample_grad(y, &targets[b], scale)
        });
        Ok(loss_fn.reduce(total, xs.len()))
    }

    /// Adds the gradients of a batch into `grads` in training mode, given the loss's gradient
    /// `dys` with respect to each training-mode output.
    ///
    /// This runs the training-mode forward again: BatchNorm's running statistics take this
    /// batch a second time after a [`Train::forward_into`] of it, and Dropout draws new masks.
    /// [`Train::backward_loss`] does the forward once, and is what a training loop wants.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `dys` has not one row per sample; nothing has changed then.
    pub fn backward<M: TrainModel<X, Y>, X: Tensor, Y: Tensor>(
        &mut self,
        model: &mut M,
        xs: &[X],
        dys: &[Y],
        grads: &mut Grads<M>,
    ) -> Result<(), Error> {
        check_len("output gradients", xs.len(), dys.len())?;
        self.reserve::<M, X, Y>(xs.len());
        model.backward_train(xs, grads, &mut self.workspace, &mut self.rng, |b, _| dys[b]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::workspace;

    #[test]
    fn workspaces_are_zeros_of_their_length() {
        // None, less than a huge page, and a few of them with floats to spare on either side.
        for len in [0, 1, (2 << 20) / 4 - 1, 3 * (2 << 20) / 4 + 5] {
            let w = workspace(len);
            assert_eq!(w.len(), len);
            assert!(w.iter().all(|&v| v.to_bits() == 0), "{len}");
        }
    }
}

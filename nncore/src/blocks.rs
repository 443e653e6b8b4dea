//! The evaluation-mode batch paths of generated models: a batch cut into blocks of samples
//! whose activations fit on the stack, each block run through every layer's batch form.

use crate::module::check_len;
use crate::{Error, Grads, Loss, Tensor};

/// A model's passes over one block of at most `B` samples; written by `sequential!`.
pub trait Blocked<X: Tensor, Y: Tensor>: Sized {
    /// Writes the outputs of the samples `xs` (at most `B`) into `out`.
    fn forward_block<const B: usize>(&self, xs: &[X], out: &mut [Y]);

    /// Adds the parameter gradients of the samples `xs` (at most `B`) into `grads` and writes
    /// their input gradients into `dxs`, each where given, asking `loss_grad(b, y)` for the
    /// output gradient of sample `b` given its output `y`.
    fn backward_block<const B: usize>(
        &self,
        xs: &[X],
        grads: Option<&mut Self>,
        loss_grad: impl FnMut(usize, &Y) -> Y,
        dxs: Option<&mut [X]>,
    );
}

/// `a + b`, one sample: a residual connection.
#[inline]
#[must_use]
pub fn add<T: Tensor>(a: &T, b: &T) -> T {
    let mut sum = *a;
    add_assign(&mut sum, b);
    sum
}

/// `acc += g`, one sample: a second gradient reaching a value.
#[inline]
pub fn add_assign<T: Tensor>(acc: &mut T, g: &T) {
    for (acc, g) in acc.flat_mut().iter_mut().zip(g.flat()) {
        *acc += g;
    }
}

/// `out = a + b` over a batch.
#[inline]
pub fn add_batch<T: Tensor>(a: &[T], b: &[T], out: &mut [T]) {
    let values = T::flat_batch(a).iter().zip(T::flat_batch(b));
    for (out, (a, b)) in T::flat_batch_mut(out).iter_mut().zip(values) {
        *out = a + b;
    }
}

/// `acc += g` over a batch.
#[inline]
pub fn add_assign_batch<T: Tensor>(acc: &mut [T], g: &[T]) {
    for (acc, g) in T::flat_batch_mut(acc).iter_mut().zip(T::flat_batch(g)) {
        *acc += g;
    }
}

/// A model's `Layer::backward_batch` in blocks of `BLOCK`: the output gradients `dys` given,
/// parameter gradients into `grads` and input gradients into `dxs` where given.
#[inline]
pub fn backward_layer_blocks<const BLOCK: usize, M: Blocked<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    dys: &[Y],
    mut grads: Option<&mut M>,
    mut dxs: Option<&mut [X]>,
) {
    for (i, block) in xs.chunks(BLOCK).enumerate() {
        let start = i * BLOCK;
        let dx = dxs
            .as_deref_mut()
            .map(|dxs| &mut dxs[start..start + block.len()]);
        model.backward_block::<BLOCK>(block, grads.as_deref_mut(), |b, _| dys[start + b], dx);
    }
}

/// The output gradients of a block's samples `ys`, from `loss_grad`, into `dys`.
#[inline(always)]
pub fn output_grads<Y: Tensor>(ys: &[Y], dys: &mut [Y], mut loss_grad: impl FnMut(usize, &Y) -> Y) {
    for (b, (y, dy)) in ys.iter().zip(dys).enumerate() {
        *dy = loss_grad(b, y);
    }
}

/// [`Model::forward_into`](crate::Model::forward_into) in blocks of `BLOCK`.
///
/// # Errors
/// [`Error::BatchLength`] if `out` has not one row per sample.
#[inline]
pub fn forward_blocks<const BLOCK: usize, M: Blocked<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    out: &mut [Y],
) -> Result<(), Error> {
    check_len("output", xs.len(), out.len())?;
    for (x, y) in xs.chunks(BLOCK).zip(out.chunks_mut(BLOCK)) {
        model.forward_block::<BLOCK>(x, y);
    }
    Ok(())
}

/// Runs `backward_block` over a batch in blocks of `BLOCK`, the last one shorter.
/// `loss_grad(i, y)` gets the sample's index in the whole batch.
#[inline]
fn run_backward<const BLOCK: usize, M: Blocked<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    grads: &mut M,
    mut loss_grad: impl FnMut(usize, &Y) -> Y,
) {
    for (i, block) in xs.chunks(BLOCK).enumerate() {
        let start = i * BLOCK;
        model.backward_block::<BLOCK>(
            block,
            Some(&mut *grads),
            |b, y| loss_grad(start + b, y),
            None,
        );
    }
}

/// [`Model::backward`](crate::Model::backward) in blocks of `BLOCK`.
///
/// # Errors
/// [`Error::BatchLength`] if `dys` has not one row per sample; `grads` is then unchanged.
#[inline]
pub fn backward_blocks<const BLOCK: usize, M: Blocked<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    dys: &[Y],
    grads: &mut Grads<M>,
) -> Result<(), Error> {
    check_len("output gradients", xs.len(), dys.len())?;
    run_backward::<BLOCK, M, X, Y>(model, xs, grads, |i, _| dys[i]);
    Ok(())
}

/// [`Model::backward_loss`](crate::Model::backward_loss) in blocks of `BLOCK`: one forward
/// pass gives both the loss and the gradients.
///
/// # Errors
/// As [`Model::backward_loss`](crate::Model::backward_loss); `grads` is then unchanged.
#[inline]
pub fn backward_loss_blocks<
    const BLOCK: usize,
    M: Blocked<X, Y>,
    L: Loss<Y>,
    X: Tensor,
    Y: Tensor,
>(
    model: &M,
    loss_fn: &L,
    xs: &[X],
    targets: &[L::Target],
    grads: &mut Grads<M>,
) -> Result<f32, Error> {
    let scale = loss_fn.scale(xs.len(), targets.len())?;
    for (sample, target) in targets.iter().enumerate() {
        loss_fn.check_target(sample, target)?;
    }
    let mut total = 0.0;
    run_backward::<BLOCK, M, X, Y>(model, xs, grads, |i, y| {
        total += loss_fn.sample_loss(y, &targets[i]);
        loss_fn.sample_grad(y, &targets[i], scale)
    });
    Ok(loss_fn.reduce(total, xs.len()))
}

//! The batch paths of generated models: a batch cut into blocks of samples stored
//! feature-major, so that every layer's loop over the samples of a block vectorizes.

use crate::module::check_len;
use crate::{Error, Grads, Loss};

/// A model's passes over one block of at most `B` samples; written by `sequential!`.
pub trait Blocked<const IN: usize, const OUT: usize>: Sized {
    /// Writes the outputs of the samples `xs` (at most `B`) into `out`.
    fn forward_block<const B: usize>(&self, xs: &[[f32; IN]], out: &mut [[f32; OUT]]);

    /// Adds the parameter gradients of the samples `xs` (at most `B`) into `grads`, asking
    /// `loss_grad(b, y)` for the output gradient of sample `b` given its output `y`.
    fn backward_block<const B: usize>(
        &self,
        xs: &[[f32; IN]],
        grads: &mut Self,
        loss_grad: impl FnMut(usize, &[f32; OUT]) -> [f32; OUT],
    );
}

/// The samples `xs` (at most `B`) as a feature-major block, zero past the last.
#[inline(always)]
#[must_use]
pub fn gather<const B: usize, const N: usize>(xs: &[[f32; N]]) -> [[f32; B]; N] {
    let mut block = [[0.0; B]; N];
    for (b, x) in xs.iter().enumerate().take(B) {
        for (row, &v) in block.iter_mut().zip(x) {
            row[b] = v;
        }
    }
    block
}

/// Writes the first `out.len()` samples of a feature-major block into `out`.
#[inline(always)]
pub fn scatter<const B: usize, const N: usize>(block: &[[f32; B]; N], out: &mut [[f32; N]]) {
    for (b, y) in out.iter_mut().enumerate().take(B) {
        for (v, row) in y.iter_mut().zip(block) {
            *v = row[b];
        }
    }
}

/// The output gradients of a block's first `len` samples, from `loss_grad`; zero past them.
#[inline(always)]
#[must_use]
pub fn output_grads<const B: usize, const N: usize>(
    y: &[[f32; B]; N],
    len: usize,
    mut loss_grad: impl FnMut(usize, &[f32; N]) -> [f32; N],
) -> [[f32; B]; N] {
    let mut dy = [[0.0; B]; N];
    for b in 0..len.min(B) {
        let d = loss_grad(b, &core::array::from_fn(|o| y[o][b]));
        for (row, &v) in dy.iter_mut().zip(&d) {
            row[b] = v;
        }
    }
    dy
}

/// [`Model::forward_into`](crate::Model::forward_into) in blocks of `BLOCK`.
///
/// # Errors
/// [`Error::BatchLength`] if `out` has not one row per sample.
#[inline]
pub fn forward_blocks<
    const BLOCK: usize,
    M: Blocked<IN, OUT>,
    const IN: usize,
    const OUT: usize,
>(
    model: &M,
    xs: &[[f32; IN]],
    out: &mut [[f32; OUT]],
) -> Result<(), Error> {
    check_len("output", xs.len(), out.len())?;
    let full = xs.len() / BLOCK * BLOCK;
    let (head, tail) = xs.split_at(full);
    let (out_head, out_tail) = out.split_at_mut(full);
    for (x, y) in head
        .chunks_exact(BLOCK)
        .zip(out_head.chunks_exact_mut(BLOCK))
    {
        model.forward_block::<BLOCK>(x, y);
    }
    for (x, y) in tail.chunks(1).zip(out_tail.chunks_mut(1)) {
        model.forward_block::<1>(x, y);
    }
    Ok(())
}

/// Runs `backward_block` over a batch: full blocks of `BLOCK`, then the rest one at a time.
/// `loss_grad(i, y)` gets the sample's index in the whole batch.
#[inline]
fn run_backward<const BLOCK: usize, M: Blocked<IN, OUT>, const IN: usize, const OUT: usize>(
    model: &M,
    xs: &[[f32; IN]],
    grads: &mut M,
    mut loss_grad: impl FnMut(usize, &[f32; OUT]) -> [f32; OUT],
) {
    let full = xs.len() / BLOCK * BLOCK;
    let mut start = 0;
    while start < full {
        let block = &xs[start..start + BLOCK];
        model.backward_block::<BLOCK>(block, grads, |b, y| loss_grad(start + b, y));
        start += BLOCK;
    }
    while start < xs.len() {
        let block = &xs[start..=start];
        model.backward_block::<1>(block, grads, |_, y| loss_grad(start, y));
        start += 1;
    }
}

/// [`Model::backward`](crate::Model::backward) in blocks of `BLOCK`.
///
/// # Errors
/// [`Error::BatchLength`] if `dys` has not one row per sample; `grads` is then unchanged.
#[inline]
pub fn backward_blocks<
    const BLOCK: usize,
    M: Blocked<IN, OUT>,
    const IN: usize,
    const OUT: usize,
>(
    model: &M,
    xs: &[[f32; IN]],
    dys: &[[f32; OUT]],
    grads: &mut Grads<M>,
) -> Result<(), Error> {
    check_len("output gradients", xs.len(), dys.len())?;
    run_backward::<BLOCK, M, IN, OUT>(model, xs, grads, |i, _| dys[i]);
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
    M: Blocked<IN, OUT>,
    L: Loss<OUT>,
    const IN: usize,
    const OUT: usize,
>(
    model: &M,
    loss_fn: &L,
    xs: &[[f32; IN]],
    targets: &[L::Target],
    grads: &mut Grads<M>,
) -> Result<f32, Error> {
    let scale = loss_fn.scale(xs.len(), targets.len())?;
    for (sample, target) in targets.iter().enumerate() {
        loss_fn.check_target(sample, target)?;
    }
    let mut total = 0.0;
    run_backward::<BLOCK, M, IN, OUT>(model, xs, grads, |i, y| {
        total += loss_fn.sample_loss(y, &targets[i]);
        loss_fn.sample_grad(y, &targets[i], scale)
    });
    Ok(loss_fn.reduce(total, xs.len()))
}

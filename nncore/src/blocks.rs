//! The evaluation-mode batch paths of generated models: a batch run layer by layer through
//! every layer's batch form, whole in one heap workspace, or in blocks of samples whose
//! activations fit on the stack (a short batch, or a build without a heap).

use crate::error::Error;
use crate::grads::Grads;
use crate::loss::Loss;
use crate::module::check_len;
use crate::tensor::Tensor;

/// A generated model's passes, which the drivers below run over a batch: the planned forward
/// in an arena, and the forward and backward over a workspace that keeps every value.
pub trait Passes<X: Tensor, Y: Tensor>: Sized {
    /// Floats per sample of the inference arena ([`Passes::forward_in`]).
    const ARENA: usize;
    /// Floats per sample of the workspace of an evaluation-mode backward.
    const EVAL_WS: usize;

    /// Writes the outputs of `xs` into `out`, every value in `arena` (or, until the outputs
    /// are written, in `out`) as planned; `arena` has `ARENA` floats per sample.
    fn forward_in(&self, xs: &[X], out: &mut [Y], arena: &mut [f32]);

    /// The evaluation-mode forward of `xs`, every value left in `workspace` for
    /// [`Passes::backward_ws`].
    fn eval_forward(&self, xs: &[X], workspace: &mut [f32]);

    /// The backward of the forward that left its values in `workspace` (training mode if
    /// `train`): parameter gradients into `grads`, input gradients into `dxs`, each where given,
    /// the output gradient of sample `b` from `loss_grad(b, y)`. With `outputs`, the outputs
    /// and their gradients are the caller's (a model nested in another, whose training forward
    /// wrote its outputs there and not in `workspace`), read in place.
    #[allow(clippy::too_many_arguments)]
    fn backward_ws(
        &self,
        xs: &[X],
        workspace: &mut [f32],
        grads: Option<&mut Self>,
        loss_grad: impl FnMut(usize, &Y) -> Y,
        dxs: Option<&mut [X]>,
        outputs: Option<(&[Y], &[Y])>,
        train: bool,
    );
}

/// The most bytes of arena a forward on the heap runs at once: a longer batch runs in chunks
/// of as many samples as fit (one at least), so that the values one layer writes are still in
/// the core's L2 cache when the next reads them.
#[cfg(feature = "alloc")]
const FORWARD_CHUNK_BYTES: usize = 1 << 20;

/// The most samples a heap workspace of the backward holds at once.
#[cfg(feature = "alloc")]
const HEAP_CHUNK: usize = 128;

/// The fewest samples a stack block of the backward holds before the heap, where there is one,
/// is worth its allocation: below it the layers' batch kernels see too few samples at once.
#[cfg(feature = "alloc")]
const MIN_STACK_BLOCK: usize = 8;

/// Runs `f` on chunks of `xs` with a zeroed buffer of `A` floats for each sample of the chunk.
/// A batch that fits a stack block of `B` samples runs there. A longer one, with `alloc`, runs
/// in one workspace on the heap: if `WHOLE`, in chunks of 1 MiB of arena (all of it if it
/// fits), so the kernels see as many samples at once as the L2 cache holds; else in blocks of
/// `B` on the stack, or chunks of up to 128 on the heap if fewer than 8 samples fit the stack.
/// Without `alloc`, blocks of `B` samples (one at least) on the stack.
///
/// The forward runs in large chunks: its dense kernels transpose each weight panel once a chunk
/// (W6, batch of 512: 2.91 ms whole, 3.90 ms in blocks of 32), while a convolution's values
/// leave the cache past a few samples (W9, batch of 32: about 4.4 ms whole, 3.0 ms in chunks
/// of 8). The backward keeps to blocks, whose values stay in the L2 cache (9.0 ms in blocks,
/// 9.3 ms whole).
#[inline]
fn chunked<const A: usize, const B: usize, const WHOLE: bool, X>(
    xs: &[X],
    f: impl FnMut(usize, &[X], &mut [f32]),
) {
    if xs.is_empty() {
        return;
    }
    #[cfg(feature = "alloc")]
    if xs.len() > B && (WHOLE || B < MIN_STACK_BLOCK) {
        let most = if WHOLE {
            FORWARD_CHUNK_BYTES / (A * core::mem::size_of::<f32>()).max(1)
        } else {
            HEAP_CHUNK
        };
        let size = xs.len().min(most.max(1));
        // Room to start on a cache line, as the stack's buffer does.
        let mut heap = alloc::vec![0.0f32; size * A + 15];
        let skip = heap.as_ptr().align_offset(64).min(15);
        let mut f = f;
        for (i, chunk) in xs.chunks(size).enumerate() {
            f(i * size, chunk, &mut heap[skip..skip + chunk.len() * A]);
        }
        return;
    }
    // A short batch clears only the buffer it needs.
    match xs.len() {
        1 => on_stack::<A, 1, X>(xs, f),
        2..=4 if B >= 4 => on_stack::<A, 4, X>(xs, f),
        5..=16 if B >= 16 => on_stack::<A, 16, X>(xs, f),
        _ if B > 0 => on_stack::<A, B, X>(xs, f),
        _ => on_stack::<A, 1, X>(xs, f),
    }
}

/// A buffer on a cache line (a 64-byte boundary), where the arena's planned values start.
#[repr(align(64))]
struct Aligned<T>(T);

/// [`chunked`] with the buffer on the stack, `B` samples at a time; a frame of its own for
/// each `B`.
#[inline(never)]
fn on_stack<const A: usize, const B: usize, X>(
    xs: &[X],
    mut f: impl FnMut(usize, &[X], &mut [f32]),
) {
    let mut buffer = Aligned([[0.0f32; A]; B]);
    let buffer = buffer.0.as_flattened_mut();
    for (i, chunk) in xs.chunks(B).enumerate() {
        f(i * B, chunk, &mut buffer[..chunk.len() * A]);
    }
}

/// Checks the lengths given to a model's `forward_in`: one output per sample, and an arena of
/// `ARENA` floats a sample.
///
/// # Errors
/// [`Error::BatchLength`] or [`Error::Arena`].
pub fn check_arena<M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    samples: usize,
    outputs: usize,
    found: usize,
) -> Result<(), Error> {
    check_len("output", samples, outputs)?;
    let needed = samples * M::ARENA;
    if found < needed {
        return Err(Error::Arena {
            samples,
            per_sample: M::ARENA,
            needed,
            found,
        });
    }
    Ok(())
}

/// [`Model::forward_into`](crate::Model::forward_into): an arena of `A` floats a sample, for
/// chunks of 1 MiB of arenas on the heap or blocks of `B` samples on the stack.
///
/// # Errors
/// [`Error::BatchLength`] if `out` has not one row per sample.
#[inline]
pub fn forward_blocks<const A: usize, const B: usize, M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    out: &mut [Y],
) -> Result<(), Error> {
    check_len("output", xs.len(), out.len())?;
    chunked::<A, B, true, X>(xs, |start, chunk, arena| {
        model.forward_in(chunk, &mut out[start..start + chunk.len()], arena);
    });
    Ok(())
}

/// One sample's output, its arena on the stack (or the heap, past the stack's budget).
#[inline]
pub fn forward_one<const A: usize, const B: usize, M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    x: &X,
) -> Y {
    let mut y = Y::ZERO;
    let run = |_: usize, chunk: &[X], arena: &mut [f32]| {
        model.forward_in(chunk, core::slice::from_mut(&mut y), arena);
    };
    // One sample: a block of one, so that only its own arena is cleared.
    if B > 0 {
        on_stack::<A, 1, X>(core::slice::from_ref(x), run);
    } else {
        chunked::<A, 0, true, X>(core::slice::from_ref(x), run);
    }
    y
}

/// The evaluation-mode backward of a batch in blocks of `B` samples with a workspace of `W`
/// floats each: parameter gradients into `grads`, input gradients into `dxs`, each where given.
#[inline]
pub fn eval_backward<const W: usize, const B: usize, M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    mut grads: Option<&mut M>,
    mut loss_grad: impl FnMut(usize, &Y) -> Y,
    mut dxs: Option<&mut [X]>,
) {
    chunked::<W, B, false, X>(xs, |start, chunk, workspace| {
        model.eval_forward(chunk, workspace);
        let dx = dxs
            .as_deref_mut()
            .map(|dxs| &mut dxs[start..start + chunk.len()]);
        let grads = grads.as_deref_mut();
        model.backward_ws(
            chunk,
            workspace,
            grads,
            |b, y| loss_grad(start + b, y),
            dx,
            None,
            false,
        );
    });
}

/// [`Model::backward`](crate::Model::backward).
///
/// # Errors
/// [`Error::BatchLength`] if `dys` has not one row per sample; `grads` is then unchanged.
#[inline]
pub fn backward_blocks<const W: usize, const B: usize, M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    xs: &[X],
    dys: &[Y],
    grads: &mut Grads<M>,
) -> Result<(), Error> {
    check_len("output gradients", xs.len(), dys.len())?;
    eval_backward::<W, B, M, X, Y>(model, xs, Some(&mut **grads), |i, _| dys[i], None);
    Ok(())
}

/// [`Model::backward_loss`](crate::Model::backward_loss): one forward pass gives both the loss
/// and the gradients.
///
/// # Errors
/// As [`Model::backward_loss`](crate::Model::backward_loss); `grads` is then unchanged.
#[inline]
pub fn backward_loss_blocks<
    const W: usize,
    const B: usize,
    M: Passes<X, Y>,
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
    eval_backward::<W, B, M, X, Y>(
        model,
        xs,
        Some(&mut **grads),
        |i, y| {
            total += loss_fn.sample_loss(y, &targets[i]);
            loss_fn.sample_grad(y, &targets[i], scale)
        },
        None,
    );
    Ok(loss_fn.reduce(total, xs.len()))
}

/// [`Model::backward_sample`](crate::Model::backward_sample).
#[inline]
pub fn backward_one<const W: usize, const B: usize, M: Passes<X, Y>, X: Tensor, Y: Tensor>(
    model: &M,
    x: &X,
    grads: &mut M,
    loss_grad: impl FnOnce(&Y) -> Y,
) {
    let mut loss_grad = Some(loss_grad);
    let once = |_: usize, y: &Y| loss_grad.take().map_or(Y::ZERO, |f| f(y));
    let x = core::slice::from_ref(x);
    if B > 0 {
        eval_backward::<W, 1, M, X, Y>(model, x, Some(grads), once, None);
    } else {
        eval_backward::<W, 0, M, X, Y>(model, x, Some(grads), once, None);
    }
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
    let (a, b, out) = (T::flat_batch(a), T::flat_batch(b), T::flat_batch_mut(out));
    let n = a.len().min(b.len()).min(out.len());
    crate::kernels::elementwise(&mut out[..n], 1, |start, out| {
        let end = start + out.len();
        for (out, (a, b)) in out.iter_mut().zip(a[start..end].iter().zip(&b[start..end])) {
            *out = a + b;
        }
    });
}

/// `out = relu(a + b)` over a batch, in one pass: the bits of [`add_batch`] then `ReLU`'s
/// forward, whose value it computes.
#[inline]
pub fn add_relu_batch<T: Tensor>(a: &[T], b: &[T], out: &mut [T]) {
    use crate::layers::activation::elementwise::Elementwise;
    let (a, b, out) = (T::flat_batch(a), T::flat_batch(b), T::flat_batch_mut(out));
    let n = a.len().min(b.len()).min(out.len());
    crate::kernels::elementwise(&mut out[..n], 1, |start, out| {
        let end = start + out.len();
        for (out, (a, b)) in out.iter_mut().zip(a[start..end].iter().zip(&b[start..end])) {
            *out = crate::ReLU.value(a + b);
        }
    });
}

/// `acc += g` over a batch.
#[inline]
pub fn add_assign_batch<T: Tensor>(acc: &mut [T], g: &[T]) {
    let (acc, g) = (T::flat_batch_mut(acc), T::flat_batch(g));
    let n = acc.len().min(g.len());
    crate::kernels::elementwise(&mut acc[..n], 1, |start, acc| {
        let g = &g[start..start + acc.len()];
        for (acc, g) in acc.iter_mut().zip(g) {
            *acc += g;
        }
    });
}

/// `dst = src` over a batch: the gradient of a sum, passed to each of its inputs.
#[inline]
pub fn copy_batch<T: Tensor>(dst: &mut [T], src: &[T]) {
    let (dst, src) = (T::flat_batch_mut(dst), T::flat_batch(src));
    let n = dst.len().min(src.len());
    crate::kernels::elementwise(&mut dst[..n], 1, |start, dst| {
        dst.copy_from_slice(&src[start..start + dst.len()]);
    });
}

/// The output gradients of a block's samples `ys`, from `loss_grad`, into `dys`.
#[inline(always)]
pub fn output_grads<Y: Tensor>(ys: &[Y], dys: &mut [Y], mut loss_grad: impl FnMut(usize, &Y) -> Y) {
    for (b, (y, dy)) in ys.iter().zip(dys).enumerate() {
        *dy = loss_grad(b, y);
    }
}

/// Splits the first `len` floats off `workspace`, for generated code carving its buffers.
#[inline]
#[must_use]
pub fn take<'a>(workspace: &mut &'a mut [f32], len: usize) -> &'a mut [f32] {
    let (head, tail) = core::mem::take(workspace).split_at_mut(len);
    *workspace = tail;
    head
}

//! The traits every layer and every generated model implement.

use crate::error::Error;
use crate::grads::Grads;
use crate::loss::Loss;
use crate::state::{Buffer, BufferMut, Name, Param, ParamMut};
use crate::tensor::Tensor;

/// Something that holds parameters: a layer, or a model made of layers.
///
/// Parameters come in PyTorch's order (`named_parameters()`), the order `state_dict` keys take;
/// buffers (`named_buffers()`) follow the same order of layers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model or a layer",
    label = "not a model or a layer",
    note = "models are declared with `nncore::sequential!`"
)]
pub trait Module: Sized {
    /// The number of scalar parameters (`sum(p.numel() for p in model.parameters())`).
    const NUM_PARAMS: usize;

    /// The number of buffer values (BatchNorm's running statistics and batch count).
    const NUM_BUFFERS: usize = 0;

    /// The bytes the parameters take: `NUM_PARAMS` `f32`s.
    const PARAM_BYTES: usize = Self::NUM_PARAMS * core::mem::size_of::<f32>();

    /// Multiply-adds in one sample's forward pass: `IN × OUT` a `Linear`, summed over a model;
    /// 0 for the elementwise activations.
    const MULTIPLY_ADDS: usize = 0;

    /// The bytes of activations one sample's inference needs: every value of the forward pass
    /// placed in one arena, a value's space reused once no later layer reads it
    /// (`sequential!` plans it when the crate compiles). 0 for a layer.
    const ARENA_BYTES: usize = 0;

    /// The bytes of workspace one sample of a training batch needs: every activation kept for
    /// the backward, the gradients and the layers' caches (BatchNorm adds a fixed `8·C` bytes a
    /// batch). 0 for a layer.
    const TRAIN_BYTES: usize = 0;

    /// The widest sample a model's forward pass holds (its input, its output or a hidden
    /// activation), in floats: the scratch a one-buffer inference needs. 0 for a layer, whose
    /// widths are set by the model around it.
    const MAX_WIDTH: usize = 0;

    /// The same structure with every parameter zero (the starting point of gradients), and
    /// each layer's settings (a slope, a stride) as built.
    #[must_use]
    fn zeros() -> Self;

    /// [`Module::zeros`] on the heap. Generated models and the layers with large arrays (`Linear`,
    /// the convolutions) allocate it zeroed, so that a model of millions of parameters never
    /// passes through the stack.
    #[cfg(feature = "alloc")]
    #[must_use]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        alloc::boxed::Box::new(Self::zeros())
    }

    /// Every parameter with its name, shape and values, in PyTorch's order.
    fn parameters(&self) -> impl Iterator<Item = Param<'_>>;

    /// Every parameter, writable, in the same order.
    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>>;

    /// Every parameter's values in the order of [`Module::parameters`], without their names:
    /// what an optimizer walks, at no cost for naming.
    fn parameter_data(&self) -> impl Iterator<Item = &[f32]> {
        self.parameters().map(|p| p.data)
    }

    /// Every parameter's values, writable, in the same order.
    fn parameter_data_mut(&mut self) -> impl Iterator<Item = &mut [f32]> {
        self.parameters_mut().map(|p| p.data)
    }

    /// Every parameter's name and values: the order and keys of PyTorch's `named_parameters()`.
    fn named_parameters(&self) -> impl Iterator<Item = (Name, &[f32])> {
        self.parameters().map(|p| (p.name, p.data))
    }

    /// Every buffer (PyTorch's `named_buffers()`); none for most layers.
    fn buffers(&self) -> impl Iterator<Item = Buffer<'_>> {
        core::iter::empty()
    }

    /// Every buffer, writable, in the same order.
    fn buffers_mut(&mut self) -> impl Iterator<Item = BufferMut<'_>> {
        core::iter::empty()
    }
}

/// One layer of a model: a map from samples `X` to samples `Y` (each an `f32` array of rank 1
/// to 3, see [`Tensor`]), and its gradients.
///
/// A layer is written once per sample; the batch forms default to a loop over the samples, and
/// a layer overrides them where a batch is faster. Batches are slices of samples, PyTorch's
/// `[N, ...]` layout. Backward is split in two so that a model skips the input gradient of its
/// first layer.
///
/// The one-sample and batch forms compute in evaluation mode (`model.eval()`): BatchNorm uses
/// its running statistics, Dropout passes its input through. The `_train` forms are training
/// mode; only the layers whose two modes differ override them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a layer from `{X}` to `{Y}`",
    label = "expected a layer taking `{X}` and giving `{Y}`"
)]
pub trait Layer<X: Tensor, Y: Tensor>: Module {
    /// The layer's output for one sample.
    #[must_use]
    fn forward(&self, x: &X) -> Y;

    /// Adds this sample's parameter gradients into `grads`, given the input `x`, the output `y`
    /// and the gradient `dy` of the loss with respect to `y`.
    fn backward_params(&self, x: &X, y: &Y, dy: &Y, grads: &mut Self);

    /// The gradient of the loss with respect to the input `x`.
    #[must_use]
    fn backward_input(&self, x: &X, y: &Y, dy: &Y) -> X;

    /// [`Layer::forward`] for a batch: `y[b]` from `x[b]`. The slices have the same length.
    #[inline]
    fn forward_batch(&self, x: &[X], y: &mut [Y]) {
        for (x, y) in x.iter().zip(y) {
            *y = self.forward(x);
        }
    }

    /// [`Layer::backward_params`] for a batch, summed over its samples.
    #[inline]
    fn backward_params_batch(&self, x: &[X], y: &[Y], dy: &[Y], grads: &mut Self) {
        for ((x, y), dy) in x.iter().zip(y).zip(dy) {
            self.backward_params(x, y, dy, grads);
        }
    }

    /// [`Layer::backward_input`] for a batch, written into `dx`.
    #[inline]
    fn backward_input_batch(&self, x: &[X], y: &[Y], dy: &[Y], dx: &mut [X]) {
        for (((x, y), dy), dx) in x.iter().zip(y).zip(dy).zip(dx) {
            *dx = self.backward_input(x, y, dy);
        }
    }

    /// Floats per sample of scratch [`Layer::forward_scratch`] needs (a nested model's arena);
    /// 0 for most layers.
    const SCRATCH: usize = 0;

    /// [`Layer::forward_batch`] with `scratch`, [`Layer::SCRATCH`] floats a sample, for a layer
    /// that needs room of its own (a model nested in another runs its layers there). One small
    /// sample goes through [`Layer::forward`], the one-sample code, which a batch kernel does not
    /// beat on one sample.
    #[inline]
    fn forward_scratch(&self, x: &[X], y: &mut [Y], _scratch: &mut [f32]) {
        /// The widest output returned by value for one sample: 4 KiB.
        const BY_VALUE: usize = 1024;
        match (x, y) {
            ([x], [y]) if Y::LEN <= BY_VALUE => *y = self.forward(x),
            (x, y) => self.forward_batch(x, y),
        }
    }

    /// [`Layer::backward_params_batch`] into `grads` and [`Layer::backward_input_batch`] into
    /// `dx`, each where given: the one call a model makes per layer. A layer that computes both
    /// from shared work (a model nested in another) overrides it.
    #[inline]
    fn backward_batch(
        &self,
        x: &[X],
        y: &[Y],
        dy: &[Y],
        grads: Option<&mut Self>,
        dx: Option<&mut [X]>,
    ) {
        if let Some(grads) = grads {
            self.backward_params_batch(x, y, dy, grads);
        }
        if let Some(dx) = dx {
            self.backward_input_batch(x, y, dy, dx);
        }
    }

    /// Floats per sample a training-mode forward keeps for its backward (a Dropout mask, a
    /// nested model's activations); 0 for most layers.
    const TRAIN_CACHE: usize = 0;

    /// Floats per batch a training-mode forward keeps for its backward, whatever its size
    /// (BatchNorm's batch statistics); 0 for most layers.
    const TRAIN_CACHE_FIXED: usize = 0;

    /// The floats a training-mode forward over `batch` samples keeps for its backward.
    #[must_use]
    fn train_cache_len(batch: usize) -> usize {
        batch * Self::TRAIN_CACHE + Self::TRAIN_CACHE_FIXED
    }

    /// The training-mode forward (`model.train()`) of a whole batch: BatchNorm normalizes by
    /// the batch's statistics and updates its running ones, Dropout draws its mask from `rng`.
    /// `cache` has [`Layer::train_cache_len`] floats, kept for the backward.
    #[inline]
    fn forward_train<R: rand::Rng + ?Sized>(
        &mut self,
        x: &[X],
        y: &mut [Y],
        _cache: &mut [f32],
        _rng: &mut R,
    ) {
        self.forward_batch(x, y);
    }

    /// [`Layer::backward_train`] if `train`, else [`Layer::backward_batch`]: the one call a
    /// model's backward makes per layer, in either mode.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn backward_mode(
        &self,
        x: &[X],
        y: &[Y],
        dy: &[Y],
        cache: &mut [f32],
        grads: Option<&mut Self>,
        dx: Option<&mut [X]>,
        train: bool,
    ) {
        if train {
            self.backward_train(x, y, dy, cache, grads, dx);
        } else {
            self.backward_batch(x, y, dy, grads, dx);
        }
    }

    /// The backward of a training-mode forward: the parameter gradients summed over the batch
    /// into `grads`, and the input gradients into `dx`, each where given. `cache` is what the
    /// forward left there; the backward may overwrite it.
    #[inline]
    fn backward_train(
        &self,
        x: &[X],
        y: &[Y],
        dy: &[Y],
        _cache: &mut [f32],
        grads: Option<&mut Self>,
        dx: Option<&mut [X]>,
    ) {
        self.backward_batch(x, y, dy, grads, dx);
    }
}

/// A whole model, as `sequential!` writes it: samples `X` in, samples `Y` out (`[f32; 1]` and
/// `[f32; 1]` for the chapter's model, `[[[f32; 32]; 32]; 3]` for a 32×32 RGB image).
///
/// Everything here is evaluation mode (`model.eval()`); a [`Train`](crate::Train) runs the
/// model in training mode.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model from `{X}` to `{Y}`",
    label = "expected a model taking `{X}` and giving `{Y}`",
    note = "a model's input is the shape its first layer takes (or its `#[input(...)]`), its output the shape its last layer gives"
)]
pub trait Model<X: Tensor, Y: Tensor>: Module {
    /// The model's output for one sample (PyTorch's `model(x)` for a batch of one).
    #[must_use]
    fn forward(&self, x: &X) -> Y;

    /// Runs one sample forward, asks `loss_grad` for the gradient at the output, and adds the
    /// sample's parameter gradients into `grads`. Activations stay on the stack.
    fn backward_sample(&self, x: &X, grads: &mut Self, loss_grad: impl FnOnce(&Y) -> Y);

    /// Runs a batch forward into `out`, one row per sample, without allocating.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `out` has not one row per sample.
    fn forward_into(&self, xs: &[X], out: &mut [Y]) -> Result<(), Error>;

    /// Runs a batch forward: `model(x)` for a batch `x` of any length.
    #[cfg(feature = "alloc")]
    #[must_use]
    fn forward_batch(&self, xs: &[X]) -> alloc::vec::Vec<Y> {
        let mut out = alloc::vec![Y::ZERO; xs.len()];
        // Cannot fail: `out` has one row per sample.
        let _ = self.forward_into(xs, &mut out);
        out
    }

    /// Adds the gradients of a batch into `grads`, given the loss's gradient `dys` with respect
    /// to each output (what `loss.backward()` does once the loss has been differentiated).
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `dys` has not one row per sample; `grads` is then unchanged.
    fn backward(&self, xs: &[X], dys: &[Y], grads: &mut Grads<Self>) -> Result<(), Error>;

    /// `loss_fn(model(xs), targets).backward()` in one pass: adds the batch's gradients into
    /// `grads` and returns the loss. Allocates nothing, whatever the batch size.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` has not one entry per sample, [`Error::EmptyBatch`]
    /// for a mean over no samples, [`Error::Unreduced`] for `Reduction::None`, or a loss's own
    /// target error. On error `grads` is unchanged.
    fn backward_loss<L: Loss<Y>>(
        &self,
        loss_fn: &L,
        xs: &[X],
        targets: &[L::Target],
        grads: &mut Grads<Self>,
    ) -> Result<f32, Error>;
}

/// `Ok` if a batch has the `expected` length, else [`Error::BatchLength`] naming `what`.
///
/// # Errors
/// [`Error::BatchLength`] when `found` differs from `expected`.
pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::BatchLength {
            what,
            expected,
            found,
        })
    }
}

/// `Module` for a layer without parameters: nothing to name, count or train. Each such layer
/// also implements `Zeroable` beside its type, saying why all-zero bits are a valid value.
macro_rules! parameterless_module {
    ($layer:ty, $zero:expr) => {
        impl $crate::module::Module for $layer {
            const NUM_PARAMS: usize = 0;

            fn zeros() -> Self {
                $zero
            }

            fn parameters(&self) -> impl Iterator<Item = $crate::state::Param<'_>> {
                core::iter::empty()
            }

            fn parameters_mut(&mut self) -> impl Iterator<Item = $crate::state::ParamMut<'_>> {
                core::iter::empty()
            }
        }
    };
}
pub(crate) use parameterless_module;

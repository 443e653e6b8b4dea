//! The traits every layer and every generated model implement, and the types they hand out.

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::{Error, Loss};

/// A parameter's shape as PyTorch reports it (`torch.Size`): `[13, 1]` for a weight, `[13]` for a bias.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: [usize; 2],
    rank: usize,
}

impl Shape {
    /// A vector of `len` values.
    #[must_use]
    pub const fn vector(len: usize) -> Self {
        Shape {
            dims: [len, 0],
            rank: 1,
        }
    }

    /// A `rows × cols` matrix, stored row-major.
    #[must_use]
    pub const fn matrix(rows: usize, cols: usize) -> Self {
        Shape {
            dims: [rows, cols],
            rank: 2,
        }
    }

    /// The dimensions, outermost first.
    #[must_use]
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// The number of values.
    #[must_use]
    pub fn numel(&self) -> usize {
        self.dims().iter().product()
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.dims()
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.dims()).finish()
    }
}

/// A parameter's name in PyTorch's `state_dict` form: `hidden_linear.weight`, `0.bias`.
///
/// It is two static strings, so naming a parameter needs no heap; it prints and compares as the
/// joined name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    /// The layer's name in the model (`hidden_linear`, `0`); empty for a bare layer.
    pub module: &'static str,
    /// The parameter's name in its layer (`weight`, `bias`).
    pub param: &'static str,
}

impl Name {
    /// A bare layer's parameter, not yet placed in a model.
    #[must_use]
    pub const fn local(param: &'static str) -> Self {
        Name { module: "", param }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.module.is_empty() {
            f.write_str(self.param)
        } else {
            write!(f, "{}.{}", self.module, self.param)
        }
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        match other.split_once('.') {
            Some((module, param)) => self.module == module && self.param == param,
            None => self.module.is_empty() && self.param == other,
        }
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// One parameter tensor: its name, shape and values (row-major).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param<'a> {
    /// The `state_dict` key.
    pub name: Name,
    /// The shape PyTorch gives it.
    pub shape: Shape,
    /// The values, row-major.
    pub data: &'a [f32],
}

/// One parameter tensor, writable.
#[derive(Debug, PartialEq)]
pub struct ParamMut<'a> {
    /// The `state_dict` key.
    pub name: Name,
    /// The shape PyTorch gives it.
    pub shape: Shape,
    /// The values, row-major.
    pub data: &'a mut [f32],
}

impl<'a> Param<'a> {
    /// The same parameter, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        Param {
            name: Name {
                module,
                ..self.name
            },
            ..self
        }
    }
}

impl<'a> ParamMut<'a> {
    /// The same parameter, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        ParamMut {
            name: Name {
                module,
                ..self.name
            },
            ..self
        }
    }
}

/// Something that holds parameters: a layer, or a model made of layers.
///
/// Parameters come in PyTorch's order (`named_parameters()`), the order `state_dict` keys take.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model or a layer",
    label = "not a model or a layer",
    note = "models are declared with `nncore::sequential!`"
)]
pub trait Module: Sized {
    /// The number of scalar parameters (`sum(p.numel() for p in model.parameters())`).
    const NUM_PARAMS: usize;

    /// The bytes the parameters take: `NUM_PARAMS` `f32`s.
    const PARAM_BYTES: usize = Self::NUM_PARAMS * core::mem::size_of::<f32>();

    /// Multiply-adds in one sample's forward pass: `IN × OUT` a `Linear`, summed over a model;
    /// 0 for the elementwise activations.
    const MULTIPLY_ADDS: usize = 0;

    /// The widest vector a model's forward pass holds (its input, its output or a hidden
    /// activation), in floats: the scratch a one-buffer inference needs. `max(IN, OUT)` for a
    /// `Linear`; 0 for an activation, whose width is set by the model around it.
    const MAX_WIDTH: usize = 0;

    /// The same structure with every parameter zero (the starting point of gradients).
    #[must_use]
    fn zeros() -> Self;

    /// [`Module::zeros`] on the heap. Layers and generated models allocate it zeroed, so that a
    /// model of millions of parameters never passes through the stack.
    #[cfg(feature = "alloc")]
    #[must_use]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        alloc::boxed::Box::new(Self::zeros())
    }

    /// Every parameter with its name, shape and values, in PyTorch's order.
    fn parameters(&self) -> impl Iterator<Item = Param<'_>>;

    /// Every parameter, writable, in the same order.
    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>>;

    /// Every parameter's name and values: the order and keys of PyTorch's `named_parameters()`.
    fn named_parameters(&self) -> impl Iterator<Item = (Name, &[f32])> {
        self.parameters().map(|p| (p.name, p.data))
    }
}

/// One layer of a model: a map from `IN` features to `OUT` features, and its gradients.
///
/// Backward is split in two so that a model skips the input gradient of its first layer.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a layer from {IN} to {OUT} features",
    label = "expected a layer taking `[f32; {IN}]` and giving `[f32; {OUT}]`"
)]
pub trait Layer<const IN: usize, const OUT: usize>: Module {
    /// The layer's output for one sample.
    #[must_use]
    fn forward(&self, x: &[f32; IN]) -> [f32; OUT];

    /// Adds this sample's parameter gradients into `grads`, given the input `x`, the output `y`
    /// and the gradient `dy` of the loss with respect to `y`.
    fn backward_params(&self, x: &[f32; IN], y: &[f32; OUT], dy: &[f32; OUT], grads: &mut Self);

    /// The gradient of the loss with respect to the input `x`.
    #[must_use]
    fn backward_input(&self, x: &[f32; IN], y: &[f32; OUT], dy: &[f32; OUT]) -> [f32; IN];

    /// [`Layer::forward`] for a block of `B` samples stored feature-major: `x[i][b]` is feature
    /// `i` of sample `b`. Layers override it with loops over the samples that vectorize.
    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; IN], y: &mut [[f32; B]; OUT]) {
        for b in 0..B {
            set_column(y, b, &self.forward(&column(x, b)));
        }
    }

    /// [`Layer::backward_params`] for a block of samples, stored as in [`Layer::forward_block`].
    #[inline]
    fn backward_params_block<const B: usize>(
        &self,
        x: &[[f32; B]; IN],
        y: &[[f32; B]; OUT],
        dy: &[[f32; B]; OUT],
        grads: &mut Self,
    ) {
        for b in 0..B {
            self.backward_params(&column(x, b), &column(y, b), &column(dy, b), grads);
        }
    }

    /// [`Layer::backward_input`] for a block of samples, written into `dx`.
    #[inline]
    fn backward_input_block<const B: usize>(
        &self,
        x: &[[f32; B]; IN],
        y: &[[f32; B]; OUT],
        dy: &[[f32; B]; OUT],
        dx: &mut [[f32; B]; IN],
    ) {
        for b in 0..B {
            let d = self.backward_input(&column(x, b), &column(y, b), &column(dy, b));
            set_column(dx, b, &d);
        }
    }
}

/// Sample `b` of a feature-major block.
#[inline]
fn column<const B: usize, const N: usize>(block: &[[f32; B]; N], b: usize) -> [f32; N] {
    core::array::from_fn(|i| block[i][b])
}

/// Writes sample `b` of a feature-major block.
#[inline]
fn set_column<const B: usize, const N: usize>(block: &mut [[f32; B]; N], b: usize, v: &[f32; N]) {
    for (row, &v) in block.iter_mut().zip(v) {
        row[b] = v;
    }
}

/// A whole model, as `sequential!` writes it: `[f32; IN]` in, `[f32; OUT]` out.
///
/// The generated code supplies every method but `forward_batch`: one sample at a time
/// (`forward`, `backward_sample`), and batches in blocks of samples whose loops vectorize
/// (`forward_into`, `backward`, `backward_loss`, built on `nncore`'s block functions).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model from {IN} to {OUT} features",
    label = "expected a model taking `[f32; {IN}]` and giving `[f32; {OUT}]`",
    note = "a model's input width is the in-features of its first `Linear`, its output width the out-features of its last"
)]
pub trait Model<const IN: usize, const OUT: usize>: Module {
    /// The model's output for one sample (PyTorch's `model(x)` for a batch of one).
    #[must_use]
    fn forward(&self, x: &[f32; IN]) -> [f32; OUT];

    /// Runs one sample forward, asks `loss_grad` for the gradient at the output, and adds the
    /// sample's parameter gradients into `grads`. Activations stay on the stack.
    fn backward_sample(
        &self,
        x: &[f32; IN],
        grads: &mut Self,
        loss_grad: impl FnOnce(&[f32; OUT]) -> [f32; OUT],
    );

    /// Runs a batch forward into `out`, one row per sample, without allocating.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `out` has not one row per sample.
    fn forward_into(&self, xs: &[[f32; IN]], out: &mut [[f32; OUT]]) -> Result<(), Error>;

    /// Runs a batch forward: `model(x)` for a batch `x` of any length.
    #[cfg(feature = "alloc")]
    #[must_use]
    fn forward_batch(&self, xs: &[[f32; IN]]) -> alloc::vec::Vec<[f32; OUT]> {
        let mut out = alloc::vec![[0.0; OUT]; xs.len()];
        // Cannot fail: `out` has one row per sample.
        let _ = self.forward_into(xs, &mut out);
        out
    }

    /// Adds the gradients of a batch into `grads`, given the loss's gradient `dys` with respect
    /// to each output (what `loss.backward()` does once the loss has been differentiated).
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `dys` has not one row per sample; `grads` is then unchanged.
    fn backward(
        &self,
        xs: &[[f32; IN]],
        dys: &[[f32; OUT]],
        grads: &mut Grads<Self>,
    ) -> Result<(), Error>;

    /// `loss_fn(model(xs), targets).backward()` in one pass: adds the batch's gradients into
    /// `grads` and returns the loss. Allocates nothing, whatever the batch size.
    ///
    /// # Errors
    /// [`Error::BatchLength`] if `targets` has not one entry per sample, [`Error::EmptyBatch`]
    /// for a mean over no samples, [`Error::Unreduced`] for `Reduction::None`, or a loss's own
    /// target error. On error `grads` is unchanged.
    fn backward_loss<L: Loss<OUT>>(
        &self,
        loss_fn: &L,
        xs: &[[f32; IN]],
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

/// The gradients of a model `M`: the same fields and layout, so `grads.hidden_linear.weight` is
/// what PyTorch shows as `model.hidden_linear.weight.grad`.
///
/// Backward adds into it; [`Grads::zero_grad`] clears it, as in PyTorch.
#[derive(Clone, Debug, PartialEq)]
#[repr(transparent)]
pub struct Grads<M>(M);

impl<M: Module> Grads<M> {
    /// All-zero gradients for a model of type `M`.
    #[must_use]
    pub fn new() -> Self {
        Grads(M::zeros())
    }

    /// All-zero gradients on the heap, never built on the stack: for large models.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn boxed() -> alloc::boxed::Box<Self> {
        let model = alloc::boxed::Box::into_raw(M::zeros_boxed());
        // SAFETY: `Grads<M>` is `repr(transparent)` over `M`, so the allocation fits it.
        unsafe { alloc::boxed::Box::from_raw(model.cast::<Grads<M>>()) }
    }

    /// Sets every gradient to zero (`optimizer.zero_grad()`).
    pub fn zero_grad(&mut self) {
        for p in self.0.parameters_mut() {
            p.data.fill(0.0);
        }
    }

    /// The gradients, as a value of the model's own type.
    #[must_use]
    pub fn into_inner(self) -> M {
        self.0
    }
}

impl<M: Module> Default for Grads<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> Deref for Grads<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.0
    }
}

impl<M> DerefMut for Grads<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.0
    }
}

/// `Module` for a layer without parameters: nothing to name, count or train. Each such layer
/// also implements `Zeroable` beside its type, saying why all-zero bits are a valid value.
macro_rules! parameterless_module {
    ($layer:ty, $zero:expr) => {
        impl $crate::Module for $layer {
            const NUM_PARAMS: usize = 0;

            fn zeros() -> Self {
                $zero
            }

            fn parameters(&self) -> impl Iterator<Item = $crate::Param<'_>> {
                core::iter::empty()
            }

            fn parameters_mut(&mut self) -> impl Iterator<Item = $crate::ParamMut<'_>> {
                core::iter::empty()
            }
        }
    };
}
pub(crate) use parameterless_module;

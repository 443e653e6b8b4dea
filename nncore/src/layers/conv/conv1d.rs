//! `nn.Conv1d`.

use core::fmt;

use super::batch;
use super::kernel::Geometry;
use super::{Repr, check_settings, debug_check_shape};
use crate::kernels::{Affine, isa};
use crate::layers::dense::linear::{fill, init_distribution};
use crate::module::{Layer, Module};
use crate::state::{Name, Param, ParamMut, Shape};

/// A 1-D convolution over samples `[[f32; L]; C]` (channels × length), giving `[[f32; LO]; OUT]`:
/// PyTorch's `nn.Conv1d(IN_PER_GROUP * groups, OUT, K, stride, padding, dilation, groups,
/// bias=BIAS)` with `padding_mode='zeros'`.
///
/// `y[o][l] = bias[o] + Σ_c Σ_k weight[o][c][k] · x[g·IN_PER_GROUP + c][l·stride + k·dilation -
/// padding]`, where `g` is the group of output `o` and positions outside the input count 0.
/// `LO = (L + 2·padding - dilation·(K - 1) - 1) / stride + 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d<
    const IN_PER_GROUP: usize,
    const OUT: usize,
    const K: usize,
    const BIAS: bool = true,
> {
    /// `weight[o][c][k]`: PyTorch's `[out_channels, in_channels / groups, kernel_size]`.
    pub weight: [[[f32; K]; IN_PER_GROUP]; OUT],
    /// One bias per output channel; all zero, and not a parameter, when `BIAS` is false.
    pub bias: [f32; OUT],
    /// Input positions between one output and the next.
    pub stride: usize,
    /// Zeros on each side of the input.
    pub padding: usize,
    /// Input positions between kernel taps.
    pub dilation: usize,
    /// Groups of channels convolved apart: output channel `o` sees the `IN_PER_GROUP` inputs of
    /// group `o / (OUT / groups)`.
    pub groups: usize,
}

impl<const IPG: usize, const OUT: usize, const K: usize, const BIAS: bool>
    Conv1d<IPG, OUT, K, BIAS>
{
    /// The layer with zero parameters and the given settings.
    ///
    /// # Panics
    /// If the stride, the dilation or the number of groups is 0 (PyTorch refuses them too).
    #[must_use]
    pub const fn new(stride: usize, padding: usize, dilation: usize, groups: usize) -> Self {
        check_settings(&[stride], &[dilation], groups);
        Conv1d {
            weight: [[[0.0; K]; IPG]; OUT],
            bias: [0.0; OUT],
            stride,
            padding,
            dilation,
            groups,
        }
    }

    /// The layer with the given settings and PyTorch's default initialization (see
    /// [`Conv1d::reset_parameters`]).
    ///
    /// # Panics
    /// As [`Conv1d::new`].
    pub fn init<R: rand::Rng + ?Sized>(
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::new(stride, padding, dilation, groups);
        layer.reset_parameters(rng);
        layer
    }

    /// PyTorch's `reset_parameters()`: the weight (row-major), then the bias if there is one,
    /// uniform in ±1/√(IN_PER_GROUP · K) (zero without inputs).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        let dist = init_distribution(IPG * K);
        fill(
            self.weight.as_flattened_mut().as_flattened_mut(),
            dist.as_ref(),
            rng,
        );
        if BIAS {
            fill(&mut self.bias, dist.as_ref(), rng);
        }
    }

    /// Sets the settings (after a zeroed allocation), keeping the parameters.
    ///
    /// # Panics
    /// As [`Conv1d::new`].
    #[doc(hidden)]
    pub const fn configure(
        &mut self,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) {
        check_settings(&[stride], &[dilation], groups);
        self.stride = stride;
        self.padding = padding;
        self.dilation = dilation;
        self.groups = groups;
    }

    /// The layer with its parameters taken from `params`: the weight row-major, then the bias
    /// if `BIAS`. No buffers.
    ///
    /// # Panics
    /// Unless `params` has `NUM_PARAMS` values and `buffers` none.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_state(mut self, params: &[f32], buffers: &[f32]) -> Self {
        assert!(params.len() == <Self as Module>::NUM_PARAMS && buffers.is_empty());
        let mut i = 0;
        while i < OUT * IPG * K {
            self.weight[i / (IPG * K)][i / K % IPG][i % K] = params[i];
            i += 1;
        }
        let mut o = 0;
        while BIAS && o < OUT {
            self.bias[o] = params[OUT * IPG * K + o];
            o += 1;
        }
        self
    }

    /// Multiply-adds of one sample's forward pass giving `output_len` positions:
    /// `OUT · IN_PER_GROUP · K · output_len`. ([`Module::MULTIPLY_ADDS`] is 0: it depends on
    /// the input length.)
    #[must_use]
    pub const fn multiply_adds(output_len: usize) -> usize {
        OUT * IPG * K * output_len
    }

    /// The settings as the kernel takes them.
    pub(super) fn geometry(&self) -> Geometry {
        Geometry {
            in_per_group: IPG,
            groups: self.groups,
            stride: [1, self.stride],
            padding: [0, self.padding],
            dilation: [1, self.dilation],
        }
    }

    /// Asserts the input the model generator promises for `C × L → OUT × LO`.
    #[inline]
    pub(super) fn debug_check<const C: usize, const L: usize, const LO: usize>(&self) {
        let axis = (L, LO, K, self.stride, self.padding, self.dilation);
        debug_check_shape(C, IPG, OUT, self.groups, &[axis]);
    }

    /// The forward of the samples whose rows `x` holds, into `y`'s, then `then`'s map.
    #[inline]
    pub(super) fn forward_rows<const L: usize, const LO: usize>(
        &self,
        x: &[[f32; L]],
        y: &mut [[f32; LO]],
        then: Option<Affine<'_>>,
    ) {
        let bias = if BIAS { Some(&self.bias[..]) } else { None };
        let (weight, geo) = (self.weight.as_flattened(), self.geometry());
        batch::forward::<1, L, 1, LO, 1, K>(isa(), &geo, weight, bias, then, x, y);
    }

    /// The input gradients of the samples whose output gradients `dy` holds, into `dx`.
    #[inline]
    fn backward_input_rows<const L: usize, const LO: usize>(
        &self,
        dy: &[[f32; LO]],
        dx: &mut [[f32; L]],
    ) {
        let weight = self.weight.as_flattened();
        batch::backward_input::<1, L, 1, LO, 1, K>(isa(), &self.geometry(), weight, dy, dx);
    }

    /// Adds the parameter gradients of the samples `x` and `dy` hold, in order.
    #[inline]
    fn backward_params_rows<const L: usize, const LO: usize>(
        &self,
        x: &[[f32; L]],
        dy: &[[f32; LO]],
        grads: &mut Self,
    ) {
        let dbias = if BIAS {
            Some(&mut grads.bias[..])
        } else {
            None
        };
        let dweight = grads.weight.as_flattened_mut();
        let geo = self.geometry();
        batch::backward_params::<1, L, 1, LO, 1, K>(isa(), &geo, x, dy, dweight, dbias);
    }
}

impl<
    const IPG: usize,
    const OUT: usize,
    const K: usize,
    const BIAS: bool,
    const C: usize,
    const L: usize,
    const LO: usize,
> Layer<[[f32; L]; C], [[f32; LO]; OUT]> for Conv1d<IPG, OUT, K, BIAS>
{
    #[inline]
    fn forward(&self, x: &[[f32; L]; C]) -> [[f32; LO]; OUT] {
        self.debug_check::<C, L, LO>();
        let mut y = [[0.0; LO]; OUT];
        self.forward_rows(x, &mut y, None);
        y
    }

    #[inline]
    fn backward_params(
        &self,
        x: &[[f32; L]; C],
        _y: &[[f32; LO]; OUT],
        dy: &[[f32; LO]; OUT],
        grads: &mut Self,
    ) {
        self.debug_check::<C, L, LO>();
        self.backward_params_rows(x, dy, grads);
    }

    #[inline]
    fn backward_input(
        &self,
        _x: &[[f32; L]; C],
        _y: &[[f32; LO]; OUT],
        dy: &[[f32; LO]; OUT],
    ) -> [[f32; L]; C] {
        self.debug_check::<C, L, LO>();
        let mut dx = [[0.0; L]; C];
        self.backward_input_rows(dy, &mut dx);
        dx
    }

    /// The samples one after another, each as [`Layer::forward`] gives it.
    #[inline]
    fn forward_batch(&self, x: &[[[f32; L]; C]], y: &mut [[[f32; LO]; OUT]]) {
        self.debug_check::<C, L, LO>();
        self.forward_rows(x.as_flattened(), y.as_flattened_mut(), None);
    }

    /// The samples one after another, in order.
    #[inline]
    fn backward_params_batch(
        &self,
        x: &[[[f32; L]; C]],
        _y: &[[[f32; LO]; OUT]],
        dy: &[[[f32; LO]; OUT]],
        grads: &mut Self,
    ) {
        self.debug_check::<C, L, LO>();
        self.backward_params_rows(x.as_flattened(), dy.as_flattened(), grads);
    }

    /// The samples one after another, each as [`Layer::backward_input`] gives it.
    #[inline]
    fn backward_input_batch(
        &self,
        _x: &[[[f32; L]; C]],
        _y: &[[[f32; LO]; OUT]],
        dy: &[[[f32; LO]; OUT]],
        dx: &mut [[[f32; L]; C]],
    ) {
        self.debug_check::<C, L, LO>();
        self.backward_input_rows(dy.as_flattened(), dx.as_flattened_mut());
    }
}

const WEIGHT: Name = Name::local("weight");
const BIAS_NAME: Name = Name::local("bias");

// SAFETY: the fields are arrays of `f32` and `usize`s, for which all-zero bits are `0.0` and 0.
unsafe impl<const IPG: usize, const OUT: usize, const K: usize, const BIAS: bool>
    crate::heap::Zeroable for Conv1d<IPG, OUT, K, BIAS>
{
}

impl<const IPG: usize, const OUT: usize, const K: usize, const BIAS: bool> Module
    for Conv1d<IPG, OUT, K, BIAS>
{
    const NUM_PARAMS: usize = OUT * IPG * K + if BIAS { OUT } else { 0 };

    /// 0: the cost depends on the input length; see [`Conv1d::multiply_adds`].
    const MULTIPLY_ADDS: usize = 0;

    /// Zero parameters and PyTorch's default settings (stride 1, no padding, dilation 1, one
    /// group), until [`Conv1d::configure`] sets the model's.
    fn zeros() -> Self {
        Self::new(1, 0, 1, 1)
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        let mut layer: alloc::boxed::Box<Self> = crate::heap::zeroed_box();
        layer.configure(1, 0, 1, 1);
        layer
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        let weight = Param {
            name: WEIGHT,
            shape: Shape::new(&[OUT, IPG, K]),
            data: self.weight.as_flattened().as_flattened(),
        };
        let bias = Param {
            name: BIAS_NAME,
            shape: Shape::vector(OUT),
            data: &self.bias,
        };
        core::iter::once(weight).chain(BIAS.then_some(bias))
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        let weight = ParamMut {
            name: WEIGHT,
            shape: Shape::new(&[OUT, IPG, K]),
            data: self.weight.as_flattened_mut().as_flattened_mut(),
        };
        let bias = ParamMut {
            name: BIAS_NAME,
            shape: Shape::vector(OUT),
            data: &mut self.bias,
        };
        core::iter::once(weight).chain(BIAS.then_some(bias))
    }
}

impl<const IPG: usize, const OUT: usize, const K: usize, const BIAS: bool> fmt::Display
    for Conv1d<IPG, OUT, K, BIAS>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Repr {
            name: "Conv1d",
            in_channels: IPG * self.groups,
            out_channels: OUT,
            kernel_size: &[K],
            stride: &[self.stride],
            padding: &[self.padding],
            dilation: &[self.dilation],
            groups: self.groups,
            bias: BIAS,
        }
        .fmt(f)
    }
}

//! `nn.Conv2d`.

use core::fmt;

use super::batch;
use super::kernel::Geometry;
use super::{Repr, check_settings, debug_check_shape};
use crate::kernels::{Affine, isa};
use crate::layers::dense::linear::{fill, init_distribution};
use crate::module::{Layer, Module};
use crate::state::{Name, Param, ParamMut, Shape};

/// A 2-D convolution over images `[[[f32; W]; H]; C]` (channels × rows × columns), giving
/// `[[[f32; WO]; HO]; OUT]`: PyTorch's `nn.Conv2d(IN_PER_GROUP * groups, OUT, (KH, KW), stride,
/// padding, dilation, groups, bias=BIAS)` with `padding_mode='zeros'`.
///
/// `y[o][i][j] = bias[o] + Σ_c Σ_kh Σ_kw weight[o][c][kh][kw] · x[g·IN_PER_GROUP + c][i·sh +
/// kh·dh - ph][j·sw + kw·dw - pw]`, where `g` is the group of output `o` and positions outside
/// the input count 0. `HO = (H + 2·ph - dh·(KH - 1) - 1) / sh + 1`, and `WO` likewise.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d<
    const IN_PER_GROUP: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const BIAS: bool = true,
> {
    /// `weight[o][c][kh][kw]`: PyTorch's `[out_channels, in_channels / groups, kh, kw]`.
    pub weight: [[[[f32; KW]; KH]; IN_PER_GROUP]; OUT],
    /// One bias per output channel; all zero, and not a parameter, when `BIAS` is false.
    pub bias: [f32; OUT],
    /// `[rows, columns]` of input between one output position and the next.
    pub stride: [usize; 2],
    /// `[rows, columns]` of zeros on each side of the input.
    pub padding: [usize; 2],
    /// `[rows, columns]` of input between kernel taps.
    pub dilation: [usize; 2],
    /// Groups of channels convolved apart: output channel `o` sees the `IN_PER_GROUP` inputs of
    /// group `o / (OUT / groups)`.
    pub groups: usize,
}

impl<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize, const BIAS: bool>
    Conv2d<IPG, OUT, KH, KW, BIAS>
{
    /// The layer with zero parameters and the given settings.
    ///
    /// # Panics
    /// If a stride, a dilation or the number of groups is 0 (PyTorch refuses them too).
    #[must_use]
    pub const fn new(
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        groups: usize,
    ) -> Self {
        check_settings(&stride, &dilation, groups);
        Conv2d {
            weight: [[[[0.0; KW]; KH]; IPG]; OUT],
            bias: [0.0; OUT],
            stride,
            padding,
            dilation,
            groups,
        }
    }

    /// The layer with the given settings and PyTorch's default initialization (see
    /// [`Conv2d::reset_parameters`]).
    ///
    /// # Panics
    /// As [`Conv2d::new`].
    pub fn init<R: rand::Rng + ?Sized>(
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        groups: usize,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::new(stride, padding, dilation, groups);
        layer.reset_parameters(rng);
        layer
    }

    /// PyTorch's `reset_parameters()`: the weight (row-major), then the bias if there is one,
    /// uniform in ±1/√(IN_PER_GROUP · KH · KW) (zero without inputs).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        let dist = init_distribution(IPG * KH * KW);
        let weight = self.weight.as_flattened_mut().as_flattened_mut();
        fill(weight.as_flattened_mut(), dist.as_ref(), rng);
        if BIAS {
            fill(&mut self.bias, dist.as_ref(), rng);
        }
    }

    /// Sets the settings (after a zeroed allocation), keeping the parameters.
    ///
    /// # Panics
    /// As [`Conv2d::new`].
    #[doc(hidden)]
    pub const fn configure(
        &mut self,
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        groups: usize,
    ) {
        check_settings(&stride, &dilation, groups);
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
        while i < OUT * IPG * KH * KW {
            let kernel = i / (KH * KW);
            self.weight[kernel / IPG][kernel % IPG][i / KW % KH][i % KW] = params[i];
            i += 1;
        }
        let mut o = 0;
        while BIAS && o < OUT {
            self.bias[o] = params[OUT * IPG * KH * KW + o];
            o += 1;
        }
        self
    }

    /// Multiply-adds of one sample's forward pass giving `output_len = HO · WO` positions:
    /// `OUT · IN_PER_GROUP · KH · KW · output_len`. ([`Module::MULTIPLY_ADDS`] is 0: it
    /// depends on the image size.)
    #[must_use]
    pub const fn multiply_adds(output_len: usize) -> usize {
        OUT * IPG * KH * KW * output_len
    }

    /// The settings as the kernel takes them.
    pub(super) fn geometry(&self) -> Geometry {
        Geometry {
            in_per_group: IPG,
            groups: self.groups,
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
        }
    }

    /// Asserts the input the model generator promises for `C × H × W → OUT × HO × WO`.
    #[inline]
    pub(super) fn debug_check<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
    ) {
        let (s, p, d) = (self.stride, self.padding, self.dilation);
        let axes = [(H, HO, KH, s[0], p[0], d[0]), (W, WO, KW, s[1], p[1], d[1])];
        debug_check_shape(C, IPG, OUT, self.groups, &axes);
    }

    /// The forward of the samples whose rows `x` holds, into `y`'s, then `then`'s map.
    #[inline]
    pub(super) fn forward_rows<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[f32; W]],
        y: &mut [[f32; WO]],
        then: Option<Affine<'_>>,
    ) {
        let bias = if BIAS { Some(&self.bias[..]) } else { None };
        let (weight, geo) = (self.weight.as_flattened().as_flattened(), self.geometry());
        batch::forward::<H, W, HO, WO, KH, KW>(isa(), &geo, weight, bias, then, x, y);
    }

    /// The input gradients of the samples whose output gradients `dy` holds, into `dx`.
    #[inline]
    fn backward_input_rows<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        dy: &[[f32; WO]],
        dx: &mut [[f32; W]],
    ) {
        let weight = self.weight.as_flattened().as_flattened();
        batch::backward_input::<H, W, HO, WO, KH, KW>(isa(), &self.geometry(), weight, dy, dx);
    }

    /// Adds the parameter gradients of the samples `x` and `dy` hold, in order.
    #[inline]
    fn backward_params_rows<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[f32; W]],
        dy: &[[f32; WO]],
        grads: &mut Self,
    ) {
        let dbias = if BIAS {
            Some(&mut grads.bias[..])
        } else {
            None
        };
        let dweight = grads.weight.as_flattened_mut().as_flattened_mut();
        let geo = self.geometry();
        batch::backward_params::<H, W, HO, WO, KH, KW>(isa(), &geo, x, dy, dweight, dbias);
    }
}

impl<
    const IPG: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const BIAS: bool,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> Layer<[[[f32; W]; H]; C], [[[f32; WO]; HO]; OUT]> for Conv2d<IPG, OUT, KH, KW, BIAS>
{
    #[inline]
    fn forward(&self, x: &[[[f32; W]; H]; C]) -> [[[f32; WO]; HO]; OUT] {
        self.debug_check::<C, H, W, HO, WO>();
        let mut y = [[[0.0; WO]; HO]; OUT];
        self.forward_rows::<H, W, HO, WO>(x.as_flattened(), y.as_flattened_mut(), None);
        y
    }

    #[inline]
    fn backward_params(
        &self,
        x: &[[[f32; W]; H]; C],
        _y: &[[[f32; WO]; HO]; OUT],
        dy: &[[[f32; WO]; HO]; OUT],
        grads: &mut Self,
    ) {
        self.debug_check::<C, H, W, HO, WO>();
        self.backward_params_rows::<H, W, HO, WO>(x.as_flattened(), dy.as_flattened(), grads);
    }

    #[inline]
    fn backward_input(
        &self,
        _x: &[[[f32; W]; H]; C],
        _y: &[[[f32; WO]; HO]; OUT],
        dy: &[[[f32; WO]; HO]; OUT],
    ) -> [[[f32; W]; H]; C] {
        self.debug_check::<C, H, W, HO, WO>();
        let mut dx = [[[0.0; W]; H]; C];
        self.backward_input_rows::<H, W, HO, WO>(dy.as_flattened(), dx.as_flattened_mut());
        dx
    }

    /// The samples one after another, each as [`Layer::forward`] gives it.
    #[inline]
    fn forward_batch(&self, x: &[[[[f32; W]; H]; C]], y: &mut [[[[f32; WO]; HO]; OUT]]) {
        self.debug_check::<C, H, W, HO, WO>();
        let (x, y) = (
            x.as_flattened().as_flattened(),
            y.as_flattened_mut().as_flattened_mut(),
        );
        self.forward_rows::<H, W, HO, WO>(x, y, None);
    }

    /// The samples one after another, in order.
    #[inline]
    fn backward_params_batch(
        &self,
        x: &[[[[f32; W]; H]; C]],
        _y: &[[[[f32; WO]; HO]; OUT]],
        dy: &[[[[f32; WO]; HO]; OUT]],
        grads: &mut Self,
    ) {
        self.debug_check::<C, H, W, HO, WO>();
        let (x, dy) = (
            x.as_flattened().as_flattened(),
            dy.as_flattened().as_flattened(),
        );
        self.backward_params_rows::<H, W, HO, WO>(x, dy, grads);
    }

    /// The samples one after another, each as [`Layer::backward_input`] gives it.
    #[inline]
    fn backward_input_batch(
        &self,
        _x: &[[[[f32; W]; H]; C]],
        _y: &[[[[f32; WO]; HO]; OUT]],
        dy: &[[[[f32; WO]; HO]; OUT]],
        dx: &mut [[[[f32; W]; H]; C]],
    ) {
        self.debug_check::<C, H, W, HO, WO>();
        let (dy, dx) = (
            dy.as_flattened().as_flattened(),
            dx.as_flattened_mut().as_flattened_mut(),
        );
        self.backward_input_rows::<H, W, HO, WO>(dy, dx);
    }
}

const WEIGHT: Name = Name::local("weight");
const BIAS_NAME: Name = Name::local("bias");

// SAFETY: the fields are arrays of `f32` and `usize`s, for which all-zero bits are `0.0` and 0.
unsafe impl<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize, const BIAS: bool>
    crate::heap::Zeroable for Conv2d<IPG, OUT, KH, KW, BIAS>
{
}

impl<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize, const BIAS: bool> Module
    for Conv2d<IPG, OUT, KH, KW, BIAS>
{
    const NUM_PARAMS: usize = OUT * IPG * KH * KW + if BIAS { OUT } else { 0 };

    /// 0: the cost depends on the image size; see [`Conv2d::multiply_adds`].
    const MULTIPLY_ADDS: usize = 0;

    /// Zero parameters and PyTorch's default settings (stride 1, no padding, dilation 1, one
    /// group), until [`Conv2d::configure`] sets the model's.
    fn zeros() -> Self {
        Self::new([1, 1], [0, 0], [1, 1], 1)
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        let mut layer: alloc::boxed::Box<Self> = crate::heap::zeroed_box();
        layer.configure([1, 1], [0, 0], [1, 1], 1);
        layer
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        let weight = Param {
            name: WEIGHT,
            shape: Shape::new(&[OUT, IPG, KH, KW]),
            data: self.weight.as_flattened().as_flattened().as_flattened(),
        };
        let bias = Param {
            name: BIAS_NAME,
            shape: Shape::vector(OUT),
            data: &self.bias,
        };
        core::iter::once(weight).chain(BIAS.then_some(bias))
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        let weight = self.weight.as_flattened_mut().as_flattened_mut();
        let weight = ParamMut {
            name: WEIGHT,
            shape: Shape::new(&[OUT, IPG, KH, KW]),
            data: weight.as_flattened_mut(),
        };
        let bias = ParamMut {
            name: BIAS_NAME,
            shape: Shape::vector(OUT),
            data: &mut self.bias,
        };
        core::iter::once(weight).chain(BIAS.then_some(bias))
    }
}

impl<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize, const BIAS: bool>
    fmt::Display for Conv2d<IPG, OUT, KH, KW, BIAS>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Repr {
            name: "Conv2d",
            in_channels: IPG * self.groups,
            out_channels: OUT,
            kernel_size: &[KH, KW],
            stride: &self.stride,
            padding: &self.padding,
            dilation: &self.dilation,
            groups: self.groups,
            bias: BIAS,
        }
        .fmt(f)
    }
}

//! `nn.Conv1d`.

use core::fmt;

use super::kernel::{self, Geometry};
use super::{Repr, check_settings, debug_check_shape};
use crate::linear::{fill, init_distribution};
use crate::{Layer, Module, Name, Param, ParamMut, Shape};

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

    fn geometry(&self) -> Geometry {
        Geometry {
            in_per_group: IPG,
            groups: self.groups,
            stride: [1, self.stride],
            padding: [0, self.padding],
            dilation: [1, self.dilation],
        }
    }

    /// `debug_assert`s the input the model generator promises for `C × L → OUT × LO`.
    #[inline]
    fn debug_check<const C: usize, const L: usize, const LO: usize>(&self) {
        let axis = (L, LO, K, self.stride, self.padding, self.dilation);
        debug_check_shape(C, IPG, OUT, self.groups, &[axis]);
    }

    /// [`Layer::forward`] into `y`.
    #[inline]
    fn forward_into<const C: usize, const L: usize, const LO: usize>(
        &self,
        x: &[[f32; L]; C],
        y: &mut [[f32; LO]; OUT],
    ) {
        let bias = if BIAS { Some(&self.bias[..]) } else { None };
        let weight = self.weight.as_flattened();
        kernel::forward::<1, L, 1, LO, 1, K>(&self.geometry(), weight, bias, x, y);
    }

    /// [`Layer::backward_input`] into `dx`.
    #[inline]
    fn backward_input_into<const C: usize, const L: usize, const LO: usize>(
        &self,
        dy: &[[f32; LO]; OUT],
        dx: &mut [[f32; L]; C],
    ) {
        let weight = self.weight.as_flattened();
        kernel::backward_input::<1, L, 1, LO, 1, K>(&self.geometry(), weight, dy, dx);
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
        self.forward_into(x, &mut y);
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
        let dbias = if BIAS {
            Some(&mut grads.bias[..])
        } else {
            None
        };
        let dweight = grads.weight.as_flattened_mut();
        kernel::backward_params::<1, L, 1, LO, 1, K>(&self.geometry(), x, dy, dweight, dbias);
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
        self.backward_input_into(dy, &mut dx);
        dx
    }

    /// One sample at a time, each written in place.
    #[inline]
    fn forward_batch(&self, x: &[[[f32; L]; C]], y: &mut [[[f32; LO]; OUT]]) {
        self.debug_check::<C, L, LO>();
        for (x, y) in x.iter().zip(y) {
            self.forward_into(x, y);
        }
    }

    /// One sample at a time, each written in place.
    #[inline]
    fn backward_input_batch(
        &self,
        _x: &[[[f32; L]; C]],
        _y: &[[[f32; LO]; OUT]],
        dy: &[[[f32; LO]; OUT]],
        dx: &mut [[[f32; L]; C]],
    ) {
        self.debug_check::<C, L, LO>();
        for (dy, dx) in dy.iter().zip(dx) {
            self.backward_input_into(dy, dx);
        }
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::Conv1d;
    use crate::conv::kernel::tests::{Sizes, naive, values};
    use crate::conv::testing::check_layer;
    use crate::{Layer, Module};
    use rand::SeedableRng;
    use rand::distr::{Distribution, Uniform};
    use rand::rngs::StdRng;
    use std::{format, vec::Vec};

    /// A batch of `n` samples of deterministic values.
    fn batch<const C: usize, const L: usize>(n: usize, seed: u32) -> Vec<[[f32; L]; C]> {
        let v = values(n * C * L, seed);
        let rows: Vec<[f32; L]> = v.chunks_exact(L).map(|r| r.try_into().unwrap()).collect();
        rows.chunks_exact(C)
            .map(|s| s.try_into().unwrap())
            .collect()
    }

    /// The layer's output against the direct formula, over a batch.
    fn check_forward<
        const IPG: usize,
        const OUT: usize,
        const K: usize,
        const BIAS: bool,
        const C: usize,
        const L: usize,
        const LO: usize,
    >(
        layer: &Conv1d<IPG, OUT, K, BIAS>,
        xs: &[[[f32; L]; C]],
    ) {
        let geo = layer.geometry();
        let sizes = Sizes {
            input: [1, L],
            output: [1, LO],
            kernel: [1, K],
            out: OUT,
        };
        let weight = layer.weight.as_flattened().as_flattened();
        let bias = BIAS.then_some(&layer.bias[..]);
        for x in xs {
            let y: [[f32; LO]; OUT] = layer.forward(x);
            let expected = naive(&geo, sizes, weight, bias, x.as_flattened());
            for (a, e) in y.as_flattened().iter().zip(&expected) {
                assert!((f64::from(*a) - e).abs() < 1e-5, "{a} vs {e}");
            }
        }
    }

    /// `y[l] = x[l-1] - x[l+1] + 0.5` with zero padding: x = 1, 2, 3, 4 gives -1.5, -1.5, -1.5,
    /// 3.5. With stride 2 and dilation 2 (no padding), `y[l] = x[2l] - x[2l+4] + 0.5` on
    /// x = 1..=7: -3.5, -3.5 (LO = (7 - 4 - 1) / 2 + 1 = 2).
    #[test]
    fn hand_computed_values() {
        let mut layer = Conv1d::<1, 1, 3>::new(1, 1, 1, 1);
        layer.weight = [[[1.0, 0.0, -1.0]]];
        layer.bias = [0.5];
        let y: [[f32; 4]; 1] = layer.forward(&[[1.0, 2.0, 3.0, 4.0]]);
        assert_eq!(y, [[-1.5, -1.5, -1.5, 3.5]]);
        layer.configure(2, 0, 2, 1);
        let y: [[f32; 2]; 1] = layer.forward(&[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]);
        assert_eq!(y, [[-3.5, -3.5]]);
        // Two groups: each output sees only its own channel.
        let mut layer = Conv1d::<1, 2, 1, false>::new(1, 0, 1, 2);
        layer.weight = [[[2.0]], [[-1.0]]];
        let y: [[f32; 2]; 2] = layer.forward(&[[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(y, [[2.0, 4.0], [-3.0, -4.0]]);
    }

    #[test]
    fn plain_conv_matches_direct_formula_and_finite_differences() {
        let mut rng = StdRng::seed_from_u64(1);
        let layer = Conv1d::<2, 4, 3>::init(1, 1, 1, 1, &mut rng);
        let xs = batch::<2, 16>(3, 11);
        check_forward::<2, 4, 3, true, 2, 16, 16>(&layer, &xs);
        check_layer::<_, _, [[f32; 16]; 4]>(&layer, &xs);
    }

    /// `Conv1d(4, 4, 3, groups=4, dilation=2, padding=2, bias=False)`, the golden run's
    /// depthwise layer: length 20 in, 20 out.
    #[test]
    fn depthwise_dilated_padded_without_bias() {
        let mut rng = StdRng::seed_from_u64(2);
        let layer = Conv1d::<1, 4, 3, false>::init(1, 2, 2, 4, &mut rng);
        let xs = batch::<4, 20>(3, 12);
        check_forward::<1, 4, 3, false, 4, 20, 20>(&layer, &xs);
        check_layer::<_, _, [[f32; 20]; 4]>(&layer, &xs);
        assert_eq!(layer.bias, [0.0; 4]);
        assert_eq!(layer.parameters().count(), 1);
    }

    /// Stride 3 with padding past the kernel's reach, and two groups of two channels:
    /// (10 + 8 - 2·2 - 1) / 3 + 1 = 5.
    #[test]
    fn strided_grouped_conv() {
        let mut rng = StdRng::seed_from_u64(3);
        let layer = Conv1d::<2, 4, 3>::init(3, 4, 2, 2, &mut rng);
        let xs = batch::<4, 10>(2, 13);
        check_forward::<2, 4, 3, true, 4, 10, 5>(&layer, &xs);
        check_layer::<_, _, [[f32; 5]; 4]>(&layer, &xs);
    }

    #[test]
    fn prints_as_pytorch() {
        assert_eq!(
            format!("{}", Conv1d::<2, 4, 3>::new(1, 1, 1, 1)),
            "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,))"
        );
        assert_eq!(
            format!("{}", Conv1d::<1, 4, 3, false>::new(1, 2, 2, 4)),
            "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=(2,), dilation=(2,), groups=4, \
             bias=False)"
        );
        assert_eq!(
            format!("{}", Conv1d::<4, 6, 3>::new(1, 0, 1, 1)),
            "Conv1d(4, 6, kernel_size=(3,), stride=(1,))"
        );
        assert_eq!(
            format!("{}", Conv1d::<4, 8, 1, false>::new(2, 0, 1, 1)),
            "Conv1d(4, 8, kernel_size=(1,), stride=(2,), bias=False)"
        );
    }

    #[test]
    fn parameters_and_state() {
        type WithBias = Conv1d<2, 3, 2>;
        type NoBias = Conv1d<2, 3, 2, false>;
        assert_eq!((WithBias::NUM_PARAMS, NoBias::NUM_PARAMS), (15, 12));
        assert_eq!(WithBias::multiply_adds(10), 3 * 2 * 2 * 10);
        let mut rng = StdRng::seed_from_u64(4);
        let layer = WithBias::init(2, 1, 1, 1, &mut rng);
        let names: Vec<_> = layer
            .parameters()
            .map(|p| (format!("{}", p.name), p.shape))
            .collect();
        assert_eq!(
            format!("{names:?}"),
            r#"[("weight", [3, 2, 2]), ("bias", [3])]"#
        );
        let params: Vec<f32> = layer
            .parameters()
            .flat_map(|p| p.data.iter().copied())
            .collect();
        assert_eq!(WithBias::new(2, 1, 1, 1).with_state(&params, &[]), layer);
        let layer = NoBias::init(1, 0, 1, 1, &mut rng);
        let params: Vec<f32> = layer
            .parameters()
            .flat_map(|p| p.data.iter().copied())
            .collect();
        assert_eq!(NoBias::new(1, 0, 1, 1).with_state(&params, &[]), layer);
        // In a `const`, as generated code builds it.
        const LAYER: Conv1d<1, 1, 2> = Conv1d::new(1, 0, 1, 1).with_state(&[1.0, 2.0, 3.0], &[]);
        assert_eq!((LAYER.weight, LAYER.bias), ([[[1.0, 2.0]]], [3.0]));
        // A zeroed allocation gets PyTorch's default settings, as `zeros` does.
        assert_eq!(*NoBias::zeros_boxed(), NoBias::zeros());
        let mut boxed = NoBias::zeros_boxed();
        boxed.configure(1, 2, 2, 1);
        assert_eq!(
            (boxed.stride, boxed.padding, boxed.dilation, boxed.groups),
            (1, 2, 2, 1)
        );
    }

    /// kaiming_uniform_(a=√5) on the weight and the bias rule: U(±1/√(IN_PER_GROUP · K)), all
    /// weight values row-major, then the bias.
    #[test]
    fn init_draws_weight_then_bias() {
        let layer = Conv1d::<2, 3, 4>::init(1, 0, 1, 1, &mut StdRng::seed_from_u64(5));
        let bound = 1.0 / 8f32.sqrt();
        let dist = Uniform::new(-bound, bound).unwrap();
        let mut rng = StdRng::seed_from_u64(5);
        let drawn: Vec<f32> = (0..3 * 2 * 4 + 3).map(|_| dist.sample(&mut rng)).collect();
        let params: Vec<f32> = layer
            .parameters()
            .flat_map(|p| p.data.iter().copied())
            .collect();
        assert_eq!(params, drawn);
        let layer = Conv1d::<2, 3, 4, false>::init(1, 0, 1, 1, &mut StdRng::seed_from_u64(5));
        assert_eq!(layer.weight.as_flattened().as_flattened(), &drawn[..24]);
        assert_eq!(layer.bias, [0.0; 3]);
    }
}

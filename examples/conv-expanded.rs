// Original code (the book's first convolutional net, on 32×32 RGB images):
//
// ```rust
// nncore::sequential! {
//     /// Deep Learning with PyTorch, ch. 8: two convolutions with pooling, then two dense layers.
//     #[input(3, 32, 32)]
//     pub struct ConvNet {
//         conv1: Conv2d(3, 16, kernel_size = 3, padding = 1),
//         act1: Tanh,
//         pool1: MaxPool2d(2),
//         conv2: Conv2d(16, 8, kernel_size = 3, padding = 1),
//         act2: Tanh,
//         pool2: MaxPool2d(2),
//         flat: Flatten,
//         fc1: Linear(512, 32),
//         act3: Tanh,
//         fc2: Linear(32, 2),
//     }
// }
// ```
//
// What `sequential!` writes for it, formatted; a test in the macro crate
// (`nnmacro/src/snapshots.rs`) checks that it is what the macro writes today.
//
// Every sample between two layers has its shape in its type: `[[[f32; 32]; 32]; 16]` after
// `conv1`, `[f32; 512]` after `flat`. The macro worked the shapes out from `#[input(3, 32, 32)]`;
// `Layer::<[[[f32; 32]; 32]; 3], [[[f32; 32]; 32]; 16]>` is implemented by a `Conv2d` only for
// shapes its stride and padding give.

#![allow(
    clippy::identity_op,
    reason = "the counts are sums that start at 0, so that a model without parameters needs no special case"
)]
#![allow(
    clippy::let_and_return,
    reason = "`forward` binds every layer's output, the last one included, the same way"
)]

use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Grads, Train};
use rand::SeedableRng;

// --- what `sequential!` writes (generated: UPDATE_EXPANDED=1 cargo test -p nnmacro) ---
/// Deep Learning with PyTorch, ch. 8: two convolutions with pooling, then two dense layers.
#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
pub struct ConvNet {
    pub conv1: ::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true>,
    pub act1: ::nncore::Tanh,
    pub pool1: ::nncore::MaxPool2d,
    pub conv2: ::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true>,
    pub act2: ::nncore::Tanh,
    pub pool2: ::nncore::MaxPool2d,
    pub flat: ::nncore::Flatten,
    pub fc1: ::nncore::Linear<512usize, 32usize>,
    pub act3: ::nncore::Tanh,
    pub fc2: ::nncore::Linear<32usize, 2usize>,
}
impl ConvNet {
    /// The model with every parameter zero.
    pub const ZERO: Self = Self {
        conv1: <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true>>::new(
            [1usize, 1usize],
            [1usize, 1usize],
            [1usize, 1usize],
            1usize,
        ),
        act1: ::nncore::Tanh,
        pool1: ::nncore::MaxPool2d::new([2usize, 2usize], [2usize, 2usize], [0usize, 0usize]),
        conv2: <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true>>::new(
            [1usize, 1usize],
            [1usize, 1usize],
            [1usize, 1usize],
            1usize,
        ),
        act2: ::nncore::Tanh,
        pool2: ::nncore::MaxPool2d::new([2usize, 2usize], [2usize, 2usize], [0usize, 0usize]),
        flat: ::nncore::Flatten,
        fc1: <::nncore::Linear<512usize, 32usize>>::ZERO,
        act3: ::nncore::Tanh,
        fc2: <::nncore::Linear<32usize, 2usize>>::ZERO,
    };
    /// A model with PyTorch's default initialization, drawn from `rng`: the same seed
    /// gives the same model.
    pub fn init<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        __nn_rng: &mut __NnR,
    ) -> Self {
        let mut __nn_model = Self::ZERO;
        __nn_model.reset_parameters(__nn_rng);
        __nn_model
    }
    /// The model whose parameters are `params` and whose buffers are `buffers`, each in
    /// `state_dict` order and row-major (an int64 buffer as its `f32` value).
    #[must_use]
    pub const fn from_state(
        __nn_params: &[::core::primitive::f32; <ConvNet as ::nncore::Module>::NUM_PARAMS],
        __nn_buffers: &[::core::primitive::f32; <ConvNet as ::nncore::Module>::NUM_BUFFERS],
    ) -> Self {
        Self::ZERO.with_state(__nn_params, __nn_buffers)
    }
    /// This model with its parameters and buffers read from `params` and `buffers`, in
    /// `state_dict` order; a model nested in another is built this way.
    #[must_use]
    #[allow(unused_mut)]
    pub const fn with_state(
        self,
        mut __nn_params: &[::core::primitive::f32],
        mut __nn_buffers: &[::core::primitive::f32],
    ) -> Self {
        let (__nn_p, __nn_rest) = __nn_params
            .split_at(
                <::nncore::Conv2d<
                    3usize,
                    16usize,
                    3usize,
                    3usize,
                    true,
                > as ::nncore::Module>::NUM_PARAMS,
            );
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(
                <::nncore::Conv2d<
                    3usize,
                    16usize,
                    3usize,
                    3usize,
                    true,
                > as ::nncore::Module>::NUM_BUFFERS,
            );
        __nn_buffers = __nn_rest;
        let __nn_l0 = self.conv1.with_state(__nn_p, __nn_b);
        let (__nn_p, __nn_rest) = __nn_params
            .split_at(
                <::nncore::Conv2d<
                    16usize,
                    8usize,
                    3usize,
                    3usize,
                    true,
                > as ::nncore::Module>::NUM_PARAMS,
            );
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(
                <::nncore::Conv2d<
                    16usize,
                    8usize,
                    3usize,
                    3usize,
                    true,
                > as ::nncore::Module>::NUM_BUFFERS,
            );
        __nn_buffers = __nn_rest;
        let __nn_l3 = self.conv2.with_state(__nn_p, __nn_b);
        let (__nn_p, __nn_rest) = __nn_params
            .split_at(<::nncore::Linear<512usize, 32usize> as ::nncore::Module>::NUM_PARAMS);
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(<::nncore::Linear<512usize, 32usize> as ::nncore::Module>::NUM_BUFFERS);
        __nn_buffers = __nn_rest;
        let __nn_l7 = self.fc1.with_state(__nn_p, __nn_b);
        let (__nn_p, __nn_rest) = __nn_params
            .split_at(<::nncore::Linear<32usize, 2usize> as ::nncore::Module>::NUM_PARAMS);
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(<::nncore::Linear<32usize, 2usize> as ::nncore::Module>::NUM_BUFFERS);
        __nn_buffers = __nn_rest;
        let __nn_l9 = self.fc2.with_state(__nn_p, __nn_b);
        Self {
            conv1: __nn_l0,
            act1: self.act1,
            pool1: self.pool1,
            conv2: __nn_l3,
            act2: self.act2,
            pool2: self.pool2,
            flat: self.flat,
            fc1: __nn_l7,
            act3: self.act3,
            fc2: __nn_l9,
        }
    }
    /// The model whose parameters, in `parameters()` order and row-major, are `params`;
    /// a `const fn`, so a model can be a constant (see `nncore::export`).
    #[must_use]
    pub const fn from_params(
        __nn_params: &[::core::primitive::f32; <ConvNet as ::nncore::Module>::NUM_PARAMS],
    ) -> Self {
        Self::from_state(__nn_params, &[])
    }
    /// Draws every parameter anew, in place, as [`Self::init`] does.
    pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        &mut self,
        __nn_rng: &mut __NnR,
    ) {
        self.conv1.reset_parameters(__nn_rng);
        self.conv2.reset_parameters(__nn_rng);
        self.fc1.reset_parameters(__nn_rng);
        self.fc2.reset_parameters(__nn_rng);
    }
}
::nncore::__private::with_alloc! {
    impl ConvNet { #[doc =
    r" [`Self::init`] on the heap, never built on the stack: for large models."] pub fn
    init_boxed < __NnR : ::nncore::__private::Rng + ? ::core::marker::Sized > (__nn_rng :
    & mut __NnR,) -> ::nncore::__private::Box < Self > { let mut __nn_model = < Self as
    ::nncore::Module > ::zeros_boxed(); __nn_model.reset_parameters(__nn_rng); __nn_model
    } }
}
impl ::nncore::Module for ConvNet {
    const NUM_PARAMS: ::core::primitive::usize = 0
        + <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Module>::NUM_PARAMS
        + <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Module>::NUM_PARAMS
        + <::nncore::Linear<512usize, 32usize> as ::nncore::Module>::NUM_PARAMS
        + <::nncore::Linear<32usize, 2usize> as ::nncore::Module>::NUM_PARAMS;
    const NUM_BUFFERS: ::core::primitive::usize = 0
        + <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Module>::NUM_BUFFERS
        + <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Module>::NUM_BUFFERS
        + <::nncore::Linear<512usize, 32usize> as ::nncore::Module>::NUM_BUFFERS
        + <::nncore::Linear<32usize, 2usize> as ::nncore::Module>::NUM_BUFFERS;
    const MULTIPLY_ADDS: ::core::primitive::usize = 0
        + 1usize
            .saturating_mul(16usize)
            .saturating_mul(32usize)
            .saturating_mul(32usize)
            * (3usize)
            * 9usize
        + <::nncore::Tanh as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::MaxPool2d as ::nncore::Module>::MULTIPLY_ADDS
        + 1usize
            .saturating_mul(8usize)
            .saturating_mul(16usize)
            .saturating_mul(16usize)
            * (16usize)
            * 9usize
        + <::nncore::Tanh as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::MaxPool2d as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Flatten as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Linear<512usize, 32usize> as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Tanh as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Linear<32usize, 2usize> as ::nncore::Module>::MULTIPLY_ADDS;
    const MAX_WIDTH: ::core::primitive::usize = ::nncore::__private::max_of(&[
        <[[[::core::primitive::f32; 32usize]; 32usize]; 3usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
        <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
    ]);
    const ARENA_BYTES: ::core::primitive::usize = <ConvNet as ::nncore::__private::Passes<
        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        [::core::primitive::f32; 2usize],
    >>::ARENA
        * ::core::mem::size_of::<::core::primitive::f32>();
    const TRAIN_BYTES: ::core::primitive::usize =
        ConvNet::__NN_TRAIN.0 * ::core::mem::size_of::<::core::primitive::f32>();
    fn zeros() -> Self {
        Self::ZERO
    }
    ::nncore::__private::with_alloc! {
        fn zeros_boxed() -> ::nncore::__private::Box < Self > { let mut __nn_model =
        ::nncore::__private::zeroed_box:: < Self > (); __nn_model.__nn_restore();
        __nn_model }
    }
    fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::parameters(&self.conv1).map(|__nn_p| __nn_p.in_module("conv1")),
            )
            .chain(
                ::nncore::Module::parameters(&self.conv2).map(|__nn_p| __nn_p.in_module("conv2")),
            )
            .chain(::nncore::Module::parameters(&self.fc1).map(|__nn_p| __nn_p.in_module("fc1")))
            .chain(::nncore::Module::parameters(&self.fc2).map(|__nn_p| __nn_p.in_module("fc2")))
    }
    fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::parameters_mut(&mut self.conv1)
                    .map(|__nn_p| __nn_p.in_module("conv1")),
            )
            .chain(
                ::nncore::Module::parameters_mut(&mut self.conv2)
                    .map(|__nn_p| __nn_p.in_module("conv2")),
            )
            .chain(
                ::nncore::Module::parameters_mut(&mut self.fc1)
                    .map(|__nn_p| __nn_p.in_module("fc1")),
            )
            .chain(
                ::nncore::Module::parameters_mut(&mut self.fc2)
                    .map(|__nn_p| __nn_p.in_module("fc2")),
            )
    }
    fn buffers(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Buffer<'_>> {
        ::core::iter::empty()
            .chain(::nncore::Module::buffers(&self.conv1).map(|__nn_p| __nn_p.in_module("conv1")))
            .chain(::nncore::Module::buffers(&self.conv2).map(|__nn_p| __nn_p.in_module("conv2")))
            .chain(::nncore::Module::buffers(&self.fc1).map(|__nn_p| __nn_p.in_module("fc1")))
            .chain(::nncore::Module::buffers(&self.fc2).map(|__nn_p| __nn_p.in_module("fc2")))
    }
    fn parameter_data(&self) -> impl ::core::iter::Iterator<Item = &[::core::primitive::f32]> {
        ::core::iter::empty()
            .chain(::nncore::Module::parameter_data(&self.conv1))
            .chain(::nncore::Module::parameter_data(&self.conv2))
            .chain(::nncore::Module::parameter_data(&self.fc1))
            .chain(::nncore::Module::parameter_data(&self.fc2))
    }
    fn parameter_data_mut(
        &mut self,
    ) -> impl ::core::iter::Iterator<Item = &mut [::core::primitive::f32]> {
        ::core::iter::empty()
            .chain(::nncore::Module::parameter_data_mut(&mut self.conv1))
            .chain(::nncore::Module::parameter_data_mut(&mut self.conv2))
            .chain(::nncore::Module::parameter_data_mut(&mut self.fc1))
            .chain(::nncore::Module::parameter_data_mut(&mut self.fc2))
    }
    fn buffers_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::BufferMut<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::buffers_mut(&mut self.conv1)
                    .map(|__nn_p| __nn_p.in_module("conv1")),
            )
            .chain(
                ::nncore::Module::buffers_mut(&mut self.conv2)
                    .map(|__nn_p| __nn_p.in_module("conv2")),
            )
            .chain(
                ::nncore::Module::buffers_mut(&mut self.fc1).map(|__nn_p| __nn_p.in_module("fc1")),
            )
            .chain(
                ::nncore::Module::buffers_mut(&mut self.fc2).map(|__nn_p| __nn_p.in_module("fc2")),
            )
    }
}
impl ConvNet {
    /// Restores the layers' hyperparameters in a model allocated zeroed.
    #[doc(hidden)]
    pub fn __nn_restore(&mut self) {
        self.conv1
            .configure([1usize, 1usize], [1usize, 1usize], [1usize, 1usize], 1usize);
        self.act1 = ::nncore::Tanh;
        self.pool1 = ::nncore::MaxPool2d::new([2usize, 2usize], [2usize, 2usize], [0usize, 0usize]);
        self.conv2
            .configure([1usize, 1usize], [1usize, 1usize], [1usize, 1usize], 1usize);
        self.act2 = ::nncore::Tanh;
        self.pool2 = ::nncore::MaxPool2d::new([2usize, 2usize], [2usize, 2usize], [0usize, 0usize]);
        self.flat = ::nncore::Flatten;
        self.act3 = ::nncore::Tanh;
    }
}
unsafe impl ::nncore::__private::Zeroable for ConvNet {}
const _: () = {
    fn __nn_zeroable<__NnT: ::nncore::__private::Zeroable>() {}
    fn __nn_fields() {
        __nn_zeroable::<::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true>>();
        __nn_zeroable::<::nncore::Tanh>();
        __nn_zeroable::<::nncore::MaxPool2d>();
        __nn_zeroable::<::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true>>();
        __nn_zeroable::<::nncore::Tanh>();
        __nn_zeroable::<::nncore::MaxPool2d>();
        __nn_zeroable::<::nncore::Flatten>();
        __nn_zeroable::<::nncore::Linear<512usize, 32usize>>();
        __nn_zeroable::<::nncore::Tanh>();
        __nn_zeroable::<::nncore::Linear<32usize, 2usize>>();
    }
};
impl ConvNet {
    /// Where each value of the forward pass lives in the arena.
    #[doc(hidden)]
    pub const __NN_PLAN: ::nncore::__private::Plan<20usize> = ::nncore::__private::plan(
        [
            (
                <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                0usize,
                1usize,
            ),
            (
                <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                1usize,
                2usize,
            ),
            (
                <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
                2usize,
                3usize,
            ),
            (
                <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                3usize,
                4usize,
            ),
            (
                <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                4usize,
                5usize,
            ),
            (
                <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
                5usize,
                6usize,
            ),
            (
                <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
                6usize,
                7usize,
            ),
            (
                <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                7usize,
                8usize,
            ),
            (
                <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                8usize,
                9usize,
            ),
            (
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
                9usize,
                10usize,
            ),
            (
                <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                >>::SCRATCH,
                0usize,
                0usize,
            ),
            (
                <::nncore::Tanh as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                >>::SCRATCH,
                1usize,
                1usize,
            ),
            (
                <::nncore::MaxPool2d as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                >>::SCRATCH,
                2usize,
                2usize,
            ),
            (
                <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                >>::SCRATCH,
                3usize,
                3usize,
            ),
            (
                <::nncore::Tanh as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                >>::SCRATCH,
                4usize,
                4usize,
            ),
            (
                <::nncore::MaxPool2d as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                    [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                >>::SCRATCH,
                5usize,
                5usize,
            ),
            (
                <::nncore::Flatten as ::nncore::Layer<
                    [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                    [::core::primitive::f32; 512usize],
                >>::SCRATCH,
                6usize,
                6usize,
            ),
            (
                <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                    [::core::primitive::f32; 512usize],
                    [::core::primitive::f32; 32usize],
                >>::SCRATCH,
                7usize,
                7usize,
            ),
            (
                <::nncore::Tanh as ::nncore::Layer<
                    [::core::primitive::f32; 32usize],
                    [::core::primitive::f32; 32usize],
                >>::SCRATCH,
                8usize,
                8usize,
            ),
            (
                <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                    [::core::primitive::f32; 32usize],
                    [::core::primitive::f32; 2usize],
                >>::SCRATCH,
                9usize,
                9usize,
            ),
        ],
        ::core::option::Option::Some((
            9usize,
            <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
        )),
    );
}
impl
    ::nncore::__private::Passes<
        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        [::core::primitive::f32; 2usize],
    > for ConvNet
{
    const ARENA: ::core::primitive::usize = ConvNet::__NN_PLAN.total;
    const EVAL_WS: ::core::primitive::usize = 0
        + <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 32usize]; 32usize]; 3usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN;
    #[allow(unused_variables, unused_mut)]
    #[inline]
    fn eval_forward(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        mut __nn_workspace: &mut [::core::primitive::f32],
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_a1 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward_batch(&self.conv1, __nn_xs, __nn_a1);
        let __nn_a2 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward_batch(&self.act1, &*__nn_a1, __nn_a2);
        let __nn_a3 = <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
        >::forward_batch(&self.pool1, &*__nn_a2, __nn_a3);
        let __nn_a4 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward_batch(&self.conv2, &*__nn_a3, __nn_a4);
        let __nn_a5 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward_batch(&self.act2, &*__nn_a4, __nn_a5);
        let __nn_a6 = <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
        >::forward_batch(&self.pool2, &*__nn_a5, __nn_a6);
        let __nn_a7 = <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            [::core::primitive::f32; 512usize],
        >::forward_batch(&self.flat, &*__nn_a6, __nn_a7);
        let __nn_a8 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 512usize],
            [::core::primitive::f32; 32usize],
        >::forward_batch(&self.fc1, &*__nn_a7, __nn_a8);
        let __nn_a9 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 32usize],
        >::forward_batch(&self.act3, &*__nn_a8, __nn_a9);
        let __nn_a10 = <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 2usize],
        >::forward_batch(&self.fc2, &*__nn_a9, __nn_a10);
    }
    #[allow(
        unused_variables,
        unused_mut,
        unused_assignments,
        clippy::needless_bool,
        clippy::borrow_deref_ref
    )]
    #[inline]
    fn backward_ws(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        mut __nn_workspace: &mut [::core::primitive::f32],
        mut __nn_grads: ::core::option::Option<&mut Self>,
        __nn_loss_grad: impl ::core::ops::FnMut(
            ::core::primitive::usize,
            &[::core::primitive::f32; 2usize],
        ) -> [::core::primitive::f32; 2usize],
        __nn_dxs: ::core::option::Option<
            &mut [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        >,
        __nn_outputs: ::core::option::Option<(
            &[[::core::primitive::f32; 2usize]],
            &[[::core::primitive::f32; 2usize]],
        )>,
        __nn_train: bool,
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_want = __nn_dxs.is_some();
        let __nn_a1 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c0 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a2 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c1 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Tanh as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a3 = <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c2 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::MaxPool2d as ::nncore::Layer<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a4 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c3 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a5 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c4 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Tanh as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a6 = <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c5 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::MaxPool2d as ::nncore::Layer<
                    [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                    [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a7 = <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c6 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Flatten as ::nncore::Layer<
                    [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                    [::core::primitive::f32; 512usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a8 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c7 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                    [::core::primitive::f32; 512usize],
                    [::core::primitive::f32; 32usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a9 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c8 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Tanh as ::nncore::Layer<
                    [::core::primitive::f32; 32usize],
                    [::core::primitive::f32; 32usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a10 = <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c9 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                    [::core::primitive::f32; 32usize],
                    [::core::primitive::f32; 2usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a10: &[_] = match __nn_outputs {
            ::core::option::Option::Some((__nn_ys, _)) => __nn_ys,
            ::core::option::Option::None => &*__nn_a10,
        };
        let __nn_g0 = match __nn_dxs {
            ::core::option::Option::Some(__nn_dxs) => {
                ::core::assert_eq!(__nn_dxs.len(), __nn_n);
                __nn_dxs
            }
            ::core::option::Option::None => {
                <[[[::core::primitive::f32; 32usize]; 32usize]; 3usize] as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(
                        &mut __nn_workspace,
                        __nn_n
                            * <[[[::core::primitive::f32; 32usize]; 32usize]; 3usize] as ::nncore::Tensor>::LEN,
                    ),
                )
            }
        };
        let __nn_g1 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g2 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g3 = <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g4 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g5 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g6 = <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g7 = <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g8 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g9 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g10 = <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g10: &[[::core::primitive::f32; 2usize]] = match __nn_outputs {
            ::core::option::Option::Some((_, __nn_dys)) => __nn_dys,
            ::core::option::Option::None => {
                ::nncore::__private::output_grads(&*__nn_a10, __nn_g10, __nn_loss_grad);
                &*__nn_g10
            }
        };
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g9)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >::backward_mode(
                &self.fc2,
                &*__nn_a9,
                &*__nn_a10,
                &*__nn_g10,
                &mut *__nn_c9,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.fc2),
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g8)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >::backward_mode(
                &self.act3,
                &*__nn_a8,
                &*__nn_a9,
                &*__nn_g9,
                &mut *__nn_c8,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g7)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >::backward_mode(
                &self.fc1,
                &*__nn_a7,
                &*__nn_a8,
                &*__nn_g8,
                &mut *__nn_c7,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.fc1),
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g6)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >::backward_mode(
                &self.flat,
                &*__nn_a6,
                &*__nn_a7,
                &*__nn_g7,
                &mut *__nn_c6,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g5)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >::backward_mode(
                &self.pool2,
                &*__nn_a5,
                &*__nn_a6,
                &*__nn_g6,
                &mut *__nn_c5,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g4)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::backward_mode(
                &self.act2,
                &*__nn_a4,
                &*__nn_a5,
                &*__nn_g5,
                &mut *__nn_c4,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g3)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::backward_mode(
                &self.conv2,
                &*__nn_a3,
                &*__nn_a4,
                &*__nn_g4,
                &mut *__nn_c3,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.conv2),
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g2)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >::backward_mode(
                &self.pool1,
                &*__nn_a2,
                &*__nn_a3,
                &*__nn_g3,
                &mut *__nn_c2,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g1)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::backward_mode(
                &self.act1,
                &*__nn_a1,
                &*__nn_a2,
                &*__nn_g2,
                &mut *__nn_c1,
                ::core::option::Option::None,
                __nn_dx,
                __nn_train,
            );
            if true {}
        }
        if true {
            let __nn_dx = if __nn_want {
                ::core::option::Option::Some(&mut *__nn_g0)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::backward_mode(
                &self.conv1,
                __nn_xs,
                &*__nn_a1,
                &*__nn_g1,
                &mut *__nn_c0,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.conv1),
                __nn_dx,
                __nn_train,
            );
            if __nn_want {}
        }
    }
    #[allow(unused_variables)]
    #[inline]
    fn forward_in(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_out: &mut [[::core::primitive::f32; 2usize]],
        __nn_arena: &mut [::core::primitive::f32],
    ) {
        let __nn_n = __nn_xs.len();
        {
            let [__nn_y, __nn_s] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[0usize],
                        ConvNet::__NN_PLAN.offsets[0usize],
                        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[10usize],
                        ConvNet::__NN_PLAN.offsets[10usize],
                        <::nncore::Conv2d<
                            3usize,
                            16usize,
                            3usize,
                            3usize,
                            true,
                        > as ::nncore::Layer<
                            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                        >>::SCRATCH,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::forward_scratch(
                &self.conv1,
                __nn_xs,
                <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[1usize],
                        ConvNet::__NN_PLAN.offsets[1usize],
                        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[11usize],
                        ConvNet::__NN_PLAN.offsets[11usize],
                        <::nncore::Tanh as ::nncore::Layer<
                            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[0usize],
                        ConvNet::__NN_PLAN.offsets[0usize],
                        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::forward_scratch(
                &self.act1,
                &*<[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[2usize],
                        ConvNet::__NN_PLAN.offsets[2usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[12usize],
                        ConvNet::__NN_PLAN.offsets[12usize],
                        <::nncore::MaxPool2d as ::nncore::Layer<
                            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[1usize],
                        ConvNet::__NN_PLAN.offsets[1usize],
                        <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >::forward_scratch(
                &self.pool1,
                &*<[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[3usize],
                        ConvNet::__NN_PLAN.offsets[3usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[13usize],
                        ConvNet::__NN_PLAN.offsets[13usize],
                        <::nncore::Conv2d<
                            16usize,
                            8usize,
                            3usize,
                            3usize,
                            true,
                        > as ::nncore::Layer<
                            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[2usize],
                        ConvNet::__NN_PLAN.offsets[2usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::forward_scratch(
                &self.conv2,
                &*<[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[4usize],
                        ConvNet::__NN_PLAN.offsets[4usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[14usize],
                        ConvNet::__NN_PLAN.offsets[14usize],
                        <::nncore::Tanh as ::nncore::Layer<
                            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[3usize],
                        ConvNet::__NN_PLAN.offsets[3usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::forward_scratch(
                &self.act2,
                &*<[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[5usize],
                        ConvNet::__NN_PLAN.offsets[5usize],
                        <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[15usize],
                        ConvNet::__NN_PLAN.offsets[15usize],
                        <::nncore::MaxPool2d as ::nncore::Layer<
                            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[4usize],
                        ConvNet::__NN_PLAN.offsets[4usize],
                        <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >::forward_scratch(
                &self.pool2,
                &*<[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[6usize],
                        ConvNet::__NN_PLAN.offsets[6usize],
                        <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[16usize],
                        ConvNet::__NN_PLAN.offsets[16usize],
                        <::nncore::Flatten as ::nncore::Layer<
                            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                            [::core::primitive::f32; 512usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[5usize],
                        ConvNet::__NN_PLAN.offsets[5usize],
                        <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >::forward_scratch(
                &self.flat,
                &*<[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[7usize],
                        ConvNet::__NN_PLAN.offsets[7usize],
                        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[17usize],
                        ConvNet::__NN_PLAN.offsets[17usize],
                        <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                            [::core::primitive::f32; 512usize],
                            [::core::primitive::f32; 32usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[6usize],
                        ConvNet::__NN_PLAN.offsets[6usize],
                        <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >::forward_scratch(
                &self.fc1,
                &*<[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[8usize],
                        ConvNet::__NN_PLAN.offsets[8usize],
                        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[18usize],
                        ConvNet::__NN_PLAN.offsets[18usize],
                        <::nncore::Tanh as ::nncore::Layer<
                            [::core::primitive::f32; 32usize],
                            [::core::primitive::f32; 32usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[7usize],
                        ConvNet::__NN_PLAN.offsets[7usize],
                        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >::forward_scratch(
                &self.act3,
                &*<[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                &mut [],
                __nn_n,
                [
                    (
                        ConvNet::__NN_PLAN.in_output[19usize],
                        ConvNet::__NN_PLAN.offsets[19usize],
                        <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                            [::core::primitive::f32; 32usize],
                            [::core::primitive::f32; 2usize],
                        >>::SCRATCH,
                    ),
                    (
                        ConvNet::__NN_PLAN.in_output[8usize],
                        ConvNet::__NN_PLAN.offsets[8usize],
                        <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >::forward_scratch(
                &self.fc2,
                &*<[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                &mut *__nn_out,
                __nn_s,
            );
        }
    }
}
impl
    ::nncore::Model<
        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        [::core::primitive::f32; 2usize],
    > for ConvNet
{
    #[inline]
    fn forward(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
    ) -> [::core::primitive::f32; 2usize] {
        ::nncore::__private::forward_one::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::ARENA
            },
            {
                ::nncore::__private::forward_block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::ARENA,
                )
            },
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(self, __nn_x)
    }
    #[inline]
    fn backward_sample(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        __nn_grads: &mut Self,
        __nn_loss_grad: impl ::core::ops::FnOnce(
            &[::core::primitive::f32; 2usize],
        ) -> [::core::primitive::f32; 2usize],
    ) {
        ::nncore::__private::backward_one::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(self, __nn_x, __nn_grads, __nn_loss_grad);
    }
    #[inline]
    fn forward_into(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_out: &mut [[::core::primitive::f32; 2usize]],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::forward_blocks::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::ARENA
            },
            {
                ::nncore::__private::forward_block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::ARENA,
                )
            },
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(self, __nn_xs, __nn_out)
    }
    #[inline]
    fn backward(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_dys: &[[::core::primitive::f32; 2usize]],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::backward_blocks::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(self, __nn_xs, __nn_dys, __nn_grads)
    }
    #[inline]
    fn backward_loss<__NnL: ::nncore::Loss<[::core::primitive::f32; 2usize]>>(
        &self,
        __nn_loss_fn: &__NnL,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_targets: &[__NnL::Target],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<::core::primitive::f32, ::nncore::Error> {
        ::nncore::__private::backward_loss_blocks::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            __NnL,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(self, __nn_loss_fn, __nn_xs, __nn_targets, __nn_grads)
    }
}
impl ConvNet {
    /// Floats of training workspace per sample (values, gradients, caches) and per
    /// batch (BatchNorm's statistics).
    #[doc(hidden)]
    pub const __NN_TRAIN: (::core::primitive::usize, ::core::primitive::usize) = (
        <ConvNet as ::nncore::__private::Passes<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::EVAL_WS
            + 0
            + <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >>::TRAIN_CACHE
            + <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >>::TRAIN_CACHE
            + <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >>::TRAIN_CACHE
            + <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::TRAIN_CACHE
            + <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::TRAIN_CACHE
            + <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >>::TRAIN_CACHE
            + <::nncore::Flatten as ::nncore::Layer<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >>::TRAIN_CACHE
            + <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >>::TRAIN_CACHE
            + <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >>::TRAIN_CACHE
            + <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >>::TRAIN_CACHE,
        0 + <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Layer<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >>::TRAIN_CACHE_FIXED
            + <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Flatten as ::nncore::Layer<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >>::TRAIN_CACHE_FIXED,
    );
    /// The floats of training workspace a batch of `batch` samples needs.
    #[doc(hidden)]
    #[must_use]
    #[inline]
    pub fn __nn_train_len(__nn_batch: ::core::primitive::usize) -> ::core::primitive::usize {
        __nn_batch * Self::__NN_TRAIN.0 + Self::__NN_TRAIN.1
    }
    /// The training-mode forward of a batch, its values left in `workspace`, the
    /// output copied into `out` if given.
    #[doc(hidden)]
    #[allow(unused_variables, unused_mut)]
    #[inline]
    pub fn __nn_train_forward<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        &mut self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        mut __nn_out: ::core::option::Option<&mut [[::core::primitive::f32; 2usize]]>,
        mut __nn_workspace: &mut [::core::primitive::f32],
        __nn_rng: &mut __NnR,
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_a1 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c0 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Conv2d<3usize, 16usize, 3usize, 3usize, true> as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward_train(&mut self.conv1, __nn_xs, __nn_a1, __nn_c0, __nn_rng);
        let __nn_a2 = <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 32usize]; 32usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c1 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward_train(&mut self.act1, &*__nn_a1, __nn_a2, __nn_c1, __nn_rng);
        let __nn_a3 = <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 16usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c2 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
        >::forward_train(&mut self.pool1, &*__nn_a2, __nn_a3, __nn_c2, __nn_rng);
        let __nn_a4 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c3 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Conv2d<16usize, 8usize, 3usize, 3usize, true> as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward_train(&mut self.conv2, &*__nn_a3, __nn_a4, __nn_c3, __nn_rng);
        let __nn_a5 = <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 16usize]; 16usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c4 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Tanh as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward_train(&mut self.act2, &*__nn_a4, __nn_a5, __nn_c4, __nn_rng);
        let __nn_a6 = <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n
                    * <[[[::core::primitive::f32; 8usize]; 8usize]; 8usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c5 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::MaxPool2d as ::nncore::Layer<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
        >::forward_train(&mut self.pool2, &*__nn_a5, __nn_a6, __nn_c5, __nn_rng);
        let __nn_a7 = <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 512usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c6 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Flatten as ::nncore::Layer<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            [::core::primitive::f32; 512usize],
        >::forward_train(&mut self.flat, &*__nn_a6, __nn_a7, __nn_c6, __nn_rng);
        let __nn_a8 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c7 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Linear<512usize, 32usize> as ::nncore::Layer<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 512usize],
            [::core::primitive::f32; 32usize],
        >::forward_train(&mut self.fc1, &*__nn_a7, __nn_a8, __nn_c7, __nn_rng);
        let __nn_a9 = <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 32usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c8 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 32usize],
        >::forward_train(&mut self.act3, &*__nn_a8, __nn_a9, __nn_c8, __nn_rng);
        let __nn_a10 = {
            let __nn_ws = <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::batch_mut(
                ::nncore::__private::take(
                    &mut __nn_workspace,
                    __nn_n * <[::core::primitive::f32; 2usize] as ::nncore::Tensor>::LEN,
                ),
            );
            match __nn_out.take() {
                ::core::option::Option::Some(__nn_out) => __nn_out,
                ::core::option::Option::None => __nn_ws,
            }
        };
        let __nn_c9 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Linear<32usize, 2usize> as ::nncore::Layer<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 2usize],
        >::forward_train(&mut self.fc2, &*__nn_a9, __nn_a10, __nn_c9, __nn_rng);
        if let ::core::option::Option::Some(__nn_out) = __nn_out {
            __nn_out.copy_from_slice(&*__nn_a10);
        }
    }
}
::nncore::__private::with_alloc! {
    impl ::nncore::TrainModel < [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
    [::core::primitive::f32; 2usize] > for ConvNet { #[inline] fn
    workspace_len(__nn_batch : ::core::primitive::usize) -> ::core::primitive::usize {
    Self::__nn_train_len(__nn_batch) } #[inline] fn forward_train < __NnR :
    ::nncore::__private::Rng + ? ::core::marker::Sized > (& mut self, __nn_xs : &
    [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]], __nn_out : & mut
    [[::core::primitive::f32; 2usize]], __nn_workspace : & mut [::core::primitive::f32],
    __nn_rng : & mut __NnR,) { self.__nn_train_forward(__nn_xs,
    ::core::option::Option::Some(__nn_out), __nn_workspace, __nn_rng); } #[inline] fn
    backward_train < __NnR : ::nncore::__private::Rng + ? ::core::marker::Sized > (& mut
    self, __nn_xs : & [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
    __nn_grads : & mut Self, __nn_workspace : & mut [::core::primitive::f32], __nn_rng :
    & mut __NnR, __nn_loss_grad : impl ::core::ops::FnMut(::core::primitive::usize, &
    [::core::primitive::f32; 2usize]) -> [::core::primitive::f32; 2usize],) { self
    .__nn_train_forward(__nn_xs, ::core::option::Option::None, & mut * __nn_workspace,
    __nn_rng); < ConvNet as ::nncore::__private::Passes < [[[::core::primitive::f32;
    32usize]; 32usize]; 3usize], [::core::primitive::f32; 2usize] >> ::backward_ws(self,
    __nn_xs, __nn_workspace, ::core::option::Option::Some(__nn_grads), __nn_loss_grad,
    ::core::option::Option::None, ::core::option::Option::None, true); } }
}
impl ConvNet {
    /// The model's output for one sample ([`Model::forward`](::nncore::Model::forward)).
    #[inline]
    #[must_use]
    pub fn forward(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
    ) -> [::core::primitive::f32; 2usize] {
        <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward(self, __nn_x)
    }
    /// [`Model::forward_into`](::nncore::Model::forward_into).
    ///
    /// # Errors
    /// [`nncore::Error::BatchLength`] if `out` has not one row per sample.
    #[inline]
    pub fn forward_into(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_out: &mut [[::core::primitive::f32; 2usize]],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward_into(self, __nn_xs, __nn_out)
    }
    /// Runs `xs` forward into `out` with every value in `arena`, which the caller
    /// provides: `ARENA_BYTES / 4` floats a sample (a `static` buffer on a
    /// microcontroller). Allocates nothing, and needs no stack beyond the layers' own.
    /// `out` holds values of the pass before it holds the outputs.
    ///
    /// # Errors
    /// [`nncore::Error::BatchLength`] if `out` has not one row per sample,
    /// [`nncore::Error::Arena`] if `arena` is too small.
    #[inline]
    pub fn forward_in(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_out: &mut [[::core::primitive::f32; 2usize]],
        __nn_arena: &mut [::core::primitive::f32],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::check_arena::<
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(__nn_xs.len(), __nn_out.len(), __nn_arena.len())?;
        let __nn_arena = &mut __nn_arena[..__nn_xs.len()
            * <ConvNet as ::nncore::__private::Passes<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [::core::primitive::f32; 2usize],
            >>::ARENA];
        <ConvNet as ::nncore::__private::Passes<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward_in(self, __nn_xs, __nn_out, __nn_arena);
        ::core::result::Result::Ok(())
    }
    /// [`Model::backward`](::nncore::Model::backward).
    ///
    /// # Errors
    /// [`nncore::Error::BatchLength`] if `dys` has not one row per sample.
    #[inline]
    pub fn backward(
        &self,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_dys: &[[::core::primitive::f32; 2usize]],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<(), ::nncore::Error> {
        <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::backward(self, __nn_xs, __nn_dys, __nn_grads)
    }
    /// [`Model::backward_loss`](::nncore::Model::backward_loss).
    ///
    /// # Errors
    /// As [`Model::backward_loss`](::nncore::Model::backward_loss).
    #[inline]
    pub fn backward_loss<__NnL: ::nncore::Loss<[::core::primitive::f32; 2usize]>>(
        &self,
        __nn_loss_fn: &__NnL,
        __nn_xs: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_targets: &[__NnL::Target],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<::core::primitive::f32, ::nncore::Error> {
        <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::backward_loss(self, __nn_loss_fn, __nn_xs, __nn_targets, __nn_grads)
    }
}
::nncore::__private::with_alloc! {
    impl ConvNet { #[doc =
    r" [`Model::forward_batch`](::nncore::Model::forward_batch): `model(x)` for a"] #[doc
    = r" batch."] #[must_use] #[inline] pub fn forward_batch(& self, __nn_xs : &
    [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]]) -> ::nncore::__private::Vec
    < [::core::primitive::f32; 2usize] > { < Self as ::nncore::Model <
    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize], [::core::primitive::f32;
    2usize] >> ::forward_batch(self, __nn_xs) } }
}
impl
    ::nncore::Layer<
        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        [::core::primitive::f32; 2usize],
    > for ConvNet
{
    #[inline]
    fn forward(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
    ) -> [::core::primitive::f32; 2usize] {
        <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward(self, __nn_x)
    }
    #[inline]
    fn backward_params(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        __nn_y: &[::core::primitive::f32; 2usize],
        __nn_dy: &[::core::primitive::f32; 2usize],
        __nn_grads: &mut Self,
    ) {
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >::backward_batch(
            self,
            ::core::slice::from_ref(__nn_x),
            ::core::slice::from_ref(__nn_y),
            ::core::slice::from_ref(__nn_dy),
            ::core::option::Option::Some(__nn_grads),
            ::core::option::Option::None,
        );
    }
    #[inline]
    fn backward_input(
        &self,
        __nn_x: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        __nn_y: &[::core::primitive::f32; 2usize],
        __nn_dy: &[::core::primitive::f32; 2usize],
    ) -> [[[::core::primitive::f32; 32usize]; 32usize]; 3usize] {
        let mut __nn_dx =
            <[[[::core::primitive::f32; 32usize]; 32usize]; 3usize] as ::nncore::Tensor>::ZERO;
        let __nn_dxs = ::core::slice::from_mut(&mut __nn_dx);
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >::backward_batch(
            self,
            ::core::slice::from_ref(__nn_x),
            ::core::slice::from_ref(__nn_y),
            ::core::slice::from_ref(__nn_dy),
            ::core::option::Option::None,
            ::core::option::Option::Some(__nn_dxs),
        );
        __nn_dx
    }
    #[inline]
    fn forward_batch(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &mut [[::core::primitive::f32; 2usize]],
    ) {
        let _ = <Self as ::nncore::Model<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward_into(self, __nn_x, __nn_y);
    }
    #[inline]
    fn backward_params_batch(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &[[::core::primitive::f32; 2usize]],
        __nn_dy: &[[::core::primitive::f32; 2usize]],
        __nn_grads: &mut Self,
    ) {
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >::backward_batch(
            self,
            __nn_x,
            __nn_y,
            __nn_dy,
            ::core::option::Option::Some(__nn_grads),
            ::core::option::Option::None,
        );
    }
    #[inline]
    fn backward_input_batch(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &[[::core::primitive::f32; 2usize]],
        __nn_dy: &[[::core::primitive::f32; 2usize]],
        __nn_dx: &mut [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
    ) {
        ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >::backward_batch(
            self,
            __nn_x,
            __nn_y,
            __nn_dy,
            ::core::option::Option::None,
            ::core::option::Option::Some(__nn_dx),
        );
    }
    #[inline]
    fn backward_batch(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        _: &[[::core::primitive::f32; 2usize]],
        __nn_dy: &[[::core::primitive::f32; 2usize]],
        __nn_grads: ::core::option::Option<&mut Self>,
        __nn_dx: ::core::option::Option<
            &mut [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        >,
    ) {
        ::nncore::__private::eval_backward::<
            {
                <ConvNet as ::nncore::__private::Passes<
                    [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                    [::core::primitive::f32; 2usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <ConvNet as ::nncore::__private::Passes<
                        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                        [::core::primitive::f32; 2usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >(
            self,
            __nn_x,
            __nn_grads,
            |__nn_b, _| __nn_dy[__nn_b],
            __nn_dx,
        );
    }
    const SCRATCH: ::core::primitive::usize = <ConvNet as ::nncore::__private::Passes<
        [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        [::core::primitive::f32; 2usize],
    >>::ARENA;
    #[inline]
    fn forward_scratch(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &mut [[::core::primitive::f32; 2usize]],
        __nn_cache: &mut [::core::primitive::f32],
    ) {
        <ConvNet as ::nncore::__private::Passes<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::forward_in(self, __nn_x, __nn_y, __nn_cache);
    }
    const TRAIN_CACHE: ::core::primitive::usize = ConvNet::__NN_TRAIN.0;
    const TRAIN_CACHE_FIXED: ::core::primitive::usize = ConvNet::__NN_TRAIN.1;
    #[inline]
    fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        &mut self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &mut [[::core::primitive::f32; 2usize]],
        __nn_cache: &mut [::core::primitive::f32],
        __nn_rng: &mut __NnR,
    ) {
        self.__nn_train_forward(
            __nn_x,
            ::core::option::Option::Some(__nn_y),
            __nn_cache,
            __nn_rng,
        );
    }
    #[inline]
    fn backward_train(
        &self,
        __nn_x: &[[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        __nn_y: &[[::core::primitive::f32; 2usize]],
        __nn_dy: &[[::core::primitive::f32; 2usize]],
        __nn_cache: &mut [::core::primitive::f32],
        __nn_grads: ::core::option::Option<&mut Self>,
        __nn_dx: ::core::option::Option<
            &mut [[[[::core::primitive::f32; 32usize]; 32usize]; 3usize]],
        >,
    ) {
        let __nn_given = ::core::option::Option::Some((__nn_y, __nn_dy));
        <ConvNet as ::nncore::__private::Passes<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [::core::primitive::f32; 2usize],
        >>::backward_ws(
            self,
            __nn_x,
            __nn_cache,
            __nn_grads,
            |__nn_b, _| __nn_dy[__nn_b],
            __nn_dx,
            __nn_given,
            true,
        );
    }
}
/// Prints the model as PyTorch's `print(model)` does.
impl ::core::fmt::Display for ConvNet {
    fn fmt(&self, __nn_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::nncore::__private::write_module(
            __nn_f,
            "Sequential",
            &[
                ("conv1", &self.conv1 as &dyn ::core::fmt::Display),
                ("act1", &self.act1 as &dyn ::core::fmt::Display),
                ("pool1", &self.pool1 as &dyn ::core::fmt::Display),
                ("conv2", &self.conv2 as &dyn ::core::fmt::Display),
                ("act2", &self.act2 as &dyn ::core::fmt::Display),
                ("pool2", &self.pool2 as &dyn ::core::fmt::Display),
                ("flat", &self.flat as &dyn ::core::fmt::Display),
                ("fc1", &self.fc1 as &dyn ::core::fmt::Display),
                ("act3", &self.act3 as &dyn ::core::fmt::Display),
                ("fc2", &self.fc2 as &dyn ::core::fmt::Display),
            ],
        )
    }
}
/// `ConvNet` in int8, as `ConvNet::quantize` makes it: each field the int8 form
/// of the layer of `ConvNet` of the same name, computing what TensorFlow Lite
/// Micro's reference kernels compute. Plain data (`const`-constructible, no heap);
/// `forward` takes int8 samples in TensorFlow Lite's layout, `forward_f32` float ones.
#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
pub struct ConvNetInt8 {
    pub conv1: <::nncore::Conv2d<
        3usize,
        16usize,
        3usize,
        3usize,
        true,
    > as ::nncore::quant::Quantize>::Quantized,
    pub act1: <::nncore::Tanh as ::nncore::quant::Quantize>::Quantized,
    pub pool1: <::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized,
    pub conv2: <::nncore::Conv2d<
        16usize,
        8usize,
        3usize,
        3usize,
        true,
    > as ::nncore::quant::Quantize>::Quantized,
    pub act2: <::nncore::Tanh as ::nncore::quant::Quantize>::Quantized,
    pub pool2: <::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized,
    pub flat: <::nncore::Flatten as ::nncore::quant::Quantize>::Quantized,
    pub fc1: <::nncore::Linear<
        512usize,
        32usize,
    > as ::nncore::quant::Quantize>::Quantized,
    pub act3: <::nncore::Tanh as ::nncore::quant::Quantize>::Quantized,
    pub fc2: <::nncore::Linear<32usize, 2usize> as ::nncore::quant::Quantize>::Quantized,
}
impl ConvNetInt8 {
    /// Bytes of constant data: int8 weights, int32 biases and lookup tables.
    pub const WEIGHT_BYTES: ::core::primitive::usize = 0
        + <<::nncore::Conv2d<
            3usize,
            16usize,
            3usize,
            3usize,
            true,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Conv2d<
            16usize,
            8usize,
            3usize,
            3usize,
            true,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Flatten as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Linear<
            512usize,
            32usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Linear<
            32usize,
            2usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES;
    /// Bytes the model's value occupies, what a `static` of it puts in flash (its size):
    /// the weights and biases of `WEIGHT_BYTES`, each output channel's stage (its `f32`
    /// weight scale and fixed-point multiplier, 12 bytes), each layer's quantization,
    /// window and clamp (`usize`s: their size is the target's), and padding.
    pub const STORED_BYTES: ::core::primitive::usize = ::core::mem::size_of::<Self>();
    /// Bytes of the largest activation, the input and output included (one byte a value).
    pub const MAX_ACTIVATION_BYTES: ::core::primitive::usize = ::nncore::__private::max_of(
        &[
            <[[[::core::primitive::i8; 3usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 8usize]; 8usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 512usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 2usize] as ::nncore::quant::Int8Sample>::LEN,
        ],
    );
    /// Bytes of the activations alive at once at the fullest point of `forward`, the
    /// input and output included: a layer's input and output. `forward_into` keeps the
    /// values between the input and the output (both the caller's) in one buffer of
    /// `BUFFER_BYTES` on the stack, each layer writing its output straight into it at the
    /// end its input is not at; `forward` adds the output.
    pub const ARENA_BYTES: ::core::primitive::usize = ::nncore::__private::max_of(
        &[
            0
                + <[[[::core::primitive::i8; 3usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 16usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 16usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN
                + <[[[::core::primitive::i8; 8usize]; 8usize]; 8usize] as ::nncore::quant::Int8Sample>::LEN,
            0
                + <[[[::core::primitive::i8; 8usize]; 8usize]; 8usize] as ::nncore::quant::Int8Sample>::LEN
                + <[::core::primitive::i8; 512usize] as ::nncore::quant::Int8Sample>::LEN,
            0 + <[::core::primitive::i8; 512usize] as ::nncore::quant::Int8Sample>::LEN
                + <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            0 + <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN
                + <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            0 + <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN
                + <[::core::primitive::i8; 2usize] as ::nncore::quant::Int8Sample>::LEN,
        ],
    );
    /// Bytes of the buffer `forward_into` keeps on the stack: the widest layer's input and
    /// output together, among the layers before the one writing the caller's output (a
    /// model among them running its own layers in it).
    pub const BUFFER_BYTES: ::core::primitive::usize = ::nncore::__private::two_ended(
        &Self::__NN_IN_PLACE,
        &[
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 8usize]; 8usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 512usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 2usize] as ::nncore::quant::Int8Sample>::LEN,
        ],
        &Self::__NN_EACH_INSIDE,
    );
    /// Whether each layer works in place (`QuantLayer::IN_PLACE`) or is left out.
    #[doc(hidden)]
    pub const __NN_IN_PLACE: [::core::primitive::bool; 10usize] = [
        <<::nncore::Conv2d<
            3usize,
            16usize,
            3usize,
            3usize,
            true,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >>::IN_PLACE,
        <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >>::IN_PLACE,
        <<::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
        >>::IN_PLACE,
        <<::nncore::Conv2d<
            16usize,
            8usize,
            3usize,
            3usize,
            true,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >>::IN_PLACE,
        <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >>::IN_PLACE,
        <<::nncore::MaxPool2d as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
        >>::IN_PLACE,
        <<::nncore::Flatten as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
            [::core::primitive::i8; 512usize],
        >>::IN_PLACE,
        <<::nncore::Linear<
            512usize,
            32usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 512usize],
            [::core::primitive::i8; 32usize],
        >>::IN_PLACE,
        <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 32usize],
        >>::IN_PLACE,
        <<::nncore::Linear<
            32usize,
            2usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 2usize],
        >>::IN_PLACE,
    ];
    /// The bytes each layer that is a model takes running inside the buffer, else 0.
    #[doc(hidden)]
    pub const __NN_EACH_INSIDE: [::core::primitive::usize; 10usize] =
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    /// The bytes `__nn_inside` takes in its caller's buffer.
    #[doc(hidden)]
    pub const __NN_INSIDE: ::core::primitive::usize = ::nncore::__private::inside_bytes(
        &Self::__NN_IN_PLACE,
        <[[[::core::primitive::i8; 3usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
        &[
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 16usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 16usize]; 16usize] as ::nncore::quant::Int8Sample>::LEN,
            <[[[::core::primitive::i8; 8usize]; 8usize]; 8usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 512usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 32usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 2usize] as ::nncore::quant::Int8Sample>::LEN,
        ],
        &Self::__NN_EACH_INSIDE,
    );
    /// The layers run inside the buffer of a chain holding this model, from its input at the
    /// back of `buffer` if `at_back`, else at its front.
    #[doc(hidden)]
    #[inline]
    pub fn __nn_inside(
        &self,
        __nn_buffer: &mut [::core::primitive::i8],
        __nn_at_back: &mut ::core::primitive::bool,
    ) {
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >(&self.conv1, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >(&self.act1, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
        >(&self.pool1, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >(&self.conv2, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >(&self.act2, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
        >(&self.pool2, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
            [::core::primitive::i8; 512usize],
        >(&self.flat, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [::core::primitive::i8; 512usize],
            [::core::primitive::i8; 32usize],
        >(&self.fc1, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 32usize],
        >(&self.act3, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 2usize],
        >(&self.fc2, __nn_buffer, __nn_at_back);
    }
    /// Multiply-adds of one sample's forward pass, as the float model's.
    pub const MULTIPLY_ADDS: ::core::primitive::usize =
        <ConvNet as ::nncore::Module>::MULTIPLY_ADDS;
    /// The quantization of the model's input.
    #[must_use]
    #[inline]
    pub fn input_params(&self) -> ::nncore::quant::QuantParams {
        ::nncore::quant::Int8Layer::input_params(&self.conv1)
    }
    /// The quantization of the model's output.
    #[must_use]
    #[inline]
    pub fn output_params(&self) -> ::nncore::quant::QuantParams {
        ::nncore::quant::Int8Layer::output_params(&self.fc2)
    }
    /// The int8 output for the int8 sample `x`.
    #[must_use]
    #[inline]
    pub fn forward(
        &self,
        __nn_x0: &[[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
    ) -> [::core::primitive::i8; 2usize] {
        let mut __nn_x10 = <[::core::primitive::i8; 2usize] as ::nncore::quant::Int8Sample>::ZERO;
        self.forward_into(__nn_x0, &mut __nn_x10);
        __nn_x10
    }
    /// The int8 output for the int8 sample `x`, written into `y` (all of it): the last
    /// layer writes it there, the values before it are in one buffer on the stack.
    #[inline]
    pub fn forward_into(
        &self,
        __nn_x0: &[[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
        __nn_y: &mut [::core::primitive::i8; 2usize],
    ) {
        const __NN_LAST: ::core::primitive::usize =
            ::nncore::__private::written_last(&ConvNetInt8::__NN_IN_PLACE);
        let __nn_y = ::nncore::quant::Int8Sample::flat_mut(__nn_y);
        let mut __nn_buffer = [0i8; ConvNetInt8::BUFFER_BYTES];
        #[allow(unused_mut)]
        let mut __nn_at_back = false;
        ::nncore::__private::first::<
            _,
            [[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >(&self.conv1, __nn_x0, &mut __nn_buffer, __NN_LAST, __nn_y);
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
        >(
            &self.act1,
            1usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 16usize]; 32usize]; 32usize],
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
        >(
            &self.pool1,
            2usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >(
            &self.conv2,
            3usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
        >(
            &self.act2,
            4usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 8usize]; 16usize]; 16usize],
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
        >(
            &self.pool2,
            5usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [[[::core::primitive::i8; 8usize]; 8usize]; 8usize],
            [::core::primitive::i8; 512usize],
        >(
            &self.flat,
            6usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [::core::primitive::i8; 512usize],
            [::core::primitive::i8; 32usize],
        >(
            &self.fc1,
            7usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 32usize],
        >(
            &self.act3,
            8usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [::core::primitive::i8; 32usize],
            [::core::primitive::i8; 2usize],
        >(
            &self.fc2,
            9usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
    }
    /// The output for the float sample `x`: quantized, run in int8, dequantized.
    #[must_use]
    #[inline]
    pub fn forward_f32(
        &self,
        __nn_x0: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
    ) -> [::core::primitive::f32; 2usize] {
        let __nn_x10 = self
            .forward(
                &<[[[::core::primitive::i8; 3usize]; 32usize]; 32usize] as ::nncore::quant::Int8Sample>::quantize(
                    __nn_x0,
                    self.input_params(),
                ),
            );
        ::nncore::quant::Int8Sample::dequantize(&__nn_x10, self.output_params())
    }
}
impl
    ::nncore::quant::QuantLayer<
        [[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
        [::core::primitive::i8; 2usize],
    > for ConvNetInt8
{
    #[inline]
    fn forward(
        &self,
        __nn_x0: &[[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
    ) -> [::core::primitive::i8; 2usize] {
        ConvNetInt8::forward(self, __nn_x0)
    }
    #[inline]
    fn forward_into(
        &self,
        __nn_x0: &[[[::core::primitive::i8; 3usize]; 32usize]; 32usize],
        __nn_y: &mut [::core::primitive::i8; 2usize],
    ) {
        ConvNetInt8::forward_into(self, __nn_x0, __nn_y)
    }
}
impl ::nncore::quant::Int8Model for ConvNetInt8 {
    const WEIGHT_BYTES: ::core::primitive::usize = ConvNetInt8::WEIGHT_BYTES;
    #[inline]
    fn write_fields(&self, __nn_out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
        __nn_out.write_str("{")?;
        ::nncore::__private::write_field(__nn_out, "conv1", &self.conv1)?;
        ::nncore::__private::write_field(__nn_out, "act1", &self.act1)?;
        ::nncore::__private::write_field(__nn_out, "pool1", &self.pool1)?;
        ::nncore::__private::write_field(__nn_out, "conv2", &self.conv2)?;
        ::nncore::__private::write_field(__nn_out, "act2", &self.act2)?;
        ::nncore::__private::write_field(__nn_out, "pool2", &self.pool2)?;
        ::nncore::__private::write_field(__nn_out, "flat", &self.flat)?;
        ::nncore::__private::write_field(__nn_out, "fc1", &self.fc1)?;
        ::nncore::__private::write_field(__nn_out, "act3", &self.act3)?;
        ::nncore::__private::write_field(__nn_out, "fc2", &self.fc2)?;
        __nn_out.write_str("\n}")
    }
}
impl ConvNet {
    /// This model in int8, a `ConvNetInt8`, as TensorFlow Lite's converter quantizes it:
    /// weights symmetric per output channel, biases in int32, and each activation's scale
    /// and zero point from the range (min/max) it takes over `calibration`; each BatchNorm
    /// folded into the layer before it and each ReLU fused into it.
    ///
    /// A layer with no int8 form (`LogSoftmax`, adaptive pooling, a BatchNorm after no `Linear`
    /// or convolution) fails to compile where `quantize` is called, the error on the layer.
    ///
    /// # Errors
    /// `nncore::Error::Uncalibrated` if `calibration` is empty, `NotFinite` if it or a
    /// parameter holds a NaN or an infinity, `NotQuantizable` for settings with no int8 form
    /// (an average pooling with padding).
    #[inline]
    pub fn quantize<'__nn_a, __NnC>(
        &self,
        __nn_calibration: __NnC,
    ) -> ::core::result::Result<ConvNetInt8, ::nncore::Error>
    where
        __NnC: ::core::iter::IntoIterator<
                Item = &'__nn_a [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            >,
    {
        const __NN_ROLES: [::nncore::quant::Role; 10usize] = [
            <::nncore::Conv2d<
                3usize,
                16usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Conv2d<
                16usize,
                8usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Flatten as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<512usize, 32usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<32usize, 2usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 0usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 1usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 2usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 3usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 4usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 5usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 6usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 7usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 8usize) };
        const { ::nncore::__private::refuse::<__NnC, 10usize>(&__NN_ROLES, 9usize) };
        let mut __nn_ranges = [::nncore::quant::ptq::MinMax::new(); 11usize];
        for __nn_x0 in __nn_calibration {
            let __nn_x1 = ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::forward(&self.conv1, __nn_x0);
            let __nn_x2 = ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            >::forward(&self.act1, &__nn_x1);
            let __nn_x3 = ::nncore::Layer::<
                [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            >::forward(&self.pool1, &__nn_x2);
            let __nn_x4 = ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::forward(&self.conv2, &__nn_x3);
            let __nn_x5 = ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            >::forward(&self.act2, &__nn_x4);
            let __nn_x6 = ::nncore::Layer::<
                [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            >::forward(&self.pool2, &__nn_x5);
            let __nn_x7 = ::nncore::Layer::<
                [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
                [::core::primitive::f32; 512usize],
            >::forward(&self.flat, &__nn_x6);
            let __nn_x8 = ::nncore::Layer::<
                [::core::primitive::f32; 512usize],
                [::core::primitive::f32; 32usize],
            >::forward(&self.fc1, &__nn_x7);
            let __nn_x9 = ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 32usize],
            >::forward(&self.act3, &__nn_x8);
            let __nn_x10 = ::nncore::Layer::<
                [::core::primitive::f32; 32usize],
                [::core::primitive::f32; 2usize],
            >::forward(&self.fc2, &__nn_x9);
            __nn_ranges[0usize].observe(::nncore::Tensor::flat(__nn_x0))?;
            __nn_ranges[1usize].observe(::nncore::Tensor::flat(&__nn_x1))?;
            __nn_ranges[2usize].observe(::nncore::Tensor::flat(&__nn_x2))?;
            __nn_ranges[3usize].observe(::nncore::Tensor::flat(&__nn_x3))?;
            __nn_ranges[4usize].observe(::nncore::Tensor::flat(&__nn_x4))?;
            __nn_ranges[5usize].observe(::nncore::Tensor::flat(&__nn_x5))?;
            __nn_ranges[6usize].observe(::nncore::Tensor::flat(&__nn_x6))?;
            __nn_ranges[7usize].observe(::nncore::Tensor::flat(&__nn_x7))?;
            __nn_ranges[8usize].observe(::nncore::Tensor::flat(&__nn_x8))?;
            __nn_ranges[9usize].observe(::nncore::Tensor::flat(&__nn_x9))?;
            __nn_ranges[10usize].observe(::nncore::Tensor::flat(&__nn_x10))?;
        }
        let __nn_norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; 10usize] = [
            ::nncore::quant::Quantize::norm(&self.conv1),
            ::nncore::quant::Quantize::norm(&self.act1),
            ::nncore::quant::Quantize::norm(&self.pool1),
            ::nncore::quant::Quantize::norm(&self.conv2),
            ::nncore::quant::Quantize::norm(&self.act2),
            ::nncore::quant::Quantize::norm(&self.pool2),
            ::nncore::quant::Quantize::norm(&self.flat),
            ::nncore::quant::Quantize::norm(&self.fc1),
            ::nncore::quant::Quantize::norm(&self.act3),
            ::nncore::quant::Quantize::norm(&self.fc2),
        ];
        let __nn_plans = ::nncore::quant::Plans::new(
            &__NN_ROLES,
            &__nn_ranges,
            [
                "conv1", "act1", "pool1", "conv2", "act2", "pool2", "flat", "fc1", "act3", "fc2",
            ],
        )?;
        ::core::result::Result::Ok(ConvNetInt8 {
            conv1: ::nncore::quant::Quantize::quantize(
                &self.conv1,
                &__nn_plans.layer(0usize, &__nn_norms),
            )?,
            act1: ::nncore::quant::Quantize::quantize(
                &self.act1,
                &__nn_plans.layer(1usize, &__nn_norms),
            )?,
            pool1: ::nncore::quant::Quantize::quantize(
                &self.pool1,
                &__nn_plans.layer(2usize, &__nn_norms),
            )?,
            conv2: ::nncore::quant::Quantize::quantize(
                &self.conv2,
                &__nn_plans.layer(3usize, &__nn_norms),
            )?,
            act2: ::nncore::quant::Quantize::quantize(
                &self.act2,
                &__nn_plans.layer(4usize, &__nn_norms),
            )?,
            pool2: ::nncore::quant::Quantize::quantize(
                &self.pool2,
                &__nn_plans.layer(5usize, &__nn_norms),
            )?,
            flat: ::nncore::quant::Quantize::quantize(
                &self.flat,
                &__nn_plans.layer(6usize, &__nn_norms),
            )?,
            fc1: ::nncore::quant::Quantize::quantize(
                &self.fc1,
                &__nn_plans.layer(7usize, &__nn_norms),
            )?,
            act3: ::nncore::quant::Quantize::quantize(
                &self.act3,
                &__nn_plans.layer(8usize, &__nn_norms),
            )?,
            fc2: ::nncore::quant::Quantize::quantize(
                &self.fc2,
                &__nn_plans.layer(9usize, &__nn_norms),
            )?,
        })
    }
}
#[doc(hidden)]
#[allow(clippy::all)]
impl ConvNet {
    /// Fails to compile, on the layer, if a layer of it or of a model nested in it has no
    /// int8 form; `__NnC` delays the check until `quantize` is called.
    #[inline]
    pub fn __nn_check<__NnC>() {
        const __NN_ROLES: [::nncore::quant::Role; 10usize] = [
            <::nncore::Conv2d<
                3usize,
                16usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Conv2d<
                16usize,
                8usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Flatten as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<512usize, 32usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<32usize, 2usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const __NN_NODES: [::nncore::quant::Node; 10usize] = [
            ::nncore::quant::Node::Layer {
                layer: 0usize,
                input: 0usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 1usize,
                input: 1usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 2usize,
                input: 2usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 3usize,
                input: 3usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 4usize,
                input: 4usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 5usize,
                input: 5usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 6usize,
                input: 6usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 7usize,
                input: 7usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 8usize,
                input: 8usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 9usize,
                input: 9usize,
            },
        ];
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                0usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                1usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                2usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                3usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                4usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                5usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                6usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                7usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                8usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 10usize, 10usize>(
                &__NN_NODES,
                &__NN_ROLES,
                10usize,
                9usize,
            )
        };
    }
    /// The ranges `__nn_observe` calibrates.
    pub const __NN_VALUES: ::core::primitive::usize = 10usize + 1;
    /// The float output for `x`, each value's range widened to include it.
    #[inline]
    pub fn __nn_observe(
        &self,
        __nn_x0: &[[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
        __nn_ranges: &mut [::nncore::quant::ptq::MinMax],
    ) -> ::core::result::Result<[::core::primitive::f32; 2usize], ::nncore::Error> {
        let __nn_x1 = ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 3usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward(&self.conv1, __nn_x0);
        let __nn_x2 = ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
        >::forward(&self.act1, &__nn_x1);
        let __nn_x3 = ::nncore::Layer::<
            [[[::core::primitive::f32; 32usize]; 32usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
        >::forward(&self.pool1, &__nn_x2);
        let __nn_x4 = ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 16usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward(&self.conv2, &__nn_x3);
        let __nn_x5 = ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
        >::forward(&self.act2, &__nn_x4);
        let __nn_x6 = ::nncore::Layer::<
            [[[::core::primitive::f32; 16usize]; 16usize]; 8usize],
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
        >::forward(&self.pool2, &__nn_x5);
        let __nn_x7 = ::nncore::Layer::<
            [[[::core::primitive::f32; 8usize]; 8usize]; 8usize],
            [::core::primitive::f32; 512usize],
        >::forward(&self.flat, &__nn_x6);
        let __nn_x8 = ::nncore::Layer::<
            [::core::primitive::f32; 512usize],
            [::core::primitive::f32; 32usize],
        >::forward(&self.fc1, &__nn_x7);
        let __nn_x9 = ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 32usize],
        >::forward(&self.act3, &__nn_x8);
        let __nn_x10 = ::nncore::Layer::<
            [::core::primitive::f32; 32usize],
            [::core::primitive::f32; 2usize],
        >::forward(&self.fc2, &__nn_x9);
        __nn_ranges[0usize].observe(::nncore::Tensor::flat(__nn_x0))?;
        __nn_ranges[1usize].observe(::nncore::Tensor::flat(&__nn_x1))?;
        __nn_ranges[2usize].observe(::nncore::Tensor::flat(&__nn_x2))?;
        __nn_ranges[3usize].observe(::nncore::Tensor::flat(&__nn_x3))?;
        __nn_ranges[4usize].observe(::nncore::Tensor::flat(&__nn_x4))?;
        __nn_ranges[5usize].observe(::nncore::Tensor::flat(&__nn_x5))?;
        __nn_ranges[6usize].observe(::nncore::Tensor::flat(&__nn_x6))?;
        __nn_ranges[7usize].observe(::nncore::Tensor::flat(&__nn_x7))?;
        __nn_ranges[8usize].observe(::nncore::Tensor::flat(&__nn_x8))?;
        __nn_ranges[9usize].observe(::nncore::Tensor::flat(&__nn_x9))?;
        __nn_ranges[10usize].observe(::nncore::Tensor::flat(&__nn_x10))?;
        ::core::result::Result::Ok(__nn_x10)
    }
    /// The int8 twin from the ranges `__nn_observe` calibrated, its input quantized
    /// by `input` if given.
    #[inline]
    pub fn __nn_quantize_in(
        &self,
        __nn_ranges: &[::nncore::quant::ptq::MinMax],
        __nn_input: ::core::option::Option<::nncore::quant::QuantParams>,
    ) -> ::core::result::Result<ConvNetInt8, ::nncore::Error> {
        const __NN_ROLES: [::nncore::quant::Role; 10usize] = [
            <::nncore::Conv2d<
                3usize,
                16usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Conv2d<
                16usize,
                8usize,
                3usize,
                3usize,
                true,
            > as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::MaxPool2d as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Flatten as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<512usize, 32usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<32usize, 2usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const __NN_NODES: [::nncore::quant::Node; 10usize] = [
            ::nncore::quant::Node::Layer {
                layer: 0usize,
                input: 0usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 1usize,
                input: 1usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 2usize,
                input: 2usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 3usize,
                input: 3usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 4usize,
                input: 4usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 5usize,
                input: 5usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 6usize,
                input: 6usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 7usize,
                input: 7usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 8usize,
                input: 8usize,
            },
            ::nncore::quant::Node::Layer {
                layer: 9usize,
                input: 9usize,
            },
        ];
        let __nn_norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; 10usize] = [
            ::nncore::quant::Quantize::norm(&self.conv1),
            ::nncore::quant::Quantize::norm(&self.act1),
            ::nncore::quant::Quantize::norm(&self.pool1),
            ::nncore::quant::Quantize::norm(&self.conv2),
            ::nncore::quant::Quantize::norm(&self.act2),
            ::nncore::quant::Quantize::norm(&self.pool2),
            ::nncore::quant::Quantize::norm(&self.flat),
            ::nncore::quant::Quantize::norm(&self.fc1),
            ::nncore::quant::Quantize::norm(&self.act3),
            ::nncore::quant::Quantize::norm(&self.fc2),
        ];
        let __nn_plans = ::nncore::quant::GraphPlans::new(
            __NN_NODES,
            10usize,
            &__NN_ROLES,
            __nn_ranges,
            [
                "conv1", "act1", "pool1", "conv2", "act2", "pool2", "flat", "fc1", "act3", "fc2",
            ],
            __nn_input,
        )?;
        let __nn_q0 = __nn_plans.quantize(&self.conv1, "conv1", &[0usize], &__nn_norms)?;
        let __nn_q1 = __nn_plans.quantize(&self.act1, "act1", &[1usize], &__nn_norms)?;
        let __nn_q2 = __nn_plans.quantize(&self.pool1, "pool1", &[2usize], &__nn_norms)?;
        let __nn_q3 = __nn_plans.quantize(&self.conv2, "conv2", &[3usize], &__nn_norms)?;
        let __nn_q4 = __nn_plans.quantize(&self.act2, "act2", &[4usize], &__nn_norms)?;
        let __nn_q5 = __nn_plans.quantize(&self.pool2, "pool2", &[5usize], &__nn_norms)?;
        let __nn_q6 = __nn_plans.quantize(&self.flat, "flat", &[6usize], &__nn_norms)?;
        let __nn_q7 = __nn_plans.quantize(&self.fc1, "fc1", &[7usize], &__nn_norms)?;
        let __nn_q8 = __nn_plans.quantize(&self.act3, "act3", &[8usize], &__nn_norms)?;
        let __nn_q9 = __nn_plans.quantize(&self.fc2, "fc2", &[9usize], &__nn_norms)?;
        ::core::result::Result::Ok(ConvNetInt8 {
            conv1: __nn_q0,
            act1: __nn_q1,
            pool1: __nn_q2,
            conv2: __nn_q3,
            act2: __nn_q4,
            pool2: __nn_q5,
            flat: __nn_q6,
            fc1: __nn_q7,
            act3: __nn_q8,
            fc2: __nn_q9,
        })
    }
}
impl ::nncore::quant::Int8Layer for ConvNetInt8 {
    const WEIGHT_BYTES: ::core::primitive::usize = ConvNetInt8::WEIGHT_BYTES;
    fn input_params(&self) -> ::nncore::quant::QuantParams {
        ConvNetInt8::input_params(self)
    }
    fn output_params(&self) -> ::nncore::quant::QuantParams {
        ConvNetInt8::output_params(self)
    }
    fn write_rust(&self, __nn_out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
        __nn_out.write_str(::core::stringify!(ConvNetInt8))?;
        ::nncore::quant::Int8Model::write_fields(self, __nn_out)
    }
}
// --- end of what `sequential!` writes ---

/// The expanded model works like the macro's: print it, run it, take one training step.
fn main() -> Result<(), nncore::Error> {
    let mut model = ConvNet::init(&mut rand::rngs::StdRng::seed_from_u64(0));
    println!("{model}");
    println!("{} parameters", ConvNet::NUM_PARAMS);
    let images = [[[[0.5; 32]; 32]; 3], [[[-0.5; 32]; 32]; 3]];
    println!("logits {:?}", model.forward_batch(&images));
    let mut grads = Grads::<ConvNet>::new();
    let mut train = Train::new(rand::rngs::StdRng::seed_from_u64(1));
    let loss = train.backward_loss(
        &mut model,
        &CrossEntropyLoss::new(),
        &images,
        &[0, 1],
        &mut grads,
    )?;
    println!("loss {loss}");
    Ok(())
}

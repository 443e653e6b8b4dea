// Original code (./temperature.rs, the named model):
//
// ```rust
// nncore::sequential! {
//     /// The chapter's `seq_model`, with its layers named as in its `OrderedDict`.
//     pub struct TempNet {
//         hidden_linear: Linear(1, 13),
//         hidden_activ: Tanh,
//         output_linear: Linear(13, 1),
//     }
// }
// ```
//
// What `sequential!` writes for it, formatted by prettyplease; a test in the macro crate
// (`nnmacro/src/snapshots.rs`) checks that it is what the macro writes today.
//
// The shapes are checked by the types: `Layer::<[f32; 13], [f32; 1]>` is implemented only by a
// layer that takes 13 features and gives 1. Gradients are a second `TempNet` (inside
// `nncore::Grads`), so `grads.hidden_linear.weight` has the weight's own type. Batches go
// through `Blocked` in blocks of samples whose activations fit on the stack, each layer running
// its batch form over a block; `TrainModel` runs a whole batch one layer at a time in training
// mode.
//
// The names the macro binds are its own (`__nn_x1`, `__NN_B`) and the types it writes are full
// paths (`::core::primitive::f32`): the model compiles whatever names are in scope where it is
// declared, a `const B` or a `type f32 = f64` among them.

#![allow(
    clippy::identity_op,
    reason = "the counts are sums that start at 0, so that a model without parameters needs no special case"
)]
#![allow(
    clippy::let_and_return,
    reason = "`forward` binds every layer's output, the last one included, the same way"
)]

use nncore::prelude::*;
use nncore::{Grads, MSELoss};
use rand::SeedableRng;

// --- what `sequential!` writes (generated: UPDATE_EXPANDED=1 cargo test -p nnmacro) ---
/// The chapter's `seq_model`, with its layers named as in its `OrderedDict`.
#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
pub struct TempNet {
    pub hidden_linear: ::nncore::Linear<1usize, 13usize>,
    pub hidden_activ: ::nncore::Tanh,
    pub output_linear: ::nncore::Linear<13usize, 1usize>,
}
impl TempNet {
    /// The model with every parameter zero.
    pub const ZERO: Self = Self {
        hidden_linear: <::nncore::Linear<1usize, 13usize>>::ZERO,
        hidden_activ: ::nncore::Tanh,
        output_linear: <::nncore::Linear<13usize, 1usize>>::ZERO,
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
        __nn_params: &[::core::primitive::f32; <TempNet as ::nncore::Module>::NUM_PARAMS],
        __nn_buffers: &[::core::primitive::f32; <TempNet as ::nncore::Module>::NUM_BUFFERS],
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
            .split_at(<::nncore::Linear<1usize, 13usize> as ::nncore::Module>::NUM_PARAMS);
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(<::nncore::Linear<1usize, 13usize> as ::nncore::Module>::NUM_BUFFERS);
        __nn_buffers = __nn_rest;
        let __nn_l0 = self.hidden_linear.with_state(__nn_p, __nn_b);
        let (__nn_p, __nn_rest) = __nn_params
            .split_at(<::nncore::Linear<13usize, 1usize> as ::nncore::Module>::NUM_PARAMS);
        __nn_params = __nn_rest;
        let (__nn_b, __nn_rest) = __nn_buffers
            .split_at(<::nncore::Linear<13usize, 1usize> as ::nncore::Module>::NUM_BUFFERS);
        __nn_buffers = __nn_rest;
        let __nn_l2 = self.output_linear.with_state(__nn_p, __nn_b);
        Self {
            hidden_linear: __nn_l0,
            hidden_activ: self.hidden_activ,
            output_linear: __nn_l2,
        }
    }
    /// The model whose parameters, in `parameters()` order and row-major, are `params`;
    /// a `const fn`, so a model can be a constant (see `nncore::export`).
    #[must_use]
    pub const fn from_params(
        __nn_params: &[::core::primitive::f32; <TempNet as ::nncore::Module>::NUM_PARAMS],
    ) -> Self {
        Self::from_state(__nn_params, &[])
    }
    /// Draws every parameter anew, in place, as [`Self::init`] does.
    pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        &mut self,
        __nn_rng: &mut __NnR,
    ) {
        self.hidden_linear.reset_parameters(__nn_rng);
        self.output_linear.reset_parameters(__nn_rng);
    }
}
::nncore::__private::with_alloc! {
    impl TempNet { #[doc =
    r" [`Self::init`] on the heap, never built on the stack: for large models."] pub fn
    init_boxed < __NnR : ::nncore::__private::Rng + ? ::core::marker::Sized > (__nn_rng :
    & mut __NnR,) -> ::nncore::__private::Box < Self > { let mut __nn_model = < Self as
    ::nncore::Module > ::zeros_boxed(); __nn_model.reset_parameters(__nn_rng); __nn_model
    } }
}
impl ::nncore::Module for TempNet {
    const NUM_PARAMS: ::core::primitive::usize = 0
        + <::nncore::Linear<1usize, 13usize> as ::nncore::Module>::NUM_PARAMS
        + <::nncore::Linear<13usize, 1usize> as ::nncore::Module>::NUM_PARAMS;
    const NUM_BUFFERS: ::core::primitive::usize = 0
        + <::nncore::Linear<1usize, 13usize> as ::nncore::Module>::NUM_BUFFERS
        + <::nncore::Linear<13usize, 1usize> as ::nncore::Module>::NUM_BUFFERS;
    const MULTIPLY_ADDS: ::core::primitive::usize = 0
        + <::nncore::Linear<1usize, 13usize> as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Tanh as ::nncore::Module>::MULTIPLY_ADDS
        + <::nncore::Linear<13usize, 1usize> as ::nncore::Module>::MULTIPLY_ADDS;
    const MAX_WIDTH: ::core::primitive::usize = ::nncore::__private::max_of(&[
        <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
        <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
    ]);
    const ARENA_BYTES: ::core::primitive::usize = <TempNet as ::nncore::__private::Passes<
        [::core::primitive::f32; 1usize],
        [::core::primitive::f32; 1usize],
    >>::ARENA
        * ::core::mem::size_of::<::core::primitive::f32>();
    const TRAIN_BYTES: ::core::primitive::usize =
        TempNet::__NN_TRAIN.0 * ::core::mem::size_of::<::core::primitive::f32>();
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
                ::nncore::Module::parameters(&self.hidden_linear)
                    .map(|__nn_p| __nn_p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::parameters(&self.output_linear)
                    .map(|__nn_p| __nn_p.in_module("output_linear")),
            )
    }
    fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::parameters_mut(&mut self.hidden_linear)
                    .map(|__nn_p| __nn_p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::parameters_mut(&mut self.output_linear)
                    .map(|__nn_p| __nn_p.in_module("output_linear")),
            )
    }
    fn buffers(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Buffer<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::buffers(&self.hidden_linear)
                    .map(|__nn_p| __nn_p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::buffers(&self.output_linear)
                    .map(|__nn_p| __nn_p.in_module("output_linear")),
            )
    }
    fn parameter_data(&self) -> impl ::core::iter::Iterator<Item = &[::core::primitive::f32]> {
        ::core::iter::empty()
            .chain(::nncore::Module::parameter_data(&self.hidden_linear))
            .chain(::nncore::Module::parameter_data(&self.output_linear))
    }
    fn parameter_data_mut(
        &mut self,
    ) -> impl ::core::iter::Iterator<Item = &mut [::core::primitive::f32]> {
        ::core::iter::empty()
            .chain(::nncore::Module::parameter_data_mut(
                &mut self.hidden_linear,
            ))
            .chain(::nncore::Module::parameter_data_mut(
                &mut self.output_linear,
            ))
    }
    fn buffers_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::BufferMut<'_>> {
        ::core::iter::empty()
            .chain(
                ::nncore::Module::buffers_mut(&mut self.hidden_linear)
                    .map(|__nn_p| __nn_p.in_module("hidden_linear")),
            )
            .chain(
                ::nncore::Module::buffers_mut(&mut self.output_linear)
                    .map(|__nn_p| __nn_p.in_module("output_linear")),
            )
    }
}
impl TempNet {
    /// Restores the layers' hyperparameters in a model allocated zeroed.
    #[doc(hidden)]
    pub fn __nn_restore(&mut self) {
        self.hidden_activ = ::nncore::Tanh;
    }
}
unsafe impl ::nncore::__private::Zeroable for TempNet {}
const _: () = {
    fn __nn_zeroable<__NnT: ::nncore::__private::Zeroable>() {}
    fn __nn_fields() {
        __nn_zeroable::<::nncore::Linear<1usize, 13usize>>();
        __nn_zeroable::<::nncore::Tanh>();
        __nn_zeroable::<::nncore::Linear<13usize, 1usize>>();
    }
};
impl TempNet {
    /// Where each value of the forward pass lives in the arena.
    #[doc(hidden)]
    pub const __NN_PLAN: ::nncore::__private::Plan<6usize> = ::nncore::__private::plan(
        [
            (
                <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                0usize,
                1usize,
            ),
            (
                <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                1usize,
                2usize,
            ),
            (
                <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
                2usize,
                3usize,
            ),
            (
                <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 13usize],
                >>::SCRATCH,
                0usize,
                0usize,
            ),
            (
                <::nncore::Tanh as ::nncore::Layer<
                    [::core::primitive::f32; 13usize],
                    [::core::primitive::f32; 13usize],
                >>::SCRATCH,
                1usize,
                1usize,
            ),
            (
                <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                    [::core::primitive::f32; 13usize],
                    [::core::primitive::f32; 1usize],
                >>::SCRATCH,
                2usize,
                2usize,
            ),
        ],
        ::core::option::Option::Some((
            2usize,
            <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
        )),
    );
}
impl ::nncore::__private::Passes<[::core::primitive::f32; 1usize], [::core::primitive::f32; 1usize]>
    for TempNet
{
    const ARENA: ::core::primitive::usize = TempNet::__NN_PLAN.total;
    const EVAL_WS: ::core::primitive::usize = 0
        + <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN
        + <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN;
    #[allow(unused_variables, unused_mut)]
    #[inline]
    fn eval_forward(
        &self,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        mut __nn_workspace: &mut [::core::primitive::f32],
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_a1 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 13usize],
        >::forward_batch(&self.hidden_linear, __nn_xs, __nn_a1);
        let __nn_a2 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 13usize],
        >::forward_batch(&self.hidden_activ, &*__nn_a1, __nn_a2);
        let __nn_a3 = <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
            ),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 1usize],
        >::forward_batch(&self.output_linear, &*__nn_a2, __nn_a3);
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
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        mut __nn_workspace: &mut [::core::primitive::f32],
        mut __nn_grads: ::core::option::Option<&mut Self>,
        __nn_loss_grad: impl ::core::ops::FnMut(
            ::core::primitive::usize,
            &[::core::primitive::f32; 1usize],
        ) -> [::core::primitive::f32; 1usize],
        __nn_dxs: ::core::option::Option<&mut [[::core::primitive::f32; 1usize]]>,
        __nn_outputs: ::core::option::Option<(
            &[[::core::primitive::f32; 1usize]],
            &[[::core::primitive::f32; 1usize]],
        )>,
        __nn_train: bool,
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_want = __nn_dxs.is_some();
        let __nn_a1 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c0 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 13usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a2 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c1 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Tanh as ::nncore::Layer<
                    [::core::primitive::f32; 13usize],
                    [::core::primitive::f32; 13usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a3 = <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c2 = ::nncore::__private::take(
            &mut __nn_workspace,
            if __nn_train {
                <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                    [::core::primitive::f32; 13usize],
                    [::core::primitive::f32; 1usize],
                >>::train_cache_len(__nn_n)
            } else {
                0
            },
        );
        let __nn_a3: &[_] = match __nn_outputs {
            ::core::option::Option::Some((__nn_ys, _)) => __nn_ys,
            ::core::option::Option::None => &*__nn_a3,
        };
        let __nn_g0 = match __nn_dxs {
            ::core::option::Option::Some(__nn_dxs) => {
                ::core::assert_eq!(__nn_dxs.len(), __nn_n);
                __nn_dxs
            }
            ::core::option::Option::None => {
                <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(
                        &mut __nn_workspace,
                        __nn_n * <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
                    ),
                )
            }
        };
        let __nn_g1 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g2 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g3 = <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_g3: &[[::core::primitive::f32; 1usize]] = match __nn_outputs {
            ::core::option::Option::Some((_, __nn_dys)) => __nn_dys,
            ::core::option::Option::None => {
                ::nncore::__private::output_grads(&*__nn_a3, __nn_g3, __nn_loss_grad);
                &*__nn_g3
            }
        };
        if true {
            let __nn_dx = if true {
                ::core::option::Option::Some(&mut *__nn_g2)
            } else {
                ::core::option::Option::None
            };
            ::nncore::Layer::<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
            >::backward_mode(
                &self.output_linear,
                &*__nn_a2,
                &*__nn_a3,
                &*__nn_g3,
                &mut *__nn_c2,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.output_linear),
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
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >::backward_mode(
                &self.hidden_activ,
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
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 13usize],
            >::backward_mode(
                &self.hidden_linear,
                __nn_xs,
                &*__nn_a1,
                &*__nn_g1,
                &mut *__nn_c0,
                __nn_grads.as_mut().map(|__nn_g| &mut __nn_g.hidden_linear),
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
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_out: &mut [[::core::primitive::f32; 1usize]],
        __nn_arena: &mut [::core::primitive::f32],
    ) {
        let __nn_n = __nn_xs.len();
        {
            let [__nn_y, __nn_s] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        TempNet::__NN_PLAN.in_output[0usize],
                        TempNet::__NN_PLAN.offsets[0usize],
                        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        TempNet::__NN_PLAN.in_output[3usize],
                        TempNet::__NN_PLAN.offsets[3usize],
                        <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
                            [::core::primitive::f32; 1usize],
                            [::core::primitive::f32; 13usize],
                        >>::SCRATCH,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 13usize],
            >::forward_scratch(
                &self.hidden_linear,
                __nn_xs,
                <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
                    __nn_y,
                ),
                __nn_s,
            );
        }
        {
            let [__nn_y, __nn_s, __nn_x] = ::nncore::__private::regions(
                &mut *__nn_arena,
                <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::flat_batch_mut(
                    &mut *__nn_out,
                ),
                __nn_n,
                [
                    (
                        TempNet::__NN_PLAN.in_output[1usize],
                        TempNet::__NN_PLAN.offsets[1usize],
                        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                    ),
                    (
                        TempNet::__NN_PLAN.in_output[4usize],
                        TempNet::__NN_PLAN.offsets[4usize],
                        <::nncore::Tanh as ::nncore::Layer<
                            [::core::primitive::f32; 13usize],
                            [::core::primitive::f32; 13usize],
                        >>::SCRATCH,
                    ),
                    (
                        TempNet::__NN_PLAN.in_output[0usize],
                        TempNet::__NN_PLAN.offsets[0usize],
                        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >::forward_scratch(
                &self.hidden_activ,
                &*<[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
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
                        TempNet::__NN_PLAN.in_output[5usize],
                        TempNet::__NN_PLAN.offsets[5usize],
                        <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                            [::core::primitive::f32; 13usize],
                            [::core::primitive::f32; 1usize],
                        >>::SCRATCH,
                    ),
                    (
                        TempNet::__NN_PLAN.in_output[1usize],
                        TempNet::__NN_PLAN.offsets[1usize],
                        <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
                    ),
                ],
            );
            ::nncore::Layer::<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
            >::forward_scratch(
                &self.output_linear,
                &*<[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
                    __nn_x,
                ),
                &mut *__nn_out,
                __nn_s,
            );
        }
    }
}
impl ::nncore::Model<[::core::primitive::f32; 1usize], [::core::primitive::f32; 1usize]>
    for TempNet
{
    #[inline]
    fn forward(
        &self,
        __nn_x: &[::core::primitive::f32; 1usize],
    ) -> [::core::primitive::f32; 1usize] {
        let __nn_x1 = ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 13usize],
        >::forward(&self.hidden_linear, __nn_x);
        let __nn_x2 = ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 13usize],
        >::forward(&self.hidden_activ, &__nn_x1);
        let __nn_x3 = ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 1usize],
        >::forward(&self.output_linear, &__nn_x2);
        __nn_x3
    }
    #[inline]
    fn backward_sample(
        &self,
        __nn_x: &[::core::primitive::f32; 1usize],
        __nn_grads: &mut Self,
        __nn_loss_grad: impl ::core::ops::FnOnce(
            &[::core::primitive::f32; 1usize],
        ) -> [::core::primitive::f32; 1usize],
    ) {
        ::nncore::__private::backward_one::<
            {
                <TempNet as ::nncore::__private::Passes<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 1usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <TempNet as ::nncore::__private::Passes<
                        [::core::primitive::f32; 1usize],
                        [::core::primitive::f32; 1usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(self, __nn_x, __nn_grads, __nn_loss_grad);
    }
    #[inline]
    fn forward_into(
        &self,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_out: &mut [[::core::primitive::f32; 1usize]],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::forward_blocks::<
            {
                <TempNet as ::nncore::__private::Passes<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 1usize],
                >>::ARENA
            },
            {
                ::nncore::__private::forward_block_size(
                    <TempNet as ::nncore::__private::Passes<
                        [::core::primitive::f32; 1usize],
                        [::core::primitive::f32; 1usize],
                    >>::ARENA,
                )
            },
            Self,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(self, __nn_xs, __nn_out)
    }
    #[inline]
    fn backward(
        &self,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_dys: &[[::core::primitive::f32; 1usize]],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::backward_blocks::<
            {
                <TempNet as ::nncore::__private::Passes<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 1usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <TempNet as ::nncore::__private::Passes<
                        [::core::primitive::f32; 1usize],
                        [::core::primitive::f32; 1usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(self, __nn_xs, __nn_dys, __nn_grads)
    }
    #[inline]
    fn backward_loss<__NnL: ::nncore::Loss<[::core::primitive::f32; 1usize]>>(
        &self,
        __nn_loss_fn: &__NnL,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_targets: &[__NnL::Target],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<::core::primitive::f32, ::nncore::Error> {
        ::nncore::__private::backward_loss_blocks::<
            {
                <TempNet as ::nncore::__private::Passes<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 1usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <TempNet as ::nncore::__private::Passes<
                        [::core::primitive::f32; 1usize],
                        [::core::primitive::f32; 1usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            __NnL,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(self, __nn_loss_fn, __nn_xs, __nn_targets, __nn_grads)
    }
}
impl TempNet {
    /// Floats of training workspace per sample (values, gradients, caches) and per
    /// batch (BatchNorm's statistics).
    #[doc(hidden)]
    pub const __NN_TRAIN: (::core::primitive::usize, ::core::primitive::usize) = (
        <TempNet as ::nncore::__private::Passes<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::EVAL_WS
            + 0
            + <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 13usize],
            >>::TRAIN_CACHE
            + <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >>::TRAIN_CACHE
            + <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
            >>::TRAIN_CACHE,
        0 + <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 13usize],
        >>::TRAIN_CACHE_FIXED
            + <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >>::TRAIN_CACHE_FIXED
            + <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
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
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        mut __nn_out: ::core::option::Option<&mut [[::core::primitive::f32; 1usize]]>,
        mut __nn_workspace: &mut [::core::primitive::f32],
        __nn_rng: &mut __NnR,
    ) {
        let __nn_n = __nn_xs.len();
        let __nn_a1 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c0 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Linear<1usize, 13usize> as ::nncore::Layer<
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 13usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 13usize],
        >::forward_train(&mut self.hidden_linear, __nn_xs, __nn_a1, __nn_c0, __nn_rng);
        let __nn_a2 = <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::batch_mut(
            ::nncore::__private::take(
                &mut __nn_workspace,
                __nn_n * <[::core::primitive::f32; 13usize] as ::nncore::Tensor>::LEN,
            ),
        );
        let __nn_c1 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Tanh as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 13usize],
        >::forward_train(&mut self.hidden_activ, &*__nn_a1, __nn_a2, __nn_c1, __nn_rng);
        let __nn_a3 = {
            let __nn_ws = <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::batch_mut(
                ::nncore::__private::take(
                    &mut __nn_workspace,
                    __nn_n * <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::LEN,
                ),
            );
            match __nn_out.take() {
                ::core::option::Option::Some(__nn_out) => __nn_out,
                ::core::option::Option::None => __nn_ws,
            }
        };
        let __nn_c2 = ::nncore::__private::take(
            &mut __nn_workspace,
            <::nncore::Linear<13usize, 1usize> as ::nncore::Layer<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
            >>::train_cache_len(__nn_n),
        );
        ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 1usize],
        >::forward_train(&mut self.output_linear, &*__nn_a2, __nn_a3, __nn_c2, __nn_rng);
        if let ::core::option::Option::Some(__nn_out) = __nn_out {
            __nn_out.copy_from_slice(&*__nn_a3);
        }
    }
}
::nncore::__private::with_alloc! {
    impl ::nncore::TrainModel < [::core::primitive::f32; 1usize],
    [::core::primitive::f32; 1usize] > for TempNet { #[inline] fn
    workspace_len(__nn_batch : ::core::primitive::usize) -> ::core::primitive::usize {
    Self::__nn_train_len(__nn_batch) } #[inline] fn forward_train < __NnR :
    ::nncore::__private::Rng + ? ::core::marker::Sized > (& mut self, __nn_xs : &
    [[::core::primitive::f32; 1usize]], __nn_out : & mut [[::core::primitive::f32;
    1usize]], __nn_workspace : & mut [::core::primitive::f32], __nn_rng : & mut __NnR,) {
    self.__nn_train_forward(__nn_xs, ::core::option::Option::Some(__nn_out),
    __nn_workspace, __nn_rng); } #[inline] fn backward_train < __NnR :
    ::nncore::__private::Rng + ? ::core::marker::Sized > (& mut self, __nn_xs : &
    [[::core::primitive::f32; 1usize]], __nn_grads : & mut Self, __nn_workspace : & mut
    [::core::primitive::f32], __nn_rng : & mut __NnR, __nn_loss_grad : impl
    ::core::ops::FnMut(::core::primitive::usize, & [::core::primitive::f32; 1usize]) ->
    [::core::primitive::f32; 1usize],) { self.__nn_train_forward(__nn_xs,
    ::core::option::Option::None, & mut * __nn_workspace, __nn_rng); < TempNet as
    ::nncore::__private::Passes < [::core::primitive::f32; 1usize],
    [::core::primitive::f32; 1usize] >> ::backward_ws(self, __nn_xs, __nn_workspace,
    ::core::option::Option::Some(__nn_grads), __nn_loss_grad,
    ::core::option::Option::None, ::core::option::Option::None, true); } }
}
impl TempNet {
    /// The model's output for one sample ([`Model::forward`](::nncore::Model::forward)).
    #[inline]
    #[must_use]
    pub fn forward(
        &self,
        __nn_x: &[::core::primitive::f32; 1usize],
    ) -> [::core::primitive::f32; 1usize] {
        <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::forward(self, __nn_x)
    }
    /// [`Model::forward_into`](::nncore::Model::forward_into).
    ///
    /// # Errors
    /// [`nncore::Error::BatchLength`] if `out` has not one row per sample.
    #[inline]
    pub fn forward_into(
        &self,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_out: &mut [[::core::primitive::f32; 1usize]],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_out: &mut [[::core::primitive::f32; 1usize]],
        __nn_arena: &mut [::core::primitive::f32],
    ) -> ::core::result::Result<(), ::nncore::Error> {
        ::nncore::__private::check_arena::<
            Self,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(__nn_xs.len(), __nn_out.len(), __nn_arena.len())?;
        let __nn_arena = &mut __nn_arena[..__nn_xs.len()
            * <TempNet as ::nncore::__private::Passes<
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 1usize],
            >>::ARENA];
        <TempNet as ::nncore::__private::Passes<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_dys: &[[::core::primitive::f32; 1usize]],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<(), ::nncore::Error> {
        <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::backward(self, __nn_xs, __nn_dys, __nn_grads)
    }
    /// [`Model::backward_loss`](::nncore::Model::backward_loss).
    ///
    /// # Errors
    /// As [`Model::backward_loss`](::nncore::Model::backward_loss).
    #[inline]
    pub fn backward_loss<__NnL: ::nncore::Loss<[::core::primitive::f32; 1usize]>>(
        &self,
        __nn_loss_fn: &__NnL,
        __nn_xs: &[[::core::primitive::f32; 1usize]],
        __nn_targets: &[__NnL::Target],
        __nn_grads: &mut ::nncore::Grads<Self>,
    ) -> ::core::result::Result<::core::primitive::f32, ::nncore::Error> {
        <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::backward_loss(self, __nn_loss_fn, __nn_xs, __nn_targets, __nn_grads)
    }
}
::nncore::__private::with_alloc! {
    impl TempNet { #[doc =
    r" [`Model::forward_batch`](::nncore::Model::forward_batch): `model(x)` for a"] #[doc
    = r" batch."] #[must_use] #[inline] pub fn forward_batch(& self, __nn_xs : &
    [[::core::primitive::f32; 1usize]]) -> ::nncore::__private::Vec <
    [::core::primitive::f32; 1usize] > { < Self as ::nncore::Model <
    [::core::primitive::f32; 1usize], [::core::primitive::f32; 1usize] >>
    ::forward_batch(self, __nn_xs) } }
}
impl ::nncore::Layer<[::core::primitive::f32; 1usize], [::core::primitive::f32; 1usize]>
    for TempNet
{
    #[inline]
    fn forward(
        &self,
        __nn_x: &[::core::primitive::f32; 1usize],
    ) -> [::core::primitive::f32; 1usize] {
        <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::forward(self, __nn_x)
    }
    #[inline]
    fn backward_params(
        &self,
        __nn_x: &[::core::primitive::f32; 1usize],
        __nn_y: &[::core::primitive::f32; 1usize],
        __nn_dy: &[::core::primitive::f32; 1usize],
        __nn_grads: &mut Self,
    ) {
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_x: &[::core::primitive::f32; 1usize],
        __nn_y: &[::core::primitive::f32; 1usize],
        __nn_dy: &[::core::primitive::f32; 1usize],
    ) -> [::core::primitive::f32; 1usize] {
        let mut __nn_dx = <[::core::primitive::f32; 1usize] as ::nncore::Tensor>::ZERO;
        let __nn_dxs = ::core::slice::from_mut(&mut __nn_dx);
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &mut [[::core::primitive::f32; 1usize]],
    ) {
        let _ = <Self as ::nncore::Model<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::forward_into(self, __nn_x, __nn_y);
    }
    #[inline]
    fn backward_params_batch(
        &self,
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &[[::core::primitive::f32; 1usize]],
        __nn_dy: &[[::core::primitive::f32; 1usize]],
        __nn_grads: &mut Self,
    ) {
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &[[::core::primitive::f32; 1usize]],
        __nn_dy: &[[::core::primitive::f32; 1usize]],
        __nn_dx: &mut [[::core::primitive::f32; 1usize]],
    ) {
        ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
        __nn_x: &[[::core::primitive::f32; 1usize]],
        _: &[[::core::primitive::f32; 1usize]],
        __nn_dy: &[[::core::primitive::f32; 1usize]],
        __nn_grads: ::core::option::Option<&mut Self>,
        __nn_dx: ::core::option::Option<&mut [[::core::primitive::f32; 1usize]]>,
    ) {
        ::nncore::__private::eval_backward::<
            {
                <TempNet as ::nncore::__private::Passes<
                    [::core::primitive::f32; 1usize],
                    [::core::primitive::f32; 1usize],
                >>::EVAL_WS
            },
            {
                ::nncore::__private::block_size(
                    <TempNet as ::nncore::__private::Passes<
                        [::core::primitive::f32; 1usize],
                        [::core::primitive::f32; 1usize],
                    >>::EVAL_WS,
                )
            },
            Self,
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >(
            self,
            __nn_x,
            __nn_grads,
            |__nn_b, _| __nn_dy[__nn_b],
            __nn_dx,
        );
    }
    const SCRATCH: ::core::primitive::usize = <TempNet as ::nncore::__private::Passes<
        [::core::primitive::f32; 1usize],
        [::core::primitive::f32; 1usize],
    >>::ARENA;
    #[inline]
    fn forward_scratch(
        &self,
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &mut [[::core::primitive::f32; 1usize]],
        __nn_cache: &mut [::core::primitive::f32],
    ) {
        <TempNet as ::nncore::__private::Passes<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
        >>::forward_in(self, __nn_x, __nn_y, __nn_cache);
    }
    const TRAIN_CACHE: ::core::primitive::usize = TempNet::__NN_TRAIN.0;
    const TRAIN_CACHE_FIXED: ::core::primitive::usize = TempNet::__NN_TRAIN.1;
    #[inline]
    fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
        &mut self,
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &mut [[::core::primitive::f32; 1usize]],
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
        __nn_x: &[[::core::primitive::f32; 1usize]],
        __nn_y: &[[::core::primitive::f32; 1usize]],
        __nn_dy: &[[::core::primitive::f32; 1usize]],
        __nn_cache: &mut [::core::primitive::f32],
        __nn_grads: ::core::option::Option<&mut Self>,
        __nn_dx: ::core::option::Option<&mut [[::core::primitive::f32; 1usize]]>,
    ) {
        let __nn_given = ::core::option::Option::Some((__nn_y, __nn_dy));
        <TempNet as ::nncore::__private::Passes<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 1usize],
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
impl ::core::fmt::Display for TempNet {
    fn fmt(&self, __nn_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::nncore::__private::write_module(
            __nn_f,
            "Sequential",
            &[
                (
                    "hidden_linear",
                    &self.hidden_linear as &dyn ::core::fmt::Display,
                ),
                (
                    "hidden_activ",
                    &self.hidden_activ as &dyn ::core::fmt::Display,
                ),
                (
                    "output_linear",
                    &self.output_linear as &dyn ::core::fmt::Display,
                ),
            ],
        )
    }
}
/// `TempNet` in int8, as `TempNet::quantize` makes it: each field the int8 form
/// of the layer of `TempNet` of the same name, computing what TensorFlow Lite
/// Micro's reference kernels compute. Plain data (`const`-constructible, no heap);
/// `forward` takes int8 samples in TensorFlow Lite's layout, `forward_f32` float ones.
#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
pub struct TempNetInt8 {
    pub hidden_linear: <::nncore::Linear<1usize, 13usize> as ::nncore::quant::Quantize>::Quantized,
    pub hidden_activ: <::nncore::Tanh as ::nncore::quant::Quantize>::Quantized,
    pub output_linear: <::nncore::Linear<13usize, 1usize> as ::nncore::quant::Quantize>::Quantized,
}
impl TempNetInt8 {
    /// Bytes of constant data: int8 weights, int32 biases and lookup tables.
    pub const WEIGHT_BYTES: ::core::primitive::usize = 0
        + <<::nncore::Linear<
            1usize,
            13usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES
        + <<::nncore::Linear<
            13usize,
            1usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::Int8Layer>::WEIGHT_BYTES;
    /// Bytes the model's value occupies, what a `static` of it puts in flash (its size):
    /// the weights and biases of `WEIGHT_BYTES`, each output channel's stage (its `f32`
    /// weight scale and fixed-point multiplier, 12 bytes), each layer's quantization,
    /// window and clamp (`usize`s: their size is the target's), and padding.
    pub const STORED_BYTES: ::core::primitive::usize = ::core::mem::size_of::<Self>();
    /// Bytes of the largest activation, the input and output included (one byte a value).
    pub const MAX_ACTIVATION_BYTES: ::core::primitive::usize = ::nncore::__private::max_of(&[
        <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
        <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
        <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
        <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
    ]);
    /// Bytes of the activations alive at once at the fullest point of `forward`, the
    /// input and output included: a layer's input and output. `forward_into` keeps the
    /// values between the input and the output (both the caller's) in one buffer of
    /// `BUFFER_BYTES` on the stack, each layer writing its output straight into it at the
    /// end its input is not at; `forward` adds the output.
    pub const ARENA_BYTES: ::core::primitive::usize = ::nncore::__private::max_of(&[
        0 + <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN
            + <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
        0 + <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN
            + <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
        0 + <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN
            + <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
    ]);
    /// Bytes of the buffer `forward_into` keeps on the stack: the widest layer's input and
    /// output together, among the layers before the one writing the caller's output (a
    /// model among them running its own layers in it).
    pub const BUFFER_BYTES: ::core::primitive::usize = ::nncore::__private::two_ended(
        &Self::__NN_IN_PLACE,
        &[
            <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
        ],
        &Self::__NN_EACH_INSIDE,
    );
    /// Whether each layer works in place (`QuantLayer::IN_PLACE`) or is left out.
    #[doc(hidden)]
    pub const __NN_IN_PLACE: [::core::primitive::bool; 3usize] = [
        <<::nncore::Linear<
            1usize,
            13usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 1usize],
            [::core::primitive::i8; 13usize],
        >>::IN_PLACE,
        <<::nncore::Tanh as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 13usize],
        >>::IN_PLACE,
        <<::nncore::Linear<
            13usize,
            1usize,
        > as ::nncore::quant::Quantize>::Quantized as ::nncore::quant::QuantLayer<
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 1usize],
        >>::IN_PLACE,
    ];
    /// The bytes each layer that is a model takes running inside the buffer, else 0.
    #[doc(hidden)]
    pub const __NN_EACH_INSIDE: [::core::primitive::usize; 3usize] = [0, 0, 0];
    /// The bytes `__nn_inside` takes in its caller's buffer.
    #[doc(hidden)]
    pub const __NN_INSIDE: ::core::primitive::usize = ::nncore::__private::inside_bytes(
        &Self::__NN_IN_PLACE,
        <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
        &[
            <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 13usize] as ::nncore::quant::Int8Sample>::LEN,
            <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::LEN,
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
            [::core::primitive::i8; 1usize],
            [::core::primitive::i8; 13usize],
        >(&self.hidden_linear, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 13usize],
        >(&self.hidden_activ, __nn_buffer, __nn_at_back);
        ::nncore::__private::inside::<
            _,
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 1usize],
        >(&self.output_linear, __nn_buffer, __nn_at_back);
    }
    /// Multiply-adds of one sample's forward pass, as the float model's.
    pub const MULTIPLY_ADDS: ::core::primitive::usize =
        <TempNet as ::nncore::Module>::MULTIPLY_ADDS;
    /// The quantization of the model's input.
    #[must_use]
    #[inline]
    pub fn input_params(&self) -> ::nncore::quant::QuantParams {
        ::nncore::quant::Int8Layer::input_params(&self.hidden_linear)
    }
    /// The quantization of the model's output.
    #[must_use]
    #[inline]
    pub fn output_params(&self) -> ::nncore::quant::QuantParams {
        ::nncore::quant::Int8Layer::output_params(&self.output_linear)
    }
    /// The int8 output for the int8 sample `x`.
    #[must_use]
    #[inline]
    pub fn forward(
        &self,
        __nn_x0: &[::core::primitive::i8; 1usize],
    ) -> [::core::primitive::i8; 1usize] {
        let mut __nn_x3 = <[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::ZERO;
        self.forward_into(__nn_x0, &mut __nn_x3);
        __nn_x3
    }
    /// The int8 output for the int8 sample `x`, written into `y` (all of it): the last
    /// layer writes it there, the values before it are in one buffer on the stack.
    #[inline]
    pub fn forward_into(
        &self,
        __nn_x0: &[::core::primitive::i8; 1usize],
        __nn_y: &mut [::core::primitive::i8; 1usize],
    ) {
        const __NN_LAST: ::core::primitive::usize =
            ::nncore::__private::written_last(&TempNetInt8::__NN_IN_PLACE);
        let __nn_y = ::nncore::quant::Int8Sample::flat_mut(__nn_y);
        let mut __nn_buffer = [0i8; TempNetInt8::BUFFER_BYTES];
        #[allow(unused_mut)]
        let mut __nn_at_back = false;
        ::nncore::__private::first::<
            _,
            [::core::primitive::i8; 1usize],
            [::core::primitive::i8; 13usize],
        >(
            &self.hidden_linear,
            __nn_x0,
            &mut __nn_buffer,
            __NN_LAST,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 13usize],
        >(
            &self.hidden_activ,
            1usize,
            __NN_LAST,
            &mut __nn_buffer,
            &mut __nn_at_back,
            __nn_y,
        );
        ::nncore::__private::step::<
            _,
            [::core::primitive::i8; 13usize],
            [::core::primitive::i8; 1usize],
        >(
            &self.output_linear,
            2usize,
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
        __nn_x0: &[::core::primitive::f32; 1usize],
    ) -> [::core::primitive::f32; 1usize] {
        let __nn_x3 = self.forward(
            &<[::core::primitive::i8; 1usize] as ::nncore::quant::Int8Sample>::quantize(
                __nn_x0,
                self.input_params(),
            ),
        );
        ::nncore::quant::Int8Sample::dequantize(&__nn_x3, self.output_params())
    }
}
impl ::nncore::quant::QuantLayer<[::core::primitive::i8; 1usize], [::core::primitive::i8; 1usize]>
    for TempNetInt8
{
    #[inline]
    fn forward(
        &self,
        __nn_x0: &[::core::primitive::i8; 1usize],
    ) -> [::core::primitive::i8; 1usize] {
        TempNetInt8::forward(self, __nn_x0)
    }
    #[inline]
    fn forward_into(
        &self,
        __nn_x0: &[::core::primitive::i8; 1usize],
        __nn_y: &mut [::core::primitive::i8; 1usize],
    ) {
        TempNetInt8::forward_into(self, __nn_x0, __nn_y)
    }
}
impl ::nncore::quant::Int8Model for TempNetInt8 {
    const WEIGHT_BYTES: ::core::primitive::usize = TempNetInt8::WEIGHT_BYTES;
    #[inline]
    fn write_fields(&self, __nn_out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
        __nn_out.write_str("{")?;
        ::nncore::__private::write_field(__nn_out, "hidden_linear", &self.hidden_linear)?;
        ::nncore::__private::write_field(__nn_out, "hidden_activ", &self.hidden_activ)?;
        ::nncore::__private::write_field(__nn_out, "output_linear", &self.output_linear)?;
        __nn_out.write_str("\n}")
    }
}
impl TempNet {
    /// This model in int8, a `TempNetInt8`, as TensorFlow Lite's converter quantizes it:
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
    ) -> ::core::result::Result<TempNetInt8, ::nncore::Error>
    where
        __NnC: ::core::iter::IntoIterator<Item = &'__nn_a [::core::primitive::f32; 1usize]>,
    {
        const __NN_ROLES: [::nncore::quant::Role; 3usize] = [
            <::nncore::Linear<1usize, 13usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<13usize, 1usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const { ::nncore::__private::refuse::<__NnC, 3usize>(&__NN_ROLES, 0usize) };
        const { ::nncore::__private::refuse::<__NnC, 3usize>(&__NN_ROLES, 1usize) };
        const { ::nncore::__private::refuse::<__NnC, 3usize>(&__NN_ROLES, 2usize) };
        let mut __nn_ranges = [::nncore::quant::ptq::MinMax::new(); 4usize];
        for __nn_x0 in __nn_calibration {
            let __nn_x1 = ::nncore::Layer::<
                [::core::primitive::f32; 1usize],
                [::core::primitive::f32; 13usize],
            >::forward(&self.hidden_linear, __nn_x0);
            let __nn_x2 = ::nncore::Layer::<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 13usize],
            >::forward(&self.hidden_activ, &__nn_x1);
            let __nn_x3 = ::nncore::Layer::<
                [::core::primitive::f32; 13usize],
                [::core::primitive::f32; 1usize],
            >::forward(&self.output_linear, &__nn_x2);
            __nn_ranges[0usize].observe(::nncore::Tensor::flat(__nn_x0))?;
            __nn_ranges[1usize].observe(::nncore::Tensor::flat(&__nn_x1))?;
            __nn_ranges[2usize].observe(::nncore::Tensor::flat(&__nn_x2))?;
            __nn_ranges[3usize].observe(::nncore::Tensor::flat(&__nn_x3))?;
        }
        let __nn_norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; 3usize] = [
            ::nncore::quant::Quantize::norm(&self.hidden_linear),
            ::nncore::quant::Quantize::norm(&self.hidden_activ),
            ::nncore::quant::Quantize::norm(&self.output_linear),
        ];
        let __nn_plans = ::nncore::quant::Plans::new(
            &__NN_ROLES,
            &__nn_ranges,
            ["hidden_linear", "hidden_activ", "output_linear"],
        )?;
        ::core::result::Result::Ok(TempNetInt8 {
            hidden_linear: ::nncore::quant::Quantize::quantize(
                &self.hidden_linear,
                &__nn_plans.layer(0usize, &__nn_norms),
            )?,
            hidden_activ: ::nncore::quant::Quantize::quantize(
                &self.hidden_activ,
                &__nn_plans.layer(1usize, &__nn_norms),
            )?,
            output_linear: ::nncore::quant::Quantize::quantize(
                &self.output_linear,
                &__nn_plans.layer(2usize, &__nn_norms),
            )?,
        })
    }
}
#[doc(hidden)]
#[allow(clippy::all)]
impl TempNet {
    /// Fails to compile, on the layer, if a layer of it or of a model nested in it has no
    /// int8 form; `__NnC` delays the check until `quantize` is called.
    #[inline]
    pub fn __nn_check<__NnC>() {
        const __NN_ROLES: [::nncore::quant::Role; 3usize] = [
            <::nncore::Linear<1usize, 13usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<13usize, 1usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const __NN_NODES: [::nncore::quant::Node; 3usize] = [
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
        ];
        const {
            ::nncore::__private::refuse_graph::<__NnC, 3usize, 3usize>(
                &__NN_NODES,
                &__NN_ROLES,
                3usize,
                0usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 3usize, 3usize>(
                &__NN_NODES,
                &__NN_ROLES,
                3usize,
                1usize,
            )
        };
        const {
            ::nncore::__private::refuse_graph::<__NnC, 3usize, 3usize>(
                &__NN_NODES,
                &__NN_ROLES,
                3usize,
                2usize,
            )
        };
    }
    /// The ranges `__nn_observe` calibrates.
    pub const __NN_VALUES: ::core::primitive::usize = 3usize + 1;
    /// The float output for `x`, each value's range widened to include it.
    #[inline]
    pub fn __nn_observe(
        &self,
        __nn_x0: &[::core::primitive::f32; 1usize],
        __nn_ranges: &mut [::nncore::quant::ptq::MinMax],
    ) -> ::core::result::Result<[::core::primitive::f32; 1usize], ::nncore::Error> {
        let __nn_x1 = ::nncore::Layer::<
            [::core::primitive::f32; 1usize],
            [::core::primitive::f32; 13usize],
        >::forward(&self.hidden_linear, __nn_x0);
        let __nn_x2 = ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 13usize],
        >::forward(&self.hidden_activ, &__nn_x1);
        let __nn_x3 = ::nncore::Layer::<
            [::core::primitive::f32; 13usize],
            [::core::primitive::f32; 1usize],
        >::forward(&self.output_linear, &__nn_x2);
        __nn_ranges[0usize].observe(::nncore::Tensor::flat(__nn_x0))?;
        __nn_ranges[1usize].observe(::nncore::Tensor::flat(&__nn_x1))?;
        __nn_ranges[2usize].observe(::nncore::Tensor::flat(&__nn_x2))?;
        __nn_ranges[3usize].observe(::nncore::Tensor::flat(&__nn_x3))?;
        ::core::result::Result::Ok(__nn_x3)
    }
    /// The int8 twin from the ranges `__nn_observe` calibrated, its input quantized
    /// by `input` if given.
    #[inline]
    pub fn __nn_quantize_in(
        &self,
        __nn_ranges: &[::nncore::quant::ptq::MinMax],
        __nn_input: ::core::option::Option<::nncore::quant::QuantParams>,
    ) -> ::core::result::Result<TempNetInt8, ::nncore::Error> {
        const __NN_ROLES: [::nncore::quant::Role; 3usize] = [
            <::nncore::Linear<1usize, 13usize> as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Tanh as ::nncore::quant::Quantize>::ROLE,
            <::nncore::Linear<13usize, 1usize> as ::nncore::quant::Quantize>::ROLE,
        ];
        const __NN_NODES: [::nncore::quant::Node; 3usize] = [
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
        ];
        let __nn_norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; 3usize] = [
            ::nncore::quant::Quantize::norm(&self.hidden_linear),
            ::nncore::quant::Quantize::norm(&self.hidden_activ),
            ::nncore::quant::Quantize::norm(&self.output_linear),
        ];
        let __nn_plans = ::nncore::quant::GraphPlans::new(
            __NN_NODES,
            3usize,
            &__NN_ROLES,
            __nn_ranges,
            ["hidden_linear", "hidden_activ", "output_linear"],
            __nn_input,
        )?;
        let __nn_q0 =
            __nn_plans.quantize(&self.hidden_linear, "hidden_linear", &[0usize], &__nn_norms)?;
        let __nn_q1 =
            __nn_plans.quantize(&self.hidden_activ, "hidden_activ", &[1usize], &__nn_norms)?;
        let __nn_q2 =
            __nn_plans.quantize(&self.output_linear, "output_linear", &[2usize], &__nn_norms)?;
        ::core::result::Result::Ok(TempNetInt8 {
            hidden_linear: __nn_q0,
            hidden_activ: __nn_q1,
            output_linear: __nn_q2,
        })
    }
}
impl ::nncore::quant::Int8Layer for TempNetInt8 {
    const WEIGHT_BYTES: ::core::primitive::usize = TempNetInt8::WEIGHT_BYTES;
    fn input_params(&self) -> ::nncore::quant::QuantParams {
        TempNetInt8::input_params(self)
    }
    fn output_params(&self) -> ::nncore::quant::QuantParams {
        TempNetInt8::output_params(self)
    }
    fn write_rust(&self, __nn_out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
        __nn_out.write_str(::core::stringify!(TempNetInt8))?;
        ::nncore::quant::Int8Model::write_fields(self, __nn_out)
    }
}
// --- end of what `sequential!` writes ---

/// The hand-expanded model works like the macro's: print it, run it, take one gradient, and
/// build it from its parameters.
fn main() -> Result<(), nncore::Error> {
    let model = TempNet::init(&mut rand::rngs::StdRng::seed_from_u64(0));
    println!("{model}");
    println!("{} parameters", TempNet::NUM_PARAMS);

    let (t_u, t_c) = ([[3.57], [5.59], [5.82]], [[0.5], [14.0], [15.0]]);
    println!("output {:?}", model.forward_batch(&t_u));
    let mut grads = Grads::<TempNet>::new();
    let loss = model.backward_loss(&MSELoss::new(), &t_u, &t_c, &mut grads)?;
    println!("loss {loss}");
    println!("grads.output_linear.bias {:?}", grads.output_linear.bias);

    let mut params = [0.0; TempNet::NUM_PARAMS];
    let mut at = 0;
    for param in model.parameters() {
        params[at..at + param.data.len()].copy_from_slice(param.data);
        at += param.data.len();
    }
    assert_eq!(TempNet::from_params(&params), model);
    Ok(())
}

//! Expand: write the model's struct and its impls. Quoting only; every check is in `valid.rs`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Index;

use crate::ast::Form;
use crate::valid::{
    ConstCheck, Field, Kind, Layer, MAX_PARAMS, MAX_WIDTHS, Model, Size, Stub, StubField,
};

// Hygiene: the generated code must compile whatever names the user has in scope. Types are
// written by absolute path (`::core::primitive::f32`, never `f32`, which a `type f32 = f64;`
// would replace). Every name the macro binds is one no one writes: locals, parameters and
// closure arguments start with `__nn_` (a mixed-site span is not enough: a pattern still sees the
// user's constants, so `let x1 = ..` beside a `const x1` would be a pattern), type parameters
// with `__Nn` (`__NnL`, not `L`), const parameters and items inside function bodies with `__NN_`
// (`__NN_B`, not `B`, which would shadow a user's `const B` used as a size).

/// `f32`, whatever the user calls `f32`.
fn f32_type() -> TokenStream {
    quote!(::core::primitive::f32)
}

/// `usize`, whatever the user calls `usize`.
fn usize_type() -> TokenStream {
    quote!(::core::primitive::usize)
}

/// A local variable or parameter of the generated code: `__nn_x1`, with a mixed-site span so that
/// no token of the user's can name it either.
fn local(name: &str) -> Ident {
    Ident::new(&format!("__nn_{name}"), Span::mixed_site())
}

/// The code for a valid model.
pub fn expand(model: &Model) -> TokenStream {
    let definition = definition(model);
    let constructors = constructors(model);
    let module = module_impl(model);
    let model_impl = model_impl(model);
    let display = display_impl(model);
    let assertions = const_checks(model);
    quote! {
        #definition
        #constructors
        #module
        #model_impl
        #display
        #assertions
    }
}

/// The macro's errors, and a stub in place of the model: the same struct with the fields that
/// checked out at their real types, `Module` and `Model` implemented with unreachable bodies. The
/// user's code that names the model, its fields or its methods then reports nothing more.
pub fn fallback(stub: &Stub, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let Stub {
        attrs,
        vis,
        ident,
        form,
        fields,
        input,
        output,
    } = stub;
    let (f32, usize) = (f32_type(), usize_type());
    let broken = quote!(::nncore::__private::Broken);
    let mut definitions = Vec::new();
    let mut values = Vec::new();
    for field in fields {
        match field {
            StubField::Layer(layer) => {
                definitions.push(field_definition(
                    vis,
                    &layer.attrs,
                    &layer.field,
                    layer.ty(),
                ));
                values.push((layer.member(), layer.zero()));
            }
            StubField::Broken { attrs, field } => {
                definitions.push(field_definition(vis, attrs, field, broken.clone()));
                values.push((field.member(Span::call_site()), broken.clone()));
            }
        }
    }
    let (members, zeros): (Vec<_>, Vec<_>) = values.into_iter().unzip();
    let body = match form {
        Form::Named => quote!({ #(#definitions,)* }),
        Form::Tuple => quote!(( #(#definitions,)* );),
    };
    // A width no layer tells becomes a parameter of the impl, so any call type-checks.
    let mut generics = Vec::new();
    let mut width = |size: &Option<Size>, name: &str| match size {
        Some(size) => size.len(),
        None => {
            let param = format_ident!("{}", name);
            generics.push(quote!(const #param: #usize));
            param.to_token_stream()
        }
    };
    let (input_len, output_len) = (width(input, "__NN_IN"), width(output, "__NN_OUT"));
    quote! {
        #error
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[allow(dead_code)]
        #vis struct #ident #body

        #[allow(dead_code, clippy::all)]
        impl #ident {
            pub const ZERO: Self = Self { #(#members: #zeros,)* };
            pub const TRAINED: Self = Self::ZERO;
            pub fn init<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(_: &mut __NnR) -> Self {
                ::core::unreachable!()
            }
            pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(&mut self, _: &mut __NnR) {
                ::core::unreachable!()
            }
            pub const fn from_params<const __NN_N: #usize>(_: &[#f32; __NN_N]) -> Self {
                ::core::unreachable!()
            }
        }

        ::nncore::__private::with_alloc! {
            #[allow(dead_code, clippy::all)]
            impl #ident {
                pub fn init_boxed<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    _: &mut __NnR,
                ) -> ::nncore::__private::Box<Self> {
                    ::core::unreachable!()
                }
            }
        }

        impl ::nncore::Module for #ident {
            const NUM_PARAMS: #usize = 0;
            fn zeros() -> Self {
                Self::ZERO
            }
            fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
                ::core::iter::empty()
            }
            fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
                ::core::iter::empty()
            }
        }

        impl<#(#generics),*> ::nncore::Model<[#f32; #input_len], [#f32; #output_len]> for #ident {
            fn forward(&self, _: &[#f32; #input_len]) -> [#f32; #output_len] {
                ::core::unreachable!()
            }
            fn backward_sample(
                &self,
                _: &[#f32; #input_len],
                _: &mut Self,
                _: impl ::core::ops::FnOnce(&[#f32; #output_len]) -> [#f32; #output_len],
            ) {
                ::core::unreachable!()
            }
            fn forward_into(
                &self,
                _: &[[#f32; #input_len]],
                _: &mut [[#f32; #output_len]],
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            fn backward(
                &self,
                _: &[[#f32; #input_len]],
                _: &[[#f32; #output_len]],
                _: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            fn backward_loss<__NnL: ::nncore::Loss<[#f32; #output_len]>>(
                &self,
                _: &__NnL,
                _: &[[#f32; #input_len]],
                _: &[__NnL::Target],
                _: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<#f32, ::nncore::Error> {
                ::core::unreachable!()
            }
        }

        ::nncore::__private::with_alloc! {
            impl<#(#generics),*> ::nncore::TrainModel<[#f32; #input_len], [#f32; #output_len]> for #ident {
                fn workspace_len(_: #usize) -> #usize {
                    ::core::unreachable!()
                }
                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    _: &[[#f32; #input_len]],
                    _: &mut [[#f32; #output_len]],
                    _: &mut [#f32],
                    _: &mut __NnR,
                ) {
                    ::core::unreachable!()
                }
                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    _: &[[#f32; #input_len]],
                    _: &mut Self,
                    _: &mut [#f32],
                    _: &mut __NnR,
                    _: impl ::core::ops::FnMut(#usize, &[#f32; #output_len]) -> [#f32; #output_len],
                ) {
                    ::core::unreachable!()
                }
            }
        }

        impl ::core::fmt::Display for #ident {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }
    }
}

/// `#[attr] pub name: Type`, or `#[attr] pub Type` in a tuple struct.
fn field_definition(
    vis: &syn::Visibility,
    attrs: &[syn::Attribute],
    field: &Field,
    ty: TokenStream,
) -> TokenStream {
    match field {
        Field::Named(name) => quote!(#(#attrs)* #vis #name: #ty),
        Field::Index(_) => quote!(#(#attrs)* #vis #ty),
    }
}

impl Field {
    /// `hidden_linear` or `0`, for `self.hidden_linear` and `Self { 0: .. }`.
    fn member(&self, span: Span) -> TokenStream {
        match self {
            Field::Named(ident) => ident.to_token_stream(),
            Field::Index(index) => Index {
                index: *index as u32,
                span,
            }
            .to_token_stream(),
        }
    }
}

impl Layer {
    /// `self.hidden_linear` or `self.0`, spanned on the user's layer.
    fn member(&self) -> TokenStream {
        self.field.member(self.span())
    }

    /// The name in `state_dict` keys: `hidden_linear`, `0`.
    fn module_name(&self) -> String {
        match &self.field {
            Field::Named(ident) => ident.to_string(),
            Field::Index(index) => index.to_string(),
        }
    }

    fn span(&self) -> Span {
        self.call
            .path
            .segments
            .last()
            .map_or_else(Span::call_site, |s| s.ident.span())
    }

    fn has_params(&self) -> bool {
        matches!(self.kind, Kind::Linear { .. })
    }

    /// The runtime type: `::nncore::Linear<1, 13>`.
    fn ty(&self) -> TokenStream {
        let span = self.span();
        match &self.kind {
            Kind::Linear {
                inputs,
                outputs,
                bias: true,
            } => {
                let (i, o) = (inputs.generic(), outputs.generic());
                quote_spanned!(span=> ::nncore::Linear<#i, #o>)
            }
            Kind::Linear {
                inputs,
                outputs,
                bias: false,
            } => {
                let (i, o) = (inputs.generic(), outputs.generic());
                quote_spanned!(span=> ::nncore::LinearNoBias<#i, #o>)
            }
            Kind::Tanh => quote_spanned!(span=> ::nncore::Tanh),
            Kind::ReLU => quote_spanned!(span=> ::nncore::ReLU),
            Kind::Sigmoid => quote_spanned!(span=> ::nncore::Sigmoid),
            Kind::LeakyReLU { .. } => quote_spanned!(span=> ::nncore::LeakyReLU),
            Kind::Gelu { .. } => quote_spanned!(span=> ::nncore::GELU),
            Kind::SiLU => quote_spanned!(span=> ::nncore::SiLU),
            Kind::Softplus { .. } => quote_spanned!(span=> ::nncore::Softplus),
            Kind::Elu { .. } => quote_spanned!(span=> ::nncore::ELU),
            Kind::Identity => quote_spanned!(span=> ::nncore::Identity),
        }
    }

    /// The layer with zero parameters, usable in a `const`.
    fn zero(&self) -> TokenStream {
        let ty = self.ty();
        match &self.kind {
            Kind::Linear { .. } => quote!(<#ty>::ZERO),
            Kind::LeakyReLU { slope: Some(slope) } => {
                let f32 = f32_type();
                quote!(::nncore::LeakyReLU::new((#slope) as #f32))
            }
            Kind::LeakyReLU { slope: None } => quote!(::nncore::LeakyReLU::new(0.01)),
            Kind::Gelu { tanh: true } => quote!(::nncore::GELU::TANH),
            Kind::Gelu { tanh: false } => quote!(::nncore::GELU::EXACT),
            Kind::Softplus { beta, threshold } => {
                let beta = number_or(beta.as_ref(), quote!(1.0));
                let threshold = number_or(threshold.as_ref(), quote!(20.0));
                quote!(::nncore::Softplus::new(#beta, #threshold))
            }
            Kind::Elu { alpha } => {
                let alpha = number_or(alpha.as_ref(), quote!(1.0));
                quote!(::nncore::ELU::new(#alpha))
            }
            _ => ty,
        }
    }

    /// The layer built in a `const fn` from the model's values `params`, starting at `at`.
    fn value_from_params(&self, params: &Ident, at: &TokenStream) -> TokenStream {
        let (name, inputs, outputs) = match &self.kind {
            Kind::Linear {
                inputs,
                outputs,
                bias: true,
            } => (quote!(linear_from_params), inputs, outputs),
            Kind::Linear {
                inputs,
                outputs,
                bias: false,
            } => (quote!(linear_no_bias_from_params), inputs, outputs),
            _ => return self.zero(),
        };
        let (i, o) = (inputs.generic(), outputs.generic());
        quote!(::nncore::__private::#name::<#i, #o>(#params.split_at(#at).1))
    }

    /// The layer with PyTorch's default initialization, drawn from `rng`.
    fn init(&self, rng: &Ident) -> TokenStream {
        let ty = self.ty();
        match &self.kind {
            Kind::Linear { .. } => quote!(<#ty>::init(#rng)),
            _ => self.zero(),
        }
    }
}

/// A layer's number argument as an `f32`, or its default.
fn number_or(value: Option<&syn::Expr>, default: TokenStream) -> TokenStream {
    match value {
        Some(value) => {
            let f32 = f32_type();
            quote!((#value) as #f32)
        }
        None => default,
    }
}

impl Size {
    /// An array length: `13`, or the expression as written (braces would be linted as unused).
    fn len(&self) -> TokenStream {
        let expr = &self.expr;
        match self.literal {
            Some(value) => {
                let value = value as usize;
                quote_spanned!(expr.span()=> #value)
            }
            None => quote_spanned!(expr.span()=> #expr),
        }
    }

    /// A const generic argument: `13`, or `{ HIDDEN }` for an expression.
    fn generic(&self) -> TokenStream {
        let expr = &self.expr;
        match self.literal {
            Some(value) => {
                let value = value as usize;
                quote_spanned!(expr.span()=> #value)
            }
            // A path or a literal is a const argument as it is; braces would be linted as unused.
            None if matches!(**expr, syn::Expr::Path(_) | syn::Expr::Lit(_)) => {
                quote_spanned!(expr.span()=> #expr)
            }
            None => quote_spanned!(expr.span()=> { #expr }),
        }
    }
}

use syn::spanned::Spanned;

fn definition(model: &Model) -> TokenStream {
    let Model {
        attrs,
        vis,
        ident,
        form,
        layers,
        ..
    } = model;
    let fields = layers
        .iter()
        .map(|layer| field_definition(vis, &layer.attrs, &layer.field, layer.ty()));
    let derives =
        quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]);
    match form {
        Form::Named => quote! {
            #(#attrs)*
            #derives
            #vis struct #ident { #(#fields,)* }
        },
        Form::Tuple => quote! {
            #(#attrs)*
            #derives
            #vis struct #ident ( #(#fields,)* );
        },
    }
}

/// `Self { a: .., b: .. }` or `Self(.., ..)`.
fn construct(model: &Model, values: impl Iterator<Item = TokenStream>) -> TokenStream {
    let members = model.layers.iter().map(Layer::member);
    quote!(Self { #(#members: #values,)* })
}

fn constructors(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let (f32, rng, params, model_var) = (f32_type(), local("rng"), local("params"), local("model"));
    let zero = construct(model, model.layers.iter().map(Layer::zero));
    let init = construct(model, model.layers.iter().map(|layer| layer.init(&rng)));
    // Each layer's values start where the previous layers' end.
    let mut at = quote!(0usize);
    let mut from_params = Vec::new();
    for layer in &model.layers {
        from_params.push(layer.value_from_params(&params, &at));
        let ty = layer.ty();
        at = quote!(#at + <#ty as ::nncore::Module>::NUM_PARAMS);
    }
    let from_params = construct(model, from_params.into_iter());
    let resets = model.layers.iter().filter(|l| l.has_params()).map(|layer| {
        let member = layer.member();
        quote!(self.#member.reset_parameters(#rng);)
    });
    quote! {
        impl #ident {
            /// The model with every parameter zero.
            pub const ZERO: Self = #zero;

            /// A model with PyTorch's default initialization (every `Linear` uniform in
            /// ±1/√in_features), drawn from `rng`: the same seed gives the same model.
            pub fn init<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(#rng: &mut __NnR) -> Self {
                #init
            }

            /// The model whose parameters, in `parameters()` order and row-major, are `params`;
            /// a `const fn`, so a model can be a constant (see `nncore::export`).
            #[must_use]
            pub const fn from_params(#params: &[#f32; <#ident as ::nncore::Module>::NUM_PARAMS]) -> Self {
                #from_params
            }

            /// Draws every parameter anew, in place, as [`Self::init`] does.
            pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(&mut self, #rng: &mut __NnR) {
                #(#resets)*
            }
        }

        ::nncore::__private::with_alloc! {
            impl #ident {
                /// [`Self::init`] on the heap, never built on the stack: for large models.
                pub fn init_boxed<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    #rng: &mut __NnR,
                ) -> ::nncore::__private::Box<Self> {
                    let mut #model_var = <Self as ::nncore::Module>::zeros_boxed();
                    #model_var.reset_parameters(#rng);
                    #model_var
                }
            }
        }
    }
}

fn module_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let (usize, model_var, p) = (usize_type(), local("model"), local("p"));
    let trained: Vec<&Layer> = model.layers.iter().filter(|l| l.has_params()).collect();
    let types = trained.iter().map(|l| l.ty());
    let widths = model.widths.iter().map(Size::generic);
    let chain = |method: TokenStream, reference: TokenStream| {
        let links = trained.iter().map(|layer| {
            let member = layer.member();
            let name = layer.module_name();
            quote! {
                .chain(::nncore::Module::#method(#reference self.#member).map(|#p| #p.in_module(#name)))
            }
        });
        quote!(::core::iter::empty() #(#links)*)
    };
    let all_types: Vec<TokenStream> = model.layers.iter().map(Layer::ty).collect();
    // Parameterless layers may carry a hyperparameter (a slope) that zeroed memory lacks.
    let restore = model
        .layers
        .iter()
        .filter(|l| !l.has_params())
        .map(|layer| {
            let (member, zero) = (layer.member(), layer.zero());
            quote!(#model_var.#member = #zero;)
        });
    let parameters = chain(quote!(parameters), quote!(&));
    let parameters_mut = chain(quote!(parameters_mut), quote!(&mut));
    quote! {
        impl ::nncore::Module for #ident {
            const NUM_PARAMS: #usize = 0 #(+ <#types as ::nncore::Module>::NUM_PARAMS)*;
            const MULTIPLY_ADDS: #usize = 0 #(+ <#all_types as ::nncore::Module>::MULTIPLY_ADDS)*;
            const MAX_WIDTH: #usize = ::nncore::__private::max_of(&[#(#widths),*]);

            fn zeros() -> Self {
                Self::ZERO
            }

            ::nncore::__private::with_alloc! {
                fn zeros_boxed() -> ::nncore::__private::Box<Self> {
                    let mut #model_var = ::nncore::__private::zeroed_box::<Self>();
                    #(#restore)*
                    #model_var
                }
            }

            fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
                #parameters
            }

            fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
                #parameters_mut
            }
        }

        // SAFETY: every field is a layer, and the bound below checks that each is `Zeroable`.
        unsafe impl ::nncore::__private::Zeroable for #ident {}
        const _: () = {
            fn __nn_zeroable<__NnT: ::nncore::__private::Zeroable>() {}
            fn __nn_fields() {
                #(__nn_zeroable::<#all_types>();)*
            }
        };
    }
}

/// The type of the samples that go into layer `i` (`i` = the number of layers for the model's
/// output): `[f32; 13]`.
fn samples(model: &Model) -> Vec<TokenStream> {
    let f32 = f32_type();
    model
        .widths
        .iter()
        .map(|width| {
            let len = width.len();
            quote!([#f32; #len])
        })
        .collect()
}

fn model_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let samples = samples(model);
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (grads, loss_grad) = (local("grads"), local("loss_grad"));
    let x = |i: usize| local(&format!("x{i}"));
    let d = |i: usize| local(&format!("d{i}"));
    let x0 = x(0);
    // `x0` is the caller's reference; later activations are arrays on the stack.
    let by_ref = |i: usize| {
        if i == 0 {
            x0.to_token_stream()
        } else {
            let x = x(i);
            quote!(&#x)
        }
    };

    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out) = (by_ref(i), x(i + 1));
            quote_spanned! {layer.span()=>
                let #out = ::nncore::Layer::<#s_in, #s_out>::forward(&self.#member, #input);
            }
        })
        .collect();

    let last = model.layers.len();
    let (y, dy) = (x(last), d(last));
    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in) = (by_ref(i), x(i + 1), d(i + 1), d(i));
        let params = layer.has_params().then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params(&self.#member, #input, &#out, &#d_out, &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let #d_in = ::nncore::Layer::<#s_in, #s_out>::backward_input(&self.#member, #input, &#out, &#d_out);
            }
        });
        quote!(#params #inputs)
    });

    let (blocked, overrides) = blocked_impl(model, &samples);
    let train = train_impl(model, &samples);

    quote! {
        #blocked
        #train

        impl ::nncore::Model<#input, #output> for #ident {
            #overrides

            #[inline]
            fn forward(&self, #x0: &#input) -> #output {
                #(#forward)*
                #y
            }

            fn backward_sample(
                &self,
                #x0: &#input,
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnOnce(&#output) -> #output,
            ) {
                #(#forward)*
                let #dy = #loss_grad(&#y);
                #(#backward)*
            }
        }
    }
}

/// The evaluation-mode batch paths. Samples go through in blocks whose activations stay on the
/// stack, bounded by `block_size`, each layer running its batch form over the block.
fn blocked_impl(model: &Model, samples: &[TokenStream]) -> (TokenStream, TokenStream) {
    let ident = &model.ident;
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, dys, grads, n) = (
        local("xs"),
        local("out"),
        local("dys"),
        local("grads"),
        local("n"),
    );
    let (loss_fn, loss_grad, targets) = (local("loss_fn"), local("loss_grad"), local("targets"));
    let a = |i: usize| local(&format!("a{i}"));
    let g = |i: usize| local(&format!("g{i}"));
    // The block's samples of activation `i`: the caller's slice for the input.
    let view = |i: usize| {
        if i == 0 {
            xs.to_token_stream()
        } else {
            let a = a(i);
            quote!(&#a[..#n])
        }
    };
    let last = model.layers.len();
    let (y, dy) = (a(last), g(last));

    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out) = (view(i), a(i + 1));
            quote_spanned! {layer.span()=>
                let mut #out = [<#s_out as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::Layer::<#s_in, #s_out>::forward_batch(&self.#member, #input, &mut #out[..#n]);
            }
        })
        .collect();

    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in) = (view(i), a(i + 1), g(i + 1), g(i));
        let params = layer.has_params().then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params_batch(&self.#member, #input, &#out[..#n], &#d_out[..#n], &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let mut #d_in = [<#s_in as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::Layer::<#s_in, #s_out>::backward_input_batch(&self.#member, #input, &#out[..#n], &#d_out[..#n], &mut #d_in[..#n]);
            }
        });
        quote!(#params #inputs)
    });

    let blocked = quote! {
        impl ::nncore::__private::Blocked<#input, #output> for #ident {
            #[inline]
            fn forward_block<const __NN_B: #usize>(&self, #xs: &[#input], #out: &mut [#output]) {
                let #n = #xs.len();
                #(#forward)*
                #out.copy_from_slice(&#y[..#n]);
            }

            #[inline]
            #[allow(unused_variables)]
            fn backward_block<const __NN_B: #usize>(
                &self,
                #xs: &[#input],
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
            ) {
                let #n = #xs.len();
                #(#forward)*
                let mut #dy = [<#output as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::__private::output_grads(&#y[..#n], &mut #dy[..#n], #loss_grad);
                #(#backward)*
            }
        }
    };

    let lens = samples
        .iter()
        .map(|s| quote!(<#s as ::nncore::Tensor>::LEN));
    let block = quote!(::nncore::__private::block_size(&[#(#lens),*]));
    let overrides = quote! {
        fn forward_into(
            &self,
            #xs: &[#input],
            #out: &mut [#output],
        ) -> ::core::result::Result<(), ::nncore::Error> {
            const __NN_BLOCK: #usize = #block;
            ::nncore::__private::forward_blocks::<__NN_BLOCK, _, #input, #output>(self, #xs, #out)
        }

        fn backward(
            &self,
            #xs: &[#input],
            #dys: &[#output],
            #grads: &mut ::nncore::Grads<Self>,
        ) -> ::core::result::Result<(), ::nncore::Error> {
            const __NN_BLOCK: #usize = #block;
            ::nncore::__private::backward_blocks::<__NN_BLOCK, _, #input, #output>(self, #xs, #dys, #grads)
        }

        fn backward_loss<__NnL: ::nncore::Loss<#output>>(
            &self,
            #loss_fn: &__NnL,
            #xs: &[#input],
            #targets: &[__NnL::Target],
            #grads: &mut ::nncore::Grads<Self>,
        ) -> ::core::result::Result<#f32, ::nncore::Error> {
            const __NN_BLOCK: #usize = #block;
            ::nncore::__private::backward_loss_blocks::<__NN_BLOCK, _, _, #input, #output>(self, #loss_fn, #xs, #targets, #grads)
        }
    };
    (blocked, overrides)
}

/// Training mode: the whole batch through one layer at a time (BatchNorm couples the samples),
/// every activation, gradient and layer cache carved from the caller's workspace.
fn train_impl(model: &Model, samples: &[TokenStream]) -> TokenStream {
    let ident = &model.ident;
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, grads, n) = (local("xs"), local("out"), local("grads"), local("n"));
    let (ws, rng, loss_grad, batch) = (
        local("workspace"),
        local("rng"),
        local("loss_grad"),
        local("batch"),
    );
    let a = |i: usize| local(&format!("a{i}"));
    let g = |i: usize| local(&format!("g{i}"));
    let c = |i: usize| local(&format!("c{i}"));
    let view = |i: usize| {
        if i == 0 {
            xs.to_token_stream()
        } else {
            let a = a(i);
            quote!(&*#a)
        }
    };
    let cache_len = |i: usize, count: &Ident| {
        let (s_in, s_out) = (&samples[i], &samples[i + 1]);
        let ty = model.layers[i].ty();
        quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::train_cache_len(#count))
    };
    let last = model.layers.len();
    let sizes = (0..last).map(|i| {
        let s_out = &samples[i + 1];
        let cache = cache_len(i, &batch);
        quote!(+ 2 * #batch * <#s_out as ::nncore::Tensor>::LEN + #cache)
    });
    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out, cache) = (view(i), a(i + 1), c(i));
            let cache_len = cache_len(i, &n);
            quote_spanned! {layer.span()=>
                let #out = <#s_out as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(&mut #ws, #n * <#s_out as ::nncore::Tensor>::LEN),
                );
                let #cache = ::nncore::__private::take(&mut #ws, #cache_len);
                ::nncore::Layer::<#s_in, #s_out>::forward_train(&mut self.#member, #input, #out, #cache, #rng);
            }
        })
        .collect();
    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in, cache) = (view(i), a(i + 1), g(i + 1), g(i), c(i));
        let params = layer.has_params().then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params_train(&self.#member, #input, #out, #d_out, #cache, &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let #d_in = <#s_in as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(&mut #ws, #n * <#s_in as ::nncore::Tensor>::LEN),
                );
                ::nncore::Layer::<#s_in, #s_out>::backward_input_train(&self.#member, #input, #out, #d_out, #cache, #d_in);
            }
        });
        quote!(#params #inputs)
    });
    let (y, dy) = (a(last), g(last));
    quote! {
        ::nncore::__private::with_alloc! {
            impl ::nncore::TrainModel<#input, #output> for #ident {
                fn workspace_len(#batch: #usize) -> #usize {
                    0 #(#sizes)*
                }

                #[allow(unused_variables)]
                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #out: &mut [#output],
                    mut #ws: &mut [#f32],
                    #rng: &mut __NnR,
                ) {
                    let #n = #xs.len();
                    #(#forward)*
                    #out.copy_from_slice(#y);
                }

                #[allow(unused_variables)]
                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #grads: &mut Self,
                    mut #ws: &mut [#f32],
                    #rng: &mut __NnR,
                    #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                ) {
                    let #n = #xs.len();
                    #(#forward)*
                    let #dy = <#output as ::nncore::Tensor>::batch_mut(
                        ::nncore::__private::take(&mut #ws, #n * <#output as ::nncore::Tensor>::LEN),
                    );
                    ::nncore::__private::output_grads(#y, #dy, #loss_grad);
                    let #y = &*#y;
                    #(#backward)*
                }
            }
        }
    }
}

fn display_impl(model: &Model) -> TokenStream {
    let (ident, f) = (&model.ident, local("f"));
    let entries = model.layers.iter().map(|layer| {
        let (member, name) = (layer.member(), layer.module_name());
        quote!((#name, &self.#member as &dyn ::core::fmt::Display))
    });
    quote! {
        /// Prints the model as PyTorch's `print(model)` does.
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, #f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::nncore::__private::write_sequential(#f, &[#(#entries),*])
            }
        }
    }
}

/// The checks of sizes given as constants, as `const` assertions whose messages name the layers.
fn const_checks(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let checks = model.const_checks.iter().map(|check| match check {
        ConstCheck::Equal {
            found,
            expected,
            message,
        } => {
            let (found, expected) = (&found.expr, &expected.expr);
            quote_spanned! {found.span()=>
                // The same constant on both sides is a valid model, not a mistake.
                #[allow(clippy::eq_op)]
                const _: () = ::core::assert!((#found) == (#expected), #message);
            }
        }
        ConstCheck::Positive { size, message } => {
            let size = &size.expr;
            quote_spanned! {size.span()=>
                const _: () = ::core::assert!((#size) > 0, #message);
            }
        }
        ConstCheck::ParamLimit { span, message } => {
            let max = MAX_PARAMS as usize;
            quote_spanned! {*span=>
                const _: () = ::core::assert!(<#ident as ::nncore::Module>::NUM_PARAMS <= #max, #message);
            }
        }
        ConstCheck::WidthLimit {
            span,
            widths,
            message,
        } => {
            let max = MAX_WIDTHS as usize;
            let widths = widths.iter().map(|width| {
                let width = width.len();
                quote!((#width))
            });
            quote_spanned! {*span=>
                const _: () = ::core::assert!(#(#widths)+* <= #max, #message);
            }
        }
    });
    quote!(#(#checks)*)
}

//! Expand: write the model's struct and its impls. Quoting only; every check is in `valid.rs`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Index;

use crate::ast::Form;
use crate::valid::{ConstCheck, Field, Kind, Layer, MAX_PARAMS, Model, Size, Stub, StubField};

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
        Some(size) => (size.generic(), size.len()),
        None => {
            let param = format_ident!("{}", name);
            generics.push(quote!(const #param: usize));
            (param.to_token_stream(), param.to_token_stream())
        }
    };
    let ((input, input_len), (output, output_len)) = (width(input, "IN"), width(output, "OUT"));
    quote! {
        #error
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[allow(dead_code)]
        #vis struct #ident #body

        #[allow(dead_code, clippy::all)]
        impl #ident {
            pub const ZERO: Self = Self { #(#members: #zeros,)* };
            pub fn init<R: ::nncore::__private::Rng + ?::core::marker::Sized>(_: &mut R) -> Self {
                ::core::unreachable!()
            }
        }

        impl ::nncore::Module for #ident {
            const NUM_PARAMS: usize = 0;
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

        impl<#(#generics),*> ::nncore::Model<#input, #output> for #ident {
            fn forward(&self, _: &[f32; #input_len]) -> [f32; #output_len] {
                ::core::unreachable!()
            }
            fn backward_sample(
                &self,
                _: &[f32; #input_len],
                _: &mut Self,
                _: impl ::core::ops::FnOnce(&[f32; #output_len]) -> [f32; #output_len],
            ) {
                ::core::unreachable!()
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
        }
    }

    /// The layer with zero parameters, usable in a `const`.
    fn zero(&self) -> TokenStream {
        let ty = self.ty();
        match &self.kind {
            Kind::Linear { .. } => quote!(<#ty>::ZERO),
            Kind::LeakyReLU { slope: Some(slope) } => {
                quote!(::nncore::LeakyReLU::new((#slope) as f32))
            }
            Kind::LeakyReLU { slope: None } => quote!(::nncore::LeakyReLU::new(0.01)),
            _ => ty,
        }
    }

    /// The layer with PyTorch's default initialization, drawn from `rng`.
    fn init(&self) -> TokenStream {
        let ty = self.ty();
        match &self.kind {
            Kind::Linear { .. } => quote!(<#ty>::init(rng)),
            _ => self.zero(),
        }
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
    let zero = construct(model, model.layers.iter().map(Layer::zero));
    let init = construct(model, model.layers.iter().map(Layer::init));
    quote! {
        impl #ident {
            /// The model with every parameter zero.
            pub const ZERO: Self = #zero;

            /// A model with PyTorch's default initialization (every `Linear` uniform in
            /// ±1/√in_features), drawn from `rng`: the same seed gives the same model.
            pub fn init<R: ::nncore::__private::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                #init
            }
        }
    }
}

fn module_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let trained: Vec<&Layer> = model.layers.iter().filter(|l| l.has_params()).collect();
    let types = trained.iter().map(|l| l.ty());
    let chain = |method: TokenStream, reference: TokenStream| {
        let links = trained.iter().map(|layer| {
            let member = layer.member();
            let name = layer.module_name();
            quote! {
                .chain(::nncore::Module::#method(#reference self.#member).map(|p| p.in_module(#name)))
            }
        });
        quote!(::core::iter::empty() #(#links)*)
    };
    let parameters = chain(quote!(parameters), quote!(&));
    let parameters_mut = chain(quote!(parameters_mut), quote!(&mut));
    quote! {
        impl ::nncore::Module for #ident {
            const NUM_PARAMS: usize = 0 #(+ <#types as ::nncore::Module>::NUM_PARAMS)*;

            fn zeros() -> Self {
                Self::ZERO
            }

            fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
                #parameters
            }

            fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
                #parameters_mut
            }
        }
    }
}

fn model_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let widths: Vec<TokenStream> = model.widths.iter().map(Size::generic).collect();
    let (input, output) = (&widths[0], &widths[widths.len() - 1]);
    let (input_len, output_len) = (model.widths[0].len(), model.widths[widths.len() - 1].len());
    let x = |i: usize| format_ident!("x{}", i);
    let d = |i: usize| format_ident!("d{}", i);
    // `x0` is the caller's reference; later activations are arrays on the stack.
    let by_ref = |i: usize| {
        if i == 0 {
            quote!(x0)
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
            let (member, (w_in, w_out)) = (layer.member(), (&widths[i], &widths[i + 1]));
            let (input, out) = (by_ref(i), x(i + 1));
            quote_spanned! {layer.span()=>
                let #out = ::nncore::Layer::<#w_in, #w_out>::forward(&self.#member, #input);
            }
        })
        .collect();

    let last = model.layers.len();
    let (y, dy) = (x(last), d(last));
    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (w_in, w_out)) = (layer.member(), (&widths[i], &widths[i + 1]));
        let (input, out, d_out, d_in) = (by_ref(i), x(i + 1), d(i + 1), d(i));
        let params = layer.has_params().then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#w_in, #w_out>::backward_params(&self.#member, #input, &#out, &#d_out, &mut grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let #d_in = ::nncore::Layer::<#w_in, #w_out>::backward_input(&self.#member, #input, &#out, &#d_out);
            }
        });
        quote!(#params #inputs)
    });

    quote! {
        impl ::nncore::Model<#input, #output> for #ident {
            #[inline]
            fn forward(&self, x0: &[f32; #input_len]) -> [f32; #output_len] {
                #(#forward)*
                #y
            }

            fn backward_sample(
                &self,
                x0: &[f32; #input_len],
                grads: &mut Self,
                loss_grad: impl ::core::ops::FnOnce(&[f32; #output_len]) -> [f32; #output_len],
            ) {
                #(#forward)*
                let #dy = loss_grad(&#y);
                #(#backward)*
            }
        }
    }
}

fn display_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let entries = model.layers.iter().map(|layer| {
        let (member, name) = (layer.member(), layer.module_name());
        quote!((#name, &self.#member as &dyn ::core::fmt::Display))
    });
    quote! {
        /// Prints the model as PyTorch's `print(model)` does.
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::nncore::__private::write_sequential(f, &[#(#entries),*])
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
    });
    quote!(#(#checks)*)
}

//! Expand: write the model's struct and its impls. Quoting only; every check is in `valid/`
//! and `chain.rs`, and every layer kind's own tokens come from the catalog.

mod constructors;
mod fallback;
mod layer;
mod passes;
mod plan;
mod quantized;
mod quantized_graph;
mod quantized_nested;
mod quantized_steps;
pub(crate) mod scopes;
mod train;
mod train_backward;
mod train_model;

pub use fallback::fallback;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::Form;
use crate::ir::{ConstCheck, Field, Layer, Model, Sizes};
use crate::shape::sample_type;

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

/// `self` at the call site. Inside `quote_spanned!` a `self` would take the span of the user's
/// token, and, from a `macro_rules!` that passes the layers through, not name the method's
/// receiver.
fn this() -> TokenStream {
    quote!(self)
}

/// A local variable or parameter of the generated code: `__nn_x1`, with a mixed-site span so that
/// no token of the user's can name it either.
fn local(name: &str) -> Ident {
    Ident::new(&format!("__nn_{name}"), Span::mixed_site())
}

/// The code for a valid model.
pub fn expand(model: &Model) -> TokenStream {
    let definition = definition(model);
    let constructors = constructors::constructors(model);
    let plan = plan::Plan::new(model);
    let module = module_impl(&plan);
    let model_impl = passes::model_impl(&plan);
    let train = train_model::train_impl(&plan);
    let layer = layer::layer_impl(&plan);
    let display = display_impl(model);
    let assertions = const_checks(&model.sizes, &model.const_checks);
    // The int8 twin: a chain of `nncore`'s layers, or a graph, nested models included.
    let quantized = if model.graph.is_chain() && !model.layers.iter().any(|l| l.kind.nested()) {
        quantized::quantized(model)
    } else {
        quantized_graph::quantized(model)
    };
    quote! {
        #definition
        #constructors
        #module
        #model_impl
        #train
        #layer
        #display
        #assertions
        #quantized
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

/// The struct with `derives`, named or tuple.
fn struct_definition(
    model: (&[syn::Attribute], &syn::Visibility, &Ident, Form),
    fields: impl Iterator<Item = TokenStream>,
) -> TokenStream {
    let (attrs, vis, ident, form) = model;
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

fn definition(model: &Model) -> TokenStream {
    let fields = model.layers_with_inputs().map(|(layer, input)| {
        field_definition(&model.vis, &layer.attrs, &layer.field, layer.ty(input))
    });
    struct_definition((&model.attrs, &model.vis, &model.ident, model.form), fields)
}

fn module_impl(plan: &plan::Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let passes = quote!(<#ident as ::nncore::__private::Passes<#input, #output>>);
    let (usize, model_var, p) = (usize_type(), local("model"), local("p"));
    let stateful: Vec<(&Layer, TokenStream)> = model
        .layers_with_inputs()
        .filter(|(layer, input)| layer.has_state(input))
        .map(|(layer, input)| (layer, layer.ty(input)))
        .collect();
    let types = stateful.iter().map(|(_, ty)| ty);
    let buffer_types = stateful.iter().map(|(_, ty)| ty);
    let graph = &model.graph;
    let lens = (0..=graph.nodes.len()).map(|v| {
        let ty = sample_type(graph.shape(v));
        quote!(<#ty as ::nncore::Tensor>::LEN)
    });
    let chain = |method: TokenStream, reference: TokenStream| {
        let links = stateful.iter().map(|(layer, _)| {
            let member = layer.member();
            let name = layer.field.module_name();
            quote! {
                .chain(::nncore::Module::#method(#reference self.#member).map(|#p| #p.in_module(#name)))
            }
        });
        quote!(::core::iter::empty() #(#links)*)
    };
    let all_types: Vec<TokenStream> = model.layers_with_inputs().map(|(l, i)| l.ty(i)).collect();
    // Each application of a layer counts (a layer applied twice, twice).
    let multiply_adds = graph.nodes.iter().filter_map(|node| match node.op {
        crate::ir::Op::Layer { layer, .. } => {
            let ty = &all_types[layer];
            Some(
                model.layers[layer]
                    .kind
                    .multiply_adds(&node.shape)
                    .unwrap_or_else(|| quote!(<#ty as ::nncore::Module>::MULTIPLY_ADDS)),
            )
        }
        crate::ir::Op::Add(..) => None,
    });
    // A zeroed layer lacks its hyperparameters (a slope, a stride): a layer without parameters
    // is assigned whole, one with parameters has them restored.
    let restore = model.layers_with_inputs().map(|(layer, input)| {
        let member = layer.member();
        if layer.has_state(input) {
            layer.kind.restore(&quote!(self.#member))
        } else {
            let zero = constructors::zero(layer, input);
            Some(quote!(self.#member = #zero;))
        }
    });
    // The values alone, for optimizers: no names to build.
    let data = |method: TokenStream, reference: TokenStream| {
        let links = stateful.iter().map(|(layer, _)| {
            let member = layer.member();
            quote!(.chain(::nncore::Module::#method(#reference self.#member)))
        });
        quote!(::core::iter::empty() #(#links)*)
    };
    let parameter_data = data(quote!(parameter_data), quote!(&));
    let parameter_data_mut = data(quote!(parameter_data_mut), quote!(&mut));
    let parameters = chain(quote!(parameters), quote!(&));
    let parameters_mut = chain(quote!(parameters_mut), quote!(&mut));
    let buffers = chain(quote!(buffers), quote!(&));
    let buffers_mut = chain(quote!(buffers_mut), quote!(&mut));
    quote! {
        impl ::nncore::Module for #ident {
            const NUM_PARAMS: #usize = 0 #(+ <#types as ::nncore::Module>::NUM_PARAMS)*;
            const NUM_BUFFERS: #usize = 0 #(+ <#buffer_types as ::nncore::Module>::NUM_BUFFERS)*;
            const MULTIPLY_ADDS: #usize = 0 #(+ #multiply_adds)*;
            const MAX_WIDTH: #usize = ::nncore::__private::max_of(&[#(#lens),*]);
            const ARENA_BYTES: #usize = #passes::ARENA * ::core::mem::size_of::<::core::primitive::f32>();
            const TRAIN_BYTES: #usize = #ident::__NN_TRAIN.0 * ::core::mem::size_of::<::core::primitive::f32>();

            fn zeros() -> Self {
                Self::ZERO
            }

            ::nncore::__private::with_alloc! {
                fn zeros_boxed() -> ::nncore::__private::Box<Self> {
                    let mut #model_var = ::nncore::__private::zeroed_box::<Self>();
                    #model_var.__nn_restore();
                    #model_var
                }
            }

            fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
                #parameters
            }

            fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
                #parameters_mut
            }

            fn buffers(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Buffer<'_>> {
                #buffers
            }

            fn parameter_data(&self) -> impl ::core::iter::Iterator<Item = &[::core::primitive::f32]> {
                #parameter_data
            }

            fn parameter_data_mut(&mut self) -> impl ::core::iter::Iterator<Item = &mut [::core::primitive::f32]> {
                #parameter_data_mut
            }

            fn buffers_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::BufferMut<'_>> {
                #buffers_mut
            }
        }

        impl #ident {
            /// Restores the layers' hyperparameters in a model allocated zeroed.
            #[doc(hidden)]
            pub fn __nn_restore(&mut self) {
                #(#restore)*
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

fn display_impl(model: &Model) -> TokenStream {
    let (ident, f, class) = (&model.ident, local("f"), &model.class);
    let entries = model.layers.iter().map(|layer| {
        let (member, name) = (layer.member(), layer.field.module_name());
        let spelled: Vec<_> = layer
            .kind
            .spelled()
            .into_iter()
            .chain(layer.inplace.clone())
            .collect();
        if spelled.is_empty() {
            quote!((#name, &self.#member as &dyn ::core::fmt::Display))
        } else {
            quote! {(
                #name,
                &::nncore::__private::Written { layer: &self.#member, args: &[#(#spelled),*] }
                    as &dyn ::core::fmt::Display
            )}
        }
    });
    quote! {
        /// Prints the model as PyTorch's `print(model)` does.
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, #f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::nncore::__private::write_module(#f, #class, &[#(#entries),*])
            }
        }
    }
}

/// The sizes given as constants, as `const` items, and their checks, as `const` assertions
/// whose messages name the layers.
pub fn const_checks(sizes: &Sizes, checks: &[ConstCheck]) -> TokenStream {
    let definitions = sizes.definitions();
    let checks = checks.iter().map(|check| {
        let (condition, message) = (&check.condition, &check.message);
        quote_spanned! {check.span=>
            const _: () = ::core::assert!(#condition, "{}", #message);
        }
    });
    quote!(#definitions #(#checks)*)
}

//! `Linear(in_features, out_features, bias = true)`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprLit, Lit};

use super::args::{bind, boolean, size};
use super::{LayerDef, LayerKind, Link, usage};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::ir::TensorDef;
use crate::shape::{Dims, Size};

pub const LINEAR: LayerDef = LayerDef {
    name: "Linear",
    keeps_shape: false,
    usage: "`Linear(in_features, out_features)` or `Linear(in_features, out_features, bias = false)`",
    check,
};

struct Linear {
    inputs: Size,
    outputs: Size,
    bias: bool,
}

fn check(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Box<dyn LayerKind>> {
    let usage = usage("Linear");
    let extra = |expr: &Expr| match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => format!("the bias is a keyword argument: write `bias = {}`", b.value),
        _ => format!("`Linear` takes two sizes, but a third is given\nexpected {usage}"),
    };
    let names = ["in_features", "out_features", "bias"];
    let (values, mut ok) = bind(call, args, &names, 2, extra, errors);
    let [inputs, outputs, bias] = values[..] else {
        unreachable!("one value for each of the three names")
    };
    let mut read = |expr: Option<&Expr>, role| match expr.map(|e| size(e, role, errors)) {
        Some(Some(size)) => Some(size),
        Some(None) => {
            ok = false;
            None
        }
        None => None,
    };
    let (inputs, outputs) = (
        read(inputs, "input features"),
        read(outputs, "output features"),
    );
    let bias = match bias.map(|b| boolean(b, "bias", errors)) {
        None => true,
        Some(Some(bias)) => bias,
        Some(None) => {
            ok = false;
            true
        }
    };
    match (ok, inputs, outputs) {
        // Both sizes read: a mistake beside them (a misspelled keyword, a third size) is
        // reported, and the shapes go on through the layer.
        (_, Some(inputs), Some(outputs)) => Some(Box::new(Linear {
            inputs,
            outputs,
            bias,
        })),
        (false, _, _) => None,
        (true, inputs, outputs) => {
            let given = match (inputs, outputs) {
                (None, None) => "none is given",
                (Some(_), _) => "one is given",
                (None, Some(_)) => "only `out_features` is given",
            };
            errors.spanned(
                call,
                format_args!(
                    "`Linear` takes two sizes, its input and output features, but {given}\nexpected {usage}"
                ),
            );
            None
        }
    }
}

impl LayerKind for Linear {
    fn input(&self) -> Option<Dims> {
        Some(vec![self.inputs.clone()])
    }

    fn nominal_input(&self) -> Dims {
        vec![self.inputs.clone()]
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        let n = &self.inputs;
        let flatten = format!(
            "\nadd `Flatten` before it, and give it {} input features",
            crate::shape::numel(input)
                .map_or_else(|| "their product of".to_owned(), |n| n.to_string())
        );
        if !link.expect_rank(input, &[1], &format!("{} features", n.text()), &flatten) {
            return None;
        }
        let call = link.call.to_string();
        // The model's first layer takes its own input size: only the compiler can tell that
        // it is not 0. Later, the layer before has been checked.
        let first = link.own_input;
        for (size, role, check) in [(n, "input", first), (&self.outputs, "output", true)] {
            if check && size.literal.is_none() {
                link.expect_positive(size, || zero_message(&call, role, size));
            }
        }
        if !first {
            link.expect_equal(n, &input[0], "input features");
        }
        Some(vec![self.outputs.clone()])
    }

    fn ty(&self, input: &[Size]) -> TokenStream {
        let (i, o) = (input[0].generic(), self.outputs.generic());
        if self.bias {
            quote!(::nncore::Linear<#i, #o>)
        } else {
            quote!(::nncore::LinearNoBias<#i, #o>)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        quote!(<#ty>::ZERO)
    }

    fn params(&self, input: &[Size]) -> Vec<TensorDef> {
        let weight = TensorDef {
            name: "weight",
            dims: vec![self.outputs.clone(), input[0].clone()],
            int64: false,
        };
        let bias = TensorDef {
            name: "bias",
            dims: vec![self.outputs.clone()],
            int64: false,
        };
        if self.bias {
            vec![weight, bias]
        } else {
            vec![weight]
        }
    }
}

fn zero_message(call: &str, role: &str, size: &Size) -> String {
    let written = super::args::written(&size.expr);
    format!("`{call}` has 0 {role} features (`{written}` is 0): a layer needs at least one")
}

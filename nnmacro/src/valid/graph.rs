//! The shapes of a model with a `forward`: each layer's shape rule applied where `forward`
//! applies it, each `+` checked to add values of one shape.

use proc_macro2::Span;
use syn::Ident;

use super::Slot;
use crate::ast::Form;
use crate::ast::forward::{Expr, Forward};
use crate::catalog::Link;
use crate::errors::Errors;
use crate::ir::{ConstCheck, Field, Graph, Node, Op};
use crate::shape::{Dims, describe};

/// What a `forward` tells.
pub struct Checked {
    /// The shape each layer takes, where `forward` applies it.
    pub layer_inputs: Vec<Option<Dims>>,
    pub graph: Option<Graph>,
    pub input: Option<Dims>,
    pub output: Option<Dims>,
    pub const_checks: Vec<ConstCheck>,
}

/// The values of the pass so far, and what the layers have been found to take and give.
struct Pass<'a> {
    slots: &'a [Slot],
    nodes: Vec<Node>,
    /// The shape of each value; value 0 is the input.
    shapes: Vec<Dims>,
    /// A name for each value in messages: "the model's input", "`conv1`".
    sources: Vec<String>,
    layer_io: Vec<Option<(Dims, Dims)>>,
    const_checks: Vec<ConstCheck>,
}

pub fn check_forward(
    slots: &[Slot],
    declared: Option<Dims>,
    forward: &Forward,
    form: Form,
    errors: &mut Errors,
) -> Checked {
    let mut checked = Checked {
        layer_inputs: vec![None; slots.len()],
        graph: None,
        input: None,
        output: None,
        const_checks: Vec::new(),
    };
    if form == Form::Tuple {
        errors.push(syn::Error::new(
            forward.span,
            "`forward` applies layers by name: declare `struct Name { conv1: ..., }` with named layers",
        ));
        return checked;
    }
    let input = declared.or_else(|| first_input(slots, forward, errors));
    let Some(input) = input else {
        return checked;
    };
    let mut pass = Pass {
        slots,
        nodes: Vec::new(),
        shapes: vec![input.clone()],
        sources: vec!["the model's input".to_owned()],
        layer_io: vec![None; slots.len()],
        const_checks: Vec::new(),
    };
    let mut names: Vec<(&Ident, Option<usize>)> = vec![(&forward.input, Some(0))];
    for (name, value) in &forward.lets {
        let v = pass.eval(value, &names, errors);
        names.push((name, v));
    }
    let output = pass.eval(&forward.result, &names, errors);
    // A value computed and never used is a mistake (its gradient would be nothing), and so is a
    // layer never applied; after another mistake in `forward` neither is known.
    let broken = output.is_none() || names.iter().any(|(_, v)| v.is_none());
    let used: Vec<usize> = (0..pass.nodes.len())
        .flat_map(|k| inputs(&pass.nodes[k].op))
        .collect();
    for (name, v) in names.iter().skip(1).filter(|_| !broken) {
        if let Some(v) = v {
            if !used.contains(v) && output != Some(*v) && *v != 0 {
                errors.spanned(name, format_args!("`{name}` is computed but never used"));
            }
        }
    }
    for (slot, io) in slots.iter().zip(&pass.layer_io).filter(|_| !broken) {
        if let (Some((_, call)), None, Some(Field::Named(name))) = (&slot.layer, io, &slot.field) {
            errors.spanned(
                name,
                format_args!("`{name}: {call}` is declared, but `forward` never applies it"),
            );
        }
    }
    checked.layer_inputs = pass
        .layer_io
        .iter()
        .map(|io| io.as_ref().map(|io| io.0.clone()))
        .collect();
    checked.const_checks = pass.const_checks;
    checked.input = Some(input.clone());
    if let Some(output) = output {
        checked.output = Some(pass.shapes[output].clone());
        checked.graph = Some(Graph {
            input,
            nodes: pass.nodes,
            output,
        });
    }
    checked
}

/// Without `#[input(...)]`: the input the first layer applied to it fixes. A name that is not
/// a value is the mistake then, and reported as such.
fn first_input(slots: &[Slot], forward: &Forward, errors: &mut Errors) -> Option<Dims> {
    let mut scope = vec![&forward.input];
    let mut unknown = false;
    for (name, expr) in forward
        .lets
        .iter()
        .map(|(n, e)| (Some(n), e))
        .chain([(None, &forward.result)])
    {
        expr.visit(&mut |e| {
            if let Expr::Var(v) = e {
                if !scope.contains(&v) {
                    let known: Vec<String> = scope.iter().map(|n| format!("`{n}`")).collect();
                    let message = format!(
                        "unknown value `{v}`\nthe values here are {}",
                        known.join(", ")
                    );
                    errors.spanned(v, message);
                    unknown = true;
                }
            }
        });
        scope.extend(name);
    }
    if unknown {
        return None;
    }
    let mut found = None;
    let exprs = forward.lets.iter().map(|(_, e)| e).chain([&forward.result]);
    for expr in exprs {
        expr.visit(&mut |e| {
            if let (None, Expr::Call { module, arg }) = (&found, e) {
                if matches!(&**arg, Expr::Var(v) if *v == forward.input) {
                    found = Some(slot_of(slots, module).and_then(|s| s.layer.as_ref()?.0.input()));
                }
            }
        });
    }
    match found {
        Some(Some(dims)) => Some(dims),
        _ => {
            errors.push(syn::Error::new(
                forward.span,
                "the model's input shape is unknown: the first layer `forward` applies to its input does not fix it\ndeclare it above the struct, e.g. `#[input(3, 32, 32)]`",
            ));
            None
        }
    }
}

fn slot_of<'a>(slots: &'a [Slot], module: &Ident) -> Option<&'a Slot> {
    slots
        .iter()
        .find(|s| matches!(&s.field, Some(Field::Named(n)) if n == module))
}

impl Pass<'_> {
    /// The value `expr` computes, or `None` once its mistakes are reported.
    fn eval(
        &mut self,
        expr: &Expr,
        names: &[(&Ident, Option<usize>)],
        errors: &mut Errors,
    ) -> Option<usize> {
        match expr {
            Expr::Var(name) => match names.iter().rev().find(|(n, _)| *n == name) {
                Some((_, value)) => *value,
                None => {
                    let known: Vec<String> = names.iter().map(|(n, _)| format!("`{n}`")).collect();
                    let hint = if slot_of(self.slots, name).is_some() {
                        format!("`{name}` is a layer: apply it to a value, `{name}(x)`")
                    } else {
                        format!("the values here are {}", known.join(", "))
                    };
                    errors.spanned(name, format_args!("unknown value `{name}`\n{hint}"));
                    None
                }
            },
            Expr::Call { module, arg } => {
                let value = self.eval(arg, names, errors);
                let index = self
                    .slots
                    .iter()
                    .position(|s| matches!(&s.field, Some(Field::Named(n)) if n == module));
                let Some(index) = index else {
                    errors.spanned(
                        module,
                        format_args!("`{module}` is not a layer of this model; declare it among the layers to apply it"),
                    );
                    return None;
                };
                let value = value?;
                let (_, call) = self.slots[index].layer.as_ref()?;
                let given = self.shapes[value].clone();
                let output = match self.layer_io[index].clone() {
                    Some((takes, gives)) => {
                        if !self.same_shape(&given, &takes, module.span(), errors, || {
                            format!("`{module}` is applied to {} here, but to {} before; a layer takes one shape", describe(&given), describe(&takes))
                        }) {
                            return None;
                        }
                        gives
                    }
                    None => {
                        let kind = &self.slots[index].layer.as_ref()?.0;
                        let mut link = Link {
                            call,
                            source: self.sources[value].clone(),
                            own_input: false,
                            trail: String::new(),
                            errors,
                            checks: &mut self.const_checks,
                        };
                        let gives = kind.output(&given, &mut link)?;
                        self.layer_io[index] = Some((given, gives.clone()));
                        gives
                    }
                };
                Some(self.push(
                    Op::Layer {
                        layer: index,
                        input: value,
                    },
                    output,
                    format!("`{module}`"),
                ))
            }
            Expr::Add { lhs, plus, rhs } => {
                let (a, b) = (self.eval(lhs, names, errors), self.eval(rhs, names, errors));
                let (a, b) = (a?, b?);
                let (sa, sb) = (self.shapes[a].clone(), self.shapes[b].clone());
                let span = syn::spanned::Spanned::span(plus);
                let (from_a, from_b) = (self.sources[a].clone(), self.sources[b].clone());
                if !self.same_shape(&sa, &sb, span, errors, || {
                    format!("`+` adds values of the same shape, but {from_a} gives {} and {from_b} gives {}", describe(&sa), describe(&sb))
                }) {
                    return None;
                }
                Some(self.push(Op::Add(a, b), sa, "the sum".to_owned()))
            }
        }
    }

    fn push(&mut self, op: Op, shape: Dims, source: String) -> usize {
        self.nodes.push(Node {
            op,
            shape: shape.clone(),
        });
        self.shapes.push(shape);
        self.sources.push(source);
        self.nodes.len()
    }

    /// Whether `a` and `b` are one shape: here for literals, by a `const` assertion otherwise.
    fn same_shape(
        &mut self,
        a: &Dims,
        b: &Dims,
        span: Span,
        errors: &mut Errors,
        message: impl Fn() -> String,
    ) -> bool {
        let literal_mismatch = a.len() != b.len()
            || a.iter()
                .zip(b)
                .any(|(x, y)| matches!((x.literal, y.literal), (Some(p), Some(q)) if p != q));
        if literal_mismatch {
            errors.push(syn::Error::new(span, message()));
            return false;
        }
        for (x, y) in a.iter().zip(b) {
            if !x.same(y) {
                let (rx, ry) = (x.raw(), y.raw());
                self.const_checks.push(ConstCheck {
                    span,
                    condition: quote::quote!(#rx == #ry),
                    message: message(),
                });
            }
        }
        true
    }
}

fn inputs(op: &Op) -> Vec<usize> {
    match *op {
        Op::Layer { input, .. } => vec![input],
        Op::Add(a, b) => vec![a, b],
    }
}

impl Expr {
    /// Calls `f` on every value of `self` in the order they are computed.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        match self {
            Expr::Var(_) => {}
            Expr::Call { arg, .. } => arg.visit(f),
            Expr::Add { lhs, rhs, .. } => {
                lhs.visit(f);
                rhs.visit(f);
            }
        }
        f(self);
    }
}

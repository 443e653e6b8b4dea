//! What a layer's shape rule reports to ([`Link`]), and the wording of a window that does not
//! fit its input.

use proc_macro2::TokenStream;

use crate::ast::LayerCall;
use crate::errors::Errors;
use crate::ir::ConstCheck;
use crate::shape::{Size, describe};

/// What a layer's shape rule reports to: the layer, the one whose output it takes, and where
/// mistakes and checks for the compiler go.
pub struct Link<'a> {
    pub call: &'a LayerCall,
    /// The layer that gave the current shape, as written, or the `#[input(...)]`.
    pub source: String,
    /// Whether the shape given is the one the layer's own arguments fix (it starts the model,
    /// or the chain resumes at it): then there is nothing before it to check it against.
    pub own_input: bool,
    /// The shapes from the model's input to this layer, `input: 3×32×32 → conv1: 16×32×32`,
    /// shown under a mistake in a model with `#[input(...)]`; empty otherwise.
    pub trail: String,
    pub errors: &'a mut Errors,
    pub checks: &'a mut Vec<ConstCheck>,
}

impl Link<'_> {
    /// `message`, and the shapes that led to the layer when the model shows them.
    pub fn explain(&self, message: impl std::fmt::Display) -> String {
        if self.trail.is_empty() {
            message.to_string()
        } else {
            format!("{message}\nthe shapes: {}", self.trail)
        }
    }

    /// Reports `message` on the layer.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        let message = self.explain(message);
        self.errors.spanned(self.call, message);
    }

    /// Reports `message` on `tokens`.
    pub fn error_at(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        let message = self.explain(message);
        self.errors.spanned(tokens, message);
    }

    /// A `const` assertion that `condition` (an expression of raw sizes) holds, else
    /// `message`, spanned on `span`.
    pub fn check(&mut self, span: proc_macro2::Span, condition: TokenStream, message: String) {
        let message = self.explain(message);
        self.checks.push(ConstCheck {
            span,
            condition,
            message,
        });
    }

    /// `found == expected`, checked here for literals and by the compiler otherwise. `role`
    /// names what is compared: "input features".
    pub fn expect_equal(&mut self, found: &Size, expected: &Size, role: &str) -> bool {
        let call = self.call;
        match (found.literal, expected.literal) {
            (Some(f), Some(e)) if f != e => {
                // What `Flatten` gives, `8×8×8 = 512 features`, is changed by the layers before.
                let (given, before) = if expected.text() == e.to_string() {
                    (expected.text(), "the layer before")
                } else {
                    let noun = role.rsplit(' ').next().unwrap_or(role);
                    (
                        format!("{} {noun}", expected.text()),
                        "the layers before it",
                    )
                };
                let message = format!(
                    "`{call}` takes {f} {role}, but {} gives {given}\nchange {f} to {e}, or change {before} to give {f}",
                    self.source
                );
                self.error_at(&found.expr, message);
                false
            }
            (Some(_), Some(_)) => true,
            _ if found.same(expected) => true,
            _ => {
                let (f, e) = (found.raw(), expected.raw());
                let message = format!(
                    "`{call}` takes {} {role}, but {} gives {}, a different number",
                    found.text(),
                    self.source,
                    expected.text()
                );
                self.check(found.span(), quote::quote!(#f == #e), message);
                true
            }
        }
    }

    /// The input has one of `ranks` dimensions, else reports what the layer takes (`what`,
    /// e.g. "a sequence `[channels, length]`"), what it was given, and `hint`.
    pub fn expect_rank(&mut self, input: &[Size], ranks: &[usize], what: &str, hint: &str) -> bool {
        if ranks.contains(&input.len()) {
            return true;
        }
        let (call, source, given) = (self.call, &self.source, describe(input));
        let given = match input.len() {
            1 if input[0].literal == Some(1) => "1 feature".to_owned(),
            1 => format!("{given} features"),
            2 => format!("a {given} sequence"),
            _ => format!("a {given} image"),
        };
        let message = format!("`{call}` takes {what}, but {source} gives {given}{hint}");
        self.error(message);
        false
    }

    /// `size >= 1`, checked here for a literal and by the compiler otherwise.
    pub fn expect_positive(&mut self, size: &Size, message: impl Fn() -> String) -> bool {
        match size.literal {
            Some(0) => {
                self.error(message());
                false
            }
            Some(_) => true,
            None => {
                let raw = size.raw();
                self.check(size.span(), quote::quote!(#raw > 0), message());
                true
            }
        }
    }

    /// `length + 2·padding >= reach` along one axis, checked here for literals and by the
    /// compiler otherwise; `message` says what the layer needs. The padded length, or `None`
    /// once reported.
    pub fn expect_fits(
        &mut self,
        length: &Size,
        padding: u64,
        reach: u64,
        message: impl Fn() -> String,
    ) -> Option<Size> {
        let padded = length.add(&Size::new(2 * padding, length.span()))?;
        match padded.literal {
            Some(n) if n < reach => {
                self.error(message());
                None
            }
            Some(_) => Some(padded),
            None => {
                let (raw, reach) = (padded.raw(), reach as usize);
                let span = self.call.name().span();
                self.check(span, quote::quote!(#raw >= #reach), message());
                Some(padded)
            }
        }
    }
}

/// The name of spatial axis `axis` of a layer over `axes` axes, and the adjective for its
/// extent: ("height", "high").
pub fn axis_name(axes: usize, axis: usize) -> (&'static str, &'static str) {
    match (axes, axis) {
        (1, _) => ("length", "long"),
        (_, 0) => ("height", "high"),
        _ => ("width", "wide"),
    }
}

/// Says that a window of `reach` values (`how`: how the layer spans them, or empty) does not
/// fit in an input `length` long along an axis with `padding` on each side: the layer would
/// give nothing.
pub fn too_short(
    call: &LayerCall,
    (axis, extent): (&str, &str),
    (reach, how): (u64, &str),
    length: &Size,
    padding: u64,
) -> String {
    let padded = match length.literal {
        Some(n) if padding > 0 => format!(", {} with its padding", n + 2 * padding),
        None if padding > 0 => format!(", plus {} of padding", 2 * padding),
        _ => String::new(),
    };
    format!(
        "`{call}` needs at least {reach} values{how} along the {axis}, but its input is {} {extent}{padded}: it would give no output",
        length.text()
    )
}

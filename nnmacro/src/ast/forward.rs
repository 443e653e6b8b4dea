//! A model's `forward`, when its layers are not one chain: PyTorch's `def forward(self, x)`.
//!
//! ```text
//! fn forward(IDENT) { (let IDENT = EXPR;)* EXPR }
//!
//! EXPR := TERM (+ TERM)*                  out + identity
//! TERM := NAME ( EXPR )                   conv1(x), self.conv1(x)
//!       | IDENT                           x, identity
//!       | ( EXPR )
//! ```
//!
//! A `let` may shadow an earlier name, as Python reassigns `out`.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Ident, Token, braced, parenthesized, token};

/// The parsed `fn forward(x) { ... }`.
pub struct Forward {
    /// The `forward` keyword's span, where errors about the whole graph point.
    pub span: Span,
    /// The input's name (`x`).
    pub input: Ident,
    /// `let name = expr;`, in order.
    pub lets: Vec<(Ident, Expr)>,
    /// The value returned.
    pub result: Expr,
}

/// A value in `forward`.
pub enum Expr {
    /// A name bound by the signature or a `let`.
    Var(Ident),
    /// A layer of the model applied to a value: `conv1(x)`.
    Call { module: Ident, arg: Box<Expr> },
    /// The sum of two values of one shape (a residual connection).
    Add {
        lhs: Box<Expr>,
        plus: Token![+],
        rhs: Box<Expr>,
    },
}

/// Whether the input goes on with a `forward`: `fn forward`.
pub fn peek(input: ParseStream) -> bool {
    input.peek(Token![fn])
}

/// `fn forward(x) { ... }`.
pub fn parse(input: ParseStream) -> syn::Result<Forward> {
    input.parse::<Token![fn]>()?;
    let name: Ident = input.parse()?;
    if name != "forward" {
        return Err(syn::Error::new(
            name.span(),
            format_args!("expected `fn forward(x) {{ ... }}` after the layers, found `fn {name}`"),
        ));
    }
    let args;
    parenthesized!(args in input);
    let input_name = drained(&args, signature(&args))?;
    if input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        input.parse::<syn::Type>()?;
    }
    let body;
    braced!(body in input);
    let (lets, result) = drained(&body, body_of(&body))?;
    Ok(Forward {
        span: name.span(),
        input: input_name,
        lets,
        result,
    })
}

/// `r`, having first skipped what is left of `group` if it is an error: a group left unread
/// would add syn's "unexpected token" to the error that stopped it.
fn drained<T>(group: ParseStream, r: syn::Result<T>) -> syn::Result<T> {
    if r.is_err() {
        let _ = group.parse::<proc_macro2::TokenStream>();
    }
    r
}

/// The parentheses of `fn forward(x)`: the input's name.
fn signature(args: ParseStream) -> syn::Result<Ident> {
    if args.peek(Token![&]) || args.peek(Token![self]) {
        // `(&self, x)`: PyTorch's `(self, x)`; the layers are named without `self` here.
        let _: Option<Token![&]> = args.parse()?;
        args.parse::<Token![self]>()?;
        args.parse::<Token![,]>()?;
    }
    let input_name: Ident = args.parse()?;
    if args.peek(Token![:]) {
        // `x: Tensor`: the type is the model's input; nothing to say.
        args.parse::<Token![:]>()?;
        args.parse::<syn::Type>()?;
    }
    if !args.is_empty() {
        return Err(args.error("`forward` takes one input: `fn forward(x)`"));
    }
    Ok(input_name)
}

/// The braces of `fn forward(x) { ... }`: the `let`s and the value returned.
fn body_of(body: ParseStream) -> syn::Result<(Vec<(Ident, Expr)>, Expr)> {
    let mut lets = Vec::new();
    while body.peek(Token![let]) {
        body.parse::<Token![let]>()?;
        let _: Option<Token![mut]> = body.parse()?;
        let name: Ident = body.parse()?;
        body.parse::<Token![=]>()?;
        let value = expr(body)?;
        body.parse::<Token![;]>()?;
        lets.push((name, value));
    }
    if body.peek(Token![return]) {
        body.parse::<Token![return]>()?;
    }
    let result = expr(body)?;
    let _: Option<Token![;]> = body.parse()?;
    if !body.is_empty() {
        return Err(body.error(
            "expected the end of `forward`: it is `let` bindings, then the value it returns",
        ));
    }
    Ok((lets, result))
}

/// `TERM (+ TERM)*`, adding left to right.
fn expr(input: ParseStream) -> syn::Result<Expr> {
    let mut value = term(input)?;
    while input.peek(Token![+]) {
        let plus = input.parse()?;
        let rhs = term(input)?;
        value = Expr::Add {
            lhs: Box::new(value),
            plus,
            rhs: Box::new(rhs),
        };
    }
    if input.peek(Token![*]) || input.peek(Token![-]) || input.peek(Token![/]) {
        return Err(input.error(
            "`forward` adds values (`a + b`) and applies layers (`conv1(x)`); other arithmetic is a layer's",
        ));
    }
    Ok(value)
}

fn term(input: ParseStream) -> syn::Result<Expr> {
    if input.peek(token::Paren) {
        let inner;
        parenthesized!(inner in input);
        let value = drained(&inner, expr(&inner))?;
        if !inner.is_empty() {
            return drained(&inner, Err(inner.error("expected `)`")));
        }
        return Ok(value);
    }
    if input.peek(Token![self]) {
        input.parse::<Token![self]>()?;
        input.parse::<Token![.]>()?;
    }
    let name: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a value: a name (`x`), a layer applied to a value (`conv1(x)`) or a sum",
        )
    })?;
    if !input.peek(token::Paren) {
        return Ok(Expr::Var(name));
    }
    let args;
    parenthesized!(args in input);
    let arg = drained(&args, expr(&args))?;
    if !args.is_empty() {
        let error = args.error(format_args!("a layer takes one value: `{name}(x)`"));
        return drained(&args, Err(error));
    }
    Ok(Expr::Call {
        module: name,
        arg: Box::new(arg),
    })
}

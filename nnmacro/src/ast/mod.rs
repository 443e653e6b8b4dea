//! Parse: the macro's input as written, every token kept for error spans.
//!
//! ```text
//! sequential! {
//!     #[attr]* VIS struct NAME { (#[attr]* FIELD: LAYER),* ,? }
//! }
//! sequential! {
//!     #[attr]* VIS struct NAME ( (#[attr]* LAYER),* ,? );
//! }
//!
//! LAYER := PATH                       Tanh, ReLU, nncore::Sigmoid
//!        | PATH ( ARG,* ,? )          Linear(1, 13), Linear(13, 1, bias = false), LeakyReLU(0.1)
//! ARG   := EXPR | IDENT = EXPR
//! ```
//!
//! Anything that has this grammar parses; whether it makes a model is `valid`'s question.
//! Once the header (`struct NAME`) has parsed, a layer that does not parse is recorded in its
//! entry and parsing goes on at the next comma, so one compile reports every broken layer and
//! the macro can still write a stub with the struct's other fields. What other languages and
//! other Rust items would have there (`nn.Linear`, `# comments`, generics, an `enum`) is
//! recognized by `habits.rs`, reported, and read as what it most likely means.

mod entries;
pub mod forward;
mod habits;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Path, Token, Visibility, braced, parenthesized, token};

/// One model of the input.
pub struct Input {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub form: Form,
    pub entries: Vec<Entry>,
    /// The span of the braces or parentheses holding the layers.
    pub body_span: Span,
    /// `fn forward(x) { ... }` after the layers, for a model that is not one chain.
    pub forward: Option<forward::Forward>,
    /// Mistakes in the grammar after the header, reported with the model's other errors.
    pub errors: Vec<syn::Error>,
}

/// Which kind of struct the user wrote.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `struct M { a: Linear(1, 2) }`: named fields, PyTorch's `OrderedDict` names.
    Named,
    /// `struct M(Linear(1, 2));`: a tuple struct, PyTorch's index names.
    Tuple,
}

/// One layer of the list, with its field name in the named form.
pub struct Entry {
    pub attrs: Vec<Attribute>,
    pub name: Option<Ident>,
    /// The layer, or why it does not parse.
    pub layer: syn::Result<LayerCall>,
    /// Mistakes beside the layer that do not stop it from being checked: a visibility, a
    /// PyTorch spelling such as `nn.Linear` or `name = Linear(..)`.
    pub errors: Vec<syn::Error>,
}

/// A layer as written: `Linear(1, 13)`, `Tanh`.
pub struct LayerCall {
    pub path: Path,
    pub args: Option<(token::Paren, Punctuated<Arg, Token![,]>)>,
}

/// One argument of a layer.
pub enum Arg {
    /// `13`
    Positional(syn::Expr),
    /// `bias = false`
    Keyword {
        name: Ident,
        eq: Token![=],
        value: syn::Expr,
    },
}

/// The models of the input, in order: a model may be a layer of the models after it. An `Err` is
/// input from which no model could be read.
pub fn parse(tokens: TokenStream) -> Vec<syn::Result<Input>> {
    let mut comments = Vec::new();
    let tokens = habits::strip_hash_comments(tokens, &mut comments);
    let mut models = Vec::new();
    let parsed = (|input: ParseStream| {
        while !input.is_empty() {
            let first = models.is_empty();
            match model(input) {
                Ok(mut model) => {
                    if first {
                        model.errors.splice(0..0, comments.drain(..));
                    }
                    models.push(Ok(model));
                }
                Err(error) => {
                    // Nothing more can be read: skip the rest.
                    input.parse::<TokenStream>()?;
                    models.push(Err(error));
                }
            }
        }
        Ok(())
    })
    .parse2(tokens);
    if let Err(error) = parsed {
        models.push(Err(error));
    }
    if models.is_empty() {
        models.push(Err(syn::Error::new(
            Span::call_site(),
            habits::EXPECTED_MODEL,
        )));
    }
    // Comments in input that has no model are reported with its error.
    if let (Some(Err(error)), false) = (models.first_mut(), comments.is_empty()) {
        for comment in comments {
            error.combine(comment);
        }
    }
    models
}

/// One model: `#[attr]* VIS struct NAME BODY`, with what other items would have there
/// (generics, `where`, a unit struct, an `enum`) reported and skipped.
fn model(input: ParseStream) -> syn::Result<Input> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    let mut errors = Vec::new();
    let (ident, other_item) = habits::item_header(input, &mut errors)?;
    if other_item {
        return Ok(Input {
            attrs,
            vis,
            body_span: ident.span(),
            ident,
            form: Form::Named,
            entries: Vec::new(),
            forward: None,
            errors,
        });
    }
    habits::generics(input, &ident, &mut errors)?;
    let content;
    let (form, body_span) = if input.peek(token::Brace) {
        let braces = braced!(content in input);
        (Form::Named, braces.span.join())
    } else if input.peek(token::Paren) {
        let parens = parenthesized!(content in input);
        (Form::Tuple, parens.span.join())
    } else {
        let span = habits::missing_body(input, &ident, &mut errors)?;
        return Ok(Input {
            attrs,
            vis,
            ident,
            form: Form::Named,
            entries: Vec::new(),
            body_span: span,
            forward: None,
            errors,
        });
    };
    let body: TokenStream = content.parse()?;
    let (entries, form) = entries::parse_entries(body, form, &mut errors);
    habits::where_clause(input, &mut errors)?;
    if form == Form::Tuple && input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    } else if form == Form::Tuple {
        errors.push(syn::Error::new(
            body_span,
            format_args!("expected `;` after the layers: `struct {ident}(...);`"),
        ));
    } else if input.peek(Token![;]) {
        // `struct Net { .. };`: a stray semicolon, harmless.
        input.parse::<Token![;]>()?;
    }
    let forward = if forward::peek(input) {
        match forward::parse(input) {
            Ok(forward) => Some(forward),
            Err(error) => {
                errors.push(error);
                // Skip to the next model.
                while !input.is_empty()
                    && !input.peek(Token![pub])
                    && !input.peek(Token![struct])
                    && !input.peek(Token![#])
                {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
                None
            }
        }
    } else {
        None
    };
    Ok(Input {
        attrs,
        vis,
        ident,
        form,
        entries,
        body_span,
        forward,
        errors,
    })
}

impl LayerCall {
    /// The layer's name: the path's last segment (`Linear` in `nncore::Linear`).
    pub fn name(&self) -> &Ident {
        &self
            .path
            .segments
            .last()
            .expect("a parsed path has a segment")
            .ident
    }
}

impl ToTokens for LayerCall {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.path.to_tokens(tokens);
        if let Some((parens, args)) = &self.args {
            parens.surround(tokens, |tokens| args.to_tokens(tokens));
        }
    }
}

impl ToTokens for Arg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Arg::Positional(value) => value.to_tokens(tokens),
            Arg::Keyword { name, eq, value } => {
                name.to_tokens(tokens);
                eq.to_tokens(tokens);
                value.to_tokens(tokens);
            }
        }
    }
}

/// The layer as the user would write it: `Linear(12, 1)`, for messages.
impl std::fmt::Display for LayerCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some((_, args)) = &self.args {
            f.write_str("(")?;
            for (i, arg) in args.iter().enumerate() {
                let text = arg.to_token_stream().to_string();
                let text = text.replace(" = ", "=").replace("- ", "-");
                write!(f, "{}{text}", if i == 0 { "" } else { ", " })?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

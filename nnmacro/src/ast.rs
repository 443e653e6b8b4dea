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
//! Anything that has this grammar parses; whether it makes a model is `valid.rs`'s question.
//! Once the header (`struct NAME`) has parsed, a layer that does not parse is recorded in its
//! entry and parsing goes on at the next comma, so one compile reports every broken layer and
//! the macro can still write a stub with the struct's other fields.

use proc_macro2::{Punct, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Path, Token, Visibility, braced, parenthesized, token};

/// The whole input.
pub struct Input {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub form: Form,
    pub entries: Vec<Entry>,
    /// The span of the braces or parentheses holding the layers.
    pub body_span: Span,
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
    /// A mistake beside the layer that does not stop it from being checked: a visibility.
    pub error: Option<syn::Error>,
}

/// A layer as written: `Linear(1, 13)`, `Tanh`.
pub struct LayerCall {
    pub path: Path,
    pub args: Option<(token::Paren, Punctuated<Arg, Token![,]>)>,
}

/// One argument of a layer.
pub enum Arg {
    /// `13`
    Positional(Expr),
    /// `bias = false`
    Keyword {
        name: Ident,
        eq: Token![=],
        value: Expr,
    },
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        let content;
        let lookahead = input.lookahead1();
        let (form, body_span) = if lookahead.peek(token::Brace) {
            let braces = braced!(content in input);
            (Form::Named, braces.span.join())
        } else if lookahead.peek(token::Paren) {
            let parens = parenthesized!(content in input);
            (Form::Tuple, parens.span.join())
        } else {
            return Err(lookahead.error());
        };
        let body: TokenStream = content.parse()?;
        let mut errors = Vec::new();
        let entries = parse_entries(body, &mut errors);
        if form == Form::Tuple && !input.is_empty() {
            input.parse::<Token![;]>()?;
        } else if form == Form::Tuple {
            errors.push(syn::Error::new(
                body_span,
                format_args!("expected `;` after the layers: `struct {ident}(...);`"),
            ));
        }
        Ok(Input {
            attrs,
            vis,
            ident,
            form,
            entries,
            body_span,
            errors,
        })
    }
}

/// Splits the body at its top-level commas and parses each layer on its own, so that one broken
/// layer neither hides the next one's mistakes nor loses the names of the fields around it.
fn parse_entries(body: TokenStream, errors: &mut Vec<syn::Error>) -> Vec<Entry> {
    let mut chunks: Vec<(TokenStream, Option<Punct>)> = vec![(TokenStream::new(), None)];
    for token in body {
        match token {
            TokenTree::Punct(comma) if comma.as_char() == ',' => {
                chunks.last_mut().expect("one chunk at least").1 = Some(comma);
                chunks.push((TokenStream::new(), None));
            }
            other => chunks
                .last_mut()
                .expect("one chunk at least")
                .0
                .extend([other]),
        }
    }
    let mut entries = Vec::new();
    for (tokens, comma) in chunks {
        if tokens.is_empty() {
            // The end of the list, after a trailing comma or none; elsewhere, a stray comma.
            if let Some(comma) = comma {
                errors.push(syn::Error::new(
                    comma.span(),
                    "expected a layer before this `,`",
                ));
            }
            continue;
        }
        match entry.parse2(tokens) {
            Ok(entry) => entries.push(entry),
            Err(error) => errors.push(error),
        }
    }
    entries
}

/// One entry: `#[attr]* name: LAYER` or `#[attr]* LAYER`. A layer that fails to parse is kept
/// as an error beside its field name.
fn entry(input: ParseStream) -> syn::Result<Entry> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse::<Visibility>()?;
    let error = match vis {
        Visibility::Inherited => None,
        vis => Some(syn::Error::new_spanned(
            &vis,
            "a layer has the model's visibility; remove this, or change the visibility of the `struct`",
        )),
    };
    // `name: Layer` has a single colon; `nn::Linear` starts with a path.
    let name = if input.peek(Ident::peek_any) && input.peek2(Token![:]) && !input.peek2(Token![::])
    {
        let name = input.call(Ident::parse_any)?;
        let colon = input.parse::<Token![:]>()?;
        if input.is_empty() {
            let error = syn::Error::new(
                colon.span,
                format_args!("expected a layer after `{name}:`, e.g. `{name}: Linear(1, 1)`"),
            );
            return Ok(Entry {
                attrs,
                name: Some(name),
                layer: Err(error),
                error: None,
            });
        }
        Some(name)
    } else {
        None
    };
    let layer = input.parse::<LayerCall>().and_then(|layer| {
        if input.is_empty() {
            Ok(layer)
        } else {
            Err(input.error("expected `,` after the layer"))
        }
    });
    // The rest of a broken layer is skipped; its error says where it went wrong.
    input.parse::<TokenStream>()?;
    Ok(Entry {
        attrs,
        name,
        layer,
        error,
    })
}

impl Parse for LayerCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path = input.call(Path::parse_mod_style)?;
        let args = if input.peek(token::Paren) {
            let content;
            let parens = parenthesized!(content in input);
            Some((parens, parse_args(&content)?))
        } else {
            None
        };
        Ok(LayerCall { path, args })
    }
}

/// `ARG,* ,?`, with a message that says a comma is missing between two arguments.
fn parse_args(input: ParseStream) -> syn::Result<Punctuated<Arg, Token![,]>> {
    let mut args = Punctuated::new();
    while !input.is_empty() {
        args.push_value(input.parse()?);
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            let error = input.error("expected `,` between the arguments");
            // Consumed, so that the error is this one and not syn's "unexpected token".
            input.parse::<TokenStream>()?;
            return Err(error);
        }
        args.push_punct(input.parse()?);
    }
    Ok(args)
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            Ok(Arg::Keyword {
                name: input.parse()?,
                eq: input.parse()?,
                value: input.parse()?,
            })
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
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

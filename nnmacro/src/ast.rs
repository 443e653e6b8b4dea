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

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
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
    pub layer: LayerCall,
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
        let entries = Punctuated::<Entry, Token![,]>::parse_terminated(&content)?;
        if form == Form::Tuple {
            input.parse::<Token![;]>()?;
        }
        Ok(Input {
            attrs,
            vis,
            ident,
            form,
            entries: entries.into_iter().collect(),
            body_span,
        })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        // `name: Layer` has a single colon; `nn::Linear` starts with a path.
        let name =
            if input.peek(Ident::peek_any) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
                let name = input.call(Ident::parse_any)?;
                input.parse::<Token![:]>()?;
                Some(name)
            } else {
                None
            };
        let layer = input.parse()?;
        Ok(Entry { attrs, name, layer })
    }
}

impl Parse for LayerCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path = input.call(Path::parse_mod_style)?;
        let args = if input.peek(token::Paren) {
            let content;
            let parens = parenthesized!(content in input);
            Some((parens, Punctuated::parse_terminated(&content)?))
        } else {
            None
        };
        Ok(LayerCall { path, args })
    }
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

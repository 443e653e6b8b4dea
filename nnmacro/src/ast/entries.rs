//! The list of layers: split at its commas, each entry parsed on its own.

use proc_macro2::{Punct, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Path, Token, Visibility, parenthesized, token};

use super::{Arg, Entry, Form, LayerCall, habits};

/// Splits the body at its top-level commas and parses each layer on its own, so that one broken
/// layer neither hides the next one's mistakes nor loses the names of the fields around it.
/// A whole list written as `nn.Sequential(...)` is read as the list inside, in the tuple form.
pub fn parse_entries(
    body: TokenStream,
    form: Form,
    errors: &mut Vec<syn::Error>,
) -> (Vec<Entry>, Form) {
    let mut entries = Vec::new();
    for (tokens, comma) in split(body) {
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
    match habits::unwrap_sequential(&mut entries) {
        Some((inner, error)) => {
            errors.push(error);
            parse_entries(inner, Form::Tuple, errors)
        }
        None => (entries, form),
    }
}

/// The body's entries, each with the comma after it. A comma inside `<...>` after a name
/// (`Linear<1, 13>`, `Linear::<1, 13>`) does not split.
fn split(body: TokenStream) -> Vec<(TokenStream, Option<Punct>)> {
    let mut chunks: Vec<(TokenStream, Option<Punct>)> = vec![(TokenStream::new(), None)];
    let (mut angles, mut after_ident) = (0usize, false);
    for token in body {
        let last = chunks.last_mut().expect("one chunk at least");
        match &token {
            TokenTree::Punct(comma) if comma.as_char() == ',' && angles == 0 => {
                last.1 = Some(comma.clone());
                chunks.push((TokenStream::new(), None));
                after_ident = false;
                continue;
            }
            TokenTree::Punct(p) if p.as_char() == '<' && after_ident => angles += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && angles > 0 && !after_arrow(&last.0) => {
                angles -= 1;
            }
            _ => {}
        }
        // `Linear<` or `Linear::<`.
        after_ident = match &token {
            TokenTree::Ident(_) => true,
            TokenTree::Punct(p) => p.as_char() == ':' && after_ident,
            _ => false,
        };
        last.0.extend([token]);
    }
    chunks
}

/// Whether a `>` after `before` is the end of `->` or `=>`.
fn after_arrow(before: &TokenStream) -> bool {
    matches!(
        before.clone().into_iter().last(),
        Some(TokenTree::Punct(p)) if (p.as_char() == '-' || p.as_char() == '=') && p.spacing() == Spacing::Joint
    )
}

/// One entry: `#[attr]* name: LAYER` or `#[attr]* LAYER`. A layer that fails to parse is kept
/// as an error beside its field name.
fn entry(input: ParseStream) -> syn::Result<Entry> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse::<Visibility>()?;
    let mut errors = Vec::new();
    if !matches!(vis, Visibility::Inherited) {
        errors.push(syn::Error::new_spanned(
            &vis,
            "a layer has the model's visibility; remove this, or change the visibility of the `struct`",
        ));
    }
    let (name, colon) = habits::field_name(input, &mut errors)?.unzip();
    if let (Some(name), Some(colon)) = (&name, colon) {
        if input.is_empty() {
            let error = syn::Error::new(
                colon,
                format_args!("expected a layer after `{name}:`, e.g. `{name}: Linear(1, 1)`"),
            );
            return Ok(Entry {
                attrs,
                name: Some(name.clone()),
                layer: Err(error),
                errors,
            });
        }
    }
    let layer = layer(input, &mut errors).and_then(|layer| {
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
        errors,
    })
}

/// A layer, written as Rust has it or with PyTorch's `nn.` or Rust's `<...>` (both reported).
fn layer(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<LayerCall> {
    habits::dotted_prefix(input, errors)?;
    let path = path(input)?;
    if turbofish(input) {
        // `Linear::<1, 13>`
        input.parse::<Token![::]>()?;
    }
    if let Some(args) = habits::angle_arguments(input, &path, errors)? {
        return Ok(LayerCall {
            path,
            args: Some(args),
        });
    }
    let args = if input.peek(token::Paren) {
        let content;
        let parens = parenthesized!(content in input);
        Some((parens, parse_args(&content)?))
    } else {
        None
    };
    Ok(LayerCall { path, args })
}

/// `nncore::Linear`: a path of names, which `::<` does not continue.
fn path(input: ParseStream) -> syn::Result<Path> {
    let leading_colon = input.parse::<Option<Token![::]>>()?;
    let mut segments = Punctuated::new();
    loop {
        segments.push_value(syn::PathSegment::from(input.call(Ident::parse_any)?));
        if input.peek(Token![::]) && !turbofish(input) {
            segments.push_punct(input.parse()?);
        } else {
            return Ok(Path {
                leading_colon,
                segments,
            });
        }
    }
}

/// Whether `::<` comes next.
fn turbofish(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Token![::]>().is_ok() && fork.peek(Token![<])
}

/// `ARG,* ,?`, with a message that says a comma is missing between two arguments.
pub fn parse_args(input: ParseStream) -> syn::Result<Punctuated<Arg, Token![,]>> {
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

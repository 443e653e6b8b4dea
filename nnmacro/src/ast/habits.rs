//! What PyTorch, Python and other Rust items would write where the grammar has something else:
//! each is reported with what to write instead, then read as what it most likely means, so that
//! the rest of the model is still checked and the user's code that names it reports nothing.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Token, token};

use super::entries::parse_args;
use super::{Arg, Entry};

/// What the macro takes, for messages about input that is not a model.
pub const EXPECTED_MODEL: &str = "expected a model: `pub struct Net { name: Layer, ... }` or `pub struct Net(Layer, ...);`, e.g. `pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));`";

/// Removes Python's `# comments`: a `#` not starting an attribute, and the tokens after it on
/// its line (or, where the compiler does not tell lines, up to the next `,` or `;`).
pub fn strip_hash_comments(tokens: TokenStream, errors: &mut Vec<syn::Error>) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(hash)
                if hash.as_char() == '#' && !starts_attribute(&tokens[i + 1..]) =>
            {
                let line = hash.span().start().line;
                let mut end = i + 1;
                while end < tokens.len() && in_comment(&tokens[end], line) {
                    end += 1;
                }
                let comment: TokenStream = tokens[i..end].iter().cloned().collect();
                errors.push(syn::Error::new_spanned(
                    comment,
                    "`#` does not start a comment in Rust: write `// ...`",
                ));
                i = end;
            }
            TokenTree::Group(group) => {
                let inner = strip_hash_comments(group.stream(), errors);
                let mut copy = Group::new(group.delimiter(), inner);
                copy.set_span(group.span());
                out.push(TokenTree::Group(copy));
                i += 1;
            }
            other => {
                out.push(other.clone());
                i += 1;
            }
        }
    }
    out.into_iter().collect()
}

/// `[...]` or `![...]` after a `#`: an attribute.
fn starts_attribute(after: &[TokenTree]) -> bool {
    match after {
        [TokenTree::Group(g), ..] => g.delimiter() == Delimiter::Bracket,
        [TokenTree::Punct(p), TokenTree::Group(g), ..] => {
            p.as_char() == '!' && g.delimiter() == Delimiter::Bracket
        }
        _ => false,
    }
}

/// Whether `token` is part of a `#` comment on line `line` (0 when lines are unknown).
fn in_comment(token: &TokenTree, line: usize) -> bool {
    if line > 0 {
        return token.span().start().line == line;
    }
    !matches!(token, TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';')
}

/// `struct NAME`, or another item in its place: an `enum`, a missing `struct`, Python's
/// `net = nn.Sequential(...)`. The model's name, when there is one to read, and whether the
/// item was another kind, whose body has been skipped.
pub fn item_header(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<(Ident, bool)> {
    if input.peek(Token![struct]) {
        input.parse::<Token![struct]>()?;
        let name = input.parse::<Ident>().map_err(|_| {
            syn::Error::new(
                input.span(),
                "expected the model's name after `struct`, e.g. `pub struct Net(...)`",
            )
        })?;
        return Ok((name, false));
    }
    let fork = input.fork();
    let word = fork.call(Ident::parse_any).ok();
    let item = word.as_ref().map(Ident::to_string);
    let item = item.as_deref();
    if matches!(
        item,
        Some(
            "enum"
                | "union"
                | "fn"
                | "type"
                | "trait"
                | "impl"
                | "mod"
                | "const"
                | "static"
                | "class"
        )
    ) && fork.peek(syn::Ident)
    {
        let keyword = input.call(Ident::parse_any)?;
        let name: Ident = input.parse()?;
        // The item's own body is not layers: skip it.
        while !input.is_empty() && !input.peek(token::Brace) && !input.peek(Token![;]) {
            input.parse::<TokenTree>()?;
        }
        if !input.is_empty() {
            input.parse::<TokenTree>()?;
        }
        errors.push(syn::Error::new(
            keyword.span(),
            format_args!(
                "`sequential!` declares a `struct`, not {} `{keyword}`\n{}",
                if item == Some("enum") || item == Some("impl") {
                    "an"
                } else {
                    "a"
                },
                &EXPECTED_MODEL["expected ".len()..]
            ),
        ));
        return Ok((name, true));
    }
    if let Some(word) = word {
        let capitalized = capitalize(&word.to_string());
        if fork.peek(Token![=]) || fork.peek(Token![.]) || word == "Sequential" {
            // `net = nn.Sequential(...)`, `nn.Sequential(...)`: Python, with no struct.
            let rest: TokenStream = input.parse()?;
            let name = if fork.peek(Token![=]) {
                capitalized
            } else {
                "Net".to_owned()
            };
            return Err(syn::Error::new_spanned(
                rest,
                format_args!(
                    "`sequential!` declares a struct whose fields are the layers, as a `nn.Sequential` subclass would\nwrite `pub struct {name}(Linear(1, 13), Tanh, Linear(13, 1));` with your layers, or `pub struct {name} {{ name: Layer, ... }}`"
                ),
            ));
        }
        if fork.peek(token::Paren) || fork.peek(token::Brace) {
            let name = input.call(Ident::parse_any)?;
            errors.push(syn::Error::new(
                name.span(),
                format_args!("expected `struct` before the model's name: `struct {name}`"),
            ));
            return Ok((name, false));
        }
    }
    Err(input.error(EXPECTED_MODEL))
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `<...>` after the model's name: reported and skipped.
pub fn generics(
    input: ParseStream,
    ident: &Ident,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<()> {
    if input.peek(Token![<]) {
        let generics: syn::Generics = input.parse()?;
        errors.push(syn::Error::new_spanned(
            generics,
            format_args!(
                "a model has no generic parameters: its sizes are fixed where it is declared\nremove `<...>` after `{ident}`; a size may be a constant, e.g. `Linear(IN, HIDDEN)` with `const HIDDEN: usize = 13;`"
            ),
        ));
    }
    where_clause(input, errors)
}

/// `where ...` after the name or the layers: reported and skipped.
pub fn where_clause(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<()> {
    if input.peek(Token![where]) {
        let clause: syn::WhereClause = input.parse()?;
        errors.push(syn::Error::new_spanned(
            clause,
            "a model has no `where` clause: it has no generic parameters",
        ));
    }
    Ok(())
}

/// No `{ ... }` or `( ... )` after the name: a unit struct, or something else. The span to
/// report the model's other mistakes on.
pub fn missing_body(
    input: ParseStream,
    ident: &Ident,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Span> {
    let span = input.span();
    let found: TokenStream = if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        TokenStream::new()
    } else {
        let mut found = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![;]) {
            found.extend([input.parse::<TokenTree>()?]);
        }
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
        }
        found
    };
    let message = format!(
        "the model `{ident}` has no layers; list them: `struct {ident}(Linear(1, 13), Tanh, Linear(13, 1));` or `struct {ident} {{ hidden: Linear(1, 13), ... }}`"
    );
    errors.push(if found.is_empty() {
        syn::Error::new(ident.span(), message)
    } else {
        syn::Error::new_spanned(found, message)
    });
    Ok(span)
}

/// A field's name, `name:`; also Python's `name =`, reported. `None` for an unnamed layer; else
/// the name and the span of its `:`.
pub fn field_name(
    input: ParseStream,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Option<(Ident, Span)>> {
    if !input.peek(Ident::peek_any) {
        return Ok(None);
    }
    if input.peek2(Token![:]) && !input.peek2(Token![::]) {
        let name = input.call(Ident::parse_any)?;
        let colon: Token![:] = input.parse()?;
        return Ok(Some((name, colon.span)));
    }
    if input.peek2(Token![=]) && !input.peek2(Token![==]) && !input.peek2(Token![=>]) {
        let name = input.call(Ident::parse_any)?;
        let eq: Token![=] = input.parse()?;
        errors.push(syn::Error::new(
            eq.span,
            format_args!(
                "a field is named with `:` in Rust: write `{name}: ...`, not `{name} = ...`"
            ),
        ));
        return Ok(Some((name, eq.span)));
    }
    Ok(None)
}

/// PyTorch's `nn.Linear` or `torch.nn.Linear`: the prefix is reported and skipped.
pub fn dotted_prefix(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<()> {
    let mut prefix = TokenStream::new();
    let mut text = String::new();
    while input.peek(Ident::peek_any) && input.peek2(Token![.]) && !input.peek2(Token![..]) {
        let part = input.call(Ident::parse_any)?;
        let dot: Token![.] = input.parse()?;
        text.push_str(&format!("{part}."));
        prefix.extend(quote::quote!(#part #dot));
    }
    if !prefix.is_empty() {
        let name = input
            .fork()
            .call(Ident::parse_any)
            .map_or_else(|_| "the layer".to_owned(), |n| format!("`{n}`"));
        if name != "`Sequential`" {
            errors.push(syn::Error::new_spanned(
                prefix,
                format_args!(
                    "drop `{text}`: in `sequential!` a layer is written by its name, {name}"
                ),
            ));
        }
    }
    Ok(())
}

/// Rust's `Linear<1, 13>`: the arguments, reported, as if written in parentheses.
pub fn angle_arguments(
    input: ParseStream,
    path: &syn::Path,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Option<(token::Paren, Punctuated<Arg, Token![,]>)>> {
    if !input.peek(Token![<]) {
        return Ok(None);
    }
    let open: Token![<] = input.parse()?;
    let (mut depth, mut inner, mut close) = (1usize, TokenStream::new(), None);
    while !input.is_empty() {
        let token: TokenTree = input.parse()?;
        match &token {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(token);
                    break;
                }
            }
            _ => {}
        }
        inner.extend([token]);
    }
    let name = path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let text = inner.to_string().replace(" ,", ",");
    errors.push(syn::Error::new_spanned(
        quote::quote!(#open #inner #close),
        format_args!("a layer's arguments go in parentheses: write `{name}({text})`"),
    ));
    let args = parse_args.parse2(inner)?;
    Ok(Some((token::Paren(open.span), args)))
}

/// A list that is one `nn.Sequential(...)`: the layers inside it, and the error that says to
/// list them directly.
pub fn unwrap_sequential(entries: &mut Vec<Entry>) -> Option<(TokenStream, syn::Error)> {
    let [entry] = entries.as_slice() else {
        return None;
    };
    let layer = entry.layer.as_ref().ok()?;
    if entry.name.is_some() || layer.name() != "Sequential" || layer.args.is_none() {
        return None;
    }
    let (_, args) = layer.args.as_ref()?;
    let inner = quote::ToTokens::to_token_stream(args);
    let error = syn::Error::new_spanned(
        &layer.path,
        "`sequential!` is PyTorch's `nn.Sequential`: list the layers directly, `struct Net(Linear(1, 13), Tanh, ...);`",
    );
    entries.clear();
    Some((inner, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_comments_end_at_their_line() {
        let tokens: TokenStream = "Linear(1, 13), # hidden, then\n Tanh, #[doc = \"kept\"] ReLU"
            .parse()
            .expect("tokens");
        let mut errors = Vec::new();
        let stripped = strip_hash_comments(tokens, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            stripped.to_string(),
            "Linear (1 , 13) , Tanh , # [doc = \"kept\"] ReLU"
        );
    }
}

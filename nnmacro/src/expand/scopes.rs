//! The statements of an int8 `forward`, each activation declared in a block that ends right after
//! its last reader. An optimized build then gives a value's stack space to later ones (a value's
//! space starts at its first write, its end is the block's): `forward` needs the values alive at
//! once, not the sum of all of them. For a chain of three layers:
//! `let x3; { let x2; { let x1; x1 = ..; x2 = ..(&x1); } x3 = ..(&x2); } x3`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// One statement of `forward`: it writes `value`, of type `ty`, reading the values of the
/// steps `reads` (indices into the step list; the model's input is not one).
pub struct Step {
    /// The local the statement assigns (declared by [`scoped`]).
    pub value: Ident,
    /// Its type.
    pub ty: TokenStream,
    /// The steps whose values it reads.
    pub reads: Vec<usize>,
    /// The statement, `value = ...;`.
    pub code: TokenStream,
}

/// `steps` in order, each value in a block ending after its last reader (the blocks nest by
/// last reader, the latest outermost), then the value of step `output`.
pub fn scoped(steps: &[Step], output: usize) -> TokenStream {
    let body = scoped_into(steps, output, &[]);
    let out = &steps[output].value;
    quote!(#body #out)
}

/// [`scoped`]'s statements alone, the values of the steps `caller` not declared: their
/// statements write storage of the caller's.
pub fn scoped_into(steps: &[Step], output: usize, caller: &[usize]) -> TokenStream {
    let n = steps.len();
    let mut last: Vec<(usize, usize)> = (0..n).map(|k| (k, k)).collect();
    for (k, step) in steps.iter().enumerate() {
        for &r in &step.reads {
            last[r].1 = last[r].1.max(k);
        }
    }
    last[output].1 = n;
    last.sort_by_key(|&(_, end)| core::cmp::Reverse(end));
    let (mut done, mut body) = (0, TokenStream::new());
    for (j, &(v, end)) in last.iter().enumerate().rev() {
        let until = (end + 1).min(n).max(done);
        let run = steps[done..until].iter().map(|s| &s.code);
        let (name, ty) = (&steps[v].value, &steps[v].ty);
        let decl = if caller.contains(&v) {
            TokenStream::new()
        } else {
            quote!(#[allow(clippy::needless_late_init, unused_mut)] let mut #name: #ty;)
        };
        body = if j + 1 == n {
            quote!(#decl #(#run)*)
        } else {
            quote!(#decl { #body } #(#run)*)
        };
        done = until;
    }
    body
}

/// The bytes alive at the fullest step of [`scoped`]'s statements: at each step, the input if a
/// step at or after it reads it (`input_last`, the last step reading it, if any), and every value
/// written by then and read at or after it; `lens[k]` is the size of step `k`'s value.
pub fn arena(
    steps: &[Step],
    output: usize,
    input: (&TokenStream, Option<usize>),
    lens: &[TokenStream],
) -> TokenStream {
    let n = steps.len();
    let mut last: Vec<usize> = (0..n).collect();
    for (k, step) in steps.iter().enumerate() {
        for &r in &step.reads {
            last[r] = last[r].max(k);
        }
    }
    last[output] = n;
    let (input_len, input_last) = input;
    let sums = (0..n).map(|k| {
        let alive = (0..=k).filter(|&v| last[v] >= k).map(|v| &lens[v]);
        let input = input_last
            .filter(|&l| l >= k)
            .map(|_| input_len)
            .into_iter();
        quote!(0 #(+ #input)* #(+ #alive)*)
    });
    quote!(::nncore::__private::max_of(&[#(#sums),*]))
}

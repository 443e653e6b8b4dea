//! Expansion snapshots: what the macro writes for the models in `examples/*-expanded.rs`, so a
//! change to the generated code shows up as a diff and the expanded examples never go stale.
//!
//! Each expanded example holds its source model in a comment and the expansion between two
//! marker lines. `UPDATE_EXPANDED=1 cargo test -p nnmacro` rewrites the expansions; read the
//! diff before committing it.

use std::path::Path;

const START: &str =
    "// --- what `sequential!` writes (generated: UPDATE_EXPANDED=1 cargo test -p nnmacro) ---\n";
const END: &str = "// --- end of what `sequential!` writes ---\n";

/// The model's source: the lines of the comment between "```rust" and "```", uncommented.
fn source(text: &str) -> String {
    text.lines()
        .skip_while(|line| *line != "// ```rust")
        .skip(1)
        .take_while(|line| *line != "// ```")
        .map(|line| {
            line.strip_prefix("// ")
                .unwrap_or(line.trim_start_matches("//"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The macro's output for the `nncore::sequential! { ... }` call in `source`, printed by
/// prettyplease and formatted by rustfmt, as `cargo fmt` leaves the example.
fn expansion(source: &str) -> String {
    let call: syn::ExprMacro = syn::parse_str(source).expect("the source is one macro call");
    let tokens = crate::expand_sequential(call.mac.tokens);
    let file: syn::File = syn::parse2(tokens).expect("the expansion is a list of items");
    rustfmt(&prettyplease::unparse(&file))
}

/// `code` formatted by the toolchain's rustfmt.
fn rustfmt(code: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt runs (it comes with the toolchain, as `cargo fmt` needs it)");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(code.as_bytes())
        .expect("rustfmt reads the code");
    let output = child.wait_with_output().expect("rustfmt finishes");
    assert!(output.status.success(), "rustfmt failed on the expansion");
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}

fn check(example: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(example);
    let text = std::fs::read_to_string(&path).expect("the expanded example exists");
    let (head, rest) = text.split_once(START).expect("the start marker");
    let (_, tail) = rest.split_once(END).expect("the end marker");
    let fresh = format!("{head}{START}{}{END}{tail}", expansion(&source(&text)));
    if std::env::var_os("UPDATE_EXPANDED").is_some() {
        std::fs::write(&path, fresh).expect("the example can be written");
    } else {
        assert!(
            fresh == text,
            "{example} is not what the macro writes now; regenerate it with UPDATE_EXPANDED=1 cargo test -p nnmacro and read the diff"
        );
    }
}

#[test]
fn temperature_expanded_is_current() {
    check("temperature-expanded.rs");
}

#[test]
fn conv_expanded_is_current() {
    check("conv-expanded.rs");
}

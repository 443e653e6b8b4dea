//! The `sequential!` declaration of a `.tflite` graph: its layers in PyTorch's terms
//! (`Conv2d`, `Linear`, `ZeroPad2d` for TensorFlow's uneven `SAME` padding, the fused
//! activations as layers), and `fn forward(x)` where the graph is not a chain, to see and edit
//! what `nncore::tflite!` imports.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::conv::Padding;
use super::params::Activation;
use super::tflite::{Model, OpKind, Window};
use crate::error::Error;

/// The declaration of `model` as `pub struct name`.
///
/// A graph of one chain of layers becomes a list of layers; one with `ADD` (a residual network)
/// also gets `fn forward(x)`. TensorFlow Lite's layouts stay its own: the shapes are NHWC
/// turned into PyTorch's CHW, and a `Flatten` before a `Linear` reads CHW where TensorFlow Lite
/// reads HWC (the weights of the two differ by that permutation). Operators without a layer
/// here are written as comments.
///
/// # Errors
/// [`Error::Tflite`] if the file is malformed.
pub fn sequential_declaration(model: &Model<'_>, name: &str) -> Result<String, Error> {
    let (inputs, _) = model.io()?;
    let input = inputs.get(0).unwrap_or(0) as usize;
    let dims = |i: usize| -> Result<Vec<usize>, Error> {
        let t = model.tensor(i)?;
        Ok(t.shape.iter().skip(1).map(|d| d.max(0) as usize).collect())
    };
    let mut decl = Declaration::default();
    let mut chain = true;
    let mut last = input;
    for k in 0..model.operator_count()? {
        let op = model.operator(k)?;
        let x = op.inputs.get(0).unwrap_or(-1).max(0) as usize;
        let y = op.outputs.get(0).unwrap_or(-1).max(0) as usize;
        chain &= x == last && !matches!(op.kind, OpKind::Add { .. });
        last = y;
        let (xd, yd) = (dims(x)?, dims(y)?);
        let arg = decl.value(x, input);
        let expr = match op.kind {
            OpKind::Conv2d(w) | OpKind::DepthwiseConv2d { window: w, .. } => {
                let kernel = model.tensor(op.inputs.get(1).unwrap_or(0) as usize)?;
                let k: Vec<usize> = kernel.shape.iter().map(|d| d.max(0) as usize).collect();
                let (cin, cout) = (xd.get(2).copied().unwrap_or(0), *yd.last().unwrap_or(&0));
                let groups = if matches!(op.kind, OpKind::DepthwiseConv2d { .. }) {
                    cin
                } else {
                    cin / k.get(3).copied().unwrap_or(cin).max(1)
                };
                let kernel = [
                    k.get(1).copied().unwrap_or(1),
                    k.get(2).copied().unwrap_or(1),
                ];
                let bias = op.inputs.get(2).is_some_and(|b| b >= 0);
                let (pad, padding) = decl.padding(&w, &xd, &yd, kernel);
                let mut args = format!("{cin}, {cout}, {}", pair(kernel));
                push_options(&mut args, &w, padding, groups, bias);
                let conv = decl.layer("conv", format!("Conv2d({args})"));
                decl.activate(w.activation, apply(&conv, &apply_all(&pad, arg)))
            }
            OpKind::FullyConnected { activation } => {
                let w = model.tensor(op.inputs.get(1).unwrap_or(0) as usize)?;
                let shape: Vec<i32> = w.shape.iter().collect();
                let (o, i) = (
                    shape.first().copied().unwrap_or(0),
                    shape.get(1).copied().unwrap_or(0),
                );
                let bias = if op.inputs.get(2).is_some_and(|b| b >= 0) {
                    ""
                } else {
                    ", bias = false"
                };
                let mut arg = arg;
                if xd.len() > 1 {
                    let flat = decl.layer("flatten", "Flatten".into());
                    arg = apply(&flat, &arg);
                }
                let fc = decl.layer("fc", format!("Linear({i}, {o}{bias})"));
                decl.activate(activation, apply(&fc, &arg))
            }
            OpKind::MaxPool2d { window, filter } | OpKind::AvgPool2d { window, filter } => {
                let kind = if matches!(op.kind, OpKind::MaxPool2d { .. }) {
                    "MaxPool2d"
                } else {
                    "AvgPool2d"
                };
                let (pad, padding) = decl.padding(&window, &xd, &yd, filter);
                if !pad.is_empty() || padding.is_some_and(|p| p != [0, 0]) {
                    decl.notes.push(format!(
                        "operator {k}: TensorFlow Lite's pooling leaves the padding out, PyTorch's counts it as zeros"
                    ));
                }
                let mut args = pair(filter);
                if window.stride != filter {
                    let _ = write!(args, ", stride = {}", pair(window.stride));
                }
                if let Some(p) = padding.filter(|p| *p != [0, 0]) {
                    let _ = write!(args, ", padding = {}", pair(p));
                }
                let pool = decl.layer("pool", format!("{kind}({args})"));
                decl.activate(window.activation, apply(&pool, &apply_all(&pad, arg)))
            }
            OpKind::Reshape if xd.len() > 1 && yd.len() == 1 => {
                apply(&decl.layer("flatten", "Flatten".into()), &arg)
            }
            OpKind::Reshape => arg,
            OpKind::Add { activation } => {
                let other = op.inputs.get(1).unwrap_or(-1).max(0) as usize;
                let sum = format!("{arg} + {}", decl.value(other, input));
                decl.activate(activation, sum)
            }
            OpKind::Softmax { .. } => {
                apply(&decl.layer("softmax", "Softmax(dim = 1)".into()), &arg)
            }
            OpKind::Other(40) => {
                let pool = decl.layer("pool", "AdaptiveAvgPool2d(1)".into());
                apply(
                    &decl.layer("flatten", "Flatten".into()),
                    &apply(&pool, &arg),
                )
            }
            OpKind::Other(117) => apply(&decl.layer("hardswish", "Hardswish".into()), &arg),
            OpKind::Other(code) => {
                decl.notes
                    .push(format!("operator {k} (builtin {code}) has no layer here"));
                arg
            }
        };
        decl.steps.push((y, expr));
    }
    Ok(decl.write(name, &dims(input)?, chain, last))
}

/// `(a, b)`, or `a` where both are equal.
fn pair(p: [usize; 2]) -> String {
    if p[0] == p[1] {
        format!("{}", p[0])
    } else {
        format!("({}, {})", p[0], p[1])
    }
}

fn apply(layer: &str, arg: &str) -> String {
    format!("{layer}({arg})")
}

fn apply_all(layers: &[String], arg: String) -> String {
    layers.iter().fold(arg, |a, l| apply(l, &a))
}

/// `, stride = .., padding = .., dilation = .., groups = .., bias = false` where not defaults.
fn push_options(
    args: &mut String,
    w: &Window,
    padding: Option<[usize; 2]>,
    groups: usize,
    bias: bool,
) {
    if w.stride != [1, 1] {
        let _ = write!(args, ", stride = {}", pair(w.stride));
    }
    if let Some(p) = padding.filter(|p| *p != [0, 0]) {
        let _ = write!(args, ", padding = {}", pair(p));
    }
    if w.dilation != [1, 1] {
        let _ = write!(args, ", dilation = {}", pair(w.dilation));
    }
    if groups > 1 {
        let _ = write!(args, ", groups = {groups}");
    }
    if !bias {
        args.push_str(", bias = false");
    }
}

/// The declaration being written.
#[derive(Default)]
struct Declaration {
    /// `name: Layer(..)`, in order.
    layers: Vec<(String, String)>,
    /// Each op's output tensor and the expression computing it.
    steps: Vec<(usize, String)>,
    notes: Vec<String>,
}

impl Declaration {
    /// A new layer named `kind` and a number; its name.
    fn layer(&mut self, kind: &str, decl: String) -> String {
        let n = self
            .layers
            .iter()
            .filter(|(name, _)| strip(name) == kind)
            .count()
            + 1;
        let name = format!("{kind}{n}");
        self.layers.push((name.clone(), decl));
        name
    }

    /// The fused activation applied to `expr`, as a layer.
    fn activate(&mut self, activation: Activation, expr: String) -> String {
        match activation {
            Activation::None => expr,
            Activation::Relu => apply(&self.layer("relu", "ReLU".into()), &expr),
            Activation::Relu6 => apply(&self.layer("relu6_", "ReLU6".into()), &expr),
            Activation::ReluN1To1 => {
                self.notes
                    .push("a fused RELU_N1_TO_1 (Hardtanh) is left out".into());
                expr
            }
        }
    }

    /// The name of tensor `i` in `forward`: `x` for the input, `t{i}` for an op's output.
    fn value(&self, i: usize, input: usize) -> String {
        if i == input {
            "x".into()
        } else {
            format!("t{i}")
        }
    }

    /// The `ZeroPad2d` (uneven `SAME` padding) and the symmetric padding of a window op.
    fn padding(
        &mut self,
        w: &Window,
        x: &[usize],
        y: &[usize],
        k: [usize; 2],
    ) -> (Vec<String>, Option<[usize; 2]>) {
        if w.padding == Padding::Valid || x.len() < 3 || y.len() < 3 {
            return (Vec::new(), None);
        }
        let total = |a: usize| {
            let span = (y[a] - 1) * w.stride[a] + (k[a] - 1) * w.dilation[a] + 1;
            span.saturating_sub(x[a])
        };
        let (th, tw) = (total(0), total(1));
        let before = [th / 2, tw / 2];
        if th % 2 == 0 && tw % 2 == 0 {
            return (Vec::new(), Some(before));
        }
        let sides = format!(
            "ZeroPad2d(({}, {}, {}, {}))",
            before[1],
            tw - before[1],
            before[0],
            th - before[0]
        );
        (alloc::vec![self.layer("pad", sides)], None)
    }

    fn write(&self, name: &str, input: &[usize], chain: bool, output: usize) -> String {
        let mut out = String::from("nncore::sequential! {\n");
        for note in &self.notes {
            let _ = writeln!(out, "    // {note}");
        }
        let shape: Vec<String> = match input {
            [h, w, c] => [c, h, w].iter().map(|d| format!("{d}")).collect(),
            other => other.iter().map(|d| format!("{d}")).collect(),
        };
        let _ = writeln!(out, "    #[input({})]", shape.join(", "));
        let _ = writeln!(out, "    pub struct {name} {{");
        for (layer, decl) in &self.layers {
            let _ = writeln!(out, "        {layer}: {decl},");
        }
        out.push_str("    }\n");
        if !chain {
            out.push_str("    fn forward(x) {\n");
            for (y, expr) in &self.steps {
                if *y != output {
                    let _ = writeln!(out, "        let t{y} = {expr};");
                }
            }
            let last = self
                .steps
                .iter()
                .rfind(|(y, _)| *y == output)
                .map_or("x", |(_, e)| e.as_str());
            let _ = writeln!(out, "        {last}");
            out.push_str("    }\n");
        }
        out.push_str("}\n");
        out
    }
}

/// A layer's kind: its name without the number.
fn strip(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit())
}

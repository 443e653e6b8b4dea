//! The check of an imported graph: every operator, its options and its tensors against what the
//! int8 runtime computes exactly as TensorFlow Lite Micro does. Anything else is an error naming
//! the operator (its index, name and options) and the tensor.

use super::names::{activation_name, op_name, type_name};
use super::read::{self, Model};

/// A fused activation (`ActivationFunctionType`), as `nncore::quant::Activation` names it.
pub type Activation = &'static str;

/// An activation tensor: its shape without the batch, and its quantization.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// `[N]`, `[L, C]` or `[H, W, C]`.
    pub dims: Vec<usize>,
    pub scale: f32,
    pub zero_point: i8,
}

impl Tensor {
    /// Its values, one byte each.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }
}

/// Int8 weights with their scales, and the int32 bias (zeros where the file has none).
pub struct Weights {
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
    pub scales: Vec<f32>,
    pub bias: Vec<i32>,
}

/// A window op's settings.
pub struct Window {
    pub same: bool,
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub activation: Activation,
}

/// What an operator computes.
pub enum Kind {
    FullyConnected(Weights, Activation),
    Conv2d(Weights, Window),
    DepthwiseConv2d(Weights, Window),
    MaxPool2d([usize; 2], Window),
    AvgPool2d([usize; 2], Window),
    Reshape,
    Add(Activation),
    Softmax(f32),
    HardSwish,
    Mean,
}

/// One operator: what it computes, the tensors it reads and the one it writes.
pub struct Node {
    pub kind: Kind,
    pub inputs: Vec<usize>,
    pub output: usize,
}

/// A checked graph.
pub struct Graph {
    pub nodes: Vec<Node>,
    /// By tensor index: the activations (`None` for constants and unused tensors).
    pub tensors: Vec<Option<Tensor>>,
    pub input: usize,
    pub output: usize,
    /// Whether the file's graph takes float32 and starts with `QUANTIZE`.
    pub float_input: bool,
    /// Whether it gives float32 through a final `DEQUANTIZE`.
    pub float_output: bool,
}

impl Graph {
    /// The peak of the activation bytes alive at once: each op's output from its op to the last
    /// op reading it, the input from the start, the output to the end.
    pub fn arena_bytes(&self) -> usize {
        let graph = self;
        let len = |i: usize| graph.tensors[i].as_ref().map_or(0, Tensor::len);
        let mut last = std::collections::HashMap::new();
        last.insert(graph.input, 0);
        for (k, node) in graph.nodes.iter().enumerate() {
            for &i in &node.inputs {
                last.insert(i, k);
            }
        }
        last.insert(graph.output, graph.nodes.len());
        let mut peak = 0;
        for k in 0..graph.nodes.len() {
            let mut alive: Vec<usize> = last
                .iter()
                .filter(|&(&i, &end)| end >= k && graph.born(i) <= k)
                .map(|(&i, _)| i)
                .collect();
            alive.sort_unstable();
            alive.dedup();
            peak = peak.max(alive.iter().map(|&i| len(i)).sum());
        }
        peak
    }

    /// The op that writes tensor `i` (0 for the input).
    fn born(&self, i: usize) -> usize {
        let graph = self;
        graph.nodes.iter().position(|n| n.output == i).unwrap_or(0)
    }
}

/// Checks `model` into a graph.
pub fn check(model: &Model) -> Result<Graph, String> {
    if model.subgraphs != 1 {
        return Err(format!(
            "{} subgraphs; the import runs models of one (no control flow)",
            model.subgraphs
        ));
    }
    let (input, output) = match (&model.inputs[..], &model.outputs[..]) {
        ([i], [o]) => (index(model, *i)?, index(model, *o)?),
        (i, o) => {
            return Err(format!(
                "{} inputs and {} outputs; the import takes one of each",
                i.len(),
                o.len()
            ));
        }
    };
    let mut graph = Graph {
        nodes: Vec::new(),
        tensors: vec![None; model.tensors.len()],
        input,
        output,
        float_input: false,
        float_output: false,
    };
    let count = model.operators.len();
    for (k, op) in model.operators.iter().enumerate() {
        let at = Site { model, k, op };
        let code = match &op.builtin {
            Ok(code) => *code,
            Err(custom) => {
                return Err(format!(
                    "operator {k} is the custom operator `{custom}`, which the import does not run"
                ));
            }
        };
        let out = match &op.outputs[..] {
            [o] => index(model, *o)?,
            _ => {
                return Err(at.fail(format_args!(
                    "{} outputs; the import takes one",
                    op.outputs.len()
                )));
            }
        };
        // QUANTIZE of the float input and DEQUANTIZE of the output are the edges of the int8 graph.
        if code == 114 && k == 0 && model.tensors[input].dtype == 0 {
            graph.float_input = true;
            graph.input = out;
            graph.tensors[out] = Some(at.activation(out)?);
            at.expect_input(0, input)?;
            continue;
        }
        if code == 6 && k + 1 == count && out == output {
            graph.float_output = true;
            graph.output = at.data(0)?;
            continue;
        }
        if k == 0 {
            let first = graph.input;
            graph.tensors[first] = Some(at.activation(first)?);
        }
        let node = at.node(code, &graph)?;
        graph.tensors[out] = Some(at.activation(out)?);
        graph.nodes.push(Node {
            output: out,
            ..node
        });
    }
    if graph.nodes.is_empty() {
        return Err("the graph has no operator the import runs".into());
    }
    if graph.nodes.last().unwrap().output != graph.output {
        return Err("the last operator does not write the graph's output tensor".into());
    }
    Ok(graph)
}

/// A tensor index of the file, checked.
fn index(model: &Model, i: i32) -> Result<usize, String> {
    usize::try_from(i)
        .ok()
        .filter(|&i| i < model.tensors.len())
        .ok_or_else(|| format!("tensor index {i} does not exist"))
}

/// One operator being checked, for its error messages.
pub(super) struct Site<'m, 'a> {
    pub model: &'m Model<'a>,
    pub k: usize,
    pub op: &'m read::Operator<'a>,
}

impl Site<'_, '_> {
    /// `operator 3 (DEPTHWISE_CONV_2D, padding SAME, stride 1×1, …): what`.
    pub(super) fn fail(&self, what: impl std::fmt::Display) -> String {
        let code = self.op.builtin.clone().unwrap_or(-1);
        format!(
            "operator {} ({}{}): {what}",
            self.k,
            op_name(code),
            self.options()
        )
    }

    /// The options of the operator as text, `, padding SAME, stride 2×2`.
    pub(super) fn options(&self) -> String {
        let (Some(o), Ok(code)) = (&self.op.options, &self.op.builtin) else {
            return String::new();
        };
        let act = |id| activation_name(o.u8(id, 0).unwrap_or(255));
        let pad = || {
            if o.u8(0, 0).unwrap_or(0) == 0 {
                "SAME"
            } else {
                "VALID"
            }
        };
        let pair = |h, w, d| format!("{}×{}", o.i32(h, d).unwrap_or(0), o.i32(w, d).unwrap_or(0));
        match code {
            3 => format!(
                ", padding {}, stride {}, dilation {}, fused {}",
                pad(),
                pair(2, 1, 0),
                pair(5, 4, 1),
                act(3)
            ),
            4 => format!(
                ", padding {}, stride {}, dilation {}, depth multiplier {}, fused {}",
                pad(),
                pair(2, 1, 0),
                pair(6, 5, 1),
                o.i32(3, 0).unwrap_or(0),
                act(4)
            ),
            1 | 17 => format!(
                ", padding {}, stride {}, filter {}, fused {}",
                pad(),
                pair(2, 1, 0),
                pair(4, 3, 0),
                act(5)
            ),
            9 => format!(
                ", fused {}, weights format {}, keep_num_dims {}",
                act(0),
                match o.u8(1, 0).unwrap_or(0) {
                    0 => "DEFAULT",
                    _ => "SHUFFLED4x16INT8",
                },
                o.u8(2, 0).unwrap_or(0) != 0
            ),
            0 => format!(", fused {}", act(0)),
            25 => format!(", beta {}", o.f32(0, 0.0).unwrap_or(0.0)),
            _ => String::new(),
        }
    }

    /// `tensor 5 `name` [1, 3, 3, 8] int8`.
    pub(super) fn describe(&self, i: usize) -> String {
        let t = &self.model.tensors[i];
        format!(
            "tensor {i} `{}` {:?} {}",
            t.name,
            t.shape,
            type_name(t.dtype)
        )
    }

    /// Input `n` of the operator, a tensor index (an error where it is absent).
    pub(super) fn data(&self, n: usize) -> Result<usize, String> {
        match self.op.inputs.get(n) {
            Some(&i) if i >= 0 => index(self.model, i),
            _ => Err(self.fail(format_args!("input {n} is missing"))),
        }
    }

    pub(super) fn expect_input(&self, n: usize, want: usize) -> Result<(), String> {
        let got = self.data(n)?;
        if got == want {
            return Ok(());
        }
        Err(self.fail(format_args!(
            "reads {}, not the graph's input",
            self.describe(got)
        )))
    }

    /// Tensor `i` as an int8 activation of batch 1, quantized per tensor.
    pub(super) fn activation(&self, i: usize) -> Result<Tensor, String> {
        let t = &self.model.tensors[i];
        let bad = |what: &str| Err(self.fail(format_args!("{}: {what}", self.describe(i))));
        if t.dtype != 9 {
            return bad("the import runs int8 activations");
        }
        let dims: Vec<usize> = match t.shape.split_first() {
            Some((1, rest)) if (1..=3).contains(&rest.len()) => {
                match rest
                    .iter()
                    .map(|&d| usize::try_from(d).ok().filter(|&d| d > 0))
                    .collect()
                {
                    Some(dims) => dims,
                    None => return bad("a dimension that is not positive"),
                }
            }
            _ => return bad("the import runs activations of batch 1 with 1 to 3 more dimensions"),
        };
        let (scale, zero_point) = match (&t.scales[..], &t.zero_points[..]) {
            ([s], [z]) if *s > 0.0 && s.is_finite() => match i8::try_from(*z) {
                Ok(z) => (*s, z),
                Err(_) => return bad("a zero point outside int8"),
            },
            _ => return bad("an activation needs one positive scale and one zero point"),
        };
        Ok(Tensor {
            dims,
            scale,
            zero_point,
        })
    }

    /// Input `n`, an activation computed before this operator.
    pub(super) fn operand(&self, n: usize, graph: &Graph) -> Result<(usize, Tensor), String> {
        let i = self.data(n)?;
        match &graph.tensors[i] {
            Some(t) => Ok((i, t.clone())),
            None => Err(self.fail(format_args!(
                "reads {}, which is neither the graph's input nor computed before",
                self.describe(i)
            ))),
        }
    }

    /// The weights (input 1, int8, symmetric) and bias (input 2, int32 or absent) of an op whose
    /// weights have `out` channels along `axis`.
    pub(super) fn weights(&self, axis: usize) -> Result<Weights, String> {
        let i = self.data(1)?;
        let t = &self.model.tensors[i];
        let bad = |what: &str| Err(self.fail(format_args!("{}: {what}", self.describe(i))));
        let shape: Vec<usize> = t.shape.iter().map(|&d| d.max(0) as usize).collect();
        if t.dtype != 9 {
            return bad("the import runs int8 weights");
        }
        if t.data.len() != shape.iter().product::<usize>() || t.data.is_empty() {
            return bad("the weights must be constant data of the tensor's shape");
        }
        let Some(&out) = shape.get(axis) else {
            return bad("weights of too few dimensions");
        };
        if t.zero_points.iter().any(|&z| z != 0) {
            return bad("weights must be symmetric (zero point 0)");
        }
        let per_channel = t.scales.len() == out && t.quantized_dimension as usize == axis;
        if !(t.scales.len() == 1 || per_channel)
            || t.scales
                .iter()
                .any(|s| s.is_nan() || *s <= 0.0 || s.is_infinite())
        {
            return bad("weights need one positive scale, or one per output channel");
        }
        let bias = match self.op.inputs.get(2) {
            Some(&b) if b >= 0 => {
                let b = index(self.model, b)?;
                let bt = &self.model.tensors[b];
                if bt.dtype != 2 || bt.data.len() != 4 * out {
                    return Err(self.fail(format_args!(
                        "{}: the bias must be {out} constant int32 values",
                        self.describe(b)
                    )));
                }
                bt.data
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
                    .collect()
            }
            _ => vec![0; out],
        };
        Ok(Weights {
            shape,
            data: t.data.to_vec(),
            scales: t.scales.clone(),
            bias,
        })
    }
}

//! A TensorFlow Lite golden case (`tests/tflite/<name>/case.json`, described in
//! `tests/tflite/README.md`) and the int8 layers built from its tensors.

#![allow(dead_code)] // Each test binary uses its own part of this module.

#[path = "reader.rs"]
mod reader;

use std::collections::BTreeMap;
use std::path::PathBuf;

use nncore::quant::{
    Activation, Add, AvgPool2d, Conv2d, DepthwiseConv2d, FullyConnected, HardSwish, MaxPool2d,
    Mean, OutputStage, Padding, Pool2d, QuantParams, Reshape, Rounding, SOFTMAX_OUTPUT, Softmax,
};
use serde::Deserialize;

/// One op of the graph, in run order.
#[derive(Debug, Deserialize)]
pub struct Op {
    /// TensorFlow Lite's builtin name, e.g. `CONV_2D`.
    pub op: String,
    /// Tensor indices: data, then weights and bias ([`ABSENT`] for an optional input left out).
    #[serde(deserialize_with = "tensor_indices")]
    pub inputs: Vec<usize>,
    /// Tensor indices of the results.
    pub outputs: Vec<usize>,
    #[serde(default)]
    fused_activation: Option<String>,
    #[serde(default)]
    padding: Option<String>,
    #[serde(default)]
    stride: Option<[usize; 2]>,
    #[serde(default)]
    dilation: Option<[usize; 2]>,
    #[serde(default)]
    filter: Option<[usize; 2]>,
    #[serde(default)]
    depth_multiplier: Option<usize>,
    #[serde(default)]
    beta: Option<f32>,
}

/// The index TensorFlow Lite writes as −1: an optional input (a bias) left out.
pub const ABSENT: usize = usize::MAX;

/// Tensor indices, −1 read as [`ABSENT`].
fn tensor_indices<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
    let raw = Vec::<i64>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|i| usize::try_from(i).unwrap_or(ABSENT))
        .collect())
}

/// One tensor: shape, type, quantization and, for constants, the data (row-major).
#[derive(Debug, Deserialize)]
pub struct Tensor {
    /// TensorFlow Lite's shape.
    pub shape: Vec<usize>,
    /// `int8` or `int32`.
    pub dtype: String,
    scales: Vec<f32>,
    zero_points: Vec<i64>,
    #[serde(default)]
    data: Option<Vec<i64>>,
}

/// The interpreter's int8 inputs and outputs, one row a sample.
#[derive(Debug, Deserialize)]
pub struct Samples {
    /// Quantized inputs.
    pub input: Vec<Vec<i8>>,
    /// The outputs TensorFlow Lite's reference kernels computed.
    pub output: Vec<Vec<i8>>,
}

/// A whole case.
#[derive(Debug, Deserialize)]
pub struct Case {
    /// The folder name.
    pub name: String,
    /// The graph in run order.
    pub ops: Vec<Op>,
    tensors: BTreeMap<usize, Tensor>,
    /// The graph's input tensor.
    pub input: usize,
    /// The graph's output tensor.
    pub output: usize,
    /// Inputs and outputs.
    pub samples: Samples,
    /// For the first samples, every op's output: tensor index to one row a sample.
    pub intermediates: BTreeMap<usize, Vec<Vec<i8>>>,
    /// The float model's parameters where the case has them (`ptq_mlp_int8`): name to a matrix
    /// `[out, in]` or a vector.
    #[serde(default)]
    pub float_weights: BTreeMap<String, serde_json::Value>,
    /// The rows of `data/digits.csv` the converter calibrated on, `[start, end)`.
    #[serde(default)]
    pub calibration_rows: Option<[usize; 2]>,
}

/// `tests/tflite/<case>/<file>`.
fn read(case: &str, file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tflite")
        .join(case);
    let path = path.join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Case {
    /// Reads `tests/tflite/<name>/case.json`.
    pub fn load(name: &str) -> Case {
        let text = String::from_utf8(read(name, "case.json")).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Tensor `index`.
    pub fn tensor(&self, index: usize) -> &Tensor {
        &self.tensors[&index]
    }

    /// Op `index` of the graph, checked to be a `kind`.
    pub fn op(&self, index: usize, kind: &str) -> &Op {
        let op = &self.ops[index];
        assert_eq!(op.op, kind, "{}: op {index}", self.name);
        op
    }

    /// The scales of tensor `index` (one, or one per channel).
    pub fn scales(&self, index: usize) -> &[f32] {
        &self.tensor(index).scales
    }

    /// The per-tensor quantization of an activation tensor.
    pub fn quant(&self, index: usize) -> QuantParams {
        let t = self.tensor(index);
        assert_eq!(t.dtype, "int8", "{}: tensor {index}", self.name);
        assert_eq!(
            t.scales.len(),
            1,
            "{}: tensor {index} is per-tensor",
            self.name
        );
        let zero_point = i8::try_from(t.zero_points[0]).expect("an int8 zero point");
        QuantParams::new(t.scales[0], zero_point)
    }

    /// The data of constant tensor `index`, checked to have `shape`.
    pub fn data<T: TryFrom<i64>>(&self, index: usize, shape: &[usize]) -> Vec<T> {
        let t = self.tensor(index);
        assert_eq!(t.shape, shape, "{}: tensor {index}", self.name);
        let data = t.data.as_ref().expect("a constant tensor");
        data.iter()
            .map(|&v| T::try_from(v).ok().expect("a value in range"))
            .collect()
    }

    /// The output stage of an op with weights, per channel or per tensor (whose multiplier
    /// TensorFlow Lite computes one way for `FULLY_CONNECTED`, another for convolutions).
    fn stage<const N: usize>(&self, op: &Op, rounding: Rounding) -> OutputStage<N> {
        let (input, output) = (self.quant(op.inputs[0]), self.quant(op.outputs[0]));
        let weight = self.tensor(op.inputs[1]);
        assert!(
            weight.zero_points.iter().all(|&z| z == 0),
            "symmetric weights"
        );
        let activation = op.activation();
        match weight.scales.len() {
            1 if op.op == "FULLY_CONNECTED" => {
                OutputStage::per_tensor(input, weight.scales[0], output, activation, rounding)
            }
            1 => {
                let scales = [weight.scales[0]; N];
                OutputStage::per_channel(input, scales, output, activation, rounding)
            }
            n if n == N => {
                let scales = weight.scales.clone().try_into().unwrap();
                OutputStage::per_channel(input, scales, output, activation, rounding)
            }
            n => panic!("{}: {n} weight scales for {N} channels", self.name),
        }
    }

    /// The bias of `op` with `N` channels: its third input, or zeros where it has none.
    fn bias<const N: usize>(&self, op: &Op) -> [i32; N] {
        match op.inputs.get(2) {
            Some(&i) if i != ABSENT => self.data::<i32>(i, &[N]).try_into().unwrap(),
            _ => [0; N],
        }
    }

    /// The `FULLY_CONNECTED` op `index` (weights `[OUT, IN]`).
    pub fn fully_connected<const IN: usize, const OUT: usize>(
        &self,
        index: usize,
        rounding: Rounding,
    ) -> FullyConnected<IN, OUT> {
        let op = self.op(index, "FULLY_CONNECTED");
        let w = self.data::<i8>(op.inputs[1], &[OUT, IN]);
        let weight = std::array::from_fn(|o| std::array::from_fn(|i| w[o * IN + i]));
        let bias = self.bias(op);
        FullyConnected::new(weight, bias, self.stage(op, rounding))
    }

    /// The `CONV_2D` op `index` (weights `[OUT, KH, KW, IN]`).
    pub fn conv<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>(
        &self,
        index: usize,
        rounding: Rounding,
    ) -> Conv2d<IN, OUT, KH, KW> {
        let op = self.op(index, "CONV_2D");
        let w = self.data::<i8>(op.inputs[1], &[OUT, KH, KW, IN]);
        let weight = std::array::from_fn(|o| {
            std::array::from_fn(|kh| {
                std::array::from_fn(|kw| {
                    std::array::from_fn(|c| w[((o * KH + kh) * KW + kw) * IN + c])
                })
            })
        });
        let bias = self.bias(op);
        let (stride, dilation) = (op.stride.unwrap(), op.dilation.unwrap());
        Conv2d::new(
            weight,
            bias,
            stride,
            dilation,
            op.padding(),
            self.stage(op, rounding),
        )
    }

    /// The `DEPTHWISE_CONV_2D` op `index` (weights `[1, KH, KW, OUT]`).
    pub fn depthwise<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>(
        &self,
        index: usize,
        rounding: Rounding,
    ) -> DepthwiseConv2d<IN, OUT, KH, KW> {
        let op = self.op(index, "DEPTHWISE_CONV_2D");
        assert_eq!(
            op.depth_multiplier,
            Some(OUT / IN),
            "{}: depth multiplier",
            self.name
        );
        let w = self.data::<i8>(op.inputs[1], &[1, KH, KW, OUT]);
        let weight = std::array::from_fn(|kh| {
            std::array::from_fn(|kw| std::array::from_fn(|o| w[(kh * KW + kw) * OUT + o]))
        });
        let bias = self.bias(op);
        let (stride, dilation) = (op.stride.unwrap(), op.dilation.unwrap());
        DepthwiseConv2d::new(
            weight,
            bias,
            stride,
            dilation,
            op.padding(),
            self.stage(op, rounding),
        )
    }

    /// The pooling op `index` (`MAX_POOL_2D` or `AVERAGE_POOL_2D`).
    pub fn pool(&self, index: usize, kind: &str) -> Pool2d {
        let op = self.op(index, kind);
        let quant = self.quant(op.inputs[0]);
        assert_eq!(
            quant,
            self.quant(op.outputs[0]),
            "pooling keeps the quantization"
        );
        Pool2d::new(
            op.filter.unwrap(),
            op.stride.unwrap(),
            op.padding(),
            op.activation(),
            quant,
        )
    }

    /// The `MAX_POOL_2D` op `index`.
    pub fn max_pool(&self, index: usize) -> MaxPool2d {
        MaxPool2d(self.pool(index, "MAX_POOL_2D"))
    }

    /// The `AVERAGE_POOL_2D` op `index`.
    pub fn avg_pool(&self, index: usize) -> AvgPool2d {
        AvgPool2d(self.pool(index, "AVERAGE_POOL_2D"))
    }

    /// The `ADD` op `index`.
    pub fn add(&self, index: usize) -> Add {
        let op = self.op(index, "ADD");
        let [a, b] = [0, 1].map(|k| self.quant(op.inputs[k]));
        Add::new(a, b, self.quant(op.outputs[0]), op.activation())
    }

    /// The `SOFTMAX` op `index`, checked to have TensorFlow Lite's int8 output quantization.
    pub fn softmax(&self, index: usize) -> Softmax {
        let op = self.op(index, "SOFTMAX");
        assert_eq!(self.quant(op.outputs[0]), SOFTMAX_OUTPUT, "{}", self.name);
        Softmax::new(self.quant(op.inputs[0]), op.beta.unwrap())
    }

    /// The `MEAN` op `index`.
    pub fn mean(&self, index: usize) -> Mean {
        let op = self.op(index, "MEAN");
        Mean::new(self.quant(op.inputs[0]), self.quant(op.outputs[0]))
    }

    /// The `HARD_SWISH` op `index`.
    pub fn hard_swish(&self, index: usize) -> HardSwish {
        let op = self.op(index, "HARD_SWISH");
        let (input, output) = (self.quant(op.inputs[0]), self.quant(op.outputs[0]));
        HardSwish::new(input, output).expect("an output multiplier below one")
    }

    /// Checks that op `index` is a `RESHAPE` from `from` to `to` keeping the quantization.
    pub fn reshape(&self, index: usize, from: &[usize], to: &[usize]) -> Reshape {
        let op = self.op(index, "RESHAPE");
        assert_eq!(self.tensor(op.inputs[0]).shape, from);
        assert_eq!(self.tensor(op.outputs[0]).shape, to);
        assert_eq!(self.quant(op.inputs[0]), self.quant(op.outputs[0]));
        Reshape
    }
}

impl Case {
    /// The case's `model.tflite`.
    pub fn tflite_bytes(&self) -> Vec<u8> {
        read(&self.name, "model.tflite")
    }
}

impl Op {
    /// The fused activation.
    fn activation(&self) -> Activation {
        match self.fused_activation.as_deref() {
            None | Some("none") => Activation::None,
            Some("relu") => Activation::Relu,
            Some("relu6") => Activation::Relu6,
            Some(other) => panic!("fused activation {other}"),
        }
    }

    /// `SAME` or `VALID`.
    fn padding(&self) -> Padding {
        match self.padding.as_deref() {
            Some("same") => Padding::Same,
            Some("valid") => Padding::Valid,
            other => panic!("padding {other:?}"),
        }
    }
}

//! A reader of `.tflite` files (TensorFlow Lite's FlatBuffers schema, version 3): the first
//! subgraph's tensors with their shapes, types, quantization and constant data, and its operators
//! with the options of the ones [`quant`](super) implements. It reads the bytes in place: no heap,
//! no copies, `no_std`, so a model can also be read from flash at run time.
//!
//! ```
//! use nncore::quant::tflite::{Model, OpKind};
//!
//! /// The weight scales of every `FULLY_CONNECTED` in `bytes`, a `.tflite` file.
//! fn weight_scales(bytes: &[u8]) -> Result<Vec<Vec<f32>>, nncore::Error> {
//!     let model = Model::parse(bytes)?;
//!     let mut scales = Vec::new();
//!     for i in 0..model.operator_count()? {
//!         let op = model.operator(i)?;
//!         if let (OpKind::FullyConnected { .. }, Some(w)) = (op.kind, op.inputs.get(1)) {
//!             scales.push(model.tensor(w as usize)?.scales.iter().collect());
//!         }
//!     }
//!     Ok(scales)
//! }
//! assert!(weight_scales(b"not a model").is_err());
//! ```

use super::conv::Padding;
use super::flatbuffer::{Table, malformed};
use super::params::Activation;
use crate::error::Error;

#[cfg(feature = "alloc")]
pub use super::declare::sequential_declaration;
pub use super::flatbuffer::{Scalar, Vector};

/// A `.tflite` model held in memory.
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    root: Table<'a>,
    subgraph: Table<'a>,
}

/// A tensor's element type (TensorFlow Lite's `TensorType`); the ones int8 models use by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorType {
    /// `FLOAT32`.
    Float32,
    /// `INT32`.
    Int32,
    /// `INT8`.
    Int8,
    /// Another type, by its schema number.
    Other(u8),
}

/// One tensor of the subgraph.
#[derive(Clone, Copy, Debug)]
pub struct Tensor<'a> {
    /// Its name, as UTF-8 bytes.
    pub name: &'a [u8],
    /// Its shape, e.g. `[1, 8, 8, 1]`.
    pub shape: Vector<'a, i32>,
    /// Its element type.
    pub dtype: TensorType,
    /// One scale, or one per channel along `quantized_dimension` (empty if not quantized).
    pub scales: Vector<'a, f32>,
    /// The zero points, matching `scales`.
    pub zero_points: Vector<'a, i64>,
    /// The axis of per-channel quantization.
    pub quantized_dimension: i32,
    /// The constant data, little-endian, row-major (empty for activations).
    pub data: &'a [u8],
}

impl Tensor<'_> {
    /// The data as int8 values.
    pub fn i8_data(&self) -> impl Iterator<Item = i8> + '_ {
        self.data.iter().map(|&b| b as i8)
    }

    /// The data as little-endian int32 values.
    pub fn i32_data(&self) -> impl Iterator<Item = i32> + '_ {
        self.data.chunks_exact(4).map(i32::decode)
    }
}

/// An operator's kind and the options [`quant`](super) needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpKind {
    /// `FULLY_CONNECTED`.
    FullyConnected {
        /// The fused activation.
        activation: Activation,
    },
    /// `CONV_2D`.
    Conv2d(Window),
    /// `DEPTHWISE_CONV_2D`.
    DepthwiseConv2d {
        /// Stride, dilation, padding, activation.
        window: Window,
        /// Output channels per input channel.
        depth_multiplier: usize,
    },
    /// `MAX_POOL_2D`.
    MaxPool2d {
        /// Stride, padding, activation (dilation 1).
        window: Window,
        /// `[rows, columns]` of the window.
        filter: [usize; 2],
    },
    /// `AVERAGE_POOL_2D`.
    AvgPool2d {
        /// Stride, padding, activation (dilation 1).
        window: Window,
        /// `[rows, columns]` of the window.
        filter: [usize; 2],
    },
    /// `RESHAPE`.
    Reshape,
    /// `ADD` (its `pot_scale_int16`, for int16 only, is not read).
    Add {
        /// The fused activation.
        activation: Activation,
    },
    /// `SOFTMAX`.
    Softmax {
        /// The factor of the inputs (0 where the options are absent, as in the schema).
        beta: f32,
    },
    /// Any other builtin operator, by its `BuiltinOperator` number.
    Other(i32),
}

/// The settings of a window op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// `SAME` or `VALID`.
    pub padding: Padding,
    /// `[rows, columns]`.
    pub stride: [usize; 2],
    /// `[rows, columns]`.
    pub dilation: [usize; 2],
    /// The fused activation.
    pub activation: Activation,
}

/// One operator of the subgraph, in run order.
#[derive(Clone, Copy, Debug)]
pub struct Operator<'a> {
    /// What it computes.
    pub kind: OpKind,
    /// Tensor indices read (data, weights, bias); -1 for an absent optional input.
    pub inputs: Vector<'a, i32>,
    /// Tensor indices written.
    pub outputs: Vector<'a, i32>,
}

impl<'a> Model<'a> {
    /// Reads the header and the first subgraph of a `.tflite` file.
    ///
    /// # Errors
    /// [`Error::Tflite`] if the bytes are not a version 3 TensorFlow Lite model.
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        if buf.get(4..8) != Some(b"TFL3") {
            return Err(malformed("the file identifier (TFL3)", 4));
        }
        let root = Table::root(buf)?;
        if root.scalar::<u32>(0, 0)? != 3 {
            return Err(malformed("the schema version (3)", 0));
        }
        let subgraphs = root.tables(2)?;
        if subgraphs.len() == 0 {
            return Err(malformed("a subgraph", 0));
        }
        let subgraph = subgraphs.get(0)?;
        Ok(Model { root, subgraph })
    }

    /// The number of tensors.
    ///
    /// # Errors
    /// [`Error::Tflite`] if the file is malformed.
    pub fn tensor_count(&self) -> Result<usize, Error> {
        Ok(self.subgraph.tables(0)?.len())
    }

    /// The graph's input and output tensor indices.
    ///
    /// # Errors
    /// [`Error::Tflite`] if the file is malformed.
    pub fn io(&self) -> Result<(Vector<'a, i32>, Vector<'a, i32>), Error> {
        Ok((self.subgraph.vector(1)?, self.subgraph.vector(2)?))
    }

    /// Tensor `index`.
    ///
    /// # Errors
    /// [`Error::Tflite`] if there is no such tensor or the file is malformed.
    pub fn tensor(&self, index: usize) -> Result<Tensor<'a>, Error> {
        let t = self.subgraph.tables(0)?.get(index)?;
        let q = t.table(4)?;
        let (scales, zero_points, quantized_dimension) = match q {
            Some(q) => (q.vector(2)?, q.vector(3)?, q.scalar::<i32>(6, 0)?),
            None => (Vector::EMPTY, Vector::EMPTY, 0),
        };
        let buffer = t.scalar::<u32>(2, 0)? as usize;
        let buffers = self.root.tables(4)?;
        let data = if buffer < buffers.len() {
            buffers.get(buffer)?.vector::<u8>(0)?.bytes()
        } else {
            &[]
        };
        let dtype = match t.scalar::<u8>(1, 0)? {
            0 => TensorType::Float32,
            2 => TensorType::Int32,
            9 => TensorType::Int8,
            other => TensorType::Other(other),
        };
        Ok(Tensor {
            name: t.string(3)?,
            shape: t.vector(0)?,
            dtype,
            scales,
            zero_points,
            quantized_dimension,
            data,
        })
    }

    /// The number of operators.
    ///
    /// # Errors
    /// [`Error::Tflite`] if the file is malformed.
    pub fn operator_count(&self) -> Result<usize, Error> {
        Ok(self.subgraph.tables(3)?.len())
    }

    /// Operator `index` (they run in index order).
    ///
    /// # Errors
    /// [`Error::Tflite`] if there is no such operator, its code or options are malformed, or a
    /// stride, dilation, filter or depth multiplier is not positive.
    pub fn operator(&self, index: usize) -> Result<Operator<'a>, Error> {
        let op = self.subgraph.tables(3)?.get(index)?;
        let code = self.root.tables(1)?.get(op.scalar::<u32>(0, 0)? as usize)?;
        // `builtin_code` replaced the byte-wide `deprecated_builtin_code`; readers take the larger.
        let builtin = (code.scalar::<i8>(0, 0)? as i32).max(code.scalar::<i32>(3, 0)?);
        let options = op.table(4)?;
        let kind = match (builtin, options) {
            (9, o) => OpKind::FullyConnected {
                activation: activation(match o {
                    Some(o) => o.scalar::<u8>(0, 0)?,
                    None => 0,
                })?,
            },
            (3, Some(o)) => OpKind::Conv2d(window(&o, [0, 2, 1, 3], Some([5, 4]))?),
            (4, Some(o)) => OpKind::DepthwiseConv2d {
                window: window(&o, [0, 2, 1, 4], Some([6, 5]))?,
                depth_multiplier: positive(o.scalar::<i32>(3, 0)?)?,
            },
            (1 | 17, Some(o)) => {
                let window = window(&o, [0, 2, 1, 5], None)?;
                let filter = [positive(o.scalar(4, 0)?)?, positive(o.scalar(3, 0)?)?];
                if builtin == 17 {
                    OpKind::MaxPool2d { window, filter }
                } else {
                    OpKind::AvgPool2d { window, filter }
                }
            }
            (1 | 3 | 4 | 17, None) => return Err(malformed("the options of a window op", index)),
            (22, _) => OpKind::Reshape,
            (0, o) => OpKind::Add {
                activation: activation(match o {
                    Some(o) => o.scalar::<u8>(0, 0)?,
                    None => 0,
                })?,
            },
            (25, o) => OpKind::Softmax {
                beta: match o {
                    Some(o) => o.scalar::<f32>(0, 0.0)?,
                    None => 0.0,
                },
            },
            (other, _) => OpKind::Other(other),
        };
        Ok(Operator {
            kind,
            inputs: op.vector(1)?,
            outputs: op.vector(2)?,
        })
    }
}

/// A window op's options from `table`, whose fields `[padding, stride_h, stride_w, activation]`
/// and `[dilation_h, dilation_w]` have the given ids.
fn window(
    table: &Table<'_>,
    ids: [usize; 4],
    dilation: Option<[usize; 2]>,
) -> Result<Window, Error> {
    let padding = match table.scalar::<u8>(ids[0], 0)? {
        0 => Padding::Same,
        1 => Padding::Valid,
        _ => return Err(malformed("a padding", 0)),
    };
    let stride = [
        positive(table.scalar(ids[1], 0)?)?,
        positive(table.scalar(ids[2], 0)?)?,
    ];
    let dilation = match dilation {
        Some([h, w]) => [
            positive(table.scalar(h, 1)?)?,
            positive(table.scalar(w, 1)?)?,
        ],
        None => [1, 1],
    };
    Ok(Window {
        padding,
        stride,
        dilation,
        activation: activation(table.scalar::<u8>(ids[3], 0)?)?,
    })
}

/// `ActivationFunctionType`; the clamping ones only.
fn activation(code: u8) -> Result<Activation, Error> {
    match code {
        0 => Ok(Activation::None),
        1 => Ok(Activation::Relu),
        2 => Ok(Activation::ReluN1To1),
        3 => Ok(Activation::Relu6),
        _ => Err(malformed(
            "a fused activation that clamps (none, ReLU, ReLU6, ReLU-N1-1)",
            0,
        )),
    }
}

/// A stride, dilation, filter size or depth multiplier, which must be at least 1.
fn positive(v: i32) -> Result<usize, Error> {
    usize::try_from(v)
        .ok()
        .filter(|&v| v > 0)
        .ok_or(malformed("a size or step that is not positive", 0))
}

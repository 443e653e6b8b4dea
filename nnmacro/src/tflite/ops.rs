//! Each operator the import runs: its options read as TensorFlow Lite Micro reads them, its
//! tensors checked against the runtime layer that computes it.

use super::graph::{Activation, Graph, Kind, Node, Site, Tensor, Window};

/// The operators the import runs, for its errors.
const RUNS: &str = "ADD, AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, \
                    HARD_SWISH, MAX_POOL_2D, MEAN, RESHAPE, SOFTMAX, and QUANTIZE and DEQUANTIZE at the \
                    graph's edges";

/// `ActivationFunctionType` as `nncore::quant::Activation`'s variant, or `None` for the ones
/// that do not clamp.
fn activation(code: u8) -> Option<Activation> {
    match code {
        0 => Some("None"),
        1 => Some("Relu"),
        2 => Some("ReluN1To1"),
        3 => Some("Relu6"),
        _ => None,
    }
}

/// The output size of a window along one axis (TensorFlow Lite's `ComputeOutSize`).
pub fn out_size(same: bool, size: usize, filter: usize, stride: usize, dilation: usize) -> usize {
    let effective = (filter - 1) * dilation + 1;
    if same {
        size.div_ceil(stride)
    } else if size >= effective {
        (size - effective) / stride + 1
    } else {
        0
    }
}

impl Site<'_, '_> {
    /// The node of builtin operator `code`, its output left for the caller to fill in.
    pub(super) fn node(&self, code: i32, graph: &Graph) -> Result<Node, String> {
        let options = self.op.options;
        let need = |what: &str| self.fail(format_args!("{what}"));
        let act = |id: usize| -> Result<Activation, String> {
            let code = options.map_or(Ok(0), |o| o.u8(id, 0))?;
            activation(code)
                .ok_or_else(|| need("the import fuses only NONE, RELU, RELU6 and RELU_N1_TO_1"))
        };
        let window = |ids: [usize; 4], dilation: Option<[usize; 2]>| -> Result<Window, String> {
            let o = options.ok_or_else(|| need("the options are missing"))?;
            let padding = o.u8(ids[0], 0)?;
            if padding > 1 {
                return Err(need("padding must be SAME or VALID"));
            }
            let step = |id, default| -> Result<usize, String> {
                usize::try_from(o.i32(id, default)?)
                    .ok()
                    .filter(|&v| v > 0)
                    .ok_or_else(|| need("strides, dilations and filters must be positive"))
            };
            Ok(Window {
                same: padding == 0,
                stride: [step(ids[1], 0)?, step(ids[2], 0)?],
                dilation: match dilation {
                    Some([h, w]) => [step(h, 1)?, step(w, 1)?],
                    None => [1, 1],
                },
                activation: act(ids[3])?,
            })
        };
        let mut inputs = vec![self.operand(0, graph)?.0];
        let x = self.operand(0, graph)?.1;
        let out = self.activation(self.out()?)?;
        let kind = match code {
            9 => {
                if let Some(o) = options {
                    if o.u8(1, 0)? != 0 {
                        return Err(need("the import reads only the DEFAULT weights format"));
                    }
                }
                let w = self.weights(0)?;
                if w.shape.len() != 2 || w.shape[1] != x.len() {
                    return Err(need(&format!(
                        "weights {:?} for an input of {} values",
                        w.shape,
                        x.len()
                    )));
                }
                // With `keep_num_dims` the output may keep leading dimensions of 1.
                if out.len() != w.shape[0] {
                    self.expect(&out, &[w.shape[0]])?;
                }
                Kind::FullyConnected(w, act(0)?)
            }
            3 => {
                let win = window([0, 2, 1, 3], Some([5, 4]))?;
                let w = self.weights(0)?;
                let [h, wd, c] = self.image(&x)?;
                let (o, ci) = (w.shape[0], w.shape.get(3).copied().unwrap_or(0));
                if w.shape.len() != 4 || ci == 0 || c % ci != 0 || o % (c / ci) != 0 {
                    return Err(need(&format!(
                        "weights {:?} for {c} input channels (they must come in groups)",
                        w.shape
                    )));
                }
                self.expect(
                    &out,
                    &self.window_out([h, wd], [w.shape[1], w.shape[2]], &win, o),
                )?;
                Kind::Conv2d(w, win)
            }
            4 => {
                let win = window([0, 2, 1, 4], Some([6, 5]))?;
                let w = self.weights(3)?;
                let [h, wd, c] = self.image(&x)?;
                let o = w.shape.get(3).copied().unwrap_or(0);
                let multiplier = options.map_or(Ok(0), |op| op.i32(3, 0))?;
                if w.shape.len() != 4 || w.shape[0] != 1 || o % c != 0 {
                    return Err(need(&format!(
                        "weights {:?} for {c} input channels",
                        w.shape
                    )));
                }
                if multiplier != 0 && multiplier as usize * c != o {
                    return Err(need(&format!(
                        "a depth multiplier of {multiplier} with {c} input and {o} output channels"
                    )));
                }
                self.expect(
                    &out,
                    &self.window_out([h, wd], [w.shape[1], w.shape[2]], &win, o),
                )?;
                Kind::DepthwiseConv2d(w, win)
            }
            1 | 17 => {
                let win = window([0, 2, 1, 5], None)?;
                let o = options.unwrap();
                let filter = [o.i32(4, 0)?, o.i32(3, 0)?].map(|v| v.max(0) as usize);
                if filter.contains(&0) {
                    return Err(need("the filter must be positive"));
                }
                let [h, wd, c] = self.image(&x)?;
                if (out.scale, out.zero_point) != (x.scale, x.zero_point) {
                    return Err(need("pooling must keep its input's scale and zero point"));
                }
                self.expect(&out, &self.window_out([h, wd], filter, &win, c))?;
                if code == 17 {
                    Kind::MaxPool2d(filter, win)
                } else {
                    Kind::AvgPool2d(filter, win)
                }
            }
            22 => {
                // The new shape is the output tensor's; TensorFlow Lite Micro copies the bytes.
                if out.len() != x.len() {
                    return Err(need("a reshape must keep the number of values"));
                }
                Kind::Reshape
            }
            0 => {
                let (b, y) = self.operand(1, graph)?;
                if y.dims != x.dims || out.dims != x.dims {
                    return Err(need(&format!(
                        "the import adds tensors of one shape (no broadcasting), not {:?} and {:?}",
                        x.dims, y.dims
                    )));
                }
                inputs.push(b);
                Kind::Add(act(0)?)
            }
            25 => {
                let beta = options.map_or(Ok(0.0), |o| o.f32(0, 0.0))?;
                if out.dims != x.dims {
                    return Err(need("the output must have the input's shape"));
                }
                if (out.scale, out.zero_point) != (1.0 / 256.0, -128) {
                    return Err(need(
                        "an int8 softmax's output must have scale 1/256 and zero point -128",
                    ));
                }
                let scaled = f64::from(beta) * f64::from(x.scale) * f64::from(1 << 26);
                if scaled.is_nan() || scaled < 1.0 {
                    return Err(need("beta × input scale × 2^26 must be at least 1"));
                }
                Kind::Softmax(beta)
            }
            40 => {
                let [_, _, c] = self.image(&x)?;
                let axis = self.data(1)?;
                let t = &self.model.tensors[axis];
                let axes: Vec<i32> = t
                    .data
                    .chunks_exact(4)
                    .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                if t.dtype != 2 || !(axes == [1, 2] || axes == [2, 1]) {
                    return Err(need(&format!(
                        "the import averages over rows and columns (axes [1, 2]), not {}",
                        self.describe(axis)
                    )));
                }
                if out.dims != [c] {
                    return Err(need(
                        "the import drops the reduced dimensions (keep_dims false)",
                    ));
                }
                if (out.scale, out.zero_point) == (x.scale, x.zero_point) {
                    return Err(need(
                        "a mean quantized as its input takes another kernel path, which the import does not run",
                    ));
                }
                Kind::Mean
            }
            117 => {
                if out.dims != x.dims {
                    return Err(need("the output must have the input's shape"));
                }
                // TensorFlow Lite's HardSwishPrepare requires an output multiplier below one.
                if (1.0f32 / 128.0) * x.scale / out.scale >= 0.999_999 {
                    return Err(need(
                        "the output scale must be more than 1/128 of the input's (TensorFlow Lite's own limit)",
                    ));
                }
                Kind::HardSwish
            }
            _ => {
                let out = self.describe(self.out()?);
                return Err(need(&format!(
                    "the import does not run this operator (writing {out}); it runs {RUNS}"
                )));
            }
        };
        Ok(Node {
            kind,
            inputs,
            output: 0,
        })
    }

    /// The output tensor's index.
    fn out(&self) -> Result<usize, String> {
        Ok(usize::try_from(self.op.outputs[0]).unwrap_or(0))
    }

    /// `[H, W, C]` of an image input.
    fn image(&self, x: &Tensor) -> Result<[usize; 3], String> {
        match x.dims[..] {
            [h, w, c] => Ok([h, w, c]),
            _ => Err(self.fail(format_args!(
                "the input {:?} must be an image [1, H, W, C]",
                x.dims
            ))),
        }
    }

    /// `[HO, WO, channels]` of a window op on `[H, W]`.
    fn window_out(
        &self,
        size: [usize; 2],
        filter: [usize; 2],
        win: &Window,
        channels: usize,
    ) -> Vec<usize> {
        let axis =
            |a: usize| out_size(win.same, size[a], filter[a], win.stride[a], win.dilation[a]);
        vec![axis(0), axis(1), channels]
    }

    /// Checks that the output tensor has `dims`.
    fn expect(&self, out: &Tensor, dims: &[usize]) -> Result<(), String> {
        if out.dims == dims && !dims.contains(&0) {
            return Ok(());
        }
        Err(self.fail(format_args!(
            "the output is {:?}; the operator computes {dims:?}",
            out.dims
        )))
    }
}

//! Quantizing a whole model: what each float layer becomes in int8 ([`Quantize`]), and how the
//! layers of a `sequential!` model combine ([`Role`]): a BatchNorm folds into the `Linear` or
//! convolution before it, a ReLU or ReLU6 after one fuses into its output stage, and each int8
//! tensor between the layers that remain gets its scale and zero point from the range
//! calibration saw.
//!
//! `sequential!` writes, for a model `Net`, a `NetInt8` whose fields are each layer's
//! [`Quantize::Quantized`], and `Net::quantize`, which calibrates, plans with [`Plans`] and
//! quantizes every layer.

use super::fixed::Rounding;
use super::params::{Activation, QuantParams};
use super::ptq::MinMax;
use crate::error::Error;

/// What a float layer is to its model's int8 form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    /// A `Linear` or a convolution: int8 weights and int32 biases. A BatchNorm after it folds
    /// in and a ReLU or ReLU6 after that fuses in; its output's range is calibrated after both.
    Weights,
    /// A BatchNorm: folded into the [`Role::Weights`] layer before it.
    Norm,
    /// A ReLU: fused into the [`Role::Weights`] layer before it, else a clamp at the zero point.
    Relu,
    /// A ReLU6: fused into the [`Role::Weights`] layer before it (TensorFlow Lite's fused
    /// `RELU6`), else a clamp to the int8 values of 0 and 6.
    Relu6,
    /// Dropout or Identity: nothing to compute, and no bar to fusing across it.
    Skip,
    /// Pooling, padding or flattening: the output is quantized as the input.
    Shape,
    /// An elementwise function as a lookup table, or a softmax: its output's quantization fixed
    /// (TensorFlow Lite fixes `TANH`'s, `LOGISTIC`'s and `SOFTMAX`'s) or calibrated (`None`).
    Table(Option<QuantParams>),
    /// No int8 form, and why.
    Refused(&'static str),
}

/// What quantizing one layer takes: its tensors' quantization, a fused activation, a BatchNorm
/// to fold in, and the rescale.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// The layer's name in the model, for errors.
    pub name: &'static str,
    /// The input's quantization.
    pub input: QuantParams,
    /// The output's quantization.
    pub output: QuantParams,
    /// The activation fused into the output stage.
    pub activation: Activation,
    /// The BatchNorm after the layer, to fold into its weights and biases.
    pub norm: Option<&'a dyn Norm>,
    /// How accumulators are rescaled.
    pub rounding: Rounding,
}

/// A per-channel affine map `y = (x − mean) · scale + shift` (a BatchNorm in evaluation mode),
/// to fold into the layer before it.
pub trait Norm {
    /// The channels it maps.
    fn channels(&self) -> usize;

    /// `[scale, mean, shift]` of channel `c`.
    fn channel(&self, c: usize) -> [f32; 3];
}

/// A float layer with an int8 form.
pub trait Quantize {
    /// The int8 layer.
    type Quantized;

    /// What the layer is to its model's int8 form.
    const ROLE: Role;

    /// The int8 layer for `plan`.
    ///
    /// # Errors
    /// [`Error::NotQuantizable`] if these settings have no int8 form; [`Error::NotFinite`] if a
    /// parameter is NaN or infinite.
    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error>;

    /// The layer as a map to fold into the one before it, if it is one (a BatchNorm).
    fn norm(&self) -> Option<&dyn Norm> {
        None
    }
}

/// Where a layer's output quantization comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Output {
    /// The input's.
    Same,
    /// The calibrated range of tensor `t` (0 the model's input, `i + 1` layer `i`'s output).
    Calibrated(usize),
    /// Fixed.
    Fixed(QuantParams),
}

/// One layer's part in the plan.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Step {
    output: Output,
    activation: Activation,
    /// The BatchNorm folded into this layer.
    fold: Option<usize>,
}

/// How layers with these roles combine, or the first layer that cannot be quantized and why.
const fn fuse<const N: usize>(roles: &[Role; N]) -> Result<[Step; N], (usize, &'static str)> {
    let mut steps = [Step {
        output: Output::Same,
        activation: Activation::None,
        fold: None,
    }; N];
    let mut i = 0;
    while i < N {
        match roles[i] {
            Role::Weights => {
                let mut j = skip(roles, i + 1);
                if j < N && matches!(roles[j], Role::Norm) {
                    steps[i].fold = Some(j);
                    j = skip(roles, j + 1);
                }
                if j < N {
                    let fused = match roles[j] {
                        Role::Relu => Activation::Relu,
                        Role::Relu6 => Activation::Relu6,
                        _ => Activation::None,
                    };
                    if !matches!(fused, Activation::None) {
                        steps[i].activation = fused;
                        j += 1;
                    }
                }
                steps[i].output = Output::Calibrated(j);
                i = j;
                continue;
            }
            Role::Norm => return Err((i, NORM_ALONE)),
            Role::Refused(reason) => return Err((i, reason)),
            Role::Table(Some(fixed)) => steps[i].output = Output::Fixed(fixed),
            Role::Table(None) => steps[i].output = Output::Calibrated(i + 1),
            Role::Relu | Role::Relu6 | Role::Skip | Role::Shape => {}
        }
        i += 1;
    }
    Ok(steps)
}

/// The first layer from `i` on that is not [`Role::Skip`].
const fn skip<const N: usize>(roles: &[Role; N], mut i: usize) -> usize {
    while i < N && matches!(roles[i], Role::Skip) {
        i += 1;
    }
    i
}

pub(crate) const NORM_ALONE: &str = "a BatchNorm is quantized by folding it into the `Linear` or convolution \
                          just before it, and this one follows none";

/// Panics with the reason if layer `layer` of a model with these roles cannot be quantized: the
/// compile-time check `sequential!` writes into `quantize`, once per layer, spanned on it.
/// `C` delays the check until `quantize` is called.
pub const fn refuse<C, const N: usize>(roles: &[Role; N], layer: usize) {
    if let Err((i, reason)) = fuse(roles) {
        if i == layer {
            panic!("{}", reason);
        }
    }
}

/// The plan of a whole model: every tensor's quantization, each layer's fused activation and
/// folded BatchNorm.
#[derive(Clone, Copy, Debug)]
pub struct Plans<const N: usize> {
    steps: [Step; N],
    /// `tensors[i]` is layer `i`'s input; the model's output is `output`.
    tensors: [QuantParams; N],
    output: QuantParams,
    names: [&'static str; N],
}

impl<const N: usize> Plans<N> {
    /// The plan of a model whose layers, named `names`, have `roles`, from `ranges`, the
    /// calibrated ranges of its `N + 1` tensors (the input, then each layer's output).
    ///
    /// # Errors
    /// [`Error::NotQuantizable`] naming the first layer with no int8 form;
    /// [`Error::Uncalibrated`] if a range needed is empty (no calibration samples).
    pub fn new(
        roles: &[Role; N],
        ranges: &[MinMax],
        names: [&'static str; N],
    ) -> Result<Self, Error> {
        let steps = fuse(roles).map_err(|(i, reason)| Error::NotQuantizable {
            layer: names[i],
            reason,
        })?;
        let range = |t: usize| {
            ranges
                .get(t)
                .map_or(Err(Error::Uncalibrated), MinMax::params)
        };
        let mut tensors = [QuantParams::new(1.0, 0); N];
        let mut current = range(0)?;
        for (step, tensor) in steps.iter().zip(&mut tensors) {
            *tensor = current;
            current = match step.output {
                Output::Same => current,
                Output::Calibrated(t) => range(t)?,
                Output::Fixed(params) => params,
            };
        }
        Ok(Plans {
            steps,
            tensors,
            output: current,
            names,
        })
    }

    /// The quantization of the model's input.
    #[must_use]
    pub const fn input(&self) -> QuantParams {
        if N == 0 { self.output } else { self.tensors[0] }
    }

    /// The plan of layer `i`, with `norms[j]` the map of layer `j` if it is a BatchNorm.
    #[must_use]
    pub fn layer<'a>(&self, i: usize, norms: &[Option<&'a dyn Norm>; N]) -> Plan<'a> {
        let step = self.steps[i];
        Plan {
            name: self.names[i],
            input: self.tensors[i],
            output: self.tensors.get(i + 1).copied().unwrap_or(self.output),
            activation: step.activation,
            norm: step.fold.and_then(|j| norms[j]),
            rounding: Rounding::Double,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Role = Role::Weights;
    const TANH: QuantParams = QuantParams::new(1.0 / 128.0, 0);

    fn ranges(values: &[[f32; 2]]) -> [MinMax; 6] {
        let mut out = [MinMax::new(); 6];
        for (m, v) in out.iter_mut().zip(values) {
            m.observe(v).unwrap();
        }
        out
    }

    #[test]
    fn batch_norms_fold_and_relus_fuse_across_dropout() {
        let roles = [W, Role::Skip, Role::Norm, Role::Relu, W];
        let steps = fuse(&roles).unwrap();
        assert_eq!(steps[0].fold, Some(2));
        assert_eq!(steps[0].activation, Activation::Relu);
        assert_eq!(steps[0].output, Output::Calibrated(4));
        assert_eq!(steps[4].output, Output::Calibrated(5));
        // The layers folded in keep the group's quantization.
        let r = ranges(&[
            [0.0, 1.0],
            [-9.0, 9.0],
            [-9.0, 9.0],
            [-3.0, 3.0],
            [0.0, 2.0],
            [-1.0, 4.0],
        ]);
        let plans = Plans::new(&roles, &r, ["a", "b", "c", "d", "e"]).unwrap();
        let norms = [None; 5];
        let relu_out = r[4].params().unwrap();
        assert_eq!(plans.input(), r[0].params().unwrap());
        assert_eq!(plans.layer(0, &norms).output, relu_out);
        for i in 1..4 {
            assert_eq!(plans.layer(i, &norms).input, relu_out, "layer {i}");
            assert_eq!(plans.layer(i, &norms).output, relu_out, "layer {i}");
        }
        assert_eq!(plans.layer(4, &norms).output, r[5].params().unwrap());
    }

    #[test]
    fn relu6_fuses_as_relu_does() {
        let roles = [W, Role::Norm, Role::Relu6, Role::Relu6, W, Role::Relu];
        let steps = fuse(&roles).unwrap();
        assert_eq!(steps[0].activation, Activation::Relu6);
        assert_eq!(steps[0].output, Output::Calibrated(3));
        // The second ReLU6 follows no weights: a clamp, quantized as its input.
        assert_eq!(steps[3].activation, Activation::None);
        assert_eq!(steps[3].output, Output::Same);
        assert_eq!(steps[4].activation, Activation::Relu);
    }

    #[test]
    fn other_layers_keep_or_fix_their_quantization() {
        let roles = [
            Role::Relu,
            Role::Shape,
            W,
            Role::Table(Some(TANH)),
            Role::Table(None),
        ];
        let r = ranges(&[
            [-1.0, 1.0],
            [0.0, 1.0],
            [0.0, 1.0],
            [-5.0, 5.0],
            [-1.0, 1.0],
            [0.0, 7.0],
        ]);
        let plans = Plans::new(&roles, &r, ["a", "b", "c", "d", "e"]).unwrap();
        let norms = [None; 5];
        let input = r[0].params().unwrap();
        // A ReLU and a pooling before any weights: quantized as the input, nothing fused.
        assert_eq!(plans.layer(1, &norms).output, input);
        assert_eq!(plans.layer(2, &norms).activation, Activation::None);
        assert_eq!(plans.layer(3, &norms).output, TANH);
        assert_eq!(plans.layer(4, &norms).input, TANH);
        assert_eq!(plans.layer(4, &norms).output, r[5].params().unwrap());
    }

    #[test]
    fn refusals_name_the_layer() {
        let alone = [Role::Shape, Role::Norm, W];
        assert_eq!(fuse(&alone), Err((1, NORM_ALONE)));
        let r = ranges(&[[0.0, 1.0]; 4]);
        let error = Plans::new(&alone, &r, ["pool", "bn", "fc"]).unwrap_err();
        assert_eq!(
            error,
            Error::NotQuantizable {
                layer: "bn",
                reason: NORM_ALONE
            }
        );
        let softmax = [W, Role::Refused("no int8 form")];
        assert_eq!(fuse(&softmax), Err((1, "no int8 form")));
        // No calibration samples: every range is empty.
        let empty = [MinMax::new(); 3];
        assert_eq!(
            Plans::new(&[W, Role::Relu], &empty, ["fc", "act"]).unwrap_err(),
            Error::Uncalibrated
        );
    }
}

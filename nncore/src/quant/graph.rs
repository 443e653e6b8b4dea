//! The plan of a model whose forward pass is a graph (`fn forward` with `+`): the chain's rules
//! ([`super::quantize`]) followed along each value's single reader, and each `+` an int8
//! [`Add`] with its own calibrated output, a ReLU or ReLU6 after it fused as TensorFlow Lite's
//! converter fuses it.

use super::add::Add;
use super::fixed::Rounding;
use super::params::{Activation, QuantParams};
use super::ptq::MinMax;
use super::quantize::{NORM_ALONE, Norm, Plan, Quantize, Role};
use crate::error::Error;

/// One step of a forward pass: node `k` computes value `k + 1`; value 0 is the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// Layer `layer` of the model applied to value `input`.
    Layer {
        /// The layer's index among the model's layers.
        layer: usize,
        /// The value it reads.
        input: usize,
    },
    /// The sum of two values.
    Add(usize, usize),
}

/// Where a node's output quantization comes from, and what it absorbs.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Step {
    /// `None`: its input's; `Some(Ok(v))`: value `v`'s calibrated range; `Some(Err(p))`: fixed.
    output: Option<Result<usize, QuantParams>>,
    activation: Activation,
    /// The layer (a BatchNorm) folded into this node's weights.
    fold: Option<usize>,
}

/// The node that alone reads value `v`, if one does and `v` is not the model's output.
const fn sole_reader<const K: usize>(nodes: &[Node; K], output: usize, v: usize) -> Option<usize> {
    if v == output {
        return None;
    }
    let (mut found, mut k) = (None, 0);
    while k < K {
        let reads = match nodes[k] {
            Node::Layer { input, .. } => (input == v) as usize,
            Node::Add(a, b) => (a == v) as usize + (b == v) as usize,
        };
        if reads > 0 {
            if found.is_some() || reads > 1 {
                return None;
            }
            found = Some(k);
        }
        k += 1;
    }
    found
}

/// The input of sum `k` that TensorFlow Lite's interpreter overwrites with the sum (it runs
/// `ADD` in place): the first that no other node reads, unless the sum (`out`, after its fused
/// activation) is the model's output (`output` of a model not nested in another).
const fn in_place<const K: usize>(
    nodes: &[Node; K],
    output: Option<usize>,
    k: usize,
    out: usize,
) -> Option<usize> {
    let Node::Add(a, b) = nodes[k] else {
        return None;
    };
    if let Some(output) = output {
        if out == output {
            return None;
        }
    }
    let last = match output {
        Some(output) => output,
        None => usize::MAX,
    };
    let inputs = [a, b];
    let mut i = 0;
    while i < 2 {
        if let Some(j) = sole_reader(nodes, last, inputs[i]) {
            if j == k && inputs[i] > 0 {
                return Some(inputs[i]);
            }
        }
        i += 1;
    }
    None
}

/// The role of node `k`'s layer, `None` for an `Add`.
const fn role<const K: usize, const N: usize>(
    nodes: &[Node; K],
    roles: &[Role; N],
    k: usize,
) -> Option<Role> {
    match nodes[k] {
        Node::Layer { layer, .. } => Some(roles[layer]),
        Node::Add(..) => None,
    }
}

/// Each node's step, and whether it folds or fuses into the node before it.
type Fused<const K: usize> = ([Step; K], [bool; K]);

/// How the nodes combine, or the first layer that cannot be quantized and why.
const fn fuse<const K: usize, const N: usize>(
    nodes: &[Node; K],
    roles: &[Role; N],
    output: usize,
) -> Result<Fused<K>, (usize, &'static str)> {
    let mut steps = [Step {
        output: None,
        activation: Activation::None,
        fold: None,
    }; K];
    let mut absorbed = [false; K];
    let mut k = 0;
    while k < K {
        let layer = match nodes[k] {
            Node::Layer { layer, .. } => layer,
            Node::Add(..) => usize::MAX,
        };
        if absorbed[k] {
            k += 1;
            continue;
        }
        let weights = match role(nodes, roles, k) {
            None | Some(Role::Weights) => true,
            Some(Role::Norm) => return Err((layer, NORM_ALONE)),
            Some(Role::Refused(reason)) => return Err((layer, reason)),
            Some(Role::Table(Some(fixed))) => {
                steps[k].output = Some(Err(fixed));
                false
            }
            Some(Role::Table(None)) => {
                steps[k].output = Some(Ok(k + 1));
                false
            }
            Some(Role::Relu | Role::Relu6 | Role::Skip | Role::Shape) => false,
        };
        if weights {
            // Along the single readers: Skips, a BatchNorm (after weights only), a ReLU.
            let mut v = k + 1;
            let mut stage = 0;
            while let Some(j) = sole_reader(nodes, output, v) {
                let next = match role(nodes, roles, j) {
                    Some(Role::Skip) => stage,
                    Some(Role::Norm) if stage == 0 && layer != usize::MAX => 1,
                    Some(Role::Relu) if stage < 2 => {
                        steps[k].activation = Activation::Relu;
                        2
                    }
                    Some(Role::Relu6) if stage < 2 => {
                        steps[k].activation = Activation::Relu6;
                        2
                    }
                    _ => break,
                };
                if next == 1 {
                    if let Node::Layer { layer, .. } = nodes[j] {
                        steps[k].fold = Some(layer);
                    }
                }
                absorbed[j] = true;
                v = j + 1;
                if next == 2 {
                    break;
                }
                stage = next;
            }
            steps[k].output = Some(Ok(v));
        }
        k += 1;
    }
    Ok((steps, absorbed))
}

/// Which nodes fold or fuse into the node before them, their int8 layers left out of the
/// forward pass (all `false` for a graph that cannot be quantized).
#[must_use]
pub const fn absorbed<const K: usize, const N: usize>(
    nodes: &[Node; K],
    roles: &[Role; N],
    output: usize,
) -> [bool; K] {
    match fuse(nodes, roles, output) {
        Ok((_, absorbed)) => absorbed,
        Err(_) => [false; K],
    }
}

/// Panics with the reason if layer `layer` of a model with this graph and these roles cannot
/// be quantized: the compile-time check `sequential!` writes into `quantize`, once per layer.
pub const fn refuse_graph<C, const K: usize, const N: usize>(
    nodes: &[Node; K],
    roles: &[Role; N],
    output: usize,
    layer: usize,
) {
    if let Err((i, reason)) = fuse(nodes, roles, output) {
        if i == layer {
            panic!("{}", reason);
        }
    }
}

/// The plan of a graph model: every value's quantization, each node's fused activation and
/// folded BatchNorm.
#[derive(Clone, Copy, Debug)]
pub struct GraphPlans<const K: usize> {
    nodes: [Node; K],
    steps: [Step; K],
    absorbed: [bool; K],
    input: QuantParams,
    /// `values[k]` is node `k`'s output, value `k + 1`.
    values: [QuantParams; K],
}

impl<const K: usize> GraphPlans<K> {
    /// The plan of the graph `nodes` returning value `output`, whose layers, named `names`,
    /// have `roles`, from `ranges`, the calibrated ranges of its `K + 1` values; the input
    /// quantized by `input` if given (a model inside another takes the outer value's), else by
    /// its range.
    ///
    /// # Errors
    /// [`Error::NotQuantizable`] naming the first layer with no int8 form;
    /// [`Error::Uncalibrated`] if a range needed is empty (no calibration samples).
    pub fn new<const N: usize>(
        nodes: [Node; K],
        output: usize,
        roles: &[Role; N],
        ranges: &[MinMax],
        names: [&'static str; N],
        input: Option<QuantParams>,
    ) -> Result<Self, Error> {
        let (steps, absorbed) =
            fuse(&nodes, roles, output).map_err(|(i, reason)| Error::NotQuantizable {
                layer: names[i],
                reason,
            })?;
        // TensorFlow Lite's converter records an op's inputs again after it runs: an input an
        // `ADD` overwrote in place takes in the range of the sum as well.
        let top = if input.is_none() { Some(output) } else { None };
        let range = |v: usize| {
            let mut range = *ranges.get(v).ok_or(Error::Uncalibrated)?;
            for (k, step) in steps.iter().enumerate() {
                let Some(Ok(sum)) = step.output else { continue };
                if in_place(&nodes, top, k, sum) == Some(v) {
                    if let Some(both) = ranges.get(sum).and_then(MinMax::range) {
                        range.observe(&both)?;
                    }
                }
            }
            range.params()
        };
        let input = match input {
            Some(input) => input,
            None => range(0)?,
        };
        let mut values = [input; K];
        for k in 0..K {
            let first = match nodes[k] {
                Node::Layer { input, .. } | Node::Add(input, _) => input,
            };
            let before = if first == 0 { input } else { values[first - 1] };
            values[k] = match steps[k].output {
                None => before,
                Some(Ok(v)) => range(v)?,
                Some(Err(fixed)) => fixed,
            };
        }
        Ok(GraphPlans {
            nodes,
            steps,
            absorbed,
            input,
            values,
        })
    }

    /// The quantization of value `v`.
    #[must_use]
    pub const fn value(&self, v: usize) -> QuantParams {
        if v == 0 {
            self.input
        } else {
            self.values[v - 1]
        }
    }

    /// The plan of node `k`, a layer named `name`, with `norms[j]` the map of layer `j` if it
    /// is a BatchNorm.
    #[must_use]
    pub fn layer<'a, const N: usize>(
        &self,
        k: usize,
        name: &'static str,
        norms: &[Option<&'a dyn Norm>; N],
    ) -> Plan<'a> {
        let step = self.steps[k];
        let input = match self.nodes[k] {
            Node::Layer { input, .. } | Node::Add(input, _) => input,
        };
        Plan {
            name,
            input: self.value(input),
            output: self.values[k],
            activation: step.activation,
            norm: step.fold.and_then(|j| norms[j]),
            rounding: Rounding::Double,
        }
    }

    /// Layer `layer`, named `name`, in int8 for its `uses` (the nodes applying it): quantized
    /// for the first use not folded or fused into the node before it, and the same for each
    /// other such use.
    ///
    /// # Errors
    /// Those of [`Quantize::quantize`]; [`Error::NotQuantizable`] if two uses quantize it
    /// differently or none applies it.
    pub fn quantize<L: Quantize, const N: usize>(
        &self,
        layer: &L,
        name: &'static str,
        uses: &[usize],
        norms: &[Option<&dyn Norm>; N],
    ) -> Result<L::Quantized, Error>
    where
        L::Quantized: PartialEq,
    {
        let first = uses
            .iter()
            .copied()
            .find(|&k| !self.absorbed[k])
            .or_else(|| uses.first().copied())
            .ok_or(Error::NotQuantizable {
                layer: name,
                reason: "`forward` never applies it",
            })?;
        let quantized = layer.quantize(&self.layer(first, name, norms))?;
        for &k in uses.iter().filter(|&&k| k != first && !self.absorbed[k]) {
            if layer.quantize(&self.layer(k, name, norms))? != quantized {
                return Err(Error::NotQuantizable {
                    layer: name,
                    reason: "it is applied to values quantized differently; declare one layer \
                             for each use",
                });
            }
        }
        Ok(quantized)
    }

    /// The int8 `ADD` of node `k`, a sum.
    #[must_use]
    pub const fn add(&self, k: usize) -> Add {
        let (a, b) = match self.nodes[k] {
            Node::Add(a, b) => (a, b),
            Node::Layer { input, .. } => (input, input),
        };
        Add::new(
            self.value(a),
            self.value(b),
            self.values[k],
            self.steps[k].activation,
        )
    }
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;

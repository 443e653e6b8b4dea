//! What every pass needs to know of the forward graph: each value's sample type, which values
//! need a gradient, and where a value's gradient is first written rather than added to.

use proc_macro2::TokenStream;
use quote::quote;

use crate::catalog::LayerKind;
use crate::ir::{Model, Op};
use crate::shape::sample_type;

pub struct Plan<'a> {
    pub model: &'a Model,
    /// The sample type of each value: `[f32; 13]`.
    pub samples: Vec<TokenStream>,
    /// Whether value `v`'s gradient is needed when the input's is not: some layer that leads
    /// to it has parameters.
    pub need: Vec<bool>,
    /// `first[k][j]`: node `k`'s gradient for its `j`-th input is the first to reach that value
    /// going backward (it is written, later ones are added).
    pub first: Vec<Vec<bool>>,
    /// `relu[k]`: node `k` is a batch norm and node `k + 1` the `ReLU` of its value and of
    /// nothing else's, which read it alone; training mode and the inference pass run the pair
    /// as one (`BatchNormReLU`), the batch norm's own value left unwritten.
    pub relu: Vec<bool>,
    /// `add_relu[k]`: node `k` is a sum and node `k + 1` the `ReLU` of its value and of
    /// nothing else's, which read it alone; training mode and the inference pass write
    /// `relu(a + b)` in one pass (`add_relu_batch`), the sum's value left unwritten (the
    /// `ReLU`'s gradient reads its output alone).
    pub add_relu: Vec<bool>,
    /// `norm[k]`: node `k` is a convolution and node `k + 1` the batch norm of its value and
    /// of nothing else's, which read it alone; the inference pass runs the pair as one
    /// (`ConvNorm`), with the `ReLU` after the batch norm too where `relu[k + 1]`.
    pub norm: Vec<bool>,
    /// How each sum's gradient reaches its operands.
    pub sums: Sums,
}

/// How a sum's gradient reaches its operands with as few copies as can be: the sum's gradient
/// is read by nothing after the sum's backward, so an operand may read it in place. Never
/// the input's, which is the caller's `dxs`, nor for a sum that is the output, whose gradient
/// may be the caller's `dys`, nor for `x + x`, whose one value is reached twice.
pub struct Sums {
    /// `shared[v]`: value `v` is read by one sum alone, and its gradient is that sum's, only
    /// read (by `v`'s producer) after.
    pub shared: Vec<bool>,
    /// `(k, j, v)`: sum `k`'s `j`-th operand `v`, which it is the first to reach going backward
    /// but not the last, takes the sum's gradient to add the later ones to; where neither
    /// operand is shared, nor the sum's own gradient.
    pub taken: Vec<(usize, usize, usize)>,
    /// `(k, j, v, c)`: sum `k`'s `j`-th operand `v`, which it is the first to reach, is reached
    /// next by layer `c`, which writes `v`'s gradient; the sum's is added after it, where sum
    /// `k` has no `taken` operand. The bits are those of the copy then the addition: `a + b`
    /// is `b + a`.
    pub deferred: Vec<(usize, usize, usize, usize)>,
}

impl Sums {
    /// The sums of `graph`, whose `first` are those of the plan, updated for `deferred`.
    fn new(graph: &crate::ir::Graph, first: &mut [Vec<bool>]) -> Self {
        let nodes = graph.nodes.len();
        let readers = |v: usize| {
            (0..nodes)
                .flat_map(|k| graph.inputs(k))
                .filter(|&w| w == v)
                .count()
        };
        let plain = |k: usize| match graph.nodes[k].op {
            Op::Add(p, q) if p != q && k + 1 != graph.output => Some((p, q)),
            _ => None,
        };
        let mut shared = vec![false; nodes + 1];
        for (p, q) in (0..nodes).filter_map(plain) {
            for v in [p, q] {
                shared[v] = v != 0 && v != graph.output && readers(v) == 1;
            }
        }
        let (mut taken, mut deferred) = (Vec::new(), Vec::new());
        for k in 0..nodes {
            let Some((p, q)) = plain(k) else { continue };
            let candidates = [(1, q), (0, p)]
                .into_iter()
                .filter(|&(j, v)| first[k][j] && !shared[v])
                .collect::<Vec<_>>();
            if !(shared[p] || shared[q] || shared[k + 1]) {
                if let Some((j, v)) = candidates.iter().copied().find(|&(_, v)| v != 0) {
                    taken.push((k, j, v));
                    continue;
                }
            }
            for (j, v) in candidates {
                let next = (0..k).rev().find(|&c| graph.inputs(c).contains(&v));
                if let Some(c) = next.filter(|&c| matches!(graph.nodes[c].op, Op::Layer { .. })) {
                    first[c][0] = true;
                    deferred.push((k, j, v, c));
                }
            }
        }
        Sums {
            shared,
            taken,
            deferred,
        }
    }
}

impl<'a> Plan<'a> {
    pub fn new(model: &'a Model) -> Self {
        let graph = &model.graph;
        let values = graph.nodes.len() + 1;
        let samples = (0..values).map(|v| sample_type(graph.shape(v))).collect();
        let mut need = vec![false; values];
        for (k, node) in graph.nodes.iter().enumerate() {
            need[k + 1] = match node.op {
                Op::Layer { layer, input } => {
                    let l = &model.layers[layer];
                    need[input] || l.has_params(&model.shapes[layer])
                }
                Op::Add(a, b) => need[a] || need[b],
            };
        }
        let mut seen = vec![false; values];
        seen[graph.output] = true;
        let mut first = vec![Vec::new(); graph.nodes.len()];
        for k in (0..graph.nodes.len()).rev() {
            for v in graph.inputs(k) {
                first[k].push(!seen[v]);
                seen[v] = true;
            }
        }
        let kind = |k: usize| match graph.nodes.get(k).map(|node| node.op) {
            Some(Op::Layer { layer, input }) => Some((&model.layers[layer].kind, input)),
            _ => None,
        };
        // Node `k + 1` is a layer that `is` of node `k`'s value alone, which nothing else
        // reads.
        let alone_after = |k: usize, is: fn(&dyn LayerKind) -> bool| {
            let read_by =
                |v: usize| (0..graph.nodes.len()).filter(move |&j| graph.inputs(j).contains(&v));
            matches!(kind(k + 1), Some((next, input)) if is(&**next) && input == k + 1)
                && graph.output != k + 1
                && read_by(k + 1).eq([k + 1])
        };
        let after = |k: usize, this: fn(&dyn LayerKind) -> bool, next| {
            matches!(kind(k), Some((layer, _)) if this(&**layer)) && alone_after(k, next)
        };
        let nodes = 0..graph.nodes.len();
        let relu = nodes
            .clone()
            .map(|k| after(k, |l| l.folds_relu(), |l| l.is_relu()));
        let norm = nodes
            .clone()
            .map(|k| after(k, |l| l.folds_norm(), |l| l.folds_relu()));
        let add_relu = nodes
            .map(|k| matches!(graph.nodes[k].op, Op::Add(..)) && alone_after(k, |l| l.is_relu()))
            .collect();
        let sums = Sums::new(graph, &mut first);
        Plan {
            model,
            samples,
            need,
            first,
            relu: relu.collect(),
            add_relu,
            norm: norm.collect(),
            sums,
        }
    }

    /// The nodes the inference pass runs in each node's step: 3 for a convolution, its batch
    /// norm and that one's `ReLU`; 2 for a pair ([`Plan::norm`], [`Plan::relu`],
    /// [`Plan::add_relu`]); 1 for a node alone; 0 for a node an earlier step runs.
    pub fn inference_steps(&self) -> Vec<usize> {
        let nodes = self.nodes();
        let mut run = vec![0; nodes];
        let mut k = 0;
        while k < nodes {
            run[k] = match (self.norm[k], self.relu.get(k + 1)) {
                (true, Some(true)) => 3,
                (true, _) => 2,
                _ if self.relu[k] || self.add_relu[k] => 2,
                _ => 1,
            };
            k += run[k];
        }
        run
    }

    pub fn input(&self) -> &TokenStream {
        &self.samples[0]
    }

    pub fn output(&self) -> &TokenStream {
        &self.samples[self.model.graph.output]
    }

    pub fn nodes(&self) -> usize {
        self.model.graph.nodes.len()
    }

    /// Layer `layer`'s field, and its `Layer::<X, Y>` trait path.
    pub fn layer(&self, k: usize) -> Option<LayerNode> {
        let Op::Layer { layer, input } = self.model.graph.nodes[k].op else {
            return None;
        };
        let l = &self.model.layers[layer];
        let (s_in, s_out) = (&self.samples[input], &self.samples[k + 1]);
        Some(LayerNode {
            member: l.member(),
            ty: l.ty(&self.model.shapes[layer]),
            trait_path: quote!(::nncore::Layer::<#s_in, #s_out>),
            input,
            params: l.has_params(&self.model.shapes[layer]),
            span: l.span(),
        })
    }
}

/// A node that applies a layer.
pub struct LayerNode {
    pub member: TokenStream,
    pub ty: TokenStream,
    pub trait_path: TokenStream,
    pub input: usize,
    pub params: bool,
    pub span: proc_macro2::Span,
}

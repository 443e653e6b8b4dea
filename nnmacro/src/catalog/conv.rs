//! `Conv1d` and `Conv2d`, with PyTorch's arguments: `in_channels, out_channels, kernel_size,
//! stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros'`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Expr;

use super::args::{bind_all, boolean, int, int_pair, size, string, written};
use super::spelling::{Printed, Spelled};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::ir::TensorDef;
use crate::shape::{Dims, Size};

pub const CONV1D: LayerDef = LayerDef {
    name: "Conv1d",
    keeps_shape: false,
    usage: "`Conv1d(in_channels, out_channels, kernel_size)`, with PyTorch's `stride`, `padding`, `dilation`, `groups` and `bias`, e.g. `Conv1d(2, 4, 3, padding = 1)`",
    check: |call, args, errors| check(call, args, 1, errors),
};

pub const CONV2D: LayerDef = LayerDef {
    name: "Conv2d",
    keeps_shape: false,
    usage: "`Conv2d(in_channels, out_channels, kernel_size)`, with PyTorch's `stride`, `padding`, `dilation`, `groups` and `bias`, e.g. `Conv2d(3, 16, 3, padding = 1)` or `kernel_size = (3, 5)`",
    check: |call, args, errors| check(call, args, 2, errors),
};

/// A convolution over `axes` (1 or 2) spatial axes; the per-axis values have `axes` entries.
struct Conv {
    axes: usize,
    inputs: Size,
    /// The input channels of each group: the generic parameter of the runtime type.
    per_group: Size,
    outputs: Size,
    kernel: Vec<u64>,
    stride: Vec<u64>,
    padding: Vec<u64>,
    dilation: Vec<u64>,
    /// A literal, or a constant such as the channel count of a depthwise convolution.
    groups: Size,
    bias: bool,
    /// `padding = "same"` or `"valid"`, which PyTorch prints as such.
    padding_text: Option<String>,
}

const NAMES: [&str; 9] = [
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "padding_mode",
];

fn check(
    call: &LayerCall,
    args: &[&Arg],
    axes: usize,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let (values, ok) = bind_all(call, args, &NAMES, errors);
    let layer = call.name();
    let (Some(inputs), Some(outputs), Some(kernel)) = (values[0], values[1], values[2]) else {
        if ok {
            errors.spanned(
                call,
                format_args!(
                    "`{layer}` needs `in_channels`, `out_channels` and `kernel_size`\nexpected {}",
                    super::usage(&layer.to_string())
                ),
            );
        }
        return None;
    };
    let per_axis =
        |value: Option<&Expr>, what: &str, default: u64, min: u64, errors: &mut Errors| match value
        {
            None => Some(vec![default; axes]),
            Some(value) if axes == 1 => int_pair_1d(value, what, min, errors),
            Some(value) => int_pair(value, what, min, errors).map(Vec::from),
        };
    let inputs = size(inputs, "input channels", errors);
    let outputs = size(outputs, "output channels", errors);
    let kernel = per_axis(Some(kernel), "kernel_size", 1, 1, errors);
    let stride = per_axis(values[3], "stride", 1, 1, errors);
    let dilation = per_axis(values[5], "dilation", 1, 1, errors);
    let padding_text = values[4].and_then(string);
    let padding = match (values[4], &padding_text) {
        (Some(value), Some(text)) => same_or_valid(
            value,
            text,
            kernel.as_deref(),
            dilation.as_deref(),
            stride.as_deref(),
            errors,
        ),
        (value, _) => per_axis(value, "padding", 0, 0, errors),
    };
    let groups = match values[6] {
        None => Some(Size::new(1, call.name().span())),
        Some(g) => size(g, "groups", errors),
    };
    let bias = values[7].map_or(Some(true), |b| boolean(b, "bias", errors));
    if let Some(mode) = values[8] {
        if string(mode).as_deref() != Some("zeros") {
            let found = written(mode);
            errors.spanned(
                mode,
                format_args!("only `padding_mode = \"zeros\"` is supported, found `{found}`"),
            );
            return None;
        }
    }
    let (inputs, groups) = (inputs?, groups?);
    let per_group = inputs.div(&groups)?;
    let conv = Conv {
        axes,
        per_group,
        inputs,
        outputs: outputs?,
        kernel: kernel?,
        stride: stride?,
        padding: padding?,
        dilation: dilation?,
        groups,
        bias: bias?,
        padding_text,
    };
    if !ok {
        return None;
    }
    let mut divides = true;
    for (size, role, what) in [
        (&conv.inputs, "in_channels", "input channels"),
        (&conv.outputs, "out_channels", "output channels"),
    ] {
        let Some(groups) = conv.groups.literal else {
            continue;
        };
        if let Some(n) = size.literal.filter(|n| n % groups != 0) {
            errors.spanned(
                &size.expr,
                format_args!(
                    "`{call}` splits {n} {what} into {groups} groups: `groups` must divide `{role}`, as in PyTorch\nchange `{role}` to a multiple of {groups}, or `groups` to a divisor of {n}"
                ),
            );
            divides = false;
        }
    }
    divides.then(|| -> Box<dyn LayerKind> { Box::new(conv) })
}

/// One integer for a 1-D layer; `(3,)` is accepted as PyTorch prints it.
fn int_pair_1d(value: &Expr, what: &str, min: u64, errors: &mut Errors) -> Option<Vec<u64>> {
    match value {
        Expr::Tuple(t) if t.elems.len() == 1 => {
            int(&t.elems[0], what, min, errors).map(|v| vec![v])
        }
        _ => int(value, what, min, errors).map(|v| vec![v]),
    }
}

/// `padding = "valid"` (none) or `"same"` (as much as keeps the length, stride 1, even totals).
fn same_or_valid(
    value: &Expr,
    text: &str,
    kernel: Option<&[u64]>,
    dilation: Option<&[u64]>,
    stride: Option<&[u64]>,
    errors: &mut Errors,
) -> Option<Vec<u64>> {
    let (kernel, dilation, stride) = (kernel?, dilation?, stride?);
    match text {
        "valid" => Some(vec![0; kernel.len()]),
        "same" if stride.iter().any(|&s| s != 1) => {
            errors.spanned(
                value,
                "`padding = \"same\"` needs `stride = 1`, as in PyTorch",
            );
            None
        }
        "same" => {
            let totals: Vec<u64> = kernel
                .iter()
                .zip(dilation)
                .map(|(k, d)| d * (k - 1))
                .collect();
            if totals.iter().any(|t| t % 2 == 1) {
                errors.spanned(
                    value,
                    "`padding = \"same\"` with an even kernel pads one side more, which is not supported; give `padding` as numbers",
                );
                return None;
            }
            Some(totals.iter().map(|t| t / 2).collect())
        }
        _ => {
            errors.spanned(
                value,
                format_args!(
                    "`padding` must be a number, `\"valid\"` or `\"same\"`, found `\"{text}\"`"
                ),
            );
            None
        }
    }
}

/// `[a, b]` or `a` as the runtime takes it.
fn per_axis_tokens(values: &[u64]) -> TokenStream {
    let values = values.iter().map(|&v| v as usize);
    if values.len() == 1 {
        quote!(#(#values)*)
    } else {
        quote!([#(#values),*])
    }
}

impl Conv {
    /// `padding=same` or `padding=valid` as PyTorch prints it, where the runtime layer prints
    /// the padding it stands for (none, if 0, after the stride).
    fn spelled_padding(&self) -> Option<Spelled> {
        let text = self.padding_text.clone()?;
        let printed = if self.padding.iter().all(|&p| p == 0) {
            Printed::Absent(Some("stride"))
        } else {
            let values: Vec<String> = self.padding.iter().map(u64::to_string).collect();
            Printed::As(format!("({})", values.join(", ")))
        };
        Some(Spelled {
            key: "padding",
            text,
            printed,
        })
    }

    fn hyperparameters(&self) -> TokenStream {
        let (stride, padding, dilation) = (
            per_axis_tokens(&self.stride),
            per_axis_tokens(&self.padding),
            per_axis_tokens(&self.dilation),
        );
        let groups = self.groups.len();
        quote!(#stride, #padding, #dilation, #groups)
    }
}

impl LayerKind for Conv {
    fn folds_norm(&self) -> bool {
        true
    }

    fn spelled(&self) -> Vec<Spelled> {
        self.spelled_padding().into_iter().collect()
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        // The model's `#[input(...)]` gives the shape: it may be the one missing a size.
        let declared = link.source.starts_with("the model's `#[input");
        let sizes = |dims: &[Size]| dims.iter().map(Size::text).collect::<Vec<_>>().join(", ");
        let (what, hint) = if self.axes == 1 {
            let hint = match input.len() {
                3 if declared => "\nuse `Conv2d` for images; for sequences, `#[input(...)]` \
                                  names two sizes, `(channels, length)`"
                    .to_owned(),
                3 => "\nuse `Conv2d` for images".to_owned(),
                _ => "\ndeclare the model's input with `#[input(channels, length)]`".to_owned(),
            };
            ("a sequence `[channels, length]`", hint)
        } else {
            let hint = match input.len() {
                2 if declared => format!(
                    "\nif the samples are images, `#[input(...)]` needs three sizes, \
                     `(channels, height, width)`: `#[input({}, W)]` with the images' width; \
                     or use `Conv1d` for sequences",
                    sizes(input)
                ),
                2 => "\nuse `Conv1d` for sequences".to_owned(),
                _ => "\ndeclare the model's input with `#[input(channels, height, width)]`"
                    .to_owned(),
            };
            ("an image `[channels, height, width]`", hint)
        };
        if !link.expect_rank(input, &[self.axes + 1], what, &hint) {
            return None;
        }
        link.expect_equal(&self.inputs, &input[0], "input channels");
        let call = link.call;
        link.expect_positive(&self.outputs, || {
            format!("`{call}` has 0 output channels: a layer needs at least one")
        });
        if self.groups.literal != Some(1) {
            let groups = &self.groups;
            for (size, role, channels) in [
                (&self.inputs, "in_channels", "input channels"),
                (&self.outputs, "out_channels", "output channels"),
            ] {
                if size.literal.is_none() || groups.literal.is_none() {
                    let (raw, text, by) = (size.raw(), size.text(), groups.raw());
                    let message = format!(
                        "`{call}` splits {text} {channels} into {} groups: `groups` must divide `{role}`, as in PyTorch",
                        groups.text()
                    );
                    link.check(size.span(), quote!(#by > 0 && #raw % #by == 0), message);
                }
            }
        }
        let mut out = vec![self.outputs.clone()];
        for axis in 0..self.axes {
            let (k, s, p, d) = (
                self.kernel[axis],
                self.stride[axis],
                self.padding[axis],
                self.dilation[axis],
            );
            // A kernel of k dilated by d spans d(k-1)+1 values.
            let reach = d * (k - 1) + 1;
            let length = &input[axis + 1];
            let names = super::axis_name(self.axes, axis);
            let call = link.call;
            let how = if d > 1 {
                format!(" (a kernel of {k} with dilation {d})")
            } else {
                String::new()
            };
            let message = || super::too_short(call, names, (reach, &how), length, p);
            let padded = link.expect_fits(length, p, reach, message)?;
            // (L + 2p - d(k-1) - 1) / s + 1, with `padded >= reach` checked.
            let span = length.span();
            let positions = padded
                .sub(&Size::new(reach, span))?
                .div(&Size::new(s, span))?
                .add(&Size::new(1, span))?;
            out.push(positions);
        }
        Some(out)
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        let (per_group, outputs, bias) = (
            self.per_group.clone().generic(),
            self.outputs.generic(),
            self.bias,
        );
        let kernel = self.kernel.iter().map(|&k| k as usize);
        if self.axes == 1 {
            quote!(::nncore::Conv1d<#per_group, #outputs, #(#kernel,)* #bias>)
        } else {
            quote!(::nncore::Conv2d<#per_group, #outputs, #(#kernel,)* #bias>)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        let args = self.hyperparameters();
        quote!(<#ty>::new(#args))
    }

    fn configure(&self) -> Option<TokenStream> {
        Some(self.hyperparameters())
    }

    /// Every output value sums `in/groups × kernel` products.
    fn multiply_adds(&self, output: &[Size]) -> Option<TokenStream> {
        let values = crate::shape::numel_raw(output);
        let per_group = self.per_group.len();
        let taps = self.kernel.iter().product::<u64>() as usize;
        Some(quote!(#values * (#per_group) * #taps))
    }

    fn params(&self, _: &[Size]) -> Vec<TensorDef> {
        let span = self.inputs.span();
        let mut dims = vec![self.outputs.clone(), self.per_group.clone()];
        dims.extend(self.kernel.iter().map(|&k| Size::new(k, span)));
        let mut params = vec![TensorDef {
            name: "weight",
            dims,
            int64: false,
        }];
        if self.bias {
            params.push(TensorDef {
                name: "bias",
                dims: vec![self.outputs.clone()],
                int64: false,
            });
        }
        params
    }
}

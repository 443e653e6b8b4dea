//! Pooling: `MaxPool1d/2d`, `AvgPool1d/2d` (`kernel_size, stride=None, padding=0`) and
//! `AdaptiveAvgPool1d/2d(output_size)`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Expr;

use super::args::{bind_all, boolean, int, int_pair};
use super::spelling::{self, Spelled};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::shape::{Dims, Size};

pub const MAX_POOL1D: LayerDef = LayerDef {
    name: "MaxPool1d",
    keeps_shape: false,
    usage: "`MaxPool1d(kernel_size)`, or with `stride` and `padding`, e.g. `MaxPool1d(3, stride = 2, padding = 1)`",
    check: |call, args, errors| window(call, args, 1, Pool::Max, errors),
};

pub const MAX_POOL2D: LayerDef = LayerDef {
    name: "MaxPool2d",
    keeps_shape: false,
    usage: "`MaxPool2d(kernel_size)`, or with `stride` and `padding`, e.g. `MaxPool2d(2)` or `MaxPool2d((2, 2), stride = 2)`",
    check: |call, args, errors| window(call, args, 2, Pool::Max, errors),
};

pub const AVG_POOL1D: LayerDef = LayerDef {
    name: "AvgPool1d",
    keeps_shape: false,
    usage: "`AvgPool1d(kernel_size)`, or with `stride` and `padding`",
    check: |call, args, errors| window(call, args, 1, Pool::Avg, errors),
};

pub const AVG_POOL2D: LayerDef = LayerDef {
    name: "AvgPool2d",
    keeps_shape: false,
    usage: "`AvgPool2d(kernel_size)`, or with `stride` and `padding`",
    check: |call, args, errors| window(call, args, 2, Pool::Avg, errors),
};

pub const ADAPTIVE_AVG_POOL1D: LayerDef = LayerDef {
    name: "AdaptiveAvgPool1d",
    keeps_shape: false,
    usage: "`AdaptiveAvgPool1d(output_size)`, e.g. `AdaptiveAvgPool1d(1)` for global average pooling",
    check: |call, args, errors| adaptive(call, args, 1, errors),
};

pub const ADAPTIVE_AVG_POOL2D: LayerDef = LayerDef {
    name: "AdaptiveAvgPool2d",
    keeps_shape: false,
    usage: "`AdaptiveAvgPool2d(output_size)`, e.g. `AdaptiveAvgPool2d(1)` for global average pooling",
    check: |call, args, errors| adaptive(call, args, 2, errors),
};

#[derive(Clone, Copy, PartialEq)]
enum Pool {
    Max,
    Avg,
}

/// A pooling window slid over `axes` axes.
struct Window {
    pool: Pool,
    axes: usize,
    kernel: Vec<u64>,
    stride: Vec<u64>,
    padding: Vec<u64>,
    spelled: Vec<Spelled>,
}

/// Arguments PyTorch has that only their default is supported here, with that default.
fn only_default(value: Option<&Expr>, name: &str, default: bool, errors: &mut Errors) -> bool {
    let Some(value) = value else { return true };
    let ok = boolean(value, name, errors) == Some(default);
    if !ok {
        errors.spanned(
            value,
            format_args!("only `{name} = {default}`, PyTorch's default, is supported"),
        );
    }
    ok
}

fn window(
    call: &LayerCall,
    args: &[&Arg],
    axes: usize,
    pool: Pool,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let names: &[&str] = match pool {
        Pool::Max => &[
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "return_indices",
            "ceil_mode",
        ],
        Pool::Avg => &[
            "kernel_size",
            "stride",
            "padding",
            "ceil_mode",
            "count_include_pad",
            "divisor_override",
        ],
    };
    let (values, mut ok) = bind_all(call, args, names, errors);
    let read = |value: &Expr, what: &str, min: u64, errors: &mut Errors| {
        if axes == 1 {
            int_1d(value, what, min, errors)
        } else {
            int_pair(value, what, min, errors).map(Vec::from)
        }
    };
    let Some(kernel) = values[0] else {
        if ok {
            let layer = call.name();
            errors.spanned(
                call,
                format_args!(
                    "`{layer}` needs its `kernel_size`\nexpected {}",
                    super::usage(&layer.to_string())
                ),
            );
        }
        return None;
    };
    let kernel = read(kernel, "kernel_size", 1, errors);
    let spelled = spelled_window(pool, axes, &values);
    // PyTorch's `stride=None` is the kernel size.
    let stride = match values[1] {
        None => kernel.clone(),
        Some(Expr::Path(p)) if p.path.is_ident("None") => kernel.clone(),
        Some(stride) => read(stride, "stride", 1, errors),
    };
    let padding = values[2].map_or(Some(vec![0; axes]), |p| read(p, "padding", 0, errors));
    match pool {
        Pool::Max => {
            if let Some(dilation) = values[3] {
                let one = read(dilation, "dilation", 1, errors)
                    .is_some_and(|d| d.iter().all(|&d| d == 1));
                if !one {
                    errors.spanned(dilation, "only `dilation = 1` is supported for pooling");
                    ok = false;
                }
            }
            ok &= only_default(values[4], "return_indices", false, errors);
            ok &= only_default(values[5], "ceil_mode", false, errors);
        }
        Pool::Avg => {
            ok &= only_default(values[3], "ceil_mode", false, errors);
            ok &= only_default(values[4], "count_include_pad", true, errors);
            if let Some(divisor) =
                values[5].filter(|d| !matches!(d, Expr::Path(p) if p.path.is_ident("None")))
            {
                errors.spanned(divisor, "`divisor_override` is not supported");
                ok = false;
            }
        }
    }
    let (kernel, stride, padding) = (kernel?, stride?, padding?);
    for (axis, (&k, &p)) in kernel.iter().zip(&padding).enumerate() {
        if p > k / 2 {
            let at = values[2].map_or_else(|| call.to_token_stream(), ToTokens::to_token_stream);
            let axis = if axes == 1 {
                String::new()
            } else {
                format!(" on axis {axis}")
            };
            errors.spanned(
                at,
                format_args!("padding {p} is more than half the kernel size {k}{axis}; PyTorch requires at most {}", k / 2),
            );
            ok = false;
        }
    }
    ok.then(|| -> Box<dyn LayerKind> {
        Box::new(Window {
            pool,
            axes,
            kernel,
            stride,
            padding,
            spelled,
        })
    })
}

/// The sizes written as tuples, which PyTorch's `MaxPool1d/2d` and `AvgPool2d` print as they
/// were given (`AvgPool1d` prints tuples whatever it is given, as the runtime layer does), the
/// stride as the kernel size when it is not given.
fn spelled_window(pool: Pool, axes: usize, values: &[Option<&Expr>]) -> Vec<Spelled> {
    if pool == Pool::Avg && axes == 1 {
        return Vec::new();
    }
    let kernel = spelling::tuple("kernel_size", values[0]);
    let stride = match values[1] {
        None => kernel.clone(),
        Some(Expr::Path(p)) if p.path.is_ident("None") => kernel.clone(),
        Some(stride) => spelling::tuple("stride", Some(stride)),
    };
    let stride = stride.map(|s| Spelled { key: "stride", ..s });
    let padding = spelling::tuple("padding", values[2]);
    [kernel, stride, padding].into_iter().flatten().collect()
}

/// One integer for a 1-D layer; `(3,)` is accepted as PyTorch takes it.
fn int_1d(value: &Expr, what: &str, min: u64, errors: &mut Errors) -> Option<Vec<u64>> {
    match value {
        Expr::Tuple(t) if t.elems.len() == 1 => {
            int(&t.elems[0], what, min, errors).map(|v| vec![v])
        }
        _ => int(value, what, min, errors).map(|v| vec![v]),
    }
}

fn tokens(values: &[u64]) -> TokenStream {
    let values = values.iter().map(|&v| v as usize);
    if values.len() == 1 {
        quote!(#(#values)*)
    } else {
        quote!([#(#values),*])
    }
}

/// The layer takes `[C, L]` (1-D) or `[C, H, W]` (2-D) samples.
fn expect_spatial(axes: usize, input: &[Size], link: &mut Link) -> bool {
    let (what, hint) = if axes == 1 {
        ("a sequence `[channels, length]`", "")
    } else {
        ("an image `[channels, height, width]`", "")
    };
    link.expect_rank(input, &[axes + 1], what, hint)
}

impl LayerKind for Window {
    fn spelled(&self) -> Vec<Spelled> {
        self.spelled.clone()
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        if !expect_spatial(self.axes, input, link) {
            return None;
        }
        let mut out = vec![input[0].clone()];
        for axis in 0..self.axes {
            let (k, s, p) = (self.kernel[axis], self.stride[axis], self.padding[axis]);
            let length = &input[axis + 1];
            let names = super::axis_name(self.axes, axis);
            let call = link.call;
            let message = || super::too_short(call, names, (k, ""), length, p);
            let padded = link.expect_fits(length, p, k, message)?;
            let span = length.span();
            let positions = padded
                .sub(&Size::new(k, span))?
                .div(&Size::new(s, span))?
                .add(&Size::new(1, span))?;
            out.push(positions);
        }
        Some(out)
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        match (self.pool, self.axes) {
            (Pool::Max, 1) => quote!(::nncore::MaxPool1d),
            (Pool::Max, _) => quote!(::nncore::MaxPool2d),
            (Pool::Avg, 1) => quote!(::nncore::AvgPool1d),
            (Pool::Avg, _) => quote!(::nncore::AvgPool2d),
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        let (k, s, p) = (
            tokens(&self.kernel),
            tokens(&self.stride),
            tokens(&self.padding),
        );
        quote!(#ty::new(#k, #s, #p))
    }
}

/// Adaptive average pooling to a fixed output size.
struct Adaptive {
    axes: usize,
    output: Vec<u64>,
    spelled: Option<Spelled>,
}

fn adaptive(
    call: &LayerCall,
    args: &[&Arg],
    axes: usize,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let (values, ok) = bind_all(call, args, &["output_size"], errors);
    let Some(size) = values[0] else {
        if ok {
            let layer = call.name();
            errors.spanned(
                call,
                format_args!("`{layer}` needs its `output_size`, e.g. `{layer}(1)`"),
            );
        }
        return None;
    };
    let spelled = spelling::tuple("output_size", Some(size));
    let output = if axes == 1 {
        int_1d(size, "output_size", 1, errors)
    } else {
        int_pair(size, "output_size", 1, errors).map(Vec::from)
    };
    let output = output?;
    ok.then(|| -> Box<dyn LayerKind> {
        Box::new(Adaptive {
            axes,
            output,
            spelled,
        })
    })
}

impl LayerKind for Adaptive {
    fn spelled(&self) -> Vec<Spelled> {
        self.spelled.iter().cloned().collect()
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        if !expect_spatial(self.axes, input, link) {
            return None;
        }
        let mut out = vec![input[0].clone()];
        for (axis, &o) in self.output.iter().enumerate() {
            let length = &input[axis + 1];
            let (axis, extent) = super::axis_name(self.axes, axis);
            let call = link.call;
            let message = || {
                format!(
                    "`{call}` gives {o} values along the {axis}, but its input is only {} {extent}",
                    length.text()
                )
            };
            if length.literal.is_some_and(|n| n < o) {
                link.error(message());
                return None;
            }
            if length.literal.is_none() {
                let (raw, o) = (length.raw(), o as usize);
                link.check(length.span(), quote!(#raw >= #o), message());
            }
            out.push(Size::new(o, length.span()));
        }
        Some(out)
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        if self.axes == 1 {
            quote!(::nncore::AdaptiveAvgPool1d)
        } else {
            quote!(::nncore::AdaptiveAvgPool2d)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        let output = tokens(&self.output);
        quote!(#ty::new(#output))
    }
}

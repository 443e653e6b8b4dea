//! A convolution's settings and one sample's sizes, as the kernels' paths read them: the
//! [`Geometry`] a layer hands over, and the [`Shape`] of its const sizes, with the columns each
//! kernel column reads ([`Span`]).

/// A convolution's settings besides its const sizes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    /// Input channels per group: `C / groups`.
    pub in_per_group: usize,
    /// The number of groups.
    pub groups: usize,
    /// `[rows, columns]` between one output position and the next, in input positions.
    pub stride: [usize; 2],
    /// `[rows, columns]` of zeros on each side of the input.
    pub padding: [usize; 2],
    /// `[rows, columns]` between kernel taps, in input positions.
    pub dilation: [usize; 2],
}

/// The output positions `lo..hi` whose input position `start + (o - lo) · stride` is inside the
/// input, for one kernel tap along one axis.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Span {
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) start: usize,
}

/// The span of output positions `0..out_len` that a tap at `offset` (its index times the
/// dilation) reads inside an input of `in_len`.
pub(super) fn span(
    out_len: usize,
    in_len: usize,
    stride: usize,
    padding: usize,
    offset: usize,
) -> Span {
    let lo = padding.saturating_sub(offset).div_ceil(stride);
    // Inside iff o · stride + offset < in_len + padding.
    let end = in_len + padding;
    let hi = if end > offset {
        ((end - offset - 1) / stride + 1).min(out_len)
    } else {
        0
    };
    if lo >= hi {
        return Span::default();
    }
    Span {
        lo,
        hi,
        start: lo * stride + offset - padding,
    }
}

/// One sample's sizes and settings, as the panels need them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shape<'a> {
    pub(super) geo: &'a Geometry,
    /// Input `[rows, columns]`.
    pub(super) input: [usize; 2],
    /// Output `[rows, columns]`.
    pub(super) output: [usize; 2],
    /// Kernel `[rows, columns]`.
    pub(super) kernel: [usize; 2],
    /// The column span of each kernel column.
    pub(super) spans: &'a [Span],
}

impl Shape<'_> {
    /// Taps of one kernel: `KH · KW`.
    pub(super) fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Input positions of one channel: `H · W`.
    pub(super) fn inputs(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Output positions of one channel: `HO · WO`.
    pub(super) fn outputs(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// The input row output row `oh` reads through kernel row `kh`, if it is not padding.
    #[inline]
    pub(super) fn input_row(&self, oh: usize, kh: usize) -> Option<usize> {
        let g = self.geo;
        (oh * g.stride[0] + kh * g.dilation[0])
            .checked_sub(g.padding[0])
            .filter(|&i| i < self.input[0])
    }

    /// The output row that reads input row `ih` through kernel row `kh`, if any: `oh` with
    /// `oh · stride + kh · dilation - padding = ih`.
    #[inline]
    pub(super) fn output_row(&self, ih: usize, kh: usize) -> Option<usize> {
        let g = self.geo;
        let n = (ih + g.padding[0]).checked_sub(kh * g.dilation[0])?;
        let oh = n / g.stride[0];
        (n % g.stride[0] == 0 && oh < self.output[0]).then_some(oh)
    }
}

/// Runs `f` with the [`Shape`] of the const sizes.
#[inline]
pub(super) fn with_shape<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
    R,
>(
    geo: &Geometry,
    f: impl FnOnce(&Shape<'_>) -> R,
) -> R {
    let mut spans = [Span::default(); KW];
    for (kw, s) in spans.iter_mut().enumerate() {
        *s = span(WO, W, geo.stride[1], geo.padding[1], kw * geo.dilation[1]);
    }
    f(&Shape {
        geo,
        input: [H, W],
        output: [HO, WO],
        kernel: [KH, KW],
        spans: &spans,
    })
}

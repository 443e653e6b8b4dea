//! `nn.Conv1d` and `nn.Conv2d`: cross-correlation with zero padding, stride, dilation and
//! groups. Both run the arithmetic in [`kernel`], `Conv1d` as a convolution one row high.

use core::fmt;

mod conv1d;
mod conv2d;
mod kernel;

pub use conv1d::Conv1d;
pub use conv2d::Conv2d;

/// A Python tuple of sizes: `(3,)`, `(3, 3)`.
struct PyTuple<'a>(&'a [usize]);

impl fmt::Display for PyTuple<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str(if self.0.len() == 1 { ",)" } else { ")" })
    }
}

/// A convolution's settings as `repr` prints them.
struct Repr<'a> {
    name: &'static str,
    in_channels: usize,
    out_channels: usize,
    kernel_size: &'a [usize],
    stride: &'a [usize],
    padding: &'a [usize],
    dilation: &'a [usize],
    groups: usize,
    bias: bool,
}

impl fmt::Display for Repr<'_> {
    /// `_ConvNd.extra_repr`: padding only if not all 0, dilation only if not all 1, groups only
    /// if not 1, bias only if absent (`padding_mode` is always `'zeros'`, never printed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}, {}, kernel_size={}, stride={}",
            self.name,
            self.in_channels,
            self.out_channels,
            PyTuple(self.kernel_size),
            PyTuple(self.stride)
        )?;
        if self.padding.iter().any(|&p| p != 0) {
            write!(f, ", padding={}", PyTuple(self.padding))?;
        }
        if self.dilation.iter().any(|&d| d != 1) {
            write!(f, ", dilation={}", PyTuple(self.dilation))?;
        }
        if self.groups != 1 {
            write!(f, ", groups={}", self.groups)?;
        }
        if !self.bias {
            f.write_str(", bias=False")?;
        }
        f.write_str(")")
    }
}

/// Panics unless the settings are ones PyTorch accepts: stride, dilation and groups at least 1.
const fn check_settings(stride: &[usize], dilation: &[usize], groups: usize) {
    let mut i = 0;
    while i < stride.len() {
        assert!(stride[i] > 0, "a convolution's stride is at least 1");
        assert!(dilation[i] > 0, "a convolution's dilation is at least 1");
        i += 1;
    }
    assert!(groups > 0, "a convolution has at least 1 group");
}

/// The output length PyTorch gives along one axis, `(len + 2·padding - dilation·(k - 1) - 1) /
/// stride + 1`, or `None` if the dilated kernel does not fit in the padded input.
const fn output_len(
    len: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Option<usize> {
    let padded = len + 2 * padding;
    let reach = dilation * kernel.saturating_sub(1) + 1;
    if kernel == 0 || stride == 0 || padded < reach {
        None
    } else {
        Some((padded - reach) / stride + 1)
    }
}

/// `debug_assert`s that a layer sees the input the model generator promised: `channels`
/// input channels in `groups` groups of `in_per_group`, `out` output channels divisible by
/// `groups`, and the output size PyTorch gives along each axis `(len, out_len, kernel, stride,
/// padding, dilation)`.
#[inline]
fn debug_check_shape(
    channels: usize,
    in_per_group: usize,
    out: usize,
    groups: usize,
    axes: &[(usize, usize, usize, usize, usize, usize)],
) {
    debug_assert!(
        groups > 0 && channels == in_per_group * groups && out % groups == 0,
        "a convolution of {in_per_group} channels a group in {groups} groups, {out} outputs, \
         given {channels} input channels"
    );
    for &(len, out_len, kernel, stride, padding, dilation) in axes {
        debug_assert_eq!(
            output_len(len, kernel, stride, padding, dilation),
            Some(out_len),
            "a convolution's output length (input {len}, kernel {kernel}, stride {stride}, \
             padding {padding}, dilation {dilation})"
        );
    }
}

#[cfg(test)]
mod testing {
    extern crate std;
    use super::kernel::tests::values;
    use crate::{Layer, Tensor};
    use core::fmt::Debug;
    use rand::SeedableRng;
    use std::vec::Vec;

    /// The step of the central differences. The layers are linear in their parameters and in
    /// their input, so the differences are exact but for rounding.
    const STEP: f32 = 1e-2;

    /// `Σ_b r_b · layer(x_b)` in f64.
    fn loss<M: Layer<X, Y>, X: Tensor, Y: Tensor>(layer: &M, xs: &[X], rs: &[Y]) -> f64 {
        let dot = |x: &X, r: &Y| -> f64 {
            let y = layer.forward(x);
            y.flat()
                .iter()
                .zip(r.flat())
                .map(|(&y, &r)| f64::from(y) * f64::from(r))
                .sum()
        };
        xs.iter().zip(rs).map(|(x, r)| dot(x, r)).sum()
    }

    fn assert_close(analytic: f32, numeric: f64, what: &str) {
        let tolerance = 1e-3 * (1.0 + numeric.abs());
        assert!(
            (f64::from(analytic) - numeric).abs() < tolerance,
            "{what}: backward {analytic}, finite differences {numeric}"
        );
    }

    /// Over the batch `xs` with output gradients `dy = r`: the batch and training forms equal
    /// the per-sample ones exactly, and the parameter and input gradients match central
    /// differences of `Σ_b r_b · y_b`.
    pub(crate) fn check_layer<M, X, Y>(layer: &M, xs: &[X])
    where
        M: Layer<X, Y> + Clone + PartialEq + Debug,
        X: Tensor + Debug + PartialEq,
        Y: Tensor + Debug + PartialEq,
    {
        let n = xs.len();
        let mut rs = std::vec![Y::ZERO; n];
        Y::flat_batch_mut(&mut rs).copy_from_slice(&values(n * Y::LEN, 7));
        // Forward: batch, per sample and training mode agree, and training changes nothing.
        let mut ys = std::vec![Y::ZERO; n];
        layer.forward_batch(xs, &mut ys);
        let per_sample: Vec<Y> = xs.iter().map(|x| layer.forward(x)).collect();
        assert_eq!(ys, per_sample);
        let (mut trained, mut ys_train) = (layer.clone(), std::vec![Y::ZERO; n]);
        let mut cache = std::vec![0.0; <M as Layer<X, Y>>::train_cache_len(n)];
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        trained.forward_train(xs, &mut ys_train, &mut cache, &mut rng);
        assert_eq!((&trained, &ys_train), (layer, &ys));

        // Parameter gradients, added into what is there.
        let mut grads = M::zeros();
        layer.backward_params_batch(xs, &ys, &rs, &mut grads);
        let mut per_sample = M::zeros();
        for ((x, y), r) in xs.iter().zip(&ys).zip(&rs) {
            layer.backward_params(x, y, r, &mut per_sample);
        }
        assert_eq!(grads, per_sample);
        let mut train = M::zeros();
        layer.backward_params_train(xs, &ys, &rs, &cache, &mut train);
        assert_eq!(grads, train);
        for (k, p) in grads.parameters().enumerate() {
            for (i, &g) in p.data.iter().enumerate() {
                let shifted = |step: f32| {
                    let mut m = layer.clone();
                    m.parameters_mut().nth(k).unwrap().data[i] += step;
                    loss(&m, xs, &rs)
                };
                let numeric = (shifted(STEP) - shifted(-STEP)) / (2.0 * f64::from(STEP));
                assert_close(g, numeric, &std::format!("{}[{i}]", p.name));
            }
        }

        // Input gradients, overwriting what is there.
        let mut dxs = std::vec![X::ZERO; n];
        X::flat_batch_mut(&mut dxs).fill(9.0);
        layer.backward_input_batch(xs, &ys, &rs, &mut dxs);
        let per_sample: Vec<X> = (xs.iter().zip(&ys).zip(&rs))
            .map(|((x, y), r)| layer.backward_input(x, y, r))
            .collect();
        assert_eq!(dxs, per_sample);
        let mut train = std::vec![X::ZERO; n];
        layer.backward_input_train(xs, &ys, &rs, &cache, &mut train);
        assert_eq!(dxs, train);
        let mut shifted_xs = xs.to_vec();
        for (i, &g) in X::flat_batch(&dxs).iter().enumerate() {
            let mut shifted = |step: f32| {
                let value = X::flat_batch(xs)[i];
                X::flat_batch_mut(&mut shifted_xs)[i] = value + step;
                let l = loss(layer, &shifted_xs, &rs);
                X::flat_batch_mut(&mut shifted_xs)[i] = value;
                l
            };
            let numeric = (shifted(STEP) - shifted(-STEP)) / (2.0 * f64::from(STEP));
            assert_close(g, numeric, &std::format!("dx[{i}]"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PyTuple, output_len};
    extern crate std;
    use std::format;

    #[test]
    fn tuples_print_as_python() {
        assert_eq!(format!("{}", PyTuple(&[3])), "(3,)");
        assert_eq!(format!("{}", PyTuple(&[3, 1])), "(3, 1)");
    }

    #[test]
    fn output_lengths_follow_pytorch() {
        assert_eq!(output_len(32, 3, 1, 1, 1), Some(32));
        assert_eq!(output_len(20, 3, 1, 2, 2), Some(20));
        assert_eq!(output_len(7, 3, 2, 1, 1), Some(4));
        assert_eq!(output_len(2, 5, 1, 0, 1), None);
        assert_eq!(output_len(5, 0, 1, 0, 1), None);
    }
}

//! The samples int8 layers run on ([`Int8Sample`]): TensorFlow Lite's layouts of PyTorch's float
//! samples, viewed flat or as arrays.

use super::params::QuantParams;

/// An int8 sample in TensorFlow Lite's layout, and the float sample in PyTorch's layout it stands
/// for: `[i8; N]` for `[f32; N]`, `[[i8; C]; L]` (length × channels) for `[[f32; L]; C]`, and
/// `[[[i8; C]; W]; H]` (NHWC) for `[[[f32; W]; H]; C]` (NCHW).
pub trait Int8Sample: Copy {
    /// The float sample.
    type Float;
    /// The values in a sample.
    const LEN: usize;
    /// The sample of zeros: the storage a layer then writes ([`super::QuantLayer::forward_into`]).
    const ZERO: Self;

    /// `x` quantized by `params` ([`QuantParams::quantize`]) and laid out as int8.
    fn quantize(x: &Self::Float, params: QuantParams) -> Self;

    /// The real values of `self` ([`QuantParams::dequantize`]) in the float layout.
    fn dequantize(&self, params: QuantParams) -> Self::Float;

    /// The values in memory order.
    fn flat(&self) -> &[i8];

    /// The values in memory order, to change in place.
    fn flat_mut(&mut self) -> &mut [i8];

    /// The sample held by the first [`Int8Sample::LEN`] values of `flat`.
    ///
    /// # Panics
    /// If `flat` holds fewer.
    fn view(flat: &[i8]) -> &Self;

    /// [`Int8Sample::view`], to write.
    ///
    /// # Panics
    /// If `flat` holds fewer than [`Int8Sample::LEN`] values.
    fn view_mut(flat: &mut [i8]) -> &mut Self;
}

impl<const N: usize> Int8Sample for [i8; N] {
    type Float = [f32; N];
    const LEN: usize = N;
    const ZERO: Self = [0; N];

    fn quantize(x: &[f32; N], params: QuantParams) -> Self {
        x.map(|v| params.quantize(v))
    }

    fn dequantize(&self, params: QuantParams) -> [f32; N] {
        self.map(|q| params.dequantize(q))
    }

    fn flat(&self) -> &[i8] {
        self
    }

    fn flat_mut(&mut self) -> &mut [i8] {
        self
    }

    fn view(flat: &[i8]) -> &Self {
        (&flat[..N]).try_into().expect("N values")
    }

    fn view_mut(flat: &mut [i8]) -> &mut Self {
        (&mut flat[..N]).try_into().expect("N values")
    }
}

impl<const C: usize, const L: usize> Int8Sample for [[i8; C]; L] {
    type Float = [[f32; L]; C];
    const LEN: usize = C * L;
    const ZERO: Self = [[0; C]; L];

    fn quantize(x: &[[f32; L]; C], params: QuantParams) -> Self {
        core::array::from_fn(|l| core::array::from_fn(|c| params.quantize(x[c][l])))
    }

    fn dequantize(&self, params: QuantParams) -> [[f32; L]; C] {
        core::array::from_fn(|c| core::array::from_fn(|l| params.dequantize(self[l][c])))
    }

    fn flat(&self) -> &[i8] {
        self.as_flattened()
    }

    fn flat_mut(&mut self) -> &mut [i8] {
        self.as_flattened_mut()
    }

    fn view(flat: &[i8]) -> &Self {
        let flat = &flat[..C * L];
        // SAFETY: `[[i8; C]; L]` is `C · L` bytes of alignment 1, any of them valid, and `flat`
        // lends that many for as long.
        unsafe { &*flat.as_ptr().cast::<Self>() }
    }

    fn view_mut(flat: &mut [i8]) -> &mut Self {
        let flat = &mut flat[..C * L];
        // SAFETY: as in `view`, the borrow exclusive.
        unsafe { &mut *flat.as_mut_ptr().cast::<Self>() }
    }
}

impl<const C: usize, const W: usize, const H: usize> Int8Sample for [[[i8; C]; W]; H] {
    type Float = [[[f32; W]; H]; C];
    const LEN: usize = C * W * H;
    const ZERO: Self = [[[0; C]; W]; H];

    fn quantize(x: &[[[f32; W]; H]; C], params: QuantParams) -> Self {
        let q = super::layout::chw_to_hwc(x);
        q.map(|row| row.map(|pixel| pixel.map(|v| params.quantize(v))))
    }

    fn dequantize(&self, params: QuantParams) -> [[[f32; W]; H]; C] {
        let real = self.map(|row| row.map(|pixel| pixel.map(|q| params.dequantize(q))));
        super::layout::hwc_to_chw(&real)
    }

    fn flat(&self) -> &[i8] {
        self.as_flattened().as_flattened()
    }

    fn flat_mut(&mut self) -> &mut [i8] {
        self.as_flattened_mut().as_flattened_mut()
    }

    fn view(flat: &[i8]) -> &Self {
        let flat = &flat[..C * W * H];
        // SAFETY: `[[[i8; C]; W]; H]` is `C · W · H` bytes of alignment 1, any of them valid,
        // and `flat` lends that many for as long.
        unsafe { &*flat.as_ptr().cast::<Self>() }
    }

    fn view_mut(flat: &mut [i8]) -> &mut Self {
        let flat = &mut flat[..C * W * H];
        // SAFETY: as in `view`, the borrow exclusive.
        unsafe { &mut *flat.as_mut_ptr().cast::<Self>() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: QuantParams = QuantParams::new(0.05, -7);

    #[test]
    fn samples_change_layout_both_ways() {
        let x: [[[f32; 3]; 2]; 4] = core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| (c * 6 + h * 3 + w) as f32 * 0.05))
        });
        let q = <[[[i8; 4]; 3]; 2]>::quantize(&x, P);
        assert_eq!(q[1][2][3], P.quantize(x[3][1][2]));
        assert_eq!(q.dequantize(P), x);
        let s: [[f32; 5]; 2] =
            core::array::from_fn(|c| core::array::from_fn(|l| l as f32 - c as f32));
        let q = <[[i8; 2]; 5]>::quantize(&s, P);
        assert_eq!(q[4][1], P.quantize(3.0));
        assert_eq!(q.dequantize(P), s);
    }
}

//! A [`Conv2d`]'s weights packed when a constant model compiles, in the layout the AVX-512 VNNI
//! block kernel reads (`kernel/block.rs`), so that a call need not pack them: [`Packing`],
//! given to the layer by [`Conv2d::with_packing`]. `tflite!` does so for every convolution of
//! one group, with the bytes packed as it expands (the same as [`Conv2d::packing`]'s). The
//! layout: for each block `b` of sixteen packed rows and each group `g` of four weights, 64
//! bytes, lane `j`'s four the weights `4g .. 4g + 4` of packed row `16b + j` (zero past the row
//! and past the rows). Packed row `r` is channel `r`, or with whole blocks of 64 channels
//! channel [`packed_row`]`(r)` (the lanes' order, in which four blocks' outputs pack into a
//! position's bytes in order). Only x86-64 keeps it; elsewhere the layer drops it, and the
//! constant with it.

use super::conv::Conv2d;

/// A layer's weights packed for the AVX-512 VNNI kernel, `N` bytes
/// ([`Conv2d::PACKED_BYTES`]), and each packed row's sum of weights. Made by
/// [`Conv2d::packing`] (and by `tflite!`, the same bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Packing<const N: usize, const OUT: usize> {
    weights: [i8; N],
    sums: [i32; OUT],
}

/// What a layer keeps of its [`Packing`]: references to the constant.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Prepacked<const OUT: usize> {
    /// The packed weights.
    pub(crate) weights: &'static [i8],
    /// Each packed row's sum of weights.
    pub(crate) sums: &'static [i32; OUT],
}

/// A cache of the weights: layers compare by their weights alone.
#[cfg(target_arch = "x86_64")]
impl<const OUT: usize> PartialEq for Prepacked<OUT> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(target_arch = "x86_64")]
impl<const OUT: usize> core::fmt::Debug for Prepacked<OUT> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Prepacked({} bytes)", self.weights.len())
    }
}

/// The channel of packed row `r` of `out` (and the packed row of channel `r`: the map undoes
/// itself): with whole blocks of 64, row `64q + 16p + 4b + i` holds channel `64q + 16b + 4p +
/// i`; else `r`.
#[must_use]
pub(crate) const fn packed_row(r: usize, out: usize) -> usize {
    match out % 64 {
        0 => {
            let (q, s) = (r / 64, r % 64);
            64 * q + 16 * (s % 16 / 4) + 4 * (s / 16) + s % 4
        }
        _ => r,
    }
}

/// The bytes of `out` rows of `k` weights packed: `⌈out / 16⌉ · ⌈k / 4⌉ · 64`.
#[must_use]
pub(crate) const fn packed_len(k: usize, out: usize) -> usize {
    out.div_ceil(16) * k.div_ceil(4) * 64
}

impl<const N: usize, const OUT: usize> Packing<N, OUT> {
    /// The packing of weights packed elsewhere: `tflite!` packs them when it expands, natively,
    /// where [`Conv2d::packing`] in a constant runs in the compiler's interpreter (seconds for a
    /// model). Other values than [`Conv2d::packing`]'s of the layer given them are other
    /// weights: the layer computes other outputs where it reads them.
    #[doc(hidden)]
    #[must_use]
    pub const fn from_parts(weights: [i8; N], sums: [i32; OUT]) -> Self {
        Packing { weights, sums }
    }
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// Bytes of the layer's [`Packing`].
    pub const PACKED_BYTES: usize = packed_len(KH * KW * IN, OUT);

    /// The layer's weights packed, for a constant: `N` must be [`Conv2d::PACKED_BYTES`].
    ///
    /// # Panics
    /// If `N` is not; in a `const`, at compile time.
    #[must_use]
    pub const fn packing<const N: usize>(&self) -> Packing<N, OUT> {
        assert!(N == Self::PACKED_BYTES, "N is the layer's PACKED_BYTES");
        let k = KH * KW * IN;
        let groups = k.div_ceil(4);
        let mut weights = [0i8; N];
        let mut sums = [0i32; OUT];
        let mut o = 0;
        while o < OUT {
            let r = packed_row(o, OUT);
            let (b, j) = (r / 16, r % 16);
            let mut t = 0;
            while t < k {
                // Weight `t` of the row `[kh][kw][c]`.
                let w = self.weight[o][t / (KW * IN)][t / IN % KW][t % IN];
                weights[(b * groups + t / 4) * 64 + 4 * j + t % 4] = w;
                sums[r] = sums[r].wrapping_add(w as i32);
                t += 1;
            }
            o += 1;
        }
        Packing { weights, sums }
    }

    /// The layer with its weights' `packing` (its own: [`Conv2d::packing`] of these weights),
    /// which spares each call the packing where the layer runs on AVX-512 VNNI. Kept on x86-64
    /// only.
    ///
    /// # Panics
    /// If `N` is not [`Conv2d::PACKED_BYTES`]; in a `const`, at compile time.
    #[must_use]
    pub const fn with_packing<const N: usize>(self, packing: &'static Packing<N, OUT>) -> Self {
        assert!(N == Self::PACKED_BYTES, "N is the layer's PACKED_BYTES");
        #[cfg(target_arch = "x86_64")]
        {
            let mut layer = self;
            layer.packed = Some(Prepacked {
                weights: &packing.weights,
                sums: &packing.sums,
            });
            layer
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = packing;
            self
        }
    }
}

#[cfg(all(test, feature = "std", target_arch = "x86_64", nncore_avx512))]
mod tests {
    use super::*;
    use crate::quant::kernel::Kernel;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};
    use core::mem::MaybeUninit;

    /// A layer of `OUT` channels with weights from `seed`.
    fn layer<const IN: usize, const OUT: usize, const K: usize>(
        seed: i32,
    ) -> Conv2d<IN, OUT, K, K> {
        let w = |o: usize, t: usize| ((o as i32 * 37 + t as i32 * 11 + seed) % 255 - 127) as i8;
        let weight = core::array::from_fn(|o| {
            core::array::from_fn(|r| {
                core::array::from_fn(|c| core::array::from_fn(|i| w(o, (r * K + c) * IN + i)))
            })
        });
        let (x, y) = (QuantParams::new(0.05, -3), QuantParams::new(0.4, 7));
        let stage =
            OutputStage::per_channel(x, [0.002; OUT], y, Activation::Relu, Rounding::Double);
        let bias = core::array::from_fn(|o| o as i32 * 97 - 400);
        Conv2d::new(weight, bias, [1, 1], [1, 1], Padding::Same, stage)
    }

    #[test]
    fn the_constant_packing_is_the_kernels() {
        fn check<const IN: usize, const OUT: usize, const K: usize, const N: usize>() {
            let conv = layer::<IN, OUT, K>(5);
            let packing = conv.packing::<N>();
            let rows = conv.weight.as_flattened().as_flattened().as_flattened();
            let mut buf = std::vec![MaybeUninit::<i8>::uninit(); N];
            let lane_order = OUT % 64 == 0;
            let Some(packed) = Kernel::Avx512Vnni.pack(rows, K * K * IN, OUT, lane_order, &mut buf)
            else {
                return;
            };
            assert_eq!(packed.lane_order(), lane_order);
            assert_eq!(packed.weights(), &packing.weights[..]);
            let sums: [i32; OUT] = crate::quant::kernel::row_sums(rows);
            let sums: [i32; OUT] = core::array::from_fn(|r| sums[packed_row(r, OUT)]);
            assert_eq!(packing.sums, sums);
        }
        // Whole blocks and groups; a partial block of channels; rows not a multiple of four;
        // blocks of 64 channels in the lanes' order.
        check::<16, 32, 3, { packed_len(144, 32) }>();
        check::<8, 128, 1, { packed_len(8, 128) }>();
        check::<3, 64, 3, { packed_len(27, 64) }>();
        check::<8, 20, 1, { packed_len(8, 20) }>();
        check::<3, 16, 3, { packed_len(27, 16) }>();
    }

    #[test]
    fn a_packed_layer_gives_the_outputs_of_one_packed_at_each_call() {
        const N: usize = packed_len(3 * 3 * 16, 32);
        static PACKING: std::sync::OnceLock<Packing<N, 32>> = std::sync::OnceLock::new();
        let plain = layer::<16, 32, 3>(9);
        let packed = plain
            .clone()
            .with_packing(PACKING.get_or_init(|| plain.packing()));
        assert!(packed.packed.is_some());
        let x: [[[i8; 16]; 12]; 10] = core::array::from_fn(|r| {
            core::array::from_fn(|c| {
                core::array::from_fn(|i| ((r * 131 + c * 17 + i * 7) % 256) as u8 as i8)
            })
        });
        let want: [[[i8; 32]; 12]; 10] = plain.forward(&x);
        assert_eq!(packed.forward(&x), want);
        // Another layer's packing gives that layer's outputs: the packing is what runs.
        let other = layer::<16, 32, 3>(10);
        let wrong = plain
            .clone()
            .with_packing(std::boxed::Box::leak(std::boxed::Box::new(
                other.packing::<N>(),
            )));
        if Kernel::detect() == Kernel::Avx512Vnni {
            let want: [[[i8; 32]; 12]; 10] = other.forward(&x);
            assert_eq!(wrong.forward(&x), want);
        }
    }
}

//! A convolution's packed weights ([`super::Kernel::pack`]) against blocks of up to sixteen
//! output positions on AMX tiles (Intel's Advanced Matrix Extensions, `tdpbusd`: a 16 × 64
//! tile of unsigned inputs against a 16 × 64 tile of weights, 16 384 multiply-adds an
//! instruction), where the CPU has AMX-INT8 and the OS lets the process use it. The packing is
//! already a tile of weights: sixteen channels' four weights a row, one row a group of four
//! inputs. A block's positions are evenly spaced in the input (`apart` bytes), so each row of
//! taps is one tile of inputs loaded with that stride, up to 64 bytes of the row at a time. The
//! sums start from the layer's base, are exact int32 (wrapping as `vpdpbusd`'s), and go through
//! the output stage in lanes ([`Lanes`]) as `block.rs`'s do: bit for bit the same outputs.
//!
//! The tiles: 0–3 the sums of four blocks of sixteen channels for one block of positions, two
//! for two, or one for four (four independent chains of `tdpbusd`, whose latency is several
//! times its issue rate); 4 and 5 the inputs, a row of taps split into equal parts of at most
//! 64 bytes; 6 and 7 the weights against them.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::asm;
use core::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_storeu_si512};
use core::mem::MaybeUninit;

use super::Amx;
use super::prepared::Lanes;
use super::wide::Packed;

/// The tiles' shapes (`LDTILECFG`'s 64 bytes, palette 1).
#[repr(C, align(64))]
struct Config {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    /// Bytes a row of each tile.
    colsb: [u16; 16],
    /// Rows of each tile.
    rows: [u8; 16],
}

/// The least positions times input bytes a product of tiles takes for the layer to run on
/// them: the DS-CNN's first layer (five positions of 4 bytes a product) made its model 10–15%
/// slower on tiles than on AVX-512 VNNI, while ResNet-8's (sixteen of 12) made no difference.
const DENSE: usize = 128;

/// Channels at most: [`Lanes`]'s.
const CHANNELS: usize = 256;

/// A layer's blocks of positions on AMX: the packed weights, the sums' start and the stage.
pub(crate) struct AmxLayer<'a> {
    packed: &'a Packed<'a>,
    lanes: &'a Lanes,
    /// `base`, zero past the channels, so that a tile of a last, partial block reads it.
    base: [i32; CHANNELS],
    config: Config,
    /// Positions a block, the tiles' rows.
    positions: usize,
    /// Rows of taps a position, `stride` bytes apart, each `len` bytes (a multiple of 4) in
    /// parts of `part`.
    rows: usize,
    stride: usize,
    len: usize,
    part: usize,
    /// Bytes between a block's positions.
    apart: usize,
}

impl<'a> AmxLayer<'a> {
    /// The layer whose positions read `rows` runs of `len` bytes, `stride` apart, blocks of
    /// `positions` positions `apart` bytes apart, against `packed` from `base`, through `lanes`;
    /// `None` where the packing is not of those runs (`packed.k` their bytes, runs of more than
    /// one row whole groups of four), a run does not split into equal parts of whole groups of
    /// at most 64 bytes, or the shapes are outside the tiles'.
    #[must_use]
    pub(crate) fn new(
        _amx: Amx,
        (packed, base, lanes): (&'a Packed<'a>, &[i32], &'a Lanes),
        positions: usize,
        [rows, stride, len]: [usize; 3],
        apart: usize,
    ) -> Option<Self> {
        let n = packed.out;
        let whole = rows == 1 || len % 4 == 0;
        let len = len.next_multiple_of(4);
        let part = len / len.div_ceil(64);
        let fits = (1..=16).contains(&positions)
            && rows > 0
            && len > 0
            && whole
            && positions * part >= DENSE
            && part % 4 == 0
            && len % part == 0
            && packed.k.div_ceil(4) == rows * len / 4
            && n <= CHANNELS
            && base.len() == n
            && lanes.channels() == n
            && (!packed.lane_order || n % 64 == 0);
        if !fits {
            return None;
        }
        let mut config = Config {
            palette: 1,
            start_row: 0,
            reserved: [0; 14],
            colsb: [0; 16],
            rows: [0; 16],
        };
        // Sums; inputs; weights.
        for t in 0..8 {
            let (rows, bytes) = match t {
                0..4 => (positions, 64),
                4 | 5 => (positions, part),
                _ => (part / 4, 64),
            };
            config.rows[t] = rows as u8;
            config.colsb[t] = bytes as u16;
        }
        let mut padded = [0; CHANNELS];
        padded[..n].copy_from_slice(base);
        Some(AmxLayer {
            packed,
            lanes,
            base: padded,
            config,
            positions,
            rows,
            stride,
            len,
            part,
            apart,
        })
    }

    /// The outputs of each block `(at, p)` of [`AmxLayer::new`]'s positions: position `p + i`'s
    /// runs from `u[at + i · apart]`, its outputs to `out[(p + i) · n ..]`.
    ///
    /// # Panics
    /// If a block's runs end past `u` or its outputs past `out`.
    pub(crate) fn run(
        &self,
        u: &[u8],
        blocks: impl Iterator<Item = (usize, usize)>,
        out: &mut [i8],
    ) {
        let n = self.packed.out;
        let reach = (self.rows - 1) * self.stride + (self.positions - 1) * self.apart + self.len;
        let channels = n.div_ceil(16);
        // Blocks of positions taken together: four chains of sums in all.
        let together = match channels {
            1 => 4,
            2 => 2,
            _ => 1,
        };
        // SAFETY: `Amx` exists only where the tiles run; the configuration is the layer's.
        unsafe { asm!("ldtilecfg [{}]", in(reg) &self.config, options(nostack, readonly)) };
        let mut blocks = blocks.peekable();
        while blocks.peek().is_some() {
            let mut at = [(0, 0); 4];
            let mut m = 0;
            for (at, (first, p)) in at.iter_mut().zip(blocks.by_ref().take(together)) {
                assert!(
                    first + reach <= u.len() && (p + self.positions) * n <= out.len(),
                    "a block inside the inputs and outputs"
                );
                *at = (first, p * n);
                m += 1;
            }
            // SAFETY: checked above; `Lanes` exists only where the CPU runs AVX-512F and BW.
            unsafe {
                let (u, out) = (u.as_ptr(), out.as_mut_ptr());
                let ats = at.map(|(first, o)| (u.add(first), out.add(o)));
                match (m, channels) {
                    (4, _) => self.sums::<4, 1>(0, ats),
                    (3, _) => self.sums::<3, 1>(0, ats),
                    (2, 2) => self.sums::<2, 2>(0, ats),
                    (2, _) => self.sums::<2, 1>(0, ats),
                    _ => {
                        let mut b = 0;
                        while b < channels {
                            match channels - b {
                                1 => self.sums::<1, 1>(b, ats),
                                2 => self.sums::<1, 2>(b, ats),
                                3 => self.sums::<1, 3>(b, ats),
                                _ => self.sums::<1, 4>(b, ats),
                            }
                            b += 4;
                        }
                    }
                }
            }
        }
        // SAFETY: as above; the tiles go back to their initial state.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }

    /// Blocks `b .. b + N` of channels for `M` blocks of positions (`at[m]`: where the block's
    /// runs start, where its outputs go), `M · N` at most 4: the sums in tiles `N · m + t`, then
    /// through the stage.
    ///
    /// # Safety
    /// The tiles are configured as [`AmxLayer::run`] does; each block's runs and outputs are
    /// inside the caller's; blocks `b .. b + N` are the layer's.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn sums<const M: usize, const N: usize>(&self, b: usize, at: [(*const u8, *mut i8); 4]) {
        let groups = self.packed.k.div_ceil(4);
        let w = self.packed.weights.as_ptr();
        // SAFETY: the weights of block `b + t`, group `g` onwards are inside `packed`; the
        // base is `CHANNELS` long; the caller's for the inputs.
        unsafe {
            for m in 0..M {
                for t in 0..N {
                    load_sums(N * m + t, self.base.as_ptr().add(16 * (b + t)));
                }
            }
            let weights = |t: usize, g: usize| w.add(((b + t) * groups + g) * 64).cast::<u8>();
            for r in 0..self.rows {
                for c in (0..self.len).step_by(self.part) {
                    let g = (r * self.len + c) / 4;
                    let inputs = |m: usize| at[m].0.add(r * self.stride + c);
                    match (M, N) {
                        (1, _) => {
                            load_tile(4, inputs(0), self.apart);
                            for t in 0..N {
                                load_tile(6 + t % 2, weights(t, g), 64);
                                product(t, 4, 6 + t % 2);
                            }
                        }
                        (_, 1) => {
                            load_tile(6, weights(0, g), 64);
                            for m in 0..M {
                                load_tile(4 + m % 2, inputs(m), self.apart);
                                product(m, 4 + m % 2, 6);
                            }
                        }
                        _ => {
                            load_tile(4, inputs(0), self.apart);
                            load_tile(5, inputs(1), self.apart);
                            load_tile(6, weights(0, g), 64);
                            load_tile(7, weights(1, g), 64);
                            product(0, 4, 6);
                            product(1, 4, 7);
                            product(2, 5, 6);
                            product(3, 5, 7);
                        }
                    }
                }
            }
        }
        // Left unwritten until the tiles are stored (a tile's rows, `positions` of them).
        let mut sums = MaybeUninit::<[[[i32; 16]; 16]; 4]>::uninit();
        let sums = sums.as_mut_ptr().cast::<[[i32; 16]; 16]>();
        for t in 0..M * N {
            // SAFETY: `sums` holds four tiles' rows, 64 bytes each.
            unsafe { store_sums(t, sums.add(t).cast()) };
        }
        let n = self.packed.out;
        let positions = self.positions;
        // SAFETY: row `p` of tile `t` below `M · N` was stored above.
        let row = |t: usize, p: usize| unsafe {
            _mm512_loadu_si512(sums.add(t).cast::<[i32; 16]>().add(p).cast())
        };
        for (m, &(_, out)) in at.iter().enumerate().take(M) {
            // SAFETY: blocks `b .. b + N` are the stage's; the outputs are the caller's.
            unsafe {
                match (self.packed.lane_order, self.lanes.fast()) {
                    // Four blocks in the lanes' order (`AmxLayer::new`: whole blocks of 64).
                    (true, fast) if N == 4 => {
                        for p in 0..positions {
                            let x = core::array::from_fn(|t| row(t, p));
                            let y = match fast {
                                true => self.lanes.packed_blocks_with::<true>(b / 4, x),
                                false => self.lanes.packed_blocks_with::<false>(b / 4, x),
                            };
                            _mm512_storeu_si512(out.add(p * n + 16 * b).cast(), y);
                        }
                    }
                    _ => {
                        for t in 0..N {
                            let x: [__m512i; 16] = core::array::from_fn(|p| row(N * m + t, p));
                            self.lanes.store_each(b + t, &x[..positions], out);
                        }
                    }
                }
            }
        }
    }
}

/// Tile `t` (0 to 3) loaded with one row of sixteen int32 from `base`, every row alike.
///
/// # Safety
/// The tiles are configured; the 64 bytes from `base` are readable.
#[inline(always)]
unsafe fn load_sums(t: usize, base: *const i32) {
    // SAFETY: the caller's; a stride of 0 reads the one row for each.
    unsafe { load_tile(t, base.cast(), 0) }
}

/// Tile `t` loaded from `from`, its rows `stride` bytes apart.
///
/// # Safety
/// The tiles are configured; the tile's rows from `from` are readable.
#[inline(always)]
unsafe fn load_tile(t: usize, from: *const u8, stride: usize) {
    macro_rules! load {
        ($($t:literal)*) => {
            match t {
                $($t => asm!(concat!("tileloadd tmm", $t, ", [{}+{}*1]"), in(reg) from,
                    in(reg) stride, options(nostack, readonly)),)*
                _ => unreachable!("a tile"),
            }
        };
    }
    // SAFETY: the caller's.
    unsafe { load!(0 1 2 3 4 5 6 7) }
}

/// Tile `t` (0 to 3) stored to `to`, a row each 64 bytes.
///
/// # Safety
/// The tiles are configured; `to` holds the tile's rows.
#[inline(always)]
unsafe fn store_sums(t: usize, to: *mut i32) {
    macro_rules! store {
        ($($t:literal)*) => {
            match t {
                $($t => asm!(concat!("tilestored [{}+{}*1], tmm", $t), in(reg) to,
                    in(reg) 64usize, options(nostack)),)*
                _ => unreachable!("a tile of sums"),
            }
        };
    }
    // SAFETY: the caller's.
    unsafe { store!(0 1 2 3) }
}

/// Tile `c` (0 to 3) plus the inputs of tile `a` (4 or 5) against the weights of tile `w` (6 or
/// 7).
///
/// # Safety
/// The tiles are configured and loaded.
#[inline(always)]
unsafe fn product(c: usize, a: usize, w: usize) {
    macro_rules! product {
        ($(($c:literal, $a:literal, $w:literal))*) => {
            match (c, a, w) {
                $(($c, $a, $w) => asm!(concat!("tdpbusd tmm", $c, ", tmm", $a, ", tmm", $w),
                    options(nostack, nomem)),)*
                _ => unreachable!("a product of tiles"),
            }
        };
    }
    // SAFETY: the caller's.
    unsafe {
        product!((0, 4, 6)(0, 4, 7)(0, 5, 6)(0, 5, 7)(1, 4, 6)(1, 4, 7)(
            1, 5, 6
        )(1, 5, 7)(2, 4, 6)(2, 4, 7)(2, 5, 6)(2, 5, 7)(
            3, 4, 6
        )(3, 4, 7)(3, 5, 6)(3, 5, 7))
    }
}

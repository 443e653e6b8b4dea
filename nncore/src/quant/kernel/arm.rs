//! The dot products of [`super::Kernel::Dsp`] on Arm cores with the DSP extension (Cortex-M4,
//! M7, M33, M55): `SXTB16` widens two int8 weights to int16 lanes, `SMLAD` multiplies two int16
//! pairs and adds both products to an int32 accumulator.
//!
//! The inputs, offset into int16, are stored once per call (256 at a time for longer rows, each
//! slice of columns run over every row) in the order the weights widen to:
//! per group of four, `(x0, x2)` then `(x1, x3)`, since `SXTB16 w` gives `(w0, w2)` and `SXTB16
//! w, ROR #8` gives `(w1, w3)`. Four rows share each load of the inputs (`arm_rows.rs`): 1.31
//! instructions a multiply-add, or 1.19 where the rows are aligned to 4 bytes and each row's
//! eight weights come in one `LDRD` (`arm_wide.rs`); rows left over go two at a time, then one.
//! Every product and sum is the portable path's (`SMLAD` wraps like `wrapping_add`), so the
//! results are the same bits. A dense layer's sums start from its bias where it lies, not from
//! a copy.

use core::arch::asm;
use core::mem::MaybeUninit;

use super::arm_rows::{four_rows, one_row, two_rows};

/// A patch of `KH · KW · IN` int16 inputs, aligned for `LDRD`.
#[repr(C, align(8))]
struct Pairs<const IN: usize, const KW: usize, const KH: usize>([[[i16; IN]; KW]; KH]);

/// The most inputs offset into int16 at a time (512 bytes): a longer row runs in slices of its
/// columns, so the stack holds these inputs whatever the row's length. A multiple of four.
const CHUNK: usize = 256;

/// `CHUNK` int16 inputs, aligned for `LDRD`.
#[repr(C, align(8))]
struct Chunk([i16; CHUNK]);

/// `x + offset` into `out` in SMLAD order (groups of four), the last `len % 4` in order:
/// `SXTAB16` adds two sign-extended bytes to the offset in each half.
///
/// # Safety
/// `out` must be writable for `x.len()` int16 values.
#[inline(always)]
unsafe fn pairs(out: *mut i16, x: &[i8], offset: i32) {
    let both = (offset as u32 & 0xffff) | (offset as u32) << 16;
    let groups = x.chunks_exact(4);
    let tail = groups.remainder();
    let mut out = out.cast::<u32>();
    for g in groups {
        let w = u32::from_le_bytes([g[0] as u8, g[1] as u8, g[2] as u8, g[3] as u8]);
        let (even, odd): (u32, u32);
        // SAFETY: register arithmetic only.
        unsafe {
            asm!(
                "sxtab16 {e}, {o}, {w}",
                "sxtab16 {d}, {o}, {w}, ror #8",
                e = out(reg) even,
                d = out(reg) odd,
                o = in(reg) both,
                w = in(reg) w,
                options(pure, nomem, nostack),
            );
            // SAFETY: four of the `x.len()` int16 values the caller vouches for.
            out.write_unaligned(even);
            out.add(1).write_unaligned(odd);
            out = out.add(2);
        }
    }
    let out = out.cast::<i16>();
    for (k, &v) in tail.iter().enumerate() {
        // SAFETY: as above.
        unsafe { out.add(k).write((v as i32 + offset) as i16) };
    }
}

/// Sets `acc[o]` to `init[o]` (or, without `init`, `acc[o]`) plus the dot product of row `o`
/// with `x + offset`, wrapping: `acc.len()` rows of `len = KH · KW · IN` weights laid end to end
/// in `weight` (a dense layer's with `KH = KW = 1`, a convolution's with its patch).
#[inline]
pub(super) fn rows_of<const IN: usize, const KW: usize, const KH: usize>(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    init: Option<&[i32]>,
    acc: &mut [i32],
) {
    assert!(init.is_none_or(|b| b.len() == acc.len()), "one start a row");
    let out = acc.as_mut_ptr();
    let init = init.map_or(out.cast_const(), <[i32]>::as_ptr);
    // SAFETY: `init` and `out` hold `acc.len()` sums.
    unsafe { products::<IN, KW, KH>(weight, x, offset, init, out, acc.len()) };
}

/// [`rows_of`] from `init` into `out`, which it returns, every sum written.
#[inline]
pub(super) fn rows_into<'a, const IN: usize, const KW: usize, const KH: usize>(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    init: &[i32],
    out: &'a mut [MaybeUninit<i32>],
) -> &'a mut [i32] {
    assert_eq!(init.len(), out.len(), "one start a row");
    let (n, ptr) = (out.len(), out.as_mut_ptr().cast::<i32>());
    // SAFETY: `init` and `out` hold `n` sums; `products` writes all of `out`.
    unsafe {
        products::<IN, KW, KH>(weight, x, offset, init.as_ptr(), ptr, n);
        core::slice::from_raw_parts_mut(ptr, n)
    }
}

/// `out[o] = init[o] + Σ` row `o` · `(x + offset)` for `rows` rows, the inputs offset into int16
/// at most [`CHUNK`] at a time.
///
/// # Safety
/// `init` must be readable and `out` writable for `rows` values; they may be the same.
#[inline(always)]
unsafe fn products<const IN: usize, const KW: usize, const KH: usize>(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    init: *const i32,
    out: *mut i32,
    rows: usize,
) {
    let len = KH * KW * IN;
    assert!(weight.len() == rows * len && x.len() == len);
    if len <= CHUNK {
        let mut xs = MaybeUninit::<Pairs<IN, KW, KH>>::uninit();
        let xs = xs.as_mut_ptr().cast::<i16>();
        // SAFETY: `Pairs` holds `len` int16 values, all written by `pairs` before they are
        // read; the sums are the caller's.
        unsafe {
            pairs(xs, x, offset);
            let xs = core::slice::from_raw_parts(xs, len);
            columns::<IN, KW, KH>(weight, 0, xs, init, out);
        }
    } else {
        let mut buffer = MaybeUninit::<Chunk>::uninit();
        let buffer = buffer.as_mut_ptr().cast::<i16>();
        for (k, x) in x.chunks(CHUNK).enumerate() {
            // SAFETY: as above, `x.len() ≤ CHUNK`; after the first slice the sums go on from
            // `out`.
            unsafe {
                pairs(buffer, x, offset);
                let xs = core::slice::from_raw_parts(buffer, x.len());
                let from = if k == 0 { init } else { out.cast_const() };
                columns::<IN, KW, KH>(weight, k * CHUNK, xs, from, out);
            }
        }
    }
}

/// `out[o] = init[o] +` the products of columns `start..start + xs.len()` of row `o` (rows
/// `len = KH · KW · IN` bytes apart in `weight`) with `xs` (in SMLAD order, aligned to 4 bytes;
/// `start` a multiple of 4), wrapping: four rows at a time, then two, then one.
///
/// # Safety
/// `init` must be readable and `out` writable for `weight.len() / len` values; they may be
/// the same.
#[inline(always)]
unsafe fn columns<const IN: usize, const KW: usize, const KH: usize>(
    weight: &[i8],
    start: usize,
    xs: &[i16],
    init: *const i32,
    out: *mut i32,
) {
    let len = KH * KW * IN;
    let rows = weight.len() / len;
    let n = xs.len();
    let groups = n / 4;
    let tail = groups * 4;
    let row = |o: usize| &weight[o * len + start..o * len + start + n];
    // SAFETY (of every `read` and `write`): rows `o < rows`, as the caller vouches.
    let first = |o: usize| unsafe { init.add(o).read() };
    let last = |o: usize, a: i32| {
        let sum = a.wrapping_add(rest(&row(o)[tail..], &xs[tail..]));
        unsafe { out.add(o).write(sum) };
    };
    let mut o = 0;
    // Four rows at a time, while their offsets fit LDR's 12-bit immediate.
    if 3 * len <= 4095 && groups > 0 {
        while o + 4 <= rows {
            let mut a = [first(o), first(o + 1), first(o + 2), first(o + 3)];
            // SAFETY: reads `4 · groups` bytes of each of the four rows from `start` (from the
            // first row, `len` apart) and as many int16 inputs, all in bounds.
            unsafe { four_rows::<IN, KW, KH>(row(o).as_ptr(), xs.as_ptr(), groups, &mut a) };
            for (k, a) in a.into_iter().enumerate() {
                last(o + k, a);
            }
            o += 4;
        }
    }
    // Two rows at a time of what is left.
    if len <= 4095 && groups > 0 && o + 2 <= rows {
        let mut a = [first(o), first(o + 1)];
        // SAFETY: as above, two rows.
        unsafe { two_rows::<IN, KW, KH>(row(o).as_ptr(), xs.as_ptr(), groups, &mut a) };
        last(o, a[0]);
        last(o + 1, a[1]);
        o += 2;
    }
    while o < rows {
        let mut a = first(o);
        if groups > 0 {
            // SAFETY: reads `4 · groups` bytes of the row and as many int16 inputs.
            unsafe { one_row(row(o).as_ptr(), xs.as_ptr(), groups, &mut a) };
        }
        last(o, a);
        o += 1;
    }
}

/// The last `IN % 4` products, in order.
#[inline]
fn rest(w: &[i8], x: &[i16]) -> i32 {
    w.iter()
        .zip(x)
        .fold(0, |s, (&w, &x)| s.wrapping_add(w as i32 * x as i32))
}

/// `SMULL` and `QDADD` for the high multiplication (`QDADD` saturates `2 · high + carry`, which
/// only the product `i32::MIN · i32::MIN` reaches, as gemmlowp does), then the division by a
/// power of two and the zero point: 13 instructions.
impl super::DoubleStage {
    /// The int8 output for the accumulator `acc`.
    #[inline(always)]
    pub(crate) fn finish(&self, acc: i32) -> i8 {
        let q: i32;
        // SAFETY: register arithmetic only.
        unsafe {
            asm!(
                "smull {lo}, {hi}, {x}, {m}",
                "adds {lo}, {lo}, #0x40000000",
                "adc {hi}, {hi}, #0",
                "lsr {lo}, {lo}, #31",
                "qdadd {x}, {lo}, {hi}",
                // The remainder below 2^e against half of it, a tie rounding away from 0.
                "and {lo}, {x}, {mask}",
                "lsr {hi}, {mask}, #1",
                "add {hi}, {hi}, {x}, lsr #31",
                "asr {x}, {x}, {e}",
                "cmp {lo}, {hi}",
                "it hi",
                "addhi {x}, {x}, #1",
                "qadd {x}, {x}, {z}",
                x = inout(reg) acc => q,
                m = in(reg) self.mantissa,
                e = in(reg) self.exponent,
                mask = in(reg) self.mask,
                z = in(reg) self.zero_point,
                lo = out(reg) _,
                hi = out(reg) _,
                options(pure, nomem, nostack),
            );
        }
        self.clamp(q)
    }
}

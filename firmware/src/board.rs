//! The firmware side: start-up (`cortex-m-rt`), output and exit over semihosting, the markers
//! around each inference, and the stack painted before it and read after.

use core::arch::asm;
use core::fmt::Write;
use core::hint::black_box;
use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};

use crate::workloads::Bytes;
use crate::{SAMPLES, header, nn_infer, workload};

/// The word the free stack is painted with.
const PAINT: u32 = 0x5EED_C0DE;
/// The most stack painted below the caller's (bytes).
const PAINT_LIMIT: usize = 256 * 1024;

unsafe extern "C" {
    /// The end of static RAM (`.data`, `.bss`, `.uninit`), from `cortex-m-rt`'s linker script:
    /// the stack may grow down to it.
    static __sheap: u32;
}

/// The instruction-counting plugin starts counting when this runs.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn nn_marker_start() {
    // SAFETY: a no-op the compiler cannot remove or merge.
    unsafe { asm!("nop", options(nomem, nostack, preserves_flags)) };
}

/// And stops when this runs.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn nn_marker_stop() {
    // SAFETY: as above.
    unsafe { asm!("nop", "nop", options(nomem, nostack, preserves_flags)) };
}

/// The stack pointer.
#[inline(always)]
fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}

/// The lowest address painted.
fn floor() -> usize {
    (addr_of!(__sheap) as usize + 3) & !3
}

/// Paints the free stack below this function's frame; returns the top of the paint.
#[inline(never)]
fn paint() -> usize {
    let top = (sp() - 64) & !3;
    let bottom = floor().max(top.saturating_sub(PAINT_LIMIT));
    let mut a = bottom;
    while a < top {
        // SAFETY: free stack below this frame, above static RAM.
        unsafe { write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
    top
}

/// The lowest address below `top` the paint no longer covers.
fn lowest_used(top: usize) -> usize {
    let bottom = floor().max(top.saturating_sub(PAINT_LIMIT));
    let mut a = bottom;
    // SAFETY: reads of the painted range.
    while a < top && unsafe { read_volatile(a as *const u32) } == PAINT {
        a += 4;
    }
    a
}

/// A line over semihosting.
struct Out(hio::HostStream);

impl Out {
    fn line(&mut self, args: core::fmt::Arguments) {
        let _ = self.0.write_fmt(args);
        let _ = self.0.write_str("\n");
    }
}

#[entry]
fn main() -> ! {
    let mut out = Out(hio::hstdout().unwrap_or_else(|()| debug_exit(false)));
    out.line(format_args!("workload {}", workload::NAME));
    header(&mut |name, v| out.line(format_args!("{name} {v}")));
    for k in 0..SAMPLES {
        let x = workload::input(k);
        let top = paint();
        let base = sp();
        nn_marker_start();
        let y = nn_infer(black_box(&x));
        nn_marker_stop();
        let y = black_box(y);
        let used = base - lowest_used(top).min(top);
        let mut hex = Hex::new();
        let _ = out.0.write_str("output ");
        y.bytes(&mut |b| hex.push(&mut out.0, b));
        hex.flush(&mut out.0);
        out.line(format_args!(""));
        out.line(format_args!("stack {used}"));
    }
    debug_exit(true)
}

/// Bytes as hexadecimal, written in blocks.
struct Hex {
    buf: [u8; 64],
    len: usize,
}

impl Hex {
    const fn new() -> Self {
        Hex {
            buf: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, out: &mut hio::HostStream, b: u8) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        self.buf[self.len] = DIGITS[(b >> 4) as usize];
        self.buf[self.len + 1] = DIGITS[(b & 15) as usize];
        self.len += 2;
        if self.len == self.buf.len() {
            self.flush(out);
        }
    }

    fn flush(&mut self, out: &mut hio::HostStream) {
        let _ = out.write_all(&self.buf[..self.len]);
        self.len = 0;
    }
}

/// Ends the emulation with success or failure.
fn debug_exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if let Ok(mut out) = hio::hstderr() {
        let _ = writeln!(out, "panic: {info}");
    }
    debug_exit(false)
}

//! One workload of the workspace as firmware: on a Cortex-M board (under QEMU, see
//! `scripts/firmware.sh`) it runs a few inferences, each between two marker functions that an
//! instruction-counting QEMU plugin watches, measures the stack each one used by painting, and
//! prints the outputs over semihosting. Built for the host, it prints the same outputs, which
//! the script compares byte for byte.
//!
//! Lines printed: `workload`, `multiply-adds`, `weight-bytes`, `model-bytes` (what the model's
//! value occupies), `runtime-bytes` ([`nncore::quant::RUNTIME_FLASH_BYTES`]), `arena-bytes`,
//! `stack-overhead` ([`nncore::quant::STACK_OVERHEAD_BYTES`]), then per sample `output <hex>`
//! and (on the board) `stack <bytes>`; on the host, for the official `.tflite` files,
//! `tflite-differs` (see `official`).

#![cfg_attr(target_os = "none", no_std, no_main)]

mod workloads;
// Depthwise convolutions for the `kernels` workload.
#[cfg(feature = "kernels")]
mod planes;
// Convolutions on odd shapes, for the `kernels` workload.
#[cfg(feature = "kernels")]
mod convs;
// Output stages that round once, for the `kernels` workload.
#[cfg(feature = "kernels")]
mod once;
// Row blocks and the output stage of the DSP extension, for the `kernels` workload.
#[cfg(feature = "kernels")]
mod dsp;
// MLPerf Tiny's official `.tflite` files, by `tflite!` and by MicroFlow (`cfg(official)`, set by
// `build.rs` for their features).
#[cfg(official)]
mod official;

#[cfg(target_os = "none")]
mod board;

#[cfg(official)]
use official::selected as workload;
#[cfg(not(target_os = "none"))]
use workloads::Bytes;
#[cfg(not(official))]
use workloads::selected as workload;

/// Inferences a run.
const SAMPLES: u32 = 3;

/// The inference the markers frame: kept out of line so that the call graph check finds it.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn nn_infer(x: &workload::Input) -> workload::Output {
    workload::infer(x)
}

/// The header lines, written with `line`.
fn header(line: &mut dyn FnMut(&str, usize)) {
    line("multiply-adds", workload::MULTIPLY_ADDS);
    line("weight-bytes", workload::WEIGHT_BYTES);
    line("model-bytes", workload::MODEL_BYTES);
    line("runtime-bytes", nncore::quant::RUNTIME_FLASH_BYTES);
    line("arena-bytes", workload::ARENA_BYTES);
    line("stack-overhead", nncore::quant::STACK_OVERHEAD_BYTES);
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("workload {}", workload::NAME);
    header(&mut |name, v| println!("{name} {v}"));
    for k in 0..SAMPLES {
        let y = nn_infer(&workload::input(k));
        let mut hex = String::new();
        y.bytes(&mut |b| hex.push_str(&format!("{b:02x}")));
        println!("output {hex}");
    }
    #[cfg(official)]
    {
        let [differ, of, samples, all] = official::against_tflite();
        println!("tflite-differs {differ} {of} {samples} {all}");
    }
}

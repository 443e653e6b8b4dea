//! A mutation fuzz: damaged files never panic the loader, never half-load a model, and give
//! the same error every time.

use std::collections::HashMap;

use nncore::io::{self, LoadError};
use nncore::prelude::*;
use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::{F32, SeedMlpNamed, bits, buffers, file, golden};

/// One random change to a file: the kinds of damage a disk, a network or a hand edit makes.
fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    let prefix = bytes.first_chunk::<8>().copied().unwrap_or_default();
    let header_end = 8 + u64::from_le_bytes(prefix).min(1 << 20) as usize;
    let header_end = header_end.min(bytes.len());
    match rng.random_range(0..9) {
        0 if !bytes.is_empty() => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] ^= 1 << rng.random_range(0..8);
        }
        1 if !bytes.is_empty() => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = rng.random();
        }
        2 => bytes.truncate(rng.random_range(0..=bytes.len())),
        3 => {
            let i = rng.random_range(0..=bytes.len());
            bytes.insert(i, rng.random());
        }
        4 if bytes.len() >= 8 => {
            // A new header length: near the old one, or anything.
            let old = u64::from_le_bytes(bytes[..8].try_into().unwrap());
            let new = if rng.random() {
                old.wrapping_add(rng.random_range(0..16)).wrapping_sub(8)
            } else {
                rng.random()
            };
            bytes[..8].copy_from_slice(&new.to_le_bytes());
        }
        5 if header_end > 8 => {
            // A digit, quote or bracket of the JSON header replaced by another.
            const CHARS: &[u8] = b"0123456789\"{}[],:FI6B -e.";
            let i = rng.random_range(8..header_end);
            bytes[i] = CHARS[rng.random_range(0..CHARS.len())];
        }
        6 if header_end > 8 => {
            // A byte of the header deleted (the length no longer matches, or is fixed up).
            let i = rng.random_range(8..header_end);
            bytes.remove(i);
            if rng.random() {
                let n = (header_end - 9) as u64;
                bytes[..8].copy_from_slice(&n.to_le_bytes());
            }
        }
        7 if header_end > 8 => {
            // A dtype renamed: the same width (`I32`) or another (`F64`, `BF16` shifts the JSON).
            const DTYPES: &[&[u8]] = &[b"I32", b"U32", b"F64", b"F16", b"BF16", b"BOOL"];
            let header = &bytes[8..header_end];
            if let Some(i) = header.windows(3).position(|w| w == b"F32") {
                let at = 8 + i;
                let new = DTYPES[rng.random_range(0..DTYPES.len())];
                bytes.splice(at..at + 3, new.iter().copied());
            }
        }
        _ => {
            // A run of bytes overwritten.
            if !bytes.is_empty() {
                let i = rng.random_range(0..bytes.len());
                let n = rng.random_range(1..=8).min(bytes.len() - i);
                rng.fill(&mut bytes[i..i + n]);
            }
        }
    }
}

/// Runs mutated copies of `seeds` through the loader into `model`: it must return, never
/// panic, give the same error for the same bytes, and leave the model as it was on failure.
/// Returns the loads that succeeded and the count of each kind of error.
fn fuzz<M: Module>(
    seeds: &[Vec<u8>],
    model: &mut M,
    inputs: usize,
    seed: u64,
) -> (usize, HashMap<&'static str, usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ok = 0;
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for _ in 0..inputs {
        let mut bytes = seeds[rng.random_range(0..seeds.len())].clone();
        for _ in 0..rng.random_range(1..=4) {
            mutate(&mut rng, &mut bytes);
        }
        let before = bits(model);
        #[allow(clippy::result_large_err, reason = "a test's closure, called once")]
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            io::load_bytes(model, &bytes)
        }));
        match result {
            Err(_) => panic!("the loader panicked on {bytes:?}"),
            Ok(Ok(())) => {
                ok += 1;
                // What loaded is exactly what a save writes back.
                let again: M = io::from_bytes(&io::to_bytes(model).unwrap()).unwrap();
                assert_eq!(bits(&again), bits(model));
            }
            Ok(Err(err)) => {
                let kind = match err {
                    LoadError::MissingKey { .. } => "missing key",
                    LoadError::UnexpectedKey { .. } => "unexpected key",
                    LoadError::LayerNames { .. } => "layer names",
                    LoadError::Shape { .. } => "shape",
                    LoadError::Dtype { .. } | LoadError::IntegerDtype { .. } => "dtype",
                    LoadError::CorruptTensor { .. } => "corrupt tensor",
                    LoadError::Truncated { .. } => "truncated",
                    LoadError::HeaderTooLarge { .. } => "header too large",
                    LoadError::Corrupt { .. } => "corrupt",
                    _ => "other",
                };
                *kinds.entry(kind).or_default() += 1;
                assert_eq!(bits(model), before, "a failed load changed the model");
                let again = io::load_bytes(model, &bytes).unwrap_err();
                assert_eq!(
                    again.to_string(),
                    err.to_string(),
                    "the same bytes, another error"
                );
            }
        }
    }
    (ok, kinds)
}

/// Every kind of damage is reached, the key and shape checks included.
fn assert_reached(kinds: &HashMap<&str, usize>, expected: &[&str]) {
    for kind in expected {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) > 0,
            "no `{kind}`: {kinds:?}"
        );
    }
}

#[test]
fn mutated_files_never_panic_and_never_half_load() {
    const INPUTS: usize = 100_000;
    let seeds: Vec<Vec<u8>> = vec![
        std::fs::read(golden("seed_mlp_named").join("init.safetensors")).unwrap(),
        io::to_bytes(&SeedMlpNamed::init(&mut StdRng::seed_from_u64(4))).unwrap(),
        // One tensor too many: mutations that damage its name or entry may make it load.
        file(&[
            ("hidden_linear.weight", F32, &[13, 1]),
            ("hidden_linear.bias", F32, &[13]),
            ("output_linear.weight", F32, &[1, 13]),
            ("output_linear.bias", F32, &[1]),
            ("x", F32, &[]),
        ]),
    ];
    let mut model = SeedMlpNamed::init(&mut StdRng::seed_from_u64(5));
    let (ok, kinds) = fuzz(&seeds, &mut model, INPUTS, 2024);
    let failed: usize = kinds.values().sum();
    assert_eq!(ok + failed, INPUTS);
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    assert!(ok > 100 && failed > INPUTS / 2, "ok {ok}, failed {failed}");
    let expected = [
        "missing key",
        "unexpected key",
        "shape",
        "dtype",
        "corrupt tensor",
    ];
    assert_reached(&kinds, &expected);
    assert_reached(&kinds, &["truncated", "header too large", "corrupt"]);
    println!("{INPUTS} mutated files: {ok} loaded, {failed} rejected ({kinds:?}), no panic");
}

/// The same for a model with buffers, F32 and I64.
#[test]
fn mutated_files_with_buffers_never_panic_and_never_half_load() {
    const INPUTS: usize = 30_000;
    let seeds = [io::to_bytes(&buffers::norm()).unwrap()];
    let mut model = buffers::norm();
    let (ok, kinds) = fuzz(&seeds, &mut model, INPUTS, 2025);
    assert!(ok > 30, "ok {ok}, {kinds:?}");
    assert_reached(
        &kinds,
        &["missing key", "dtype", "corrupt tensor", "truncated"],
    );
}

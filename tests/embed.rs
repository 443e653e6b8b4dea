//! The trained temperature model in its three forms agree bit for bit: the safetensors file,
//! its exported source in the `no_std` crate, and the model loaded at run time.

use nncore::prelude::*;

nncore::sequential! {
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

const WEIGHTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/temp.safetensors");

/// Every parameter's key, shape and bits.
fn bits<M: Module>(model: &M) -> Vec<(String, Vec<usize>, Vec<u32>)> {
    model
        .parameters()
        .map(|p| {
            let values = p.data.iter().map(|v| v.to_bits()).collect();
            (p.name.to_string(), p.shape.to_vec(), values)
        })
        .collect()
}

#[test]
fn no_std_crate_constant_equals_the_weights_file() {
    let loaded: TempNet = nncore::io::load(WEIGHTS).unwrap();
    assert_eq!(bits(&nn_embedded::TRAINED), bits(&loaded));
}

#[test]
fn no_std_inference_equals_the_loaded_model() {
    let loaded: TempNet = nncore::io::load(WEIGHTS).unwrap();
    let readings = [21.8f32, 35.7, 48.4, 81.9, 100.0];
    let mut out = [0.0f32; 5];
    assert_eq!(nn_embedded::convert(&readings, &mut out), 5);
    for (u, c) in readings.iter().zip(out) {
        assert_eq!(c.to_bits(), loaded.forward(&[0.1 * u])[0].to_bits());
    }
    // A trained model, not a constant: warmer readings give warmer Celsius.
    assert!(out.windows(2).all(|w| w[0] < w[1]), "{out:?}");
    assert!((out[3] - 28.0).abs() < 3.0, "{out:?}");
}

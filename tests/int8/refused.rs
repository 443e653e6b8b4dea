//! What has no int8 form, or no calibration, is refused with the layer named; a ReLU before any
//! weights is a clamp.

use nncore::Error;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::samples;

nncore::sequential! { struct ReluFirst(ReLU, Linear(4, 2)); }
nncore::sequential! { #[input(1, 4, 4)] struct PaddedAverage { avg: AvgPool2d(3, stride = 1, padding = 1), flat: Flatten, fc: Linear(16, 2) } }

#[test]
fn bad_input_and_settings_are_refused_by_name() {
    let mut rng = StdRng::seed_from_u64(5);
    let model = ReluFirst::init(&mut rng);
    assert_eq!(model.quantize(&[]).unwrap_err(), Error::Uncalibrated);
    let nan = [[0.0, f32::NAN, 1.0, 2.0]];
    assert_eq!(
        model.quantize(&nan).unwrap_err(),
        Error::NotFinite {
            what: "a calibration value"
        }
    );
    // A ReLU before any weights is a clamp at the input's zero point.
    let xs: Vec<[f32; 4]> = samples(&mut rng, 10);
    let int8 = model.quantize(&xs).unwrap();
    let zero = int8.input_params().zero_point;
    assert_eq!(int8.0.quant.zero_point, zero);
    let q = [-128, zero, 0, 127];
    assert_eq!(int8.1.forward(&q.map(|v| v.max(zero))), int8.forward(&q));

    let padded = PaddedAverage::init(&mut rng);
    let images: Vec<[[[f32; 4]; 4]; 1]> = samples(&mut rng, 4);
    let error = padded.quantize(&images).unwrap_err();
    assert!(
        matches!(error, Error::NotQuantizable { layer: "avg", .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("layer `avg` cannot be quantized: an average pooling with padding")
    );
}

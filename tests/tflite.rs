//! Bit-exactness against TensorFlow Lite: each golden case in `tests/tflite/` (an int8 model made
//! by TensorFlow Lite's converter and run by its reference kernels) is rebuilt from its tensors
//! with `nncore::quant` layers, and every output byte and every intermediate tensor must match.

#[path = "tflite/case.rs"]
mod case;
#[path = "tflite/rebuilt.rs"]
mod rebuilt;

use case::Case;
use nncore::quant::tflite;
use nncore::quant::{
    AvgPool2d, Conv2d, DepthwiseConv2d, FullyConnected, MaxPool2d, Reshape, Rounding,
};
use rebuilt::{Rebuilt, assert_bit_exact, compare, flat, image};

/// `digits_mlp_int8`: FULLY_CONNECTED 64→32 (ReLU), FULLY_CONNECTED 32→10.
struct DigitsMlp(FullyConnected<64, 32>, FullyConnected<32, 10>);

impl DigitsMlp {
    fn load(case: &Case, rounding: Rounding) -> Self {
        DigitsMlp(
            case.fully_connected(0, rounding),
            case.fully_connected(1, rounding),
        )
    }
}

impl Rebuilt for DigitsMlp {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let h = self.0.forward(x.try_into().unwrap());
        let y = self.1.forward(&h);
        vec![h.to_vec(), y.to_vec()]
    }
}

/// `digits_cnn_int8`: CONV_2D 3×3 same, DEPTHWISE_CONV_2D 3×3 same, CONV_2D 1×1, MAX_POOL_2D 2×2/2,
/// CONV_2D 3×3 stride 2 valid (all with ReLU), FULLY_CONNECTED on the flattened 1×1×16.
struct DigitsCnn {
    conv1: Conv2d<1, 8, 3, 3>,
    depthwise: DepthwiseConv2d<8, 8, 3, 3>,
    pointwise: Conv2d<8, 16, 1, 1>,
    pool: MaxPool2d,
    conv2: Conv2d<16, 16, 3, 3>,
    fc: FullyConnected<16, 10>,
}

impl DigitsCnn {
    fn load(case: &Case, conv: Rounding, fc: Rounding) -> Self {
        DigitsCnn {
            conv1: case.conv(0, conv),
            depthwise: case.depthwise(1, conv),
            pointwise: case.conv(2, conv),
            pool: case.max_pool(3),
            conv2: case.conv(4, conv),
            fc: case.fully_connected(5, fc),
        }
    }
}

impl Rebuilt for DigitsCnn {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let x: [[[i8; 1]; 8]; 8] = image(x);
        let a: [[[i8; 8]; 8]; 8] = self.conv1.forward(&x);
        let b: [[[i8; 8]; 8]; 8] = self.depthwise.forward(&a);
        let c: [[[i8; 16]; 8]; 8] = self.pointwise.forward(&b);
        let d: [[[i8; 16]; 4]; 4] = self.pool.forward(&c);
        let e: [[[i8; 16]; 1]; 1] = self.conv2.forward(&d);
        let y = self.fc.forward(&Reshape.forward(&e));
        let images = [
            flat(a.as_flattened()),
            flat(b.as_flattened()),
            flat(c.as_flattened()),
        ];
        let [a, b, c] = images;
        vec![
            a,
            b,
            c,
            flat(d.as_flattened()),
            flat(e.as_flattened()),
            y.to_vec(),
        ]
    }
}

/// `mlperf_tiny_ad_int8`: the MLPerf Tiny anomaly-detection autoencoder, 640→128→128→128→128→
/// 8→128→128→128→128→640, every FULLY_CONNECTED but the last with ReLU (BatchNorm folded in).
struct AnomalyDetector {
    encoder: (
        Box<FullyConnected<640, 128>>,
        [Box<FullyConnected<128, 128>>; 3],
    ),
    bottleneck: (Box<FullyConnected<128, 8>>, Box<FullyConnected<8, 128>>),
    decoder: (
        [Box<FullyConnected<128, 128>>; 3],
        Box<FullyConnected<128, 640>>,
    ),
}

impl AnomalyDetector {
    fn load(case: &Case, rounding: Rounding) -> Self {
        let fc = |i| Box::new(case.fully_connected::<128, 128>(i, rounding));
        AnomalyDetector {
            encoder: (
                Box::new(case.fully_connected(0, rounding)),
                [fc(1), fc(2), fc(3)],
            ),
            bottleneck: (
                Box::new(case.fully_connected(4, rounding)),
                Box::new(case.fully_connected(5, rounding)),
            ),
            decoder: (
                [fc(6), fc(7), fc(8)],
                Box::new(case.fully_connected(9, rounding)),
            ),
        }
    }
}

impl Rebuilt for AnomalyDetector {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let mut outs = Vec::new();
        let mut h = self.encoder.0.forward(x.try_into().unwrap());
        outs.push(h.to_vec());
        for layer in &self.encoder.1 {
            h = layer.forward(&h);
            outs.push(h.to_vec());
        }
        let z = self.bottleneck.0.forward(&h);
        outs.push(z.to_vec());
        h = self.bottleneck.1.forward(&z);
        outs.push(h.to_vec());
        for layer in &self.decoder.0 {
            h = layer.forward(&h);
            outs.push(h.to_vec());
        }
        outs.push(self.decoder.1.forward(&h).to_vec());
        outs
    }
}

/// `options_cnn_int8` (and its per-tensor twin): CONV_2D 3×3 stride 2 same (ReLU; padding 0
/// before, 1 after), DEPTHWISE_CONV_2D 3×3 ×2 dilated 2 same (ReLU6), CONV_2D 2×2 dilated 2 same
/// (ReLU6), MAX_POOL_2D 2×2/1 same, AVERAGE_POOL_2D 3×3/2 same, RESHAPE, FULLY_CONNECTED.
struct OptionsCnn {
    conv1: Conv2d<1, 6, 3, 3>,
    depthwise: DepthwiseConv2d<6, 12, 3, 3>,
    conv2: Conv2d<12, 8, 2, 2>,
    max: MaxPool2d,
    avg: AvgPool2d,
    reshape: Reshape,
    fc: FullyConnected<32, 10>,
}

impl OptionsCnn {
    fn load(case: &Case) -> Self {
        let (conv, fc) = (Rounding::Double, Rounding::Float);
        OptionsCnn {
            conv1: case.conv(0, conv),
            depthwise: case.depthwise(1, conv),
            conv2: case.conv(2, conv),
            max: case.max_pool(3),
            avg: case.avg_pool(4),
            reshape: case.reshape(5, &[1, 2, 2, 8], &[1, 32]),
            fc: case.fully_connected(6, fc),
        }
    }
}

impl Rebuilt for OptionsCnn {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let x: [[[i8; 1]; 8]; 8] = image(x);
        let a: [[[i8; 6]; 4]; 4] = self.conv1.forward(&x);
        let b: [[[i8; 12]; 4]; 4] = self.depthwise.forward(&a);
        let c: [[[i8; 8]; 4]; 4] = self.conv2.forward(&b);
        let d: [[[i8; 8]; 4]; 4] = self.max.forward(&c);
        let e: [[[i8; 8]; 2]; 2] = self.avg.forward(&d);
        let f: [i8; 32] = self.reshape.forward(&e);
        let y = self.fc.forward(&f);
        vec![
            flat(a.as_flattened()),
            flat(b.as_flattened()),
            flat(c.as_flattened()),
            flat(d.as_flattened()),
            flat(e.as_flattened()),
            f.to_vec(),
            y.to_vec(),
        ]
    }
}

/// `options_mlp_per_tensor_int8`: FULLY_CONNECTED 64→24 (ReLU6), 24→10, per-tensor weights.
struct PerTensorMlp(FullyConnected<64, 24>, FullyConnected<24, 10>);

impl Rebuilt for PerTensorMlp {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let h = self.0.forward(x.try_into().unwrap());
        vec![h.to_vec(), self.1.forward(&h).to_vec()]
    }
}

#[test]
fn digits_mlps_are_bit_exact() {
    for (name, samples) in [("digits_mlp_int8", 360), ("ptq_mlp_int8", 120)] {
        let case = Case::load(name);
        assert_eq!(case.samples.input.len(), samples);
        assert_bit_exact(&case, &DigitsMlp::load(&case, Rounding::Float));
    }
}

#[test]
fn digits_cnn_is_bit_exact() {
    let case = Case::load("digits_cnn_int8");
    assert_eq!(case.samples.input.len(), 360);
    assert_bit_exact(
        &case,
        &DigitsCnn::load(&case, Rounding::Double, Rounding::Float),
    );
}

#[test]
fn anomaly_detector_is_bit_exact() {
    let case = Case::load("mlperf_tiny_ad_int8");
    assert_eq!(case.samples.input.len(), 64);
    assert_bit_exact(&case, &AnomalyDetector::load(&case, Rounding::Float));
}

#[test]
fn strides_dilation_depth_multiplier_relu6_and_pooling_are_bit_exact() {
    for name in ["options_cnn_int8", "options_cnn_per_tensor_int8"] {
        let case = Case::load(name);
        assert_eq!(case.samples.input.len(), 120);
        assert_bit_exact(&case, &OptionsCnn::load(&case));
    }
}

#[test]
fn per_tensor_fully_connected_is_bit_exact() {
    let case = Case::load("options_mlp_per_tensor_int8");
    let r = Rounding::Float;
    assert_bit_exact(
        &case,
        &PerTensorMlp(case.fully_connected(0, r), case.fully_connected(1, r)),
    );
}

/// The `.tflite` files, read by `nncore::quant::tflite`, hold exactly the tensors and ops of
/// `case.json`; and a corrupted file is an error, not a panic.
#[test]
fn tflite_files_read_as_the_interpreter_reported() {
    let names = [
        "digits_mlp_int8",
        "digits_cnn_int8",
        "mlperf_tiny_ad_int8",
        "options_cnn_int8",
        "options_cnn_per_tensor_int8",
        "options_mlp_per_tensor_int8",
        "ptq_mlp_int8",
        "residual_cnn_int8",
        "softmax_narrow_int8",
        "softmax_wide_int8",
        "resnet8_int8",
        "ds_cnn_int8",
        "softmax_only_16x4_int8",
        "softmax_only_16x32_int8",
        "softmax_only_40x128_int8",
        "mobilenet_vww_int8",
    ];
    for name in names {
        let case = Case::load(name);
        let bytes = case.tflite_bytes();
        case.assert_same_as(&tflite::Model::parse(&bytes).unwrap());
    }
    let bytes = Case::load("digits_cnn_int8").tflite_bytes();
    for cut in (0..bytes.len()).step_by(97) {
        let _ = read_everything(&bytes[..cut]);
    }
    let mut flipped = bytes.clone();
    for at in (0..bytes.len()).step_by(13) {
        flipped[at] ^= 0x5a;
        let _ = read_everything(&flipped);
        flipped[at] = bytes[at];
    }
    assert!(matches!(
        tflite::Model::parse(b"TFL3"),
        Err(nncore::Error::Tflite { .. })
    ));
}

/// Reads every tensor and op, stopping at the first error.
fn read_everything(bytes: &[u8]) -> Result<(), nncore::Error> {
    let model = tflite::Model::parse(bytes)?;
    for i in 0..model.tensor_count()? {
        let t = model.tensor(i)?;
        let _ = (
            t.shape.iter().count(),
            t.scales.iter().count(),
            t.i32_data().count(),
        );
    }
    for i in 0..model.operator_count()? {
        let _ = model.operator(i)?;
    }
    Ok(())
}

/// TensorFlow Lite rounds differently by op: with one rounding everywhere some outputs are off
/// by one. `cargo test --test tflite -- --nocapture` prints how many.
#[test]
fn each_op_needs_its_own_rounding() {
    let mlp = Case::load("digits_mlp_int8");
    let cnn = Case::load("digits_cnn_int8");
    // The single rounding agrees with the f64 rescale on every FULLY_CONNECTED output here.
    assert_bit_exact(&mlp, &DigitsMlp::load(&mlp, Rounding::Single));
    let variants: [(&str, &Case, Box<dyn Rebuilt>); 3] = [
        (
            "digits MLP, FULLY_CONNECTED rounded twice",
            &mlp,
            Box::new(DigitsMlp::load(&mlp, Rounding::Double)),
        ),
        (
            "digits CNN, FULLY_CONNECTED rounded twice",
            &cnn,
            Box::new(DigitsCnn::load(&cnn, Rounding::Double, Rounding::Double)),
        ),
        (
            "digits CNN, CONV_2D rounded once",
            &cnn,
            Box::new(DigitsCnn::load(&cnn, Rounding::Float, Rounding::Float)),
        ),
    ];
    for (what, case, model) in variants {
        let (wrong, first) = compare(case, model.as_ref());
        println!(
            "{what}: {wrong} of {} outputs differ",
            case.samples.input.len()
        );
        assert!(wrong > 0 || first.is_some(), "{what}: no difference");
    }
}

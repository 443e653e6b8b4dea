//! `quantize` on the MLPerf Tiny ResNet-8 and DS-CNN of the example, against TensorFlow Lite's
//! converter on the same float weights and calibration inputs (`tests/tflite/ptq_*_int8`,
//! recorded by `scripts/record_quantize_mlperf.py` from the reference Keras models): the int8
//! model's logits on the recorded inputs are the interpreter's, byte for byte.

#[path = "tflite/case.rs"]
mod case;
mod common;
#[allow(dead_code)]
#[path = "../examples/mlperf_tiny/models.rs"]
mod models;

use common::big_stack;
use models::{DsCnn, ResNet8};
use nncore::io::LoadOptions;
use nncore::quant::{Conv2d, DepthwiseConv2d, FullyConnected, OutputStage, QuantParams, Rounding};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// `tests/tflite/<case>/float.safetensors`.
fn float_file(case: &str) -> std::path::PathBuf {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tflite");
    std::path::Path::new(dir)
        .join(case)
        .join("float.safetensors")
}

/// The calibration inputs of the case's float file, NCHW.
fn calibration<const C: usize, const H: usize, const W: usize>(
    case: &str,
) -> Vec<[[[f32; W]; H]; C]> {
    let bytes = std::fs::read(float_file(case)).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = file.tensor("calibration").unwrap();
    assert_eq!(t.shape()[1..], [C, H, W]);
    let values: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    values
        .chunks_exact(C * H * W)
        .map(|x| {
            std::array::from_fn(|c| {
                std::array::from_fn(|h| std::array::from_fn(|w| x[(c * H + h) * W + w]))
            })
        })
        .collect()
}

/// An int8 NHWC image from the interpreter's flat input row.
fn image<const H: usize, const W: usize, const C: usize>(row: &[i8]) -> [[[i8; C]; W]; H] {
    std::array::from_fn(|h| {
        std::array::from_fn(|w| std::array::from_fn(|c| row[(h * W + w) * C + c]))
    })
}

/// The float model's parameters from the case, every key of the model present.
fn load<M: nncore::Module>(model: &mut M, case: &str) {
    let options = LoadOptions {
        strict: false,
        ..LoadOptions::default()
    };
    let report = nncore::io::load_into_with(model, float_file(case), &options).unwrap();
    // Keras keeps no count of batches.
    let missing = report.missing_keys.iter().map(|k| k.to_string());
    assert!(
        missing
            .into_iter()
            .all(|k| k.ends_with(".num_batches_tracked"))
    );
    assert_eq!(report.unexpected_keys, ["calibration"]);
}

/// The layer `quantize` made against the converter's: the same int8 weights, every bias within
/// one step (the bias scale is the input's, whose last bits follow the float sums), and the
/// same output quantization up to the last bits of its scale.
macro_rules! check {
    ($name:literal, $ours:expr, $theirs:expr) => {{
        let (ours, theirs) = (&$ours, &$theirs);
        assert_eq!(ours.weight, theirs.weight, "{}: weights", $name);
        check!(@rest $name, ours, theirs);
    }};
    // A fully connected layer, its parts behind accessors.
    ($name:literal, $ours:expr, $theirs:expr, fc) => {{
        let (ours, theirs) = (&$ours, &$theirs);
        assert_eq!(ours.weight(), theirs.weight(), "{}: weights", $name);
        check!(@rest $name, ours, theirs);
    }};
    // A depthwise convolution: ours `[out][kh][kw][1]`, TensorFlow Lite's `[kh][kw][out]`.
    ($name:literal, $ours:expr, $theirs:expr, depthwise) => {{
        let (ours, theirs) = (&$ours, &$theirs);
        for (o, taps) in ours.weight.iter().enumerate() {
            for (kh, row) in taps.iter().enumerate() {
                for (kw, w) in row.iter().enumerate() {
                    assert_eq!(w[0], theirs.weight[kh][kw][o], "{}: weights", $name);
                }
            }
        }
        check!(@rest $name, ours, theirs);
    }};
    (@rest $name:literal, $ours:expr, $theirs:expr) => {{
        let (ours, theirs) = ($ours, $theirs);
        let (ours, theirs) = ((ours.biases(), ours.output_stage()), (theirs.biases(), theirs.output_stage()));
        let far = ours.0.iter().zip(theirs.0).filter(|(a, b)| a.abs_diff(**b) > 1);
        assert_eq!(far.count(), 0, "{}: biases", $name);
        close($name, ours.1.output, theirs.1.output);
        for (a, b) in ours.1.weight_scale.iter().zip(&theirs.1.weight_scale) {
            assert!((a / b - 1.0).abs() < 1e-6, "{}: weight scale {a} {b}", $name);
        }
    }};
}

/// A layer's biases and output stage: public fields of the convolutions, accessors of
/// [`FullyConnected`].
trait Parts<const N: usize> {
    fn biases(&self) -> &[i32; N];
    fn output_stage(&self) -> &OutputStage<N>;
}

impl<const I: usize, const N: usize, const H: usize, const W: usize> Parts<N>
    for Conv2d<I, N, H, W>
{
    fn biases(&self) -> &[i32; N] {
        &self.bias
    }
    fn output_stage(&self) -> &OutputStage<N> {
        &self.stage
    }
}

impl<const I: usize, const N: usize, const H: usize, const W: usize> Parts<N>
    for DepthwiseConv2d<I, N, H, W>
{
    fn biases(&self) -> &[i32; N] {
        &self.bias
    }
    fn output_stage(&self) -> &OutputStage<N> {
        &self.stage
    }
}

impl<const I: usize, const N: usize> Parts<N> for FullyConnected<I, N> {
    fn biases(&self) -> &[i32; N] {
        self.bias()
    }
    fn output_stage(&self) -> &OutputStage<N> {
        self.stage()
    }
}

/// Zero points equal, scales within 1e-6.
fn close(name: &str, ours: QuantParams, theirs: QuantParams) {
    assert_eq!(
        ours.zero_point, theirs.zero_point,
        "{name}: {ours:?} {theirs:?}"
    );
    let off = (ours.scale / theirs.scale - 1.0).abs();
    assert!(off < 1e-6, "{name}: {ours:?} {theirs:?}");
}

/// How many of the interpreter's output bytes `forward` misses, and by at most how much.
fn misses<X, const N: usize>(
    case: &case::Case,
    input: impl Fn(&[i8]) -> X,
    forward: impl Fn(&X) -> [i8; N],
) -> (usize, u8) {
    let (mut wrong, mut most) = (0, 0);
    for (x, want) in case.samples.input.iter().zip(&case.samples.output) {
        for (a, b) in forward(&input(x)).iter().zip(want) {
            wrong += usize::from(a != b);
            most = most.max(a.abs_diff(*b));
        }
    }
    (wrong, most)
}

#[test]
fn resnet8_quantizes_as_tensorflow_lite_converts_it() {
    big_stack(|| {
        let name = "ptq_resnet8_int8";
        let case = case::Case::load(name);
        let mut model = ResNet8::init_boxed(&mut StdRng::seed_from_u64(0));
        load(&mut *model, name);
        let mut int8 = model.quantize(&calibration::<3, 32, 32>(name)).unwrap();
        assert_eq!(int8.input_params(), case.quant(case.input));
        // The interpreter rescales FULLY_CONNECTED once (`quantize` follows TensorFlow Lite Micro).
        int8.fc = float_rounding(int8.fc);
        let d = Rounding::Double;
        check!("conv1", int8.conv1, case.conv::<3, 16, 3, 3>(0, d));
        check!(
            "stack1.conv1",
            int8.stack1.conv1,
            case.conv::<16, 16, 3, 3>(1, d)
        );
        check!(
            "stack1.conv2",
            int8.stack1.conv2,
            case.conv::<16, 16, 3, 3>(2, d)
        );
        check!(
            "stack2.conv1",
            int8.stack2.conv1,
            case.conv::<16, 32, 3, 3>(4, d)
        );
        check!(
            "stack2.conv2",
            int8.stack2.conv2,
            case.conv::<32, 32, 3, 3>(5, d)
        );
        check!(
            "stack2.shortcut",
            int8.stack2.shortcut,
            case.conv::<16, 32, 1, 1>(6, d)
        );
        check!(
            "stack3.conv1",
            int8.stack3.conv1,
            case.conv::<32, 64, 3, 3>(8, d)
        );
        check!(
            "stack3.conv2",
            int8.stack3.conv2,
            case.conv::<64, 64, 3, 3>(9, d)
        );
        check!(
            "stack3.shortcut",
            int8.stack3.shortcut,
            case.conv::<32, 64, 1, 1>(10, d)
        );
        check!(
            "fc",
            int8.fc,
            case.fully_connected::<64, 10>(13, Rounding::Float),
            fc
        );
        // Each sum's inputs and output, the input the interpreter adds in place widened to the
        // sum's range as the converter records it.
        let stacks = [
            &int8.stack1.adds[0],
            &int8.stack2.adds[0],
            &int8.stack3.adds[0],
        ];
        for (add, op) in stacks.into_iter().zip([3, 7, 11]) {
            let theirs = case.add(op);
            close("add", add.a, theirs.a);
            close("add", add.b, theirs.b);
            close("add", add.output, theirs.output);
            assert_eq!(add.clamp, theirs.clamp);
        }
        // The last bits of a few scales differ (the float sums behind each range run in
        // another order than TensorFlow Lite's), and with them 3 of the 80 logits, by one step.
        let (wrong, most) = misses(&case, image::<32, 32, 3>, |x| int8.forward(x));
        println!("{wrong} of 80 logits differ, by at most {most}");
        assert!(wrong <= 4 && most <= 1, "{wrong} differ, by up to {most}");
    });
}

#[test]
fn ds_cnn_quantizes_as_tensorflow_lite_converts_it() {
    big_stack(|| {
        let name = "ptq_ds_cnn_int8";
        let case = case::Case::load(name);
        let mut model = DsCnn::init_boxed(&mut StdRng::seed_from_u64(0));
        load(&mut *model, name);
        let mut int8 = model.quantize(&calibration::<1, 49, 10>(name)).unwrap();
        assert_eq!(int8.input_params(), case.quant(case.input));
        int8.fc = float_rounding(int8.fc);
        let d = Rounding::Double;
        check!("conv", int8.conv, case.conv::<1, 64, 10, 4>(0, d));
        let blocks = [&int8.block1, &int8.block2, &int8.block3, &int8.block4];
        for (k, block) in blocks.into_iter().enumerate() {
            let theirs = case.depthwise::<64, 64, 3, 3>(1 + 2 * k, d);
            check!("depthwise", block.depthwise, theirs, depthwise);
            check!(
                "pointwise",
                block.pointwise,
                case.conv::<64, 64, 1, 1>(2 + 2 * k, d)
            );
        }
        check!(
            "fc",
            int8.fc,
            case.fully_connected::<64, 12>(10, Rounding::Float),
            fc
        );
        let (wrong, most) = misses(&case, image::<49, 10, 1>, |x| int8.forward(x));
        assert_eq!((wrong, most), (0, 0));
    });
}

/// The layer with the interpreter's rounding.
fn float_rounding<const I: usize, const O: usize>(
    fc: FullyConnected<I, O>,
) -> FullyConnected<I, O> {
    let (weight, bias, mut stage) = fc.into_parts();
    stage.rounding = Rounding::Float;
    FullyConnected::new(weight, bias, stage)
}

//! The golden cases' `.tflite` files against their `case.json`: what `nncore::quant::tflite`
//! reads must be what TensorFlow Lite's interpreter reported.

use super::{Case, Op};
use nncore::quant::tflite::{self, OpKind, TensorType};

impl Case {
    /// Asserts that `model` (the case's `.tflite` file, read by `nncore::quant::tflite`) holds
    /// the tensors and ops `case.json` lists.
    pub fn assert_same_as(&self, model: &tflite::Model) {
        let name = &self.name;
        assert_eq!(
            model.tensor_count().unwrap(),
            self.tensors.len(),
            "{name}: tensors"
        );
        let (inputs, outputs) = model.io().unwrap();
        assert_eq!(
            inputs.iter().collect::<Vec<_>>(),
            [self.input as i32],
            "{name}: input"
        );
        assert_eq!(
            outputs.iter().collect::<Vec<_>>(),
            [self.output as i32],
            "{name}: output"
        );
        for (&i, want) in &self.tensors {
            let t = model.tensor(i).unwrap();
            let shape: Vec<usize> = t.shape.iter().map(|d| d as usize).collect();
            assert_eq!(shape, want.shape, "{name}: tensor {i} shape");
            let dtype = match want.dtype.as_str() {
                "int8" => TensorType::Int8,
                "int32" => TensorType::Int32,
                other => panic!("{name}: dtype {other}"),
            };
            assert_eq!(t.dtype, dtype, "{name}: tensor {i} type");
            assert_eq!(
                t.scales.iter().collect::<Vec<_>>(),
                want.scales,
                "{name}: tensor {i} scales"
            );
            let zero_points: Vec<i64> = t.zero_points.iter().collect();
            assert_eq!(
                zero_points, want.zero_points,
                "{name}: tensor {i} zero points"
            );
            let data: Vec<i64> = match t.dtype {
                TensorType::Int8 => t.i8_data().map(i64::from).collect(),
                _ => t.i32_data().map(i64::from).collect(),
            };
            match &want.data {
                Some(values) => assert_eq!(&data, values, "{name}: tensor {i} data"),
                None => assert!(data.is_empty(), "{name}: tensor {i} is not a constant"),
            }
        }
        assert_eq!(
            model.operator_count().unwrap(),
            self.ops.len(),
            "{name}: ops"
        );
        for (k, want) in self.ops.iter().enumerate() {
            let op = model.operator(k).unwrap();
            let ints = |v: &[usize]| v.iter().map(|&i| i as i32).collect::<Vec<_>>();
            assert_eq!(
                op.inputs.iter().collect::<Vec<_>>(),
                ints(&want.inputs),
                "{name}: op {k}"
            );
            assert_eq!(
                op.outputs.iter().collect::<Vec<_>>(),
                ints(&want.outputs),
                "{name}: op {k}"
            );
            assert_eq!(op.kind, want.kind(), "{name}: op {k}");
        }
    }
}

impl Op {
    /// The op as `nncore::quant::tflite` describes it.
    fn kind(&self) -> OpKind {
        let window = || tflite::Window {
            padding: self.padding(),
            stride: self.stride.unwrap(),
            dilation: self.dilation.unwrap_or([1, 1]),
            activation: self.activation(),
        };
        match self.op.as_str() {
            "FULLY_CONNECTED" => OpKind::FullyConnected {
                activation: self.activation(),
            },
            "CONV_2D" => OpKind::Conv2d(window()),
            "DEPTHWISE_CONV_2D" => OpKind::DepthwiseConv2d {
                window: window(),
                depth_multiplier: self.depth_multiplier.unwrap(),
            },
            "MAX_POOL_2D" => OpKind::MaxPool2d {
                window: window(),
                filter: self.filter.unwrap(),
            },
            "AVERAGE_POOL_2D" => OpKind::AvgPool2d {
                window: window(),
                filter: self.filter.unwrap(),
            },
            "RESHAPE" => OpKind::Reshape,
            "ADD" => OpKind::Add {
                activation: self.activation(),
            },
            "SOFTMAX" => OpKind::Softmax {
                beta: self.beta.unwrap(),
            },
            other => panic!("op {other}"),
        }
    }
}

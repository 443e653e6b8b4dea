//! The graph plan's fusion, folding and ranges on small graphs.

use super::super::ptq;
use super::*;

const W: Role = Role::Weights;

#[test]
fn a_residual_block_folds_fuses_and_adds() {
    // relu(x + bn2(conv2(relu(bn1(conv1(x)))))), the ReLU one layer used twice.
    let nodes = [
        Node::Layer { layer: 0, input: 0 },
        Node::Layer { layer: 1, input: 1 },
        Node::Layer { layer: 2, input: 2 },
        Node::Layer { layer: 3, input: 3 },
        Node::Layer { layer: 4, input: 4 },
        Node::Add(0, 5),
        Node::Layer { layer: 2, input: 6 },
    ];
    let roles = [W, Role::Norm, Role::Relu, W, Role::Norm];
    let (steps, absorbed) = fuse(&nodes, &roles, 7).unwrap();
    assert_eq!(absorbed, [false, true, true, false, true, false, true]);
    assert_eq!(steps[0].fold, Some(1));
    assert_eq!(steps[0].activation, Activation::Relu);
    assert_eq!(steps[0].output, Some(Ok(3)));
    assert_eq!(steps[3].fold, Some(4));
    assert_eq!(steps[3].activation, Activation::None);
    assert_eq!(steps[3].output, Some(Ok(5)));
    assert_eq!(steps[5].activation, Activation::Relu);
    assert_eq!(steps[5].output, Some(Ok(7)));
    let mut ranges = [MinMax::new(); 8];
    for (v, r) in ranges.iter_mut().enumerate() {
        r.observe(&[-(v as f32), 2.0 * v as f32 + 1.0]).unwrap();
    }
    let names = ["conv1", "bn1", "relu", "conv2", "bn2"];
    let plans = GraphPlans::new(nodes, 7, &roles, &ranges, names, None).unwrap();
    let at = |v: usize| ranges[v].params().unwrap();
    assert_eq!(plans.value(1), at(3));
    assert_eq!(plans.value(3), at(3));
    assert_eq!(plans.value(5), at(5));
    assert_eq!(plans.value(7), at(7));
    let add = plans.add(5);
    assert_eq!((add.a, add.b, add.output), (at(0), at(5), at(7)));
    assert_eq!(add.clamp[0], at(7).zero_point);
}

#[test]
fn an_input_the_sum_overwrites_takes_its_range_too() {
    // The block of the test above inside another model: the sum (after its ReLU, value 7)
    // overwrites bn2's output (value 5), which it alone reads; `x` is read twice.
    let nodes = [
        Node::Layer { layer: 0, input: 0 },
        Node::Layer { layer: 1, input: 1 },
        Node::Layer { layer: 2, input: 2 },
        Node::Layer { layer: 3, input: 3 },
        Node::Layer { layer: 4, input: 4 },
        Node::Add(0, 5),
        Node::Layer { layer: 2, input: 6 },
    ];
    let roles = [W, Role::Norm, Role::Relu, W, Role::Norm];
    let mut ranges = [MinMax::new(); 8];
    for (v, r) in ranges.iter_mut().enumerate() {
        r.observe(&[-(v as f32), 2.0 * v as f32 + 1.0]).unwrap();
    }
    let names = ["conv1", "bn1", "relu", "conv2", "bn2"];
    let outer = ranges[0].params().unwrap();
    let plans = GraphPlans::new(nodes, 7, &roles, &ranges, names, Some(outer)).unwrap();
    assert_eq!(plans.value(5), ptq::asymmetric(-7.0, 15.0));
    assert_eq!(plans.value(3), ranges[3].params().unwrap());
    assert_eq!(plans.value(7), ranges[7].params().unwrap());
    // The model's own output is never overwritten in place.
    let plans = GraphPlans::new(nodes, 7, &roles, &ranges, names, None).unwrap();
    assert_eq!(plans.value(5), ranges[5].params().unwrap());
}

#[test]
fn a_value_read_twice_is_not_fused_across() {
    // conv → x1, read by the ReLU and the sum: the ReLU is a clamp of its own.
    let nodes = [
        Node::Layer { layer: 0, input: 0 },
        Node::Layer { layer: 1, input: 1 },
        Node::Add(1, 2),
    ];
    let (steps, absorbed) = fuse(&nodes, &[W, Role::Relu], 3).unwrap();
    assert_eq!(absorbed, [false; 3]);
    assert_eq!(steps[0].activation, Activation::None);
    assert_eq!(steps[0].output, Some(Ok(1)));
    assert_eq!(steps[1].output, None);
    // A BatchNorm after a sum has nothing to fold into.
    let nodes = [Node::Add(0, 0), Node::Layer { layer: 0, input: 1 }];
    assert_eq!(fuse(&nodes, &[Role::Norm], 2), Err((0, NORM_ALONE)));
}

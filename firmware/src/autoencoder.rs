// The MLPerf Tiny anomaly-detection autoencoder as deployed, each BatchNorm folded into the
// Linear before it: read by the firmware and by `build.rs`, which writes its constants.

nncore::sequential! {
    /// 640 log-mel values in, their reconstruction out, through an 8-wide bottleneck.
    pub struct Deployed {
        fc1: Linear(640, 128), relu1: ReLU,
        fc2: Linear(128, 128), relu2: ReLU,
        fc3: Linear(128, 128), relu3: ReLU,
        fc4: Linear(128, 128), relu4: ReLU,
        fc5: Linear(128, 8), relu5: ReLU,
        fc6: Linear(8, 128), relu6: ReLU,
        fc7: Linear(128, 128), relu7: ReLU,
        fc8: Linear(128, 128), relu8: ReLU,
        fc9: Linear(128, 128), relu9: ReLU,
        out: Linear(128, 640),
    }
}

// After a mistake in the model, the code that uses its int8 form reports nothing more: the int8
// type, `quantize`, `forward`, `forward_f32` and the footprint constants all still exist.

nncore::sequential! {
    pub struct Net { fc1: Linear(4, 8), act: Tanh, fc2: Linear(9, 2) }
}

fn main() -> Result<(), nncore::Error> {
    let model = Net::ZERO;
    let int8: NetInt8 = model.quantize(&[[0.0f32; 4]])?;
    let y: [i8; 2] = int8.forward(&[0i8; 4]);
    let z: [f32; 2] = int8.forward_f32(&[0.0; 4]);
    let bytes = NetInt8::WEIGHT_BYTES + NetInt8::MAX_ACTIVATION_BYTES + NetInt8::MULTIPLY_ADDS;
    println!("{y:?} {z:?} {bytes} {:?}", int8.input_params());
    Ok(())
}

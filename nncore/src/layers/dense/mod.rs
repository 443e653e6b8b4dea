//! Dense layers: `Linear` and `LinearNoBias`, `y = W x + b` from a vector to a vector, on the
//! products of `crate::kernels`. Their initialization (PyTorch's `kaiming_uniform_`) is the
//! convolutions' too.

pub(crate) mod linear;

//! Examples and integration tests of `nncore`; nothing to use from here.

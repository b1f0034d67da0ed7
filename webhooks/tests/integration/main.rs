//! The after-call webhook crate's integration tests, one binary.

mod receive;

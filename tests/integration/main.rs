//! The SDK's integration tests, one binary (it links the crate once): every test talks to a
//! server on loopback. `support` holds what the modules share: the scriptable raw-TCP server
//! and the capture of tracing output.

mod catalog;
mod errors;
mod faults;
mod knowledge_upload;
mod lenient;
mod openapi;
mod recordings;
mod support;
mod wire;
mod workflows;

//! The SDK's integration tests, one binary (it links the crate once): every test talks to a
//! server on loopback.

mod catalog;
mod faults;
mod knowledge_upload;
mod lenient;
mod openapi;
mod recordings;
mod wire;
mod workflows;

//! Hand-written operations, each shaped like a generated one: a method on [`Client`](crate::Client)
//! returns a builder, and its `send()` runs through the same request path
//! (`crate::transport`). They exist where a workflow needs more than one generated call, a
//! validated value ([`E164`](crate::E164)), or a body progenitor cannot generate (multipart uploads,
//! streamed recordings).

pub mod calls;
pub mod campaigns;
pub mod knowledge;
pub mod numbers;
pub mod recordings;

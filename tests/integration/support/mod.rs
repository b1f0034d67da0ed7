//! What the test modules share: the scriptable loopback server (`raw_server`) and the capture
//! of the SDK's tracing output (`logs`).

pub mod logs;
pub mod raw_server;

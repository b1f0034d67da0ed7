//! The sandbox through HTTP and the SDK, one binary: its edges (routes, auth, validation,
//! encodings, faults) and a workflow per resource group.

mod edges;
mod workflows;

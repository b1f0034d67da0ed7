//! Hand-written types the generated code uses (and [`E164`], the validated phone number the
//! hand-written operations take), and the helpers it decodes with.
//!
//! `agni-codegen` maps schemas onto these types (see `codegen/src/model.rs`): every timestamp
//! is a [`Timestamp`], every agent's tool list a [`SelectedTools`]. They are re-exported at the
//! crate root. [`lenient`] holds the `deserialize_with` helpers the lenient pass names; only the
//! generated code calls them.

mod e164;
#[allow(
    dead_code,
    reason = "the lenient pass may name any helper; which ones depends on the spec, and a spec \
              refresh must not need a hand edit here"
)]
pub(crate) mod lenient;
mod selected_tools;
mod timestamp;

pub use e164::E164;
pub use selected_tools::SelectedTools;
pub use timestamp::{Timestamp, TimestampError};

//! What the test modules share: the scriptable loopback server (`raw_server`), the capture
//! of the SDK's tracing output (`logs`), and the example values the spec-driven tests put in
//! requests.

pub mod logs;
pub mod raw_server;

use serde_json::Value;

/// The example for a schema the overlay marks `x-agni-model: E164`, if `schema` is one:
/// `agni::E164` refuses anything that is not a number of its country, so a placeholder string
/// would not do.
pub fn e164_example(schema: &Value) -> Option<Value> {
    (schema["x-agni-model"] == "E164").then(|| Value::from("+14155550100"))
}

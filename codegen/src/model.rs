//! The hand-written types of `agni`'s `src/model/` that generated code uses instead of what
//! typify would write, and the schemas that select them.
//!
//! typify's conversions match a schema exactly, apart from its metadata (description, examples,
//! ...), so every property whose schema is one of these gets the Rust type, whatever it
//! documents:
//! - `{type: string, format: date-time}` is [`TIMESTAMP`] (`crate::Timestamp`): one type for every
//!   point in time, whichever of the service's three forms it arrives in;
//! - `{type: array, items: {type: string}, x-agni-model: SelectedTools}` is
//!   [`SELECTED_TOOLS`] (`crate::SelectedTools`): an agent's tool ids, which the service has sent
//!   in five shapes. The overlay marks those properties; an ordinary array of strings stays a
//!   `Vec<String>`.

use progenitor::{GenerationSettings, TypeImpl};
use schemars::schema::{ArrayValidation, InstanceType, Schema, SchemaObject, SingleOrVec};

/// The path of the timestamp type, as the generated code (inside `agni`) names it.
pub const TIMESTAMP: &str = "crate::Timestamp";

/// The path of the selected-tools type, as the generated code names it.
pub const SELECTED_TOOLS: &str = "crate::SelectedTools";

/// The extension naming a hand-written model type on a schema that would not select it alone.
pub const MODEL_EXTENSION: &str = "x-agni-model";

/// Registers every model type with progenitor (see the module docs).
pub fn register(settings: &mut GenerationSettings) {
    settings
        .with_conversion(
            timestamp_schema(),
            TIMESTAMP,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_conversion(
            selected_tools_schema(),
            SELECTED_TOOLS,
            [TypeImpl::Default].into_iter(),
        );
}

fn string() -> SchemaObject {
    SchemaObject {
        instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::String))),
        ..SchemaObject::default()
    }
}

fn timestamp_schema() -> SchemaObject {
    SchemaObject {
        format: Some("date-time".to_owned()),
        ..string()
    }
}

fn selected_tools_schema() -> SchemaObject {
    let mut schema = SchemaObject {
        instance_type: Some(SingleOrVec::Single(Box::new(InstanceType::Array))),
        array: Some(Box::new(ArrayValidation {
            items: Some(SingleOrVec::Single(Box::new(Schema::Object(string())))),
            ..ArrayValidation::default()
        })),
        ..SchemaObject::default()
    };
    schema
        .extensions
        .insert(MODEL_EXTENSION.to_owned(), "SelectedTools".into());
    schema
}

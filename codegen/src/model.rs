//! The hand-written types of `agni`'s `src/model/` that generated code uses instead of what
//! typify would write, and the schemas that select them.
//!
//! typify's conversions match a schema exactly, apart from its metadata (description, examples,
//! ...), so every property whose schema is one of these gets the Rust type, whatever it
//! documents:
//! - `{type: string, format: date-time}` is [`TIMESTAMP`] (`crate::Timestamp`): one type for every
//!   point in time, whichever of the service's three forms it arrives in;
//! - `{type: array, items: {type: string}, x-agni-model: SelectedTools}` is
//!   `crate::SelectedTools`: an agent's tool ids, which the service has sent
//!   in five shapes. The overlay marks those properties; an ordinary array of strings stays a
//!   `Vec<String>`;
//! - `{type: string, x-agni-model: E164}` is `crate::E164`: a phone number the API
//!   takes in E.164 form, checked against its country's numbering plan when a request sets it.
//!   The overlay marks request properties only, so an odd number the service sends back still
//!   decodes.

use progenitor::{GenerationSettings, TypeImpl};
use schemars::schema::{ArrayValidation, InstanceType, Schema, SchemaObject, SingleOrVec};

/// The timestamp type's name; [`register`] names it through the crate the code compiles in.
pub const TIMESTAMP: &str = "Timestamp";

/// The extension naming a hand-written model type on a schema that would not select it alone.
pub const MODEL_EXTENSION: &str = "x-agni-model";

/// Registers every model type with progenitor (see the module docs), named through `krate`:
/// `crate` for the SDK's own generated code, `agni` for code compiled in another crate.
pub fn register(settings: &mut GenerationSettings, krate: &str) {
    settings
        .with_conversion(
            timestamp_schema(),
            format!("{krate}::{TIMESTAMP}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_conversion(
            selected_tools_schema(),
            format!("{krate}::SelectedTools"),
            [TypeImpl::Default].into_iter(),
        )
        .with_conversion(
            e164_schema(),
            format!("{krate}::E164"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
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

fn e164_schema() -> SchemaObject {
    let mut schema = string();
    schema
        .extensions
        .insert(MODEL_EXTENSION.to_owned(), "E164".into());
    schema
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

#[cfg(test)]
mod tests {
    use progenitor::Generator;

    /// One schema per case: a documented timestamp, a marked tool list, and the look-alikes that
    /// must keep typify's own types.
    const SPEC: &str = r##"
openapi: 3.0.1
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Agent:
      type: object
      properties:
        created_at: {type: string, format: date-time, description: When it was created.}
        day: {type: string, format: date}
        selected_tools:
          type: array
          items: {type: string}
          x-agni-model: SelectedTools
        tags: {type: array, items: {type: string}}
        phone: {type: string, description: E.164., x-agni-model: E164}
        phone_number_id: {type: string}
"##;

    fn field_types() -> Vec<(String, String)> {
        let document = crate::spec::parse(SPEC).expect("the spec parses");
        let tokens = Generator::new(&crate::settings())
            .generate_tokens(&document.openapi)
            .expect("progenitor generates");
        let mut file: syn::File = syn::parse2(tokens).expect("Rust");
        let items = crate::attrs::types_module(&mut file).expect("a types module");
        let agent = items
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == "Agent" => Some(s),
                _ => None,
            })
            .expect("struct Agent");
        agent
            .fields
            .iter()
            .map(|field| {
                let name = field
                    .ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let ty = &field.ty;
                (name, quote::quote!(#ty).to_string().replace(' ', ""))
            })
            .collect()
    }

    #[test]
    fn each_schema_selects_its_model_type_and_nothing_else_does() {
        let types = field_types();
        let of = |name: &str| {
            types
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, ty)| ty.as_str())
                .unwrap_or_else(|| panic!("no field {name} in {types:?}"))
        };
        // Optional properties: typify wraps each in an Option.
        assert_eq!(of("created_at"), "::std::option::Option<crate::Timestamp>");
        assert_eq!(
            of("selected_tools"),
            "::std::option::Option<crate::SelectedTools>"
        );
        assert_eq!(
            of("day"),
            "::std::option::Option<::chrono::naive::NaiveDate>"
        );
        assert_eq!(of("tags"), "::std::vec::Vec<::std::string::String>");
        assert_eq!(of("phone"), "::std::option::Option<crate::E164>");
        assert_eq!(
            of("phone_number_id"),
            "::std::option::Option<::std::string::String>"
        );
    }
}

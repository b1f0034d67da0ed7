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
//!   `Vec<String>`;
//! - `{type: string, x-agni-model: E164}` is [`E164`] (`crate::E164`): a phone number the API
//!   takes in E.164 form, checked against its country's numbering plan when a request sets it.
//!   The overlay marks request properties only, so an odd number the service sends back still
//!   decodes.

use progenitor::{GenerationSettings, TypeImpl};
use schemars::schema::{ArrayValidation, InstanceType, Schema, SchemaObject, SingleOrVec};

/// The path of the timestamp type, as the generated code (inside `agni`) names it.
pub const TIMESTAMP: &str = "crate::Timestamp";

/// The path of the selected-tools type, as the generated code names it.
pub const SELECTED_TOOLS: &str = "crate::SelectedTools";

/// The path of the phone-number type, as the generated code names it.
pub const E164: &str = "crate::E164";

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
        )
        .with_conversion(
            e164_schema(),
            E164,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
}

/// Rewrites the model types' paths (`crate::E164`) for code compiled outside `agni`, which
/// names them through `krate` (`agni::E164`).
pub fn name_through(file: &mut syn::File, krate: &str) {
    struct Rename<'a>(&'a str);
    impl syn::visit_mut::VisitMut for Rename<'_> {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            let model = [TIMESTAMP, SELECTED_TOOLS, E164]
                .iter()
                .filter_map(|p| p.strip_prefix("crate::"))
                .any(|name| path.segments.len() == 2 && path.segments[1].ident == name);
            if model && path.segments[0].ident == "crate" {
                path.segments[0].ident = syn::Ident::new(self.0, path.segments[0].ident.span());
            }
            syn::visit_mut::visit_path_mut(self, path);
        }
        // `clap::value_parser!(crate::E164)`: macro arguments are tokens, not paths.
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            let mut text = mac.tokens.to_string();
            for path in [TIMESTAMP, SELECTED_TOOLS, E164] {
                let spaced = path.replace("::", " :: ");
                text = text.replace(&spaced, &spaced.replacen("crate", self.0, 1));
            }
            if let Ok(tokens) = text.parse() {
                mac.tokens = tokens;
            }
        }
    }
    syn::visit_mut::VisitMut::visit_file_mut(&mut Rename(krate), file);
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

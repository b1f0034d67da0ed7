//! The docs pass: documents what typify generates without a doc of its own, from the docs it
//! does generate.
//!
//! Every schema, property and enum value gets its doc from the spec (the overlay writes the ones
//! upstream lacks), but typify leaves two kinds of public item bare:
//! - a field whose schema is an inline object: typify puts the property's description on the
//!   type it generates for it (`BulkDeleteResponseData` for `BulkDeleteResponse.data`) and none on
//!   the field, so the pass repeats that type's doc on the field;
//! - the builder types of `types::builder`, which have no schema of their own: each gets a doc
//!   naming the type it builds and how it fails.

use std::collections::HashMap;

use heck::ToUpperCamelCase;
use syn::{Attribute, Fields, Item, Type, ext::IdentExt};

use crate::attrs::{has_doc, push_doc, type_name, types_module, wrapped};

/// Applies the pass to the generated `types` module of `file`.
pub fn apply(file: &mut syn::File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let type_docs: HashMap<String, Vec<Attribute>> = items
        .iter()
        .filter_map(|item| {
            let (ident, attrs) = match item {
                Item::Struct(item) => (&item.ident, &item.attrs),
                Item::Enum(item) => (&item.ident, &item.attrs),
                _ => return None,
            };
            let docs: Vec<Attribute> = attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect();
            has_doc(&docs).then(|| (ident.to_string(), docs))
        })
        .collect();
    for item in items.iter_mut() {
        match item {
            Item::Struct(item) => document_inline_fields(item, &type_docs),
            Item::Mod(module) if module.ident == "builder" => {
                for builder in module.content.iter_mut().flat_map(|(_, items)| items) {
                    if let Item::Struct(builder) = builder {
                        document_builder(builder);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Gives each undocumented field of `item` whose type typify generated for it (named after the
/// struct and the field) that type's doc.
fn document_inline_fields(item: &mut syn::ItemStruct, type_docs: &HashMap<String, Vec<Attribute>>) {
    let owner = item.ident.to_string();
    let Fields::Named(fields) = &mut item.fields else {
        return;
    };
    for field in &mut fields.named {
        if has_doc(&field.attrs) {
            continue;
        }
        let Some(ident) = &field.ident else { continue };
        let inline = format!(
            "{owner}{}",
            ident
                .unraw()
                .to_string()
                .trim_end_matches('_')
                .to_upper_camel_case()
        );
        if innermost(&field.ty).is_some_and(|name| name == inline)
            && let Some(docs) = type_docs.get(&inline)
        {
            field.attrs.splice(0..0, docs.iter().cloned());
        }
    }
}

/// The last path segment of `ty`, looking through `Option<..>` and `Vec<..>`.
fn innermost(ty: &Type) -> Option<String> {
    match wrapped(ty, "Option").or_else(|| wrapped(ty, "Vec")) {
        Some(inner) => innermost(inner),
        None => type_name(ty),
    }
}

fn document_builder(builder: &mut syn::ItemStruct) {
    if has_doc(&builder.attrs) {
        return;
    }
    let name = &builder.ident;
    push_doc(
        &mut builder.attrs,
        &format!(
            "Builds a [`{name}`](super::{name}) field by field: start from \
             [`{name}::builder()`](super::{name}::builder), call a method per field, and pass the \
             builder wherever a `{name}` is expected (or convert it with `try_into()`). A required \
             field left unset, or a value that does not convert, is reported then."
        ),
    );
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn documents_inline_fields_and_builders() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct Envelope {
                    pub data: ::std::option::Option<EnvelopeData>,
                    pub other: ::std::option::Option<Shared>,
                }
                /// What the envelope carries.
                pub struct EnvelopeData {}
                /// A shared type, documented on its own.
                pub struct Shared {}
                pub mod builder {
                    pub struct Tool {}
                    /// Already documented.
                    pub struct Agent {}
                }
            }
        };
        apply(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("/// What the envelope carries.\n        pub data"),
            "{text}"
        );
        assert!(!text.contains("/// A shared type, documented on its own.\n        pub other"));
        assert!(
            text.contains("/// Builds a [`Tool`](super::Tool) field by field"),
            "{text}"
        );
        assert_eq!(text.matches("Builds a").count(), 1, "{text}");
    }
}

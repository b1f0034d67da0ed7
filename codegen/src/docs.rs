//! The docs pass: documents the builder types typify generates without a doc.
//!
//! Every schema, property and enum value gets its doc from the spec (the overlay writes the
//! ones upstream lacks). typify's builder types in `types::builder` have no schema of their own,
//! so this pass gives each one a doc naming the type it builds and how it fails.

use syn::Item;

use crate::attrs::{has_doc, push_doc, types_module};

/// Applies the pass to the generated `types::builder` module of `file`.
pub fn apply(file: &mut syn::File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let builders = items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    });
    for item in builders.into_iter().flatten() {
        if let Item::Struct(builder) = item
            && !has_doc(&builder.attrs)
        {
            let name = &builder.ident;
            push_doc(
                &mut builder.attrs,
                &format!(
                    "Builds a [`{name}`](super::{name}) field by field: start from \
                     [`{name}::builder()`](super::{name}::builder), call a method per field, and \
                     pass the builder wherever a `{name}` is expected (or convert it with \
                     `try_into()`). A required field left unset, or a value that does not \
                     convert, is reported then."
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn documents_undocumented_builders_only() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
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
            text.contains("/// Builds a [`Tool`](super::Tool) field by field"),
            "{text}"
        );
        assert_eq!(text.matches("Builds a").count(), 1, "{text}");
    }
}

//! The unknown-fields pass: every generated struct keeps what the spec does not know.
//!
//! The spec lags behind the service, and a field it does not declare would otherwise vanish from
//! responses without a word, and could not be sent at all. This pass gives every struct in the
//! generated `types` module (that derives `Deserialize` and has named fields) a last field
//!
//! ```text
//! #[serde(flatten, default, skip_serializing_if = "::serde_json::Map::is_empty")]
//! pub extra: ::serde_json::Map<String, ::serde_json::Value>,
//! ```
//!
//! which collects, on decoding, every member no other field claims (a field's other spelling is
//! claimed by its lenient alias, so it never lands here) and, on encoding, writes its members
//! next to the known ones: requests can carry fields the SDK does not know yet. typify's builder
//! for the struct gets a matching `extra` member, an `extra(key, value)` setter that adds one
//! field, and the conversions both ways carry it.
//!
//! A struct whose schema already has a property named `extra` would clash; generation fails
//! and names it, rather than renaming either silently. A struct that already flattens a map
//! (typify does so for `additionalProperties`) keeps its own and gets none.

use std::collections::HashSet;

use syn::{
    Expr, ExprStruct, Fields, FieldsNamed, ImplItem, Item, ItemImpl, ItemStruct, Member,
    parse_quote, visit_mut::VisitMut,
};

use crate::{
    Error,
    attrs::{derives, serde_metas, type_name, types_module},
};

/// The name of the added field, its builder member and its setter.
pub const FIELD: &str = "extra";

/// Applies the pass to the generated `types` module of `file` (see the module docs).
pub fn apply(file: &mut syn::File) -> Result<(), Error> {
    let Some(items) = types_module(file) else {
        return Ok(());
    };
    let mut extended = HashSet::new();
    for item in items.iter_mut() {
        if let Item::Struct(item) = item
            && add_field(item)?
        {
            extended.insert(item.ident.to_string());
        }
    }
    let builders = items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    });
    if let Some(builders) = builders {
        extend_builders(builders, &extended);
    }
    Ok(())
}

/// Adds `extra` to `item` if it is a decodable struct with named fields; says whether it did.
fn add_field(item: &mut ItemStruct) -> Result<bool, Error> {
    if !derives(&item.attrs, "Deserialize")
        || serde_metas(&item.attrs).iter().any(|m| {
            ["transparent", "from", "try_from", "into"]
                .iter()
                .any(|key| m.path().is_ident(key))
        })
    {
        return Ok(false);
    }
    let Fields::Named(fields) = &mut item.fields else {
        return Ok(false);
    };
    for field in &fields.named {
        let flattened = serde_metas(&field.attrs)
            .iter()
            .any(|m| m.path().is_ident("flatten"));
        if flattened {
            return Ok(false);
        }
        if field.ident.as_ref().is_some_and(|ident| ident == FIELD) {
            return Err(Error::Clash(format!(
                "{} has a property named `{FIELD}`, the field that keeps unknown fields",
                item.ident
            )));
        }
    }
    fields.named.push(parse_quote! {
        /// Fields this version of the SDK does not know, as sent: decoding keeps every member
        /// no other field claims, and encoding writes these next to the known ones.
        #[serde(flatten, default, skip_serializing_if = "::serde_json::Map::is_empty")]
        pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>
    });
    Ok(true)
}

/// Gives the builders of the `extended` structs an `extra` member, its setter, and carries it
/// through `Default`, `TryFrom<Builder>` and `From<Struct>`.
fn extend_builders(items: &mut [Item], extended: &HashSet<String>) {
    for item in items {
        match item {
            Item::Struct(builder) if extended.contains(&builder.ident.to_string()) => {
                if let Fields::Named(FieldsNamed { named, .. }) = &mut builder.fields {
                    named.push(parse_quote! {
                        extra: ::std::result::Result<
                            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                            ::std::string::String,
                        >
                    });
                }
            }
            Item::Impl(block) => {
                if let Some(name) = implemented_for(block)
                    && extended.contains(&name)
                {
                    extend_impl(block);
                }
            }
            _ => {}
        }
    }
}

/// The builder an impl in `mod builder` is about: the last segment of its self type, which
/// names the builder (`impl Default for Tool`, `impl From<super::Tool> for Tool`) or its struct
/// (`impl TryFrom<Tool> for super::Tool`): the same name either way.
fn implemented_for(block: &ItemImpl) -> Option<String> {
    type_name(&block.self_ty)
}

fn extend_impl(block: &mut ItemImpl) {
    let trait_name = block
        .trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .map(|s| s.ident.to_string());
    match trait_name.as_deref() {
        Some("Default") => {
            AddMember(parse_quote!(Ok(Default::default()))).visit_item_impl_mut(block);
        }
        Some("TryFrom") => AddMember(parse_quote!(value.extra?)).visit_item_impl_mut(block),
        Some("From") => AddMember(parse_quote!(Ok(value.extra))).visit_item_impl_mut(block),
        None => block.items.push(ImplItem::Fn(parse_quote! {
            /// Adds a field this version of the SDK does not know; it is sent as is, next to the
            /// known ones (see the struct's `extra`). Setting a known field this way sends it
            /// twice: use its own setter instead.
            pub fn extra<K, V>(mut self, key: K, value: V) -> Self
            where
                K: ::std::convert::Into<::std::string::String>,
                V: ::std::convert::Into<::serde_json::Value>,
            {
                if let Ok(extra) = &mut self.extra {
                    extra.insert(key.into(), value.into());
                }
                self
            }
        })),
        Some(_) => {}
    }
}

/// Adds `extra: <value>` to every `Self { .. }` struct expression it visits.
struct AddMember(Expr);

impl VisitMut for AddMember {
    fn visit_expr_struct_mut(&mut self, expr: &mut ExprStruct) {
        let names_self = expr.path.is_ident("Self");
        let has_extra = expr
            .fields
            .iter()
            .any(|f| matches!(&f.member, Member::Named(name) if name == FIELD));
        if names_self && !has_extra {
            let value = &self.0;
            expr.fields.push(parse_quote!(extra: #value));
        }
        syn::visit_mut::visit_expr_struct_mut(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(file: syn::File) -> Result<String, Error> {
        let mut file = file;
        apply(&mut file)?;
        Ok(prettyplease::unparse(&file))
    }

    #[test]
    fn adds_the_field_and_carries_it_through_the_builder() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Tool {
                    pub id: ::std::string::String,
                }
                #[derive(::serde::Serialize)]
                pub struct NotDecoded {
                    pub id: ::std::string::String,
                }
                pub mod builder {
                    pub struct Tool {
                        id: ::std::result::Result<::std::string::String, ::std::string::String>,
                    }
                    impl ::std::default::Default for Tool {
                        fn default() -> Self {
                            Self { id: Err("no value supplied for id".to_string()) }
                        }
                    }
                    impl Tool {
                        pub fn id<T>(mut self, value: T) -> Self { self }
                    }
                    impl ::std::convert::TryFrom<Tool> for super::Tool {
                        type Error = super::error::ConversionError;
                        fn try_from(value: Tool) -> ::std::result::Result<Self, super::error::ConversionError> {
                            Ok(Self { id: value.id? })
                        }
                    }
                    impl ::std::convert::From<super::Tool> for Tool {
                        fn from(value: super::Tool) -> Self {
                            Self { id: Ok(value.id) }
                        }
                    }
                }
            }
        };
        let expected: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Tool {
                    pub id: ::std::string::String,
                    /// Fields this version of the SDK does not know, as sent: decoding keeps every member
                    /// no other field claims, and encoding writes these next to the known ones.
                    #[serde(flatten, default, skip_serializing_if = "::serde_json::Map::is_empty")]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Serialize)]
                pub struct NotDecoded {
                    pub id: ::std::string::String,
                }
                pub mod builder {
                    pub struct Tool {
                        id: ::std::result::Result<::std::string::String, ::std::string::String>,
                        extra: ::std::result::Result<
                            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                            ::std::string::String,
                        >,
                    }
                    impl ::std::default::Default for Tool {
                        fn default() -> Self {
                            Self { id: Err("no value supplied for id".to_string()), extra: Ok(Default::default()) }
                        }
                    }
                    impl Tool {
                        pub fn id<T>(mut self, value: T) -> Self { self }
                        /// Adds a field this version of the SDK does not know; it is sent as is, next to the
                        /// known ones (see the struct's `extra`). Setting a known field this way sends it
                        /// twice: use its own setter instead.
                        pub fn extra<K, V>(mut self, key: K, value: V) -> Self
                        where
                            K: ::std::convert::Into<::std::string::String>,
                            V: ::std::convert::Into<::serde_json::Value>,
                        {
                            if let Ok(extra) = &mut self.extra {
                                extra.insert(key.into(), value.into());
                            }
                            self
                        }
                    }
                    impl ::std::convert::TryFrom<Tool> for super::Tool {
                        type Error = super::error::ConversionError;
                        fn try_from(value: Tool) -> ::std::result::Result<Self, super::error::ConversionError> {
                            Ok(Self { id: value.id?, extra: value.extra? })
                        }
                    }
                    impl ::std::convert::From<super::Tool> for Tool {
                        fn from(value: super::Tool) -> Self {
                            Self { id: Ok(value.id), extra: Ok(value.extra) }
                        }
                    }
                }
            }
        };
        assert_eq!(pass(before).unwrap(), prettyplease::unparse(&expected));
    }

    #[test]
    fn a_property_named_extra_fails() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub struct Odd {
                    pub extra: bool,
                }
            }
        };
        let error = pass(before).unwrap_err().to_string();
        assert!(error.contains("Odd"), "{error}");
    }

    #[test]
    fn a_struct_that_flattens_already_is_left_alone() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub struct Open {
                    #[serde(flatten)]
                    pub extra: ::std::collections::HashMap<::std::string::String, ::serde_json::Value>,
                }
            }
        };
        let after = pass(before).unwrap();
        assert_eq!(after.matches("pub extra").count(), 1, "{after}");
    }
}

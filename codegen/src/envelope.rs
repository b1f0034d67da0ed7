//! The envelope pass: every type an operation answers with says whether it is an envelope
//! reporting failure (`{"success": false, ...}`, which the service sends with a 2xx status).
//!
//! For each success type the `send` pass routed (`types::GetAgentResponse`, ...), it emits
//! `impl crate::transport::Envelope`: a type with a `success: Option<bool>` field reports
//! failure when it is `Some(false)`; a struct without one, when the unknown fields it keeps
//! (`extra`) hold `"success": false`; anything else never does. The request path then checks
//! the decoded answer instead of scanning or parsing the body a second time.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::{Fields, Item, Type, parse_quote};

use crate::attrs::{type_name, types_module};

/// Appends the impls for `answers` (the success types, as `send` names them) to `file`.
pub fn apply(file: &mut syn::File, answers: &BTreeSet<String>) {
    let mut with_success = BTreeSet::new();
    let mut with_extra = BTreeSet::new();
    for item in types_module(file).into_iter().flatten() {
        if let Item::Struct(item) = item {
            if has_success_flag(&item.fields) {
                with_success.insert(item.ident.to_string());
            } else if item
                .fields
                .iter()
                .any(|field| field.ident.as_ref().is_some_and(|name| name == "extra"))
            {
                with_extra.insert(item.ident.to_string());
            }
        }
    }
    for answer in answers {
        let Ok(ty) = syn::parse_str::<Type>(answer) else {
            continue;
        };
        let name = type_name(&ty);
        let impl_block: Item = if name
            .as_ref()
            .is_some_and(|name| with_success.contains(name))
        {
            parse_quote! {
                impl crate::transport::Envelope for #ty {
                    fn reports_failure(&self) -> bool {
                        self.success == Some(false)
                    }
                }
            }
        } else if name.as_ref().is_some_and(|name| with_extra.contains(name)) {
            parse_quote! {
                impl crate::transport::Envelope for #ty {
                    fn reports_failure(&self) -> bool {
                        self.extra.get("success").and_then(::serde_json::Value::as_bool) == Some(false)
                    }
                }
            }
        } else {
            parse_quote! {
                impl crate::transport::Envelope for #ty {}
            }
        };
        file.items.push(impl_block);
    }
}

/// Whether the struct has `success: Option<bool>`.
fn has_success_flag(fields: &Fields) -> bool {
    fields.iter().any(|field| {
        field.ident.as_ref().is_some_and(|name| name == "success")
            && field
                .ty
                .to_token_stream()
                .to_string()
                .replace(' ', "")
                .ends_with("Option<bool>")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_report_their_flag_and_other_answers_their_unknown_fields() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct GetAgentResponse {
                    pub data: Agent,
                    pub success: ::std::option::Option<bool>,
                }
                pub struct HealthResponse {
                    pub status: ::std::option::Option<String>,
                    pub extra: ::serde_json::Map<String, ::serde_json::Value>,
                }
            }
        };
        let answers = BTreeSet::from([
            "types :: GetAgentResponse".to_owned(),
            "types :: HealthResponse".to_owned(),
            "()".to_owned(),
        ]);
        apply(&mut file, &answers);
        let expected: syn::File = parse_quote! {
            pub mod types {
                pub struct GetAgentResponse {
                    pub data: Agent,
                    pub success: ::std::option::Option<bool>,
                }
                pub struct HealthResponse {
                    pub status: ::std::option::Option<String>,
                    pub extra: ::serde_json::Map<String, ::serde_json::Value>,
                }
            }
            impl crate::transport::Envelope for () {}
            impl crate::transport::Envelope for types::GetAgentResponse {
                fn reports_failure(&self) -> bool {
                    self.success == Some(false)
                }
            }
            impl crate::transport::Envelope for types::HealthResponse {
                fn reports_failure(&self) -> bool {
                    self.extra.get("success").and_then(::serde_json::Value::as_bool) == Some(false)
                }
            }
        };
        assert_eq!(
            prettyplease::unparse(&file),
            prettyplease::unparse(&expected)
        );
    }
}

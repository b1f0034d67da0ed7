//! Reading what typify writes, shared by the passes: derives, `#[serde(..)]` keys, doc
//! comments, which enums are plain string enums, and the names of types.

use syn::{
    Attribute, Expr, Fields, GenericArgument, Item, ItemEnum, Lit, Meta, PathArguments, Token,
    Type, parse_quote, punctuated::Punctuated,
};

/// The name a type is written by: the last segment of a path type (`String` for
/// `::std::string::String`, `Builder` for `builder::Builder<'a>`).
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `T` when `ty` is `Wrapper<T, ..>` (any path ending in `wrapper`).
pub fn wrapped<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// The items of the generated file's `mod types`, if it has one.
pub fn types_module(file: &mut syn::File) -> Option<&mut Vec<Item>> {
    file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "types" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// Whether a `#[derive(..)]` in `attrs` names a path ending in `name`.
pub fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
        })
}

/// Every `key` / `key = value` / `key(..)` inside the `#[serde(..)]` attributes.
pub fn serde_metas(attrs: &[Attribute]) -> Vec<Meta> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .collect()
}

/// The value of `#[serde(rename = "..")]`, if any.
pub fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    serde_metas(attrs).iter().find_map(|meta| match meta {
        Meta::NameValue(nv) if nv.path.is_ident("rename") => lit_str(&nv.value),
        _ => None,
    })
}

/// The text of a string literal expression.
pub fn lit_str(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `attrs` carry a doc comment with some text.
pub fn has_doc(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => {
            lit_str(&nv.value).is_some_and(|text| !text.trim().is_empty())
        }
        _ => false,
    })
}

/// Adds `text` as doc lines (one `#[doc]` per line, like `///` comments) after any doc the
/// item has, before its other attributes.
pub fn push_doc(attrs: &mut Vec<Attribute>, text: &str) {
    let at = attrs
        .iter()
        .rposition(|a| a.path().is_ident("doc"))
        .map_or(0, |last| last + 1);
    // rustdoc strips one leading space, as it does after `///`.
    let lines = text.lines().map(|line| {
        let line = format!(" {line}");
        parse_quote!(#[doc = #line])
    });
    attrs.splice(at..at, lines);
}

/// An enum deserialized from a bare string: derives `Deserialize`, every variant is a unit, and
/// no container attribute (`untagged`, `tag`, ...) changes its representation.
pub fn is_string_enum(e: &ItemEnum) -> bool {
    derives(&e.attrs, "Deserialize")
        && !e.variants.is_empty()
        && e.variants.iter().all(|v| matches!(v.fields, Fields::Unit))
        && !serde_metas(&e.attrs).iter().any(|m| {
            let key = m.path().get_ident().map(ToString::to_string);
            matches!(
                key.as_deref(),
                Some("untagged" | "tag" | "content" | "transparent" | "from" | "try_from")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes() {
        let item: ItemEnum = parse_quote! {
            /// Status.
            #[derive(Clone, ::serde::Deserialize)]
            pub enum Status {
                #[serde(rename = "STATUS_ACTIVE")]
                Active,
            }
        };
        assert!(is_string_enum(&item));
        assert!(derives(&item.attrs, "Clone") && !derives(&item.attrs, "Copy"));
        assert!(has_doc(&item.attrs));
        assert_eq!(
            serde_rename(&item.variants[0].attrs).as_deref(),
            Some("STATUS_ACTIVE")
        );
        let mut attrs = Vec::new();
        push_doc(&mut attrs, "One.\n\nTwo.");
        assert_eq!(attrs.len(), 3);
        assert!(has_doc(&attrs));
    }

    #[test]
    fn tagged_enums_are_not_string_enums() {
        let item: ItemEnum = parse_quote! {
            #[derive(::serde::Deserialize)]
            #[serde(untagged)]
            pub enum Either { A }
        };
        assert!(!is_string_enum(&item));
    }
}

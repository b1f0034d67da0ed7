//! The lenient-decoding pass: rewrites the progenitor/typify output so every type in the generated
//! `types` module decodes what the real Agni service sends, not only what the spec promises.
//!
//! The service is a gRPC gateway speaking protojson (see `agni-api/QUIRKS.md`): field names arrive
//! in lowerCamelCase where the spec says snake_case (and the reverse for a few camelCase schemas),
//! 64-bit and decimal numbers arrive as JSON strings, `null` stands for "absent", and enums grow
//! values the spec does not list. Fixing that per type by hand would rot on the next
//! `cargo xtask generate`, so this pass owns it for every type at once. It only ever changes how
//! types *deserialize*; serialization (what requests send) is byte-for-byte what typify wrote.
//!
//! For each struct (or enum) deriving `Deserialize` inside `mod types`:
//! - every named field gets `#[serde(alias = ..)]` with its other spelling (snake_case <->
//!   lowerCamelCase of its wire name), unless both are the same or another field already uses it;
//! - numeric fields (`i8`..`u64`, `f32`, `f64`, bare, in `Option` or in `Vec`) get a
//!   `deserialize_with` helper from `agni`'s `model::lenient` that accepts a number or a numeric
//!   string; `Option<crate::Timestamp>` fields get one that reads `""` as `None`;
//! - fields with `#[serde(default)]` that are not `Option` accept `null` as the default (typify's
//!   const defaults `default_u64`/`default_i64`/`default_bool` are honoured; any other custom
//!   default path keeps rejecting `null`);
//! - `Option` fields given a `deserialize_with` also get `default`, so absence still decodes;
//! - `deny_unknown_fields` is removed, so unknown fields are ignored.
//!
//! Every string enum (all variants unit) gains a last variant `Unknown(String)` marked
//! `#[serde(untagged)]`, which keeps the raw value of anything the spec does not list and
//! serializes it back unchanged; `Copy` is dropped from its derives (a `String` is not `Copy`).
//! Its `Display` impl prints the raw string, and its `FromStr` (hence `TryFrom<&str>` and
//! `TryFrom<String>`) returns `Unknown(s)` instead of an error, mirroring what deserialization does:
//! the server, not the SDK, decides which values are valid. Other hand-written `match self` impls on
//! those enums are not patched (typify emits none); one would fail to compile, not misbehave.
//!
//! The helpers are referenced as [`HELPERS`]`::<name>`: the generated file is `include!`d into
//! `agni`, which must provide them (`src/model/lenient.rs`).

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{
    Attribute, Expr, ExprMatch, ExprPath, Fields, FnArg, Ident, ImplItem, Item, ItemEnum, ItemImpl,
    ItemStruct, Meta, Pat, PathArguments, Token, Type, UnOp, ext::IdentExt, parse_quote,
    punctuated::Punctuated, visit_mut::VisitMut,
};

use crate::{
    attrs::{derives, is_string_enum, lit_str, serde_metas, types_module, wrapped},
    model::TIMESTAMP,
};

/// Path of the module in the `agni` crate holding the `deserialize_with` helpers.
pub const HELPERS: &str = "crate::model::lenient";

/// Primitive types whose values protojson may send as strings.
const NUMBERS: &[&str] = &[
    "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
];

/// Applies the pass to the generated `types` module of `file` (see the module docs).
pub fn apply(file: &mut syn::File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let mut pass = Pass {
        string_enums: string_enums(items),
    };
    for item in items {
        pass.visit_item_mut(item);
    }
}

/// The string enums among `items`, each with the name of its catch-all variant.
fn string_enums(items: &[Item]) -> HashMap<String, Ident> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if is_string_enum(e) => Some((e.ident.to_string(), unknown_variant(e))),
            _ => None,
        })
        .collect()
}

struct Pass {
    /// String enum name -> its catch-all variant.
    string_enums: HashMap<String, Ident>,
}

impl VisitMut for Pass {
    fn visit_item_struct_mut(&mut self, item: &mut ItemStruct) {
        if !derives(&item.attrs, "Deserialize") {
            return;
        }
        remove_deny_unknown_fields(&mut item.attrs);
        if let Fields::Named(fields) = &mut item.fields {
            let mut taken: HashSet<String> = fields
                .named
                .iter()
                .filter_map(|f| {
                    Some(
                        FieldSerde::read(&f.attrs)
                            .rename
                            .unwrap_or(f.ident.as_ref()?.unraw().to_string()),
                    )
                })
                .collect();
            for field in &mut fields.named {
                lenient_field(field, &mut taken);
            }
        }
    }

    fn visit_item_enum_mut(&mut self, item: &mut ItemEnum) {
        if !derives(&item.attrs, "Deserialize") {
            return;
        }
        remove_deny_unknown_fields(&mut item.attrs);
        if let Some(unknown) = self.string_enums.get(&item.ident.to_string()) {
            open_enum(item, unknown);
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut ItemImpl) {
        let Type::Path(self_ty) = &*item.self_ty else {
            return;
        };
        let Some(name) = self_ty.path.get_ident() else {
            return;
        };
        let Some(unknown) = self.string_enums.get(&name.to_string()).cloned() else {
            return;
        };
        let Some((trait_path, _)) = &item.trait_ else {
            return;
        };
        let trait_name = trait_path.segments.last().map(|s| s.ident.to_string());
        for impl_item in &mut item.items {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            match trait_name.as_deref() {
                Some("Display") => {
                    // `fn fmt(&self, f: &mut Formatter)`: the formatter is the second argument.
                    let Some(FnArg::Typed(arg)) = method.sig.inputs.iter().nth(1) else {
                        continue;
                    };
                    let Pat::Ident(formatter) = &*arg.pat else {
                        continue;
                    };
                    let formatter = formatter.ident.clone();
                    let mut patch = DisplayUnknown {
                        formatter,
                        unknown: unknown.clone(),
                    };
                    patch.visit_block_mut(&mut method.block);
                }
                Some("FromStr") => {
                    FromStrUnknown {
                        unknown: unknown.clone(),
                    }
                    .visit_block_mut(&mut method.block);
                }
                _ => {}
            }
        }
    }
}

/// The catch-all variant's name for `item`: `Unknown`, or `UnknownValue` if the spec took it.
fn unknown_variant(item: &ItemEnum) -> Ident {
    let taken = item.variants.iter().any(|v| v.ident == "Unknown");
    let name = if taken { "UnknownValue" } else { "Unknown" };
    Ident::new(name, proc_macro2::Span::call_site())
}

/// Adds the untagged `Unknown(String)` variant and drops `Copy`.
fn open_enum(item: &mut ItemEnum, unknown: &Ident) {
    for attr in &mut item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Copy"));
        *attr = parse_quote!(#[derive(#(#kept),*)]);
    }
    item.variants.push(parse_quote! {
        /// A value this version of the SDK does not know, kept as the raw string.
        #[serde(untagged)]
        #unknown(::std::string::String)
    });
}

/// Adds `Self::Unknown(s) => f.write_str(s)` to the `match self` of a `Display` impl.
struct DisplayUnknown {
    formatter: Ident,
    unknown: Ident,
}

impl VisitMut for DisplayUnknown {
    fn visit_expr_match_mut(&mut self, m: &mut ExprMatch) {
        let by_ref = match &*m.expr {
            // `match *self` matches a place: bind the string by reference explicitly.
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) && is_self(&u.expr) => true,
            // `match self` matches a reference: default binding modes borrow already.
            e if is_self(e) => false,
            _ => return,
        };
        if m.arms.iter().any(|arm| matches!(arm.pat, Pat::Wild(_))) {
            return;
        }
        let (f, unknown) = (&self.formatter, &self.unknown);
        let binding = if by_ref {
            quote!(ref value)
        } else {
            quote!(value)
        };
        m.arms
            .push(parse_quote!(Self::#unknown(#binding) => #f.write_str(value),));
    }
}

/// Turns `FromStr`'s `_ => Err(..)` arm into `_ => Ok(Self::Unknown(value.to_string()))`.
struct FromStrUnknown {
    unknown: Ident,
}

impl VisitMut for FromStrUnknown {
    fn visit_expr_match_mut(&mut self, m: &mut ExprMatch) {
        let (scrutinee, unknown) = (&m.expr, &self.unknown);
        for arm in &mut m.arms {
            if matches!(arm.pat, Pat::Wild(_)) {
                *arm.body = parse_quote!(Ok(Self::#unknown(::std::string::ToString::to_string(#scrutinee))));
            }
        }
    }
}

fn is_self(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.path.is_ident("self"))
}

/// What a field's existing `#[serde(..)]` attributes say.
#[derive(Default)]
struct FieldSerde {
    rename: Option<String>,
    default: DefaultKind,
    /// `deserialize_with`/`with`: the field already decodes its own way.
    custom: bool,
    /// `flatten`/`skip`/`skip_deserializing`: the field has no wire name of its own.
    opaque: bool,
}

#[derive(Default)]
enum DefaultKind {
    #[default]
    None,
    /// `#[serde(default)]`: `Default::default()`.
    Plain,
    /// `#[serde(default = "path")]`.
    Path(ExprPath),
}

impl FieldSerde {
    fn read(attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        for meta in serde_metas(attrs) {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match (key.as_str(), &meta) {
                ("rename", Meta::NameValue(nv)) => out.rename = lit_str(&nv.value),
                ("default", Meta::Path(_)) => out.default = DefaultKind::Plain,
                ("default", Meta::NameValue(nv)) => {
                    if let Some(path) = lit_str(&nv.value).and_then(|s| syn::parse_str(&s).ok()) {
                        out.default = DefaultKind::Path(path);
                    }
                }
                ("deserialize_with" | "with", _) => out.custom = true,
                ("flatten" | "skip" | "skip_deserializing", _) => out.opaque = true,
                _ => {}
            }
        }
        out
    }
}

/// Adds the alias, `default` and `deserialize_with` a field needs, as one extra `#[serde]`.
fn lenient_field(field: &mut syn::Field, taken: &mut HashSet<String>) {
    let Some(ident) = &field.ident else { return };
    let serde = FieldSerde::read(&field.attrs);
    if serde.opaque {
        return;
    }
    let wire = serde
        .rename
        .clone()
        .unwrap_or_else(|| ident.unraw().to_string());
    let mut extra: Vec<TokenStream> = Vec::new();
    for alias in [to_lower_camel(&wire), to_snake(&wire)] {
        if alias != wire && taken.insert(alias.clone()) {
            extra.push(quote!(alias = #alias));
        }
    }
    if !serde.custom
        && let Some((helper, needs_default)) = helper_for(&field.ty, &serde.default)
    {
        if needs_default {
            extra.push(quote!(default));
        }
        let with = format!("{HELPERS}::{helper}");
        extra.push(quote!(deserialize_with = #with));
    }
    if !extra.is_empty() {
        field.attrs.push(parse_quote!(#[serde(#(#extra),*)]));
    }
}

/// The `model::lenient` helper (with turbofish, if any) a field of type `ty` needs, and whether
/// `default` must be added for an absent field to still decode.
fn helper_for(ty: &Type, default: &DefaultKind) -> Option<(String, bool)> {
    if let Some(inner) = wrapped(ty, "Option") {
        let no_default = matches!(default, DefaultKind::None);
        if is_timestamp(inner) {
            return Some(("option_timestamp".into(), no_default));
        }
        return is_number(inner).then(|| ("option_number".into(), no_default));
    }
    if let Some(inner) = wrapped(ty, "Vec")
        && is_number(inner)
    {
        return Some(("vec_number".into(), false));
    }
    let helper = match default {
        DefaultKind::None => is_number(ty).then(|| "number".to_string())?,
        DefaultKind::Plain if is_number(ty) => "number_or_default".into(),
        DefaultKind::Plain => "null_default".into(),
        DefaultKind::Path(path) => match typify_const_default(path) {
            Some(("default_u64", v)) if is_number(ty) => format!("number_or_u64::<_, _, {v}>"),
            Some(("default_i64", v)) if is_number(ty) => format!("number_or_i64::<_, _, {v}>"),
            Some(("default_bool", v)) => format!("bool_or::<_, {v}>"),
            _ => is_number(ty).then(|| "number".to_string())?,
        },
    };
    Some((helper, false))
}

/// `defaults::default_u64::<i64, 5>` -> `("default_u64", "5")`: typify's const-generic defaults.
fn typify_const_default(path: &ExprPath) -> Option<(&'static str, String)> {
    let last = path.path.segments.last()?;
    let name = ["default_u64", "default_i64", "default_bool"]
        .into_iter()
        .find(|n| last.ident == n)?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some((
        name,
        args.args
            .last()?
            .to_token_stream()
            .to_string()
            .replace(' ', ""),
    ))
}

/// `crate::Timestamp`, the type [`crate::model`] maps every date-time onto.
fn is_timestamp(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.qself.is_none()
        && p.path.to_token_stream().to_string().replace(' ', "") == format!("crate::{TIMESTAMP}")
}

fn is_number(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
    && p.path.segments.last().is_some_and(|s| {
        s.arguments.is_none() && NUMBERS.iter().any(|n| s.ident == n)
    }))
}

/// Drops `deny_unknown_fields` from container `#[serde(..)]`s, and any `#[serde()]` left empty.
fn remove_deny_unknown_fields(attrs: &mut Vec<Attribute>) {
    attrs.retain_mut(|attr| {
        if !attr.path().is_ident("serde") {
            return true;
        }
        let Ok(metas) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        else {
            return true;
        };
        if !metas
            .iter()
            .any(|m| m.path().is_ident("deny_unknown_fields"))
        {
            return true;
        }
        let kept: Vec<&Meta> = metas
            .iter()
            .filter(|m| !m.path().is_ident("deny_unknown_fields"))
            .collect();
        *attr = parse_quote!(#[serde(#(#kept),*)]);
        !kept.is_empty()
    });
}

/// protojson's JSON name: `agent_name` -> `agentName`, `s2s_model` -> `s2sModel`.
fn to_lower_camel(name: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(name)
}

/// The proto field name for a JSON name: `agentName` -> `agent_name`, `s2sModel` -> `s2s_model`.
fn to_snake(name: &str) -> String {
    heck::ToSnakeCase::to_snake_case(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(file: syn::File) -> String {
        let mut file = file;
        apply(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn spellings() {
        assert_eq!(to_lower_camel("agent_name"), "agentName");
        assert_eq!(to_lower_camel("s2s_model"), "s2sModel");
        assert_eq!(to_lower_camel("type"), "type");
        assert_eq!(to_snake("callLatencyMs"), "call_latency_ms");
        assert_eq!(to_snake("s2sModel"), "s2s_model");
        assert_eq!(to_snake("agent_name"), "agent_name");
    }

    #[test]
    fn struct_fields() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(deny_unknown_fields)]
                pub struct Session {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub agent_name: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "costTotal", skip_serializing_if = "::std::option::Option::is_none")]
                    pub cost_total: ::std::option::Option<f64>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    #[serde(default)]
                    pub ids: ::std::vec::Vec<i64>,
                    #[serde(default)]
                    pub count: u32,
                    #[serde(rename = "type")]
                    pub type_: ::std::string::String,
                    #[serde(default = "defaults::default_u64::<i64, 5>")]
                    pub max_depth: i64,
                    #[serde(default = "defaults::default_bool::<true>")]
                    pub enabled: bool,
                    pub total: i64,
                }
                pub mod builder {
                    pub struct Session {
                        agent_name: ::std::result::Result<::std::option::Option<::std::string::String>, ::std::string::String>,
                    }
                }
            }
        };
        let expected: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Session {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    #[serde(alias = "agentName")]
                    pub agent_name: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "costTotal", skip_serializing_if = "::std::option::Option::is_none")]
                    #[serde(alias = "cost_total", default, deserialize_with = "crate::model::lenient::option_number")]
                    pub cost_total: ::std::option::Option<f64>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    #[serde(deserialize_with = "crate::model::lenient::null_default")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    #[serde(default)]
                    #[serde(deserialize_with = "crate::model::lenient::vec_number")]
                    pub ids: ::std::vec::Vec<i64>,
                    #[serde(default)]
                    #[serde(deserialize_with = "crate::model::lenient::number_or_default")]
                    pub count: u32,
                    #[serde(rename = "type")]
                    pub type_: ::std::string::String,
                    #[serde(default = "defaults::default_u64::<i64, 5>")]
                    #[serde(alias = "maxDepth", deserialize_with = "crate::model::lenient::number_or_u64::<_, _, 5>")]
                    pub max_depth: i64,
                    #[serde(default = "defaults::default_bool::<true>")]
                    #[serde(deserialize_with = "crate::model::lenient::bool_or::<_, true>")]
                    pub enabled: bool,
                    #[serde(deserialize_with = "crate::model::lenient::number")]
                    pub total: i64,
                }
                pub mod builder {
                    pub struct Session {
                        agent_name: ::std::result::Result<::std::option::Option<::std::string::String>, ::std::string::String>,
                    }
                }
            }
        };
        assert_eq!(pass(before), prettyplease::unparse(&expected));
    }

    #[test]
    fn alias_never_shadows_another_field() {
        let before: syn::File = parse_quote! {
            mod types {
                #[derive(::serde::Deserialize)]
                pub struct Both {
                    pub agent_id: ::std::string::String,
                    #[serde(rename = "agentId")]
                    pub agent_id_camel: ::std::string::String,
                }
            }
        };
        let after = pass(before);
        assert!(!after.contains("alias"), "{after}");
    }

    #[test]
    fn string_enums() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, PartialEq)]
                pub enum Status {
                    #[serde(rename = "STATUS_ACTIVE")]
                    StatusActive,
                }
                impl ::std::fmt::Display for Status {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::StatusActive => f.write_str("STATUS_ACTIVE"),
                        }
                    }
                }
                impl ::std::str::FromStr for Status {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "STATUS_ACTIVE" => Ok(Self::StatusActive),
                            _ => Err("invalid value".into()),
                        }
                    }
                }
                #[derive(::serde::Deserialize, Clone, Copy)]
                #[serde(untagged)]
                pub enum NotAString {
                    A,
                }
            }
        };
        let expected: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
                pub enum Status {
                    #[serde(rename = "STATUS_ACTIVE")]
                    StatusActive,
                    /// A value this version of the SDK does not know, kept as the raw string.
                    #[serde(untagged)]
                    Unknown(::std::string::String),
                }
                impl ::std::fmt::Display for Status {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::StatusActive => f.write_str("STATUS_ACTIVE"),
                            Self::Unknown(ref value) => f.write_str(value),
                        }
                    }
                }
                impl ::std::str::FromStr for Status {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "STATUS_ACTIVE" => Ok(Self::StatusActive),
                            _ => Ok(Self::Unknown(::std::string::ToString::to_string(value))),
                        }
                    }
                }
                #[derive(::serde::Deserialize, Clone, Copy)]
                #[serde(untagged)]
                pub enum NotAString {
                    A,
                }
            }
        };
        assert_eq!(pass(before), prettyplease::unparse(&expected));
    }

    #[test]
    fn unknown_name_avoids_a_spec_variant() {
        let before: syn::File = parse_quote! {
            mod types {
                #[derive(::serde::Deserialize)]
                pub enum Status {
                    #[serde(rename = "unknown")]
                    Unknown,
                }
            }
        };
        assert!(pass(before).contains("UnknownValue(::std::string::String)"));
    }
}

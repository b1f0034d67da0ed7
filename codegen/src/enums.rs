//! The enum pass: string enum variants read as Rust, decode every documented spelling, and carry
//! the docs the overlay gives their values.
//!
//! typify names a variant after its whole value, so protobuf enums read
//! `AgentStatus::AgentStatusActive`. For each string enum of the generated `types` module, when
//! every value starts with a `PREFIX_` that names the enum (words of the enum's name in
//! SCREAMING_SNAKE_CASE, in a row: `AGENT_STATUS_` for `AgentStatus` or for
//! `UpdateAgentStatusRequestStatus`), the pass
//! - renames each variant to the rest of its value (`AgentStatus::Active`) and every path that
//!   names it, in the whole file (`Self::AgentStatusActive` in typify's `Display`/`FromStr`,
//!   `super::AgentStatus::AgentStatusActive` in defaults);
//! - keeps the full value as what is sent (`#[serde(rename = "AGENT_STATUS_ACTIVE")]`) and adds
//!   `#[serde(alias)]` for the spellings the docs also show: the value without its prefix
//!   (`ACTIVE`), in lower case (`active`) and in kebab case (`bottom-right` for
//!   `BOT_POSITION_BOTTOM_RIGHT`); `FromStr` accepts the same spellings.
//!
//! The variant of the empty value `""` (typify's `X`) becomes `Empty`. A rename that would make
//! two variants equal, or a name that is not an identifier, leaves that enum as typify wrote
//! it. Enums whose values carry no such prefix keep their other names.
//!
//! Every variant whose value the overlay describes (`x-enum-descriptions`, see
//! [`crate::spec::EnumDocs`]) gets that description as its doc, followed by the value it is sent
//! as and the other spellings it decodes from; the variants of an enum typify made of a `oneOf`
//! schema get theirs in order ([`crate::spec::VariantDocs`]). It runs before the lenient pass,
//! which appends the `Unknown(String)` variant last.

use std::collections::{BTreeSet, HashMap};

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::Span;
use syn::{
    Arm, Expr, ExprLit, Ident, ImplItem, Item, ItemEnum, ItemImpl, Lit, LitStr, Pat, PatLit, PatOr,
    parse_quote, punctuated::Punctuated, visit_mut::VisitMut,
};

use crate::{
    attrs::{is_string_enum, push_doc, serde_rename, type_name, types_module},
    spec::{EnumDocs, VariantDocs},
};

/// One variant's new name and the extra spellings it decodes from.
pub struct Rename {
    old: Ident,
    new: Ident,
    aliases: Vec<String>,
}

/// The variant renames of every renamed enum, by enum name.
pub type Renames = HashMap<String, Vec<Rename>>;

/// Renames, in another file generated from the same spec (the CLI), every path naming a variant
/// that [`apply`] renamed in the client's `types`.
pub fn rename_paths(file: &mut syn::File, renames: &Renames) {
    RenamePaths {
        renames,
        current_impl: None,
    }
    .visit_file_mut(file);
}

/// Applies the pass to `file` (see the module docs) and returns the renames it made.
pub fn apply(file: &mut syn::File, docs: &EnumDocs, variant_docs: &VariantDocs) -> Renames {
    let mut renames = Renames::new();
    if let Some(items) = types_module(file) {
        for item in items.iter_mut() {
            if let Item::Enum(item) = item
                && let Some(described) = variant_docs.get(&item.ident.to_string())
                && described.len() == item.variants.len()
            {
                for (variant, description) in item.variants.iter_mut().zip(described) {
                    push_doc(&mut variant.attrs, description);
                }
            }
            if let Item::Enum(item) = item
                && is_string_enum(item)
            {
                let planned = plan(item);
                document(item, docs, &planned);
                if let Some(planned) = planned {
                    rename_variants(item, &planned);
                    renames.insert(item.ident.to_string(), planned);
                }
            }
        }
    }
    rename_paths(file, &renames);
    renames
}

/// The renames for `item`: its variants without the prefix that names it, and `Empty` for the
/// value `""` (which typify calls `X`); `None` if nothing changes or a rename would collide.
fn plan(item: &ItemEnum) -> Option<Vec<Rename>> {
    let values: Vec<String> = item
        .variants
        .iter()
        .map(|v| serde_rename(&v.attrs))
        .collect::<Option<_>>()?;
    let non_empty: Vec<String> = values.iter().filter(|v| !v.is_empty()).cloned().collect();
    let prefix = naming_prefix(&item.ident.to_string(), &non_empty).unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut planned = Vec::new();
    for (variant, value) in item.variants.iter().zip(&values) {
        let (new, aliases) = if value.is_empty() {
            ("Empty".to_owned(), Vec::new())
        } else if prefix.is_empty() {
            (variant.ident.to_string(), Vec::new())
        } else {
            let rest = &value[prefix.len()..];
            let mut aliases = vec![
                rest.to_owned(),
                rest.to_lowercase(),
                rest.to_lowercase().replace('_', "-"),
            ];
            aliases.dedup();
            aliases.retain(|alias| alias != value && !values.contains(alias));
            (rest.to_upper_camel_case(), aliases)
        };
        let valid = syn::parse_str::<Ident>(&new).is_ok() && new != "Unknown";
        if !valid || !seen.insert(new.clone()) {
            return None;
        }
        planned.push(Rename {
            old: variant.ident.clone(),
            new: Ident::new(&new, Span::call_site()),
            aliases,
        });
    }
    planned
        .iter()
        .any(|r| r.old != r.new || !r.aliases.is_empty())
        .then_some(planned)
}

/// The longest `WORD_.._` that every value starts with (and none equals) whose words appear,
/// in a row, in the enum's name in SCREAMING_SNAKE_CASE: `AGENT_STATUS_` for `AgentStatus` and
/// for `UpdateAgentStatusRequestStatus` (typify's name for an inline `status` property).
fn naming_prefix(name: &str, values: &[String]) -> Option<String> {
    let name = format!("_{}_", name.to_shouty_snake_case());
    let first = values.first()?;
    first
        .match_indices('_')
        .map(|(at, _)| &first[..=at])
        .rev()
        .find(|prefix| {
            name.contains(&format!("_{prefix}"))
                && values
                    .iter()
                    .all(|value| value.len() > prefix.len() && value.starts_with(*prefix))
        })
        .map(str::to_owned)
}

/// Gives each described variant its doc, the value it is sent as and its other spellings.
fn document(item: &mut ItemEnum, docs: &EnumDocs, planned: &Option<Vec<Rename>>) {
    let values: BTreeSet<String> = item
        .variants
        .iter()
        .filter_map(|v| serde_rename(&v.attrs))
        .collect();
    let Some(described) = docs.get(&values) else {
        return;
    };
    for (index, variant) in item.variants.iter_mut().enumerate() {
        let Some(value) = serde_rename(&variant.attrs) else {
            continue;
        };
        let Some(description) = described.get(&value) else {
            continue;
        };
        let aliases = planned
            .as_ref()
            .map(|planned| planned[index].aliases.clone())
            .unwrap_or_default();
        let spelled = if aliases.is_empty() {
            format!("Sent as `{value}`.")
        } else {
            let others: Vec<String> = aliases.iter().map(|a| format!("`{a}`")).collect();
            format!(
                "Sent as `{value}`; {} decode to it as well.",
                others.join(", ")
            )
        };
        push_doc(&mut variant.attrs, &format!("{description}\n\n{spelled}"));
    }
}

fn rename_variants(item: &mut ItemEnum, planned: &[Rename]) {
    for (variant, rename) in item.variants.iter_mut().zip(planned) {
        variant.ident = rename.new.clone();
        if !rename.aliases.is_empty() {
            let aliases = rename.aliases.iter();
            variant
                .attrs
                .push(parse_quote!(#[serde(#(alias = #aliases),*)]));
        }
    }
}

/// Renames the variants wherever a path names them, and lets `FromStr` accept the aliases.
struct RenamePaths<'a> {
    renames: &'a HashMap<String, Vec<Rename>>,
    /// The renamed enum whose impl is being visited, for paths through `Self`.
    current_impl: Option<&'a [Rename]>,
}

impl RenamePaths<'_> {
    fn lookup(&self, owner: &str) -> Option<&[Rename]> {
        match owner {
            "Self" => self.current_impl,
            owner => self.renames.get(owner).map(Vec::as_slice),
        }
    }
}

impl VisitMut for RenamePaths<'_> {
    fn visit_item_impl_mut(&mut self, block: &mut ItemImpl) {
        let owner = type_name(&block.self_ty);
        let renames = owner.and_then(|owner| self.renames.get(&owner));
        let outer = self.current_impl;
        self.current_impl = renames.map(Vec::as_slice);
        let is_from_str = block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "FromStr");
        if let (true, Some(renames)) = (is_from_str, self.current_impl) {
            for member in &mut block.items {
                if let ImplItem::Fn(method) = member {
                    AcceptAliases(renames).visit_block_mut(&mut method.block);
                }
            }
        }
        syn::visit_mut::visit_item_impl_mut(self, block);
        self.current_impl = outer;
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let count = path.segments.len();
        if count >= 2 {
            let owner = path.segments[count - 2].ident.to_string();
            if let Some(renames) = self.lookup(&owner)
                && let Some(rename) = renames
                    .iter()
                    .find(|r| path.segments[count - 1].ident == r.old)
            {
                path.segments[count - 1].ident = rename.new.clone();
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// In `FromStr`'s `match`, turns each `"VALUE" => Ok(Self::Variant)` arm into
/// `"VALUE" | "alias" | .. => ..`. Runs before the paths are renamed, so it finds the old name.
struct AcceptAliases<'a>(&'a [Rename]);

impl VisitMut for AcceptAliases<'_> {
    fn visit_arm_mut(&mut self, arm: &mut Arm) {
        let Some(rename) = self.0.iter().find(|r| names_variant(&arm.body, &r.old)) else {
            return;
        };
        if !matches!(
            &arm.pat,
            Pat::Lit(PatLit {
                lit: Lit::Str(_),
                ..
            })
        ) {
            return;
        }
        let mut cases: Punctuated<Pat, syn::Token![|]> = Punctuated::new();
        cases.push(arm.pat.clone());
        for alias in &rename.aliases {
            let alias = LitStr::new(alias, Span::call_site());
            cases.push(parse_quote!(#alias));
        }
        if cases.len() > 1 {
            arm.pat = Pat::Or(PatOr {
                attrs: Vec::new(),
                leading_vert: None,
                cases,
            });
        }
    }
}

/// Whether `expr` is `Ok(Self::<variant>)` (or names the variant some other way).
fn names_variant(expr: &Expr, variant: &Ident) -> bool {
    struct Finder<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if path.segments.last().is_some_and(|s| s.ident == *self.0) {
                self.1 = true;
            }
        }
        fn visit_expr_lit(&mut self, _: &'ast ExprLit) {}
    }
    let mut finder = Finder(variant, false);
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.1
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn pass(file: syn::File, docs: &EnumDocs) -> String {
        let mut file = file;
        apply(&mut file, docs, &VariantDocs::new());
        prettyplease::unparse(&file)
    }

    #[test]
    fn prefixes_that_name_the_enum() {
        let values = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let statuses = values(&["AGENT_STATUS_ACTIVE", "AGENT_STATUS_INACTIVE"]);
        assert_eq!(
            naming_prefix("AgentStatus", &statuses).as_deref(),
            Some("AGENT_STATUS_")
        );
        assert_eq!(
            naming_prefix("UpdateAgentStatusRequestStatus", &statuses).as_deref(),
            Some("AGENT_STATUS_")
        );
        assert_eq!(naming_prefix("BotPosition", &statuses), None);
        assert_eq!(
            naming_prefix("CallType", &values(&["web_call", "outbound_call"])),
            None
        );
        assert_eq!(naming_prefix("Status", &values(&["STATUS_"])), None);
    }

    #[test]
    fn renames_prefixed_variants_and_accepts_other_spellings() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy)]
                pub enum AgentStatus {
                    #[serde(rename = "AGENT_STATUS_ACTIVE")]
                    AgentStatusActive,
                    #[serde(rename = "AGENT_STATUS_BOTTOM_RIGHT")]
                    AgentStatusBottomRight,
                }
                impl ::std::fmt::Display for AgentStatus {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::AgentStatusActive => f.write_str("AGENT_STATUS_ACTIVE"),
                            Self::AgentStatusBottomRight => f.write_str("AGENT_STATUS_BOTTOM_RIGHT"),
                        }
                    }
                }
                impl ::std::str::FromStr for AgentStatus {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "AGENT_STATUS_ACTIVE" => Ok(Self::AgentStatusActive),
                            "AGENT_STATUS_BOTTOM_RIGHT" => Ok(Self::AgentStatusBottomRight),
                            _ => Err("invalid value".into()),
                        }
                    }
                }
                impl ::std::default::Default for Holder {
                    fn default() -> Self {
                        Self { status: super::AgentStatus::AgentStatusActive }
                    }
                }
                #[derive(::serde::Deserialize)]
                pub enum CampaignStatus {
                    #[serde(rename = "draft")]
                    Draft,
                }
            }
        };
        let docs = EnumDocs::from([(
            ["AGENT_STATUS_ACTIVE", "AGENT_STATUS_BOTTOM_RIGHT"]
                .map(str::to_owned)
                .into(),
            BTreeMap::from([
                ("AGENT_STATUS_ACTIVE".to_owned(), "Takes calls.".to_owned()),
                (
                    "AGENT_STATUS_BOTTOM_RIGHT".to_owned(),
                    "Lower right.".to_owned(),
                ),
            ]),
        )]);
        let expected: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy)]
                pub enum AgentStatus {
                    /// Takes calls.
                    ///
                    /// Sent as `AGENT_STATUS_ACTIVE`; `ACTIVE`, `active` decode to it as well.
                    #[serde(rename = "AGENT_STATUS_ACTIVE")]
                    #[serde(alias = "ACTIVE", alias = "active")]
                    Active,
                    /// Lower right.
                    ///
                    /// Sent as `AGENT_STATUS_BOTTOM_RIGHT`; `BOTTOM_RIGHT`, `bottom_right`, `bottom-right` decode to it as well.
                    #[serde(rename = "AGENT_STATUS_BOTTOM_RIGHT")]
                    #[serde(alias = "BOTTOM_RIGHT", alias = "bottom_right", alias = "bottom-right")]
                    BottomRight,
                }
                impl ::std::fmt::Display for AgentStatus {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::Active => f.write_str("AGENT_STATUS_ACTIVE"),
                            Self::BottomRight => f.write_str("AGENT_STATUS_BOTTOM_RIGHT"),
                        }
                    }
                }
                impl ::std::str::FromStr for AgentStatus {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "AGENT_STATUS_ACTIVE" | "ACTIVE" | "active" => Ok(Self::Active),
                            "AGENT_STATUS_BOTTOM_RIGHT" | "BOTTOM_RIGHT" | "bottom_right" | "bottom-right" => Ok(Self::BottomRight),
                            _ => Err("invalid value".into()),
                        }
                    }
                }
                impl ::std::default::Default for Holder {
                    fn default() -> Self {
                        Self { status: super::AgentStatus::Active }
                    }
                }
                #[derive(::serde::Deserialize)]
                pub enum CampaignStatus {
                    #[serde(rename = "draft")]
                    Draft,
                }
            }
        };
        assert_eq!(pass(before, &docs), prettyplease::unparse(&expected));
    }

    #[test]
    fn one_of_variants_get_their_docs_in_order() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                #[serde(untagged)]
                pub enum Reason {
                    Detail(Detail),
                    String(::std::string::String),
                }
            }
        };
        let docs = VariantDocs::from([(
            "Reason".to_owned(),
            vec!["A detail.".to_owned(), "A text.".to_owned()],
        )]);
        apply(&mut file, &EnumDocs::new(), &docs);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("/// A detail.\n        Detail(Detail)"),
            "{text}"
        );
        assert!(text.contains("/// A text.\n        String("), "{text}");
    }

    #[test]
    fn the_empty_value_is_empty() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub enum NextStep {
                    #[serde(rename = "CONNECT_GHL")]
                    ConnectGhl,
                    #[serde(rename = "")]
                    X,
                }
                impl ::std::fmt::Display for NextStep {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::ConnectGhl => f.write_str("CONNECT_GHL"),
                            Self::X => f.write_str(""),
                        }
                    }
                }
            }
        };
        let after = pass(before, &EnumDocs::new());
        assert!(
            after.contains("Self::Empty => f.write_str(\"\")"),
            "{after}"
        );
        assert!(
            after.contains("    Empty,") && after.contains("ConnectGhl"),
            "{after}"
        );
    }

    #[test]
    fn a_colliding_rename_keeps_typify_names() {
        let before: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub enum Kind {
                    #[serde(rename = "KIND_A_B")]
                    KindAB,
                    #[serde(rename = "KIND_A__B")]
                    KindAB2,
                }
            }
        };
        let after = pass(before, &EnumDocs::new());
        assert!(
            after.contains("KindAB2") && !after.contains("alias"),
            "{after}"
        );
    }
}

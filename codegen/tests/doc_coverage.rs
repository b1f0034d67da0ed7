//! Every public item of the generated client has a doc comment: each type, field and enum
//! variant of `types`, each builder type, each operation (the `Client…Ext` trait methods and
//! each builder's `send`) and each trait. Parses the checked-in snapshot `generated/agni.rs`
//! (which `cargo xtask generate --check` keeps identical to what the crate compiles) with syn,
//! prints the coverage per kind (`--nocapture` shows it) and fails listing every item without a
//! doc.
//!
//! A doc that only repeats the item's name in backticks (typify's `` ///`AgentTool` `` for a
//! schema without a description) counts as missing: it tells the reader nothing.

use std::{collections::BTreeMap, fs, path::Path};

use syn::{Attribute, Expr, Fields, ImplItem, Item, Lit, Meta, TraitItem, Visibility};

/// Documented and total count per kind of item, and the paths of the undocumented ones.
#[derive(Default)]
struct Coverage {
    kinds: BTreeMap<&'static str, (usize, usize)>,
    missing: Vec<String>,
}

impl Coverage {
    fn count(&mut self, kind: &'static str, path: String, name: &str, attrs: &[Attribute]) {
        let entry = self.kinds.entry(kind).or_default();
        entry.1 += 1;
        if documented(attrs, name) {
            entry.0 += 1;
        } else {
            self.missing.push(format!("{kind} {path}"));
        }
    }
}

/// The doc text of `attrs`, joined.
fn doc_text(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(lit) => match &lit.lit {
                    Lit::Str(text) => Some(text.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn documented(attrs: &[Attribute], name: &str) -> bool {
    let text = doc_text(attrs);
    let text = text.trim();
    !text.is_empty() && text != format!("`{name}`")
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn types_module(items: &[Item], coverage: &mut Coverage) {
    for item in items {
        match item {
            Item::Struct(item) if is_pub(&item.vis) => {
                let name = item.ident.to_string();
                coverage.count("type", name.clone(), &name, &item.attrs);
                if let Fields::Named(fields) = &item.fields {
                    for field in fields.named.iter().filter(|f| is_pub(&f.vis)) {
                        let field_name = field.ident.as_ref().map(ToString::to_string);
                        let field_name = field_name.unwrap_or_default();
                        let path = format!("{name}.{field_name}");
                        coverage.count("field", path, &field_name, &field.attrs);
                    }
                }
            }
            Item::Enum(item) if is_pub(&item.vis) => {
                let name = item.ident.to_string();
                coverage.count("type", name.clone(), &name, &item.attrs);
                for variant in &item.variants {
                    let variant_name = variant.ident.to_string();
                    let path = format!("{name}::{variant_name}");
                    coverage.count("variant", path, &variant_name, &variant.attrs);
                }
            }
            Item::Mod(module) if module.ident == "builder" => {
                for item in module.content.iter().flat_map(|(_, items)| items) {
                    if let Item::Struct(item) = item
                        && is_pub(&item.vis)
                    {
                        let name = item.ident.to_string();
                        let path = format!("builder::{name}");
                        coverage.count("type builder", path, &name, &item.attrs);
                    }
                }
            }
            _ => {}
        }
    }
}

fn measure(file: &syn::File) -> Coverage {
    let mut coverage = Coverage::default();
    for item in &file.items {
        match item {
            Item::Mod(module) if module.ident == "types" => {
                let items = module.content.as_ref().map(|(_, items)| items.as_slice());
                types_module(items.unwrap_or_default(), &mut coverage);
            }
            Item::Mod(module) if module.ident == "builder" => {
                for item in module.content.iter().flat_map(|(_, items)| items) {
                    let Item::Impl(block) = item else { continue };
                    let owner = quote::ToTokens::to_token_stream(&block.self_ty).to_string();
                    for member in &block.items {
                        if let ImplItem::Fn(method) = member
                            && method.sig.ident == "send"
                            && is_pub(&method.vis)
                        {
                            let path = format!("{owner}::send");
                            coverage.count("operation", path, "send", &method.attrs);
                        }
                    }
                }
            }
            Item::Trait(item) if is_pub(&item.vis) => {
                let name = item.ident.to_string();
                coverage.count("trait", name.clone(), &name, &item.attrs);
                for member in &item.items {
                    if let TraitItem::Fn(method) = member {
                        let method_name = method.sig.ident.to_string();
                        let path = format!("{name}::{method_name}");
                        coverage.count("operation", path, &method_name, &method.attrs);
                    }
                }
            }
            _ => {}
        }
    }
    coverage
}

#[test]
fn every_generated_public_item_is_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/agni.rs");
    let text = fs::read_to_string(&path).expect("generated/agni.rs is readable");
    let file = syn::parse_file(&text).expect("generated/agni.rs parses");
    let coverage = measure(&file);
    for (kind, (documented, total)) in &coverage.kinds {
        let percent = 100.0 * *documented as f64 / (*total).max(1) as f64;
        println!("{kind:>13}: {documented:>4} of {total:>4} documented ({percent:.1}%)");
    }
    assert!(
        coverage.missing.is_empty(),
        "{} generated public items have no doc (document them in spec/overlay.yaml):\n  {}",
        coverage.missing.len(),
        coverage.missing.join("\n  ")
    );
}

#[test]
fn a_bare_name_is_not_a_doc() {
    let file: syn::File = syn::parse_quote! {
        pub mod types {
            ///`Tool`
            pub struct Tool {
                /// The id of the tool.
                pub id: String,
                pub name: String,
            }
        }
    };
    let coverage = measure(&file);
    assert_eq!(coverage.missing, ["type Tool", "field Tool.name"]);
}

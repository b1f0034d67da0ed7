//! The examples pass: every operation's doc example compiles.
//!
//! progenitor documents each operation method of the `Client…Ext` traits with an ```` ```ignore ````
//! example naming every parameter as an unbound variable (`.id(id)`, `.body(body)`), so none of
//! them is ever compiled. This pass replaces each with a `no_run` doctest that sets what the
//! operation requires, read from the generated code itself: the builder's required parameters
//! (fields that are not `Option`) and the request body's required fields (`body_map` on the
//! typify builder), each given a placeholder of its type (`"<id>"`, `1`, the enum's first
//! variant, a nested type's builder).

use std::collections::HashMap;

use quote::{format_ident, quote};
use syn::{Attribute, Fields, Item, ReturnType, TraitItem, Type, parse_quote};

use crate::attrs::{serde_metas, type_name, wrapped};

/// A struct of the generated code: its required fields, in order, with their types.
type Required = Vec<(syn::Ident, Type)>;

/// What the examples need to know about the generated types and builders.
struct Catalog {
    /// `types::X` structs: their required fields.
    structs: HashMap<String, Required>,
    /// `types::X` enums: the first variant that is a value.
    enums: HashMap<String, syn::Ident>,
    /// `builder::Op` request builders: required parameters, and the body type if any.
    builders: HashMap<String, (Required, Option<String>)>,
}

/// Applies the pass; an operation whose required input has a type the pass cannot write a
/// placeholder for is an error naming it.
pub fn apply(file: &mut syn::File) -> Result<(), String> {
    let catalog = Catalog::read(file);
    for item in &mut file.items {
        let Item::Trait(ext) = item else { continue };
        if !ext.ident.to_string().starts_with("Client") {
            continue;
        }
        for method in &mut ext.items {
            let TraitItem::Fn(method) = method else {
                continue;
            };
            let Some(builder) = returned_builder(&method.sig.output) else {
                continue;
            };
            let example = catalog
                .example(&method.sig.ident, &builder)
                .map_err(|e| format!("{}: {e}", method.sig.ident))?;
            replace_ignored_example(&mut method.attrs, &example);
        }
    }
    Ok(())
}

impl Catalog {
    fn read(file: &syn::File) -> Catalog {
        let mut catalog = Catalog {
            structs: HashMap::new(),
            enums: HashMap::new(),
            builders: HashMap::new(),
        };
        for item in &file.items {
            let Item::Mod(module) = item else { continue };
            let Some((_, items)) = &module.content else {
                continue;
            };
            match module.ident.to_string().as_str() {
                "types" => catalog.read_types(items),
                "builder" => catalog.read_builders(items),
                _ => {}
            }
        }
        catalog
    }

    fn read_types(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Struct(s) => {
                    let Fields::Named(fields) = &s.fields else {
                        continue;
                    };
                    let required = fields
                        .named
                        .iter()
                        .filter(|f| {
                            !has_serde_default(&f.attrs) && wrapped(&f.ty, "Option").is_none()
                        })
                        .filter_map(|f| Some((f.ident.clone()?, f.ty.clone())))
                        .collect();
                    self.structs.insert(s.ident.to_string(), required);
                }
                Item::Enum(e) => {
                    if let Some(first) = e
                        .variants
                        .iter()
                        .find(|v| v.ident != "Unknown" && matches!(v.fields, Fields::Unit))
                    {
                        self.enums.insert(e.ident.to_string(), first.ident.clone());
                    }
                }
                _ => {}
            }
        }
    }

    fn read_builders(&mut self, items: &[Item]) {
        for item in items {
            let Item::Struct(s) = item else { continue };
            let Fields::Named(fields) = &s.fields else {
                continue;
            };
            let mut required = Vec::new();
            let mut body = None;
            for field in &fields.named {
                let Some(ident) = &field.ident else { continue };
                // Every input is held as `Result<T, String>`.
                let Some(inner) = wrapped(&field.ty, "Result") else {
                    continue;
                };
                if ident == "body" {
                    body = type_name(inner);
                } else if wrapped(inner, "Option").is_none() {
                    required.push((ident.clone(), inner.clone()));
                }
            }
            self.builders.insert(s.ident.to_string(), (required, body));
        }
    }

    /// The example's code: a function body calling `method` with everything it requires.
    fn example(&self, method: &syn::Ident, builder: &str) -> Result<String, String> {
        let (required, body) = self
            .builders
            .get(builder)
            .ok_or_else(|| format!("no builder `{builder}`"))?;
        let mut call = quote!(client.#method());
        for (name, ty) in required {
            let value = self.placeholder(name, ty)?;
            call = quote!(#call.#name(#value));
        }
        if let Some(body) = body {
            let fields = self
                .structs
                .get(body)
                .ok_or_else(|| format!("no body type `{body}`"))?;
            if !fields.is_empty() {
                let mut filled = quote!(body);
                for (name, ty) in fields {
                    let value = self.placeholder(name, ty)?;
                    filled = quote!(#filled.#name(#value));
                }
                call = quote!(#call.body_map(|body| #filled));
            }
        }
        let function: syn::File = parse_quote! {
            async fn example(client: &agni::Client) -> Result<(), agni::Error> {
                use agni::prelude::*;

                let response = #call.send().await?;
                Ok(())
            }
        };
        Ok(prettyplease::unparse(&function))
    }

    /// A value of `ty` for the input `name`.
    fn placeholder(
        &self,
        name: &syn::Ident,
        ty: &Type,
    ) -> Result<proc_macro2::TokenStream, String> {
        let text = format!("<{}>", name.to_string().trim_end_matches('_'));
        let name_of_type = type_name(ty).unwrap_or_default();
        Ok(match name_of_type.as_str() {
            "String" => quote!(#text),
            "E164" => quote!("+14155550100"),
            "bool" => quote!(true),
            "f64" | "f32" => quote!(1.0),
            "i64" | "i32" | "u64" | "u32" | "NonZeroU64" | "NonZeroU32" => quote!(1),
            "Vec" if wrapped(ty, "Vec").and_then(type_name).as_deref() == Some("String") => {
                quote!(vec![#text.to_owned()])
            }
            other => {
                let ident = format_ident!("{other}");
                if let Some(variant) = self.enums.get(other) {
                    quote!(agni::types::#ident::#variant)
                } else if let Some(fields) = self.structs.get(other) {
                    let mut built = quote!(agni::types::#ident::builder());
                    for (field, ty) in fields {
                        let value = self.placeholder(field, ty)?;
                        built = quote!(#built.#field(#value));
                    }
                    built
                } else {
                    return Err(format!(
                        "no placeholder for `{name}`, of type `{}`",
                        quote!(#ty)
                    ));
                }
            }
        })
    }
}

/// `Op` in a method returning `builder::Op<'_>`.
fn returned_builder(output: &ReturnType) -> Option<String> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let segments: Vec<_> = path.path.segments.iter().collect();
    match segments.as_slice() {
        [module, op] if module.ident == "builder" => Some(op.ident.to_string()),
        _ => None,
    }
}

/// Replaces the ```` ```ignore ```` block of a doc comment with `code` as a `no_run` doctest
/// whose function signature and `Ok(())` are hidden.
fn replace_ignored_example(attrs: &mut [Attribute], code: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(doc) = &attr.meta else {
            continue;
        };
        let Some(text) = crate::attrs::lit_str(&doc.value) else {
            continue;
        };
        let Some(start) = text.find("```ignore") else {
            continue;
        };
        let Some(length) = text[start + 3..].find("```") else {
            continue;
        };
        let end = start + 3 + length + 3;
        let doctest = doctest(code);
        let replaced = format!("{}{doctest}{}", &text[..start], &text[end..]);
        *attr = parse_quote!(#[doc = #replaced]);
    }
}

/// `code` (one function) as a doctest showing only the function's body.
fn doctest(code: &str) -> String {
    let lines: Vec<&str> = code.trim_end().lines().collect();
    let mut out = String::from("```no_run\n");
    for (i, line) in lines.iter().enumerate() {
        let inner = line.strip_prefix("    ").unwrap_or(line);
        if i == 0 || i + 2 >= lines.len() {
            out.push_str("# ");
            out.push_str(if i == 0 { line } else { inner });
        } else {
            out.push_str(inner);
        }
        out.push('\n');
    }
    out.push_str("```");
    out
}

fn has_serde_default(attrs: &[Attribute]) -> bool {
    serde_metas(attrs)
        .iter()
        .any(|m| m.path().is_ident("default") || m.path().is_ident("flatten"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_and_ok_are_hidden() {
        let code = "async fn example() -> Result<(), E> {\n    let a = 1;\n    Ok(())\n}\n";
        assert_eq!(
            doctest(code),
            "```no_run\n# async fn example() -> Result<(), E> {\nlet a = 1;\n# Ok(())\n# }\n```"
        );
    }

    #[test]
    fn required_parameters_and_body_fields_get_placeholders() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub enum Kind { Web, Phone, Unknown(String) }
                pub struct CallRequest {
                    pub agent_id: ::std::string::String,
                    #[serde(rename = "type")]
                    pub type_: Kind,
                    pub note: ::std::option::Option<::std::string::String>,
                    #[serde(default)]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                }
            }
            pub mod builder {
                pub struct CreateCall<'a> {
                    client: &'a super::Client,
                    id: Result<::std::string::String, String>,
                    limit: Result<Option<i64>, String>,
                    body: Result<types::builder::CallRequest, String>,
                }
            }
            pub trait ClientCallExt {
                #[doc = "Create Call\n\n```ignore\nlet response = client.create_call()\n    .id(id)\n    .send()\n    .await;\n```"]
                fn create_call(&self) -> builder::CreateCall<'_>;
            }
        };
        apply(&mut file).expect("every input has a placeholder");
        let Item::Trait(ext) = &file.items[2] else {
            panic!("the trait stays third")
        };
        let TraitItem::Fn(method) = &ext.items[0] else {
            panic!("one method")
        };
        let doc = crate::attrs::lit_str(match &method.attrs[0].meta {
            syn::Meta::NameValue(nv) => &nv.value,
            _ => panic!("a doc attribute"),
        })
        .expect("a string");
        assert!(doc.starts_with("Create Call\n\n```no_run\n"), "{doc}");
        assert!(!doc.contains("ignore"), "{doc}");
        assert!(doc.contains(r#".id("<id>")"#), "{doc}");
        assert!(!doc.contains("limit"), "{doc}");
        assert!(
            doc.contains(r#"body.agent_id("<agent_id>").type_(agni::types::Kind::Web)"#),
            "{doc}"
        );
    }
}

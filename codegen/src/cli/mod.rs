//! The CLI pass: adapts the output of progenitor's `clap` CLI generator (`Generator::cli`) to
//! `agni`, for the `ravan-agni-cli` crate (`cli/src/generated.rs`).
//!
//! progenitor writes, per operation, `cli_{op}() -> clap::Command` (one flag per path and query
//! parameter, one per scalar body field, and `--json-body FILE`) and `execute_{op}(&matches)`
//! (fills the operation's builder from the flags, sends it, hands the answer to a `CliConfig`).
//! That code assumes progenitor's own `Error<E>` and `schemars::JsonSchema` on every type;
//! `agni`'s `send()` returns `agni::Error` and its types do not derive `JsonSchema` (that would
//! cost every SDK user build time). This pass, driven by what the spec says of each operation:
//!
//! - `CliConfig`: drops the `JsonSchema` bounds, takes `&agni::Error`, loses progenitor's
//!   dropshot-pagination and per-operation hooks (unused here), and gains `body` (a request body
//!   from inline JSON, `@file` or `-` for stdin) and `list_all` (every page, through
//!   `agni::pagination`);
//! - path parameters become positional arguments, in path order (`agni sessions get ID`);
//! - `--json-body FILE` (and its placeholder `--json-body-template`) becomes `--body
//!   JSON|@FILE|-`, read before the field flags, so flags override fields of the file;
//! - a flag spelled like one of the CLI's own options ([`RESERVED`]: `--api-key` is Cal.com's key
//!   in `ConnectCalcom`) becomes `--body-api-key`;
//! - operations the spec pages (`limit`+`offset`, or `page`+`page_size` query parameters) get
//!   `--all`, which pages through `agni::pagination::paginate` with that scheme;
//! - `CliCommand::operation_id()` answers the spec's operationId (`ListAgents`), not
//!   progenitor's snake-case name, so the CLI's command table is keyed by what `openapi.yaml`
//!   says.
//!
//! Nothing is edited per operation; anything progenitor emits that the pass does not recognise
//! is an [`Error`](crate::Error) rather than silently kept.

use std::collections::HashMap;

use heck::ToSnakeCase;
use openapiv3::{OpenAPI, Parameter, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{ImplItem, Item, Stmt, TraitItem, parse_quote};

mod command;
use command::command;

use crate::attrs::type_name;

/// How a list operation pages, read from its query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `limit` and `offset`.
    Offset,
    /// `page` and `page_size`.
    PageNumber,
}

/// What the pass needs to know about one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOperation {
    /// The spec's operationId (`ListAgents`).
    pub id: String,
    /// Path parameter names, in the order the path template names them.
    pub path_parameters: Vec<String>,
    /// Its paging scheme, if the spec pages it.
    pub paging: Option<Paging>,
}

/// Long options of the hand-written CLI that every command takes (`agni_cli::Global`), plus
/// the generated `--body` and `--all`. A body field or parameter spelled the same (Cal.com's
/// `api_key`) is given `--body-` before its name instead, so the two never collide.
pub const RESERVED: &[&str] = &[
    "api-key", "base-url", "profile", "output", "verbose", "help", "version", "body", "all",
];

/// Reads every operation of `spec`, keyed by progenitor's snake-case name (`list_agents`).
pub fn operations(spec: &OpenAPI) -> HashMap<String, CliOperation> {
    let mut operations = HashMap::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let Some(id) = &operation.operation_id else {
                continue;
            };
            let parameters: Vec<&Parameter> = operation
                .parameters
                .iter()
                .chain(&item.parameters)
                .filter_map(|p| p.as_item())
                .collect();
            let query = |name: &str| {
                parameters
                    .iter()
                    .any(|p| matches!(p, Parameter::Query { parameter_data, .. } if parameter_data.name == name))
            };
            let paging = if query("limit") && query("offset") {
                Some(Paging::Offset)
            } else if query("page") && query("page_size") {
                Some(Paging::PageNumber)
            } else {
                None
            };
            let mut path_parameters: Vec<(usize, String)> = parameters
                .iter()
                .filter_map(|p| match p {
                    Parameter::Path { parameter_data, .. } => {
                        let name = &parameter_data.name;
                        let at = path.find(&format!("{{{name}}}")).unwrap_or(usize::MAX);
                        Some((at, name.clone()))
                    }
                    _ => None,
                })
                .collect();
            path_parameters.sort();
            operations.insert(
                id.to_snake_case(),
                CliOperation {
                    id: id.clone(),
                    path_parameters: path_parameters.into_iter().map(|(_, n)| n).collect(),
                    paging,
                },
            );
        }
    }
    operations
}

/// Applies the pass (see the module docs) to progenitor's CLI file.
pub fn adapt(
    file: &mut syn::File,
    operations: &HashMap<String, CliOperation>,
) -> Result<(), String> {
    file.items.retain(|item| !is_use_of(item, "anyhow"));
    let at = file
        .items
        .iter()
        .position(|item| is_use_of(item, "agni"))
        .ok_or("progenitor's CLI does not `use agni::*`")?;
    file.items.insert(
        at + 1,
        parse_quote!(
            use agni::prelude::*;
        ),
    );
    for item in &mut file.items {
        match item {
            Item::Impl(block) if type_name(&block.self_ty).as_deref() == Some("Cli") => {
                for member in &mut block.items {
                    if let ImplItem::Fn(function) = member {
                        let name = function.sig.ident.to_string();
                        if let Some(op) = name.strip_prefix("cli_") {
                            let op = lookup(operations, op)?;
                            let Some(Stmt::Expr(expr, None)) = function.block.stmts.last_mut()
                            else {
                                return Err(format!("{name} does not end in a command"));
                            };
                            *expr = command(expr, op);
                        } else if let Some(op) = name.strip_prefix("execute_") {
                            let op = lookup(operations, op)?;
                            execute(&mut function.block.stmts, op)?;
                        }
                    }
                }
            }
            Item::Impl(block) if type_name(&block.self_ty).as_deref() == Some("CliCommand") => {
                SpecIds(operations).rewrite(block)?;
            }
            Item::Trait(config) if config.ident == "CliConfig" => {
                config_trait(config);
            }
            _ => {}
        }
    }
    Ok(())
}

fn lookup<'a>(
    operations: &'a HashMap<String, CliOperation>,
    snake: &str,
) -> Result<&'a CliOperation, String> {
    operations
        .get(snake)
        .ok_or_else(|| format!("progenitor's CLI names `{snake}`, which no operationId spells"))
}

fn is_use_of(item: &Item, krate: &str) -> bool {
    matches!(item, Item::Use(u) if matches!(&u.tree, syn::UseTree::Path(p) if p.ident == krate))
}

/// Rewrites `execute_{op}`: the body first and through `CliConfig::body`, no per-operation hook,
/// and `--all` before the single request.
fn execute(stmts: &mut Vec<Stmt>, op: &CliOperation) -> Result<(), String> {
    stmts.retain(|stmt| !calls_hook(stmt));
    for stmt in stmts.iter_mut() {
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut RawArms, stmt);
    }
    if stmts.iter().any(|s| mentions(s, "todo !")) {
        return Err(format!(
            "{}: progenitor left a todo!() the pass does not replace",
            op.id
        ));
    }
    if let Some(at) = stmts.iter().position(|s| mentions(s, "\"json-body\"")) {
        let old = stmts.remove(at);
        let body = turbofish_of(&old, "from_str")
            .ok_or_else(|| format!("{}: no body type in the --json-body reader", op.id))?;
        stmts.insert(
            1,
            parse_quote! {
                if let Some(value) = matches.get_one::<::std::string::String>("body") {
                    request = request.body(self.config.body::<#body>(value)?);
                }
            },
        );
    }
    if let Some(paging) = op.paging {
        let at = stmts
            .iter()
            .position(|s| mentions(s, "let result = request . send ()"))
            .ok_or_else(|| format!("{}: no request.send() to page", op.id))?;
        let (scheme, set): (TokenStream, TokenStream) = match paging {
            Paging::Offset => (
                quote!(Offset),
                quote!(request.clone().limit(page.size).offset(page.offset)),
            ),
            Paging::PageNumber => (
                quote!(PageNumber),
                quote!(request.clone().page(page.number).page_size(page.size)),
            ),
        };
        stmts.insert(
            at,
            parse_quote! {
                if matches.get_flag("all") {
                    return self
                        .config
                        .list_all(agni::pagination::Paging::#scheme, move |page| {
                            let request = #set;
                            async move { request.send().await.map(ResponseValue::into_inner) }
                        })
                        .await;
                }
            },
        );
    }
    Ok(())
}

/// progenitor's `todo!()` arms for answers that are not JSON (a byte stream): `Ok` hands the
/// stream to `CliConfig::success_stream`, `Err` reports like any other error.
struct RawArms;

impl syn::visit_mut::VisitMut for RawArms {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let body = arm.body.to_token_stream().to_string();
        let is_todo = body == "todo ! ()" || body == "{ todo ! () }";
        if is_todo {
            let pattern = arm.pat.to_token_stream().to_string();
            if pattern.starts_with("Ok") {
                *arm.body = parse_quote!(self.config.success_stream(r).await);
            } else if pattern.starts_with("Err") {
                *arm.body = parse_quote!({
                    self.config.error(&r);
                    Err(anyhow::Error::new(r))
                });
            }
        }
        syn::visit_mut::visit_arm_mut(self, arm);
    }
}

/// `self.config.execute_x(matches, &mut request)?;`, progenitor's per-operation hook.
fn calls_hook(stmt: &Stmt) -> bool {
    let text = stmt.to_token_stream().to_string();
    text.starts_with("self . config . execute_")
}

fn mentions(stmt: &Stmt, text: &str) -> bool {
    stmt.to_token_stream().to_string().contains(text)
}

/// `T` in the first `name::<T>` inside `stmt`.
fn turbofish_of(stmt: &Stmt, name: &str) -> Option<syn::Type> {
    struct Find<'a> {
        name: &'a str,
        found: Option<syn::Type>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            if self.found.is_none()
                && segment.ident == self.name
                && let syn::PathArguments::AngleBracketed(args) = &segment.arguments
                && let Some(syn::GenericArgument::Type(ty)) = args.args.first()
            {
                self.found = Some(ty.clone());
            }
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let mut find = Find { name, found: None };
    syn::visit::Visit::visit_stmt(&mut find, stmt);
    find.found
}

/// `CliCommand::operation_id()` answers the spec's operationIds.
struct SpecIds<'a>(&'a HashMap<String, CliOperation>);

impl SpecIds<'_> {
    fn rewrite(&self, block: &mut syn::ItemImpl) -> Result<(), String> {
        let mut unknown = None;
        for member in &mut block.items {
            if let ImplItem::Fn(function) = member
                && function.sig.ident == "operation_id"
            {
                let mut visit =
                    Literals(
                        |literal: &mut syn::LitStr| match self.0.get(&literal.value()) {
                            Some(op) => *literal = syn::LitStr::new(&op.id, literal.span()),
                            None => unknown = Some(literal.value()),
                        },
                    );
                syn::visit_mut::VisitMut::visit_block_mut(&mut visit, &mut function.block);
            }
        }
        match unknown {
            Some(name) => Err(format!(
                "CliCommand names `{name}`, which no operationId spells"
            )),
            None => Ok(()),
        }
    }
}

struct Literals<F>(F);

impl<F: FnMut(&mut syn::LitStr)> syn::visit_mut::VisitMut for Literals<F> {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        (self.0)(literal);
    }
}

/// The `CliConfig` the hand-written CLI implements.
fn config_trait(config: &mut syn::ItemTrait) {
    let keep = ["success_item", "success_no_item"];
    config.items.retain(
        |item| matches!(item, TraitItem::Fn(f) if keep.contains(&f.sig.ident.to_string().as_str())),
    );
    for item in &mut config.items {
        if let TraitItem::Fn(function) = item
            && let Some(clause) = &mut function.sig.generics.where_clause
        {
            for predicate in &mut clause.predicates {
                if let syn::WherePredicate::Type(bound) = predicate {
                    bound.bounds = bound
                        .bounds
                        .iter()
                        .filter(|b| !b.to_token_stream().to_string().ends_with("JsonSchema"))
                        .cloned()
                        .collect();
                }
            }
        }
    }
    let ident = format_ident!("R");
    config.items.extend([
        parse_quote! {
            /// Reports a failed request (the error is also returned to the caller).
            fn error(&self, value: &Error);
        },
        parse_quote! {
            /// Prints an answer that is not JSON (a byte stream).
            fn success_stream(
                &self,
                value: ResponseValue<ByteStream>,
            ) -> impl ::std::future::Future<Output = anyhow::Result<()>>;
        },
        parse_quote! {
            /// Reads a request body given as inline JSON, `@FILE` or `-` (stdin).
            fn body<B: serde::de::DeserializeOwned>(&self, value: &str) -> anyhow::Result<B>;
        },
        parse_quote! {
            /// Prints every item of a paged list, calling `fetch` for each page.
            fn list_all<#ident, F, Fut>(
                &self,
                paging: agni::pagination::Paging,
                fetch: F,
            ) -> impl ::std::future::Future<Output = anyhow::Result<()>>
            where
                #ident: serde::Serialize,
                F: FnMut(agni::pagination::PageRequest) -> Fut,
                Fut: ::std::future::Future<Output = Result<#ident, Error>>;
        },
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, path: &[&str], paging: Option<Paging>) -> (String, CliOperation) {
        (
            id.to_snake_case(),
            CliOperation {
                id: id.into(),
                path_parameters: path.iter().map(|s| s.to_string()).collect(),
                paging,
            },
        )
    }

    #[test]
    fn progenitor_cli_becomes_agni_cli() {
        let mut file: syn::File = parse_quote! {
            use agni::*;
            use anyhow::Context as _;
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_agents() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("limit").long("limit").value_parser(::clap::value_parser!(i32)).required(false))
                        .about("List Agents")
                }
                pub fn cli_remove_contact(cmd: u8) -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("contact-id").long("contact-id").required(true))
                        .arg(::clap::Arg::new("id").long("id").required(true))
                        .arg(::clap::Arg::new("name").long("name").required_unless_present("json-body"))
                        .arg(::clap::Arg::new("api-key").long("api-key"))
                        .arg(::clap::Arg::new("json-body").long("json-body").required(false))
                        .arg(::clap::Arg::new("json-body-template").long("json-body-template"))
                }
                pub async fn execute_remove_contact(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.remove_contact();
                    if let Some(value) = matches.get_one::<String>("id") { request = request.id(value.clone()); }
                    if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                        let body_txt = std::fs::read_to_string(value).unwrap();
                        let body_value = serde_json::from_str::<types::Removal>(&body_txt).unwrap();
                        request = request.body(body_value);
                    }
                    self.config.execute_remove_contact(matches, &mut request)?;
                    let result = request.send().await;
                    result
                }
                pub async fn execute_list_agents(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.list_agents();
                    let result = request.send().await;
                    match result {
                        Ok(r) => { todo!() }
                        Err(r) => todo!(),
                    }
                }
            }
            pub trait CliConfig {
                fn success_item<T>(&self, value: &ResponseValue<T>) where T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug;
                fn error<T>(&self, value: &Error<T>) where T: schemars::JsonSchema + serde::Serialize;
                fn list_start<T>(&self) where T: schemars::JsonSchema;
                fn execute_list_agents(&self, matches: &::clap::ArgMatches, request: &mut builder::ListAgents) -> anyhow::Result<()> { Ok(()) }
            }
            impl CliCommand {
                pub fn operation_id(&self) -> &'static str {
                    match self { CliCommand::ListAgents => "list_agents", CliCommand::RemoveContact => "remove_contact" }
                }
            }
        };
        let operations = HashMap::from([
            op("ListAgents", &[], Some(Paging::Offset)),
            op("RemoveContact", &["id", "contactId"], None),
        ]);
        adapt(&mut file, &operations).expect("adapts");
        let text = prettyplease::unparse(&file);
        for expected in [
            "use agni::prelude::*;",
            // Path parameters, in path order, positional.
            ".index(2usize)\n                    .value_name(\"CONTACT_ID\")",
            "::clap::Arg::new(\"id\").required(true).index(1usize).value_name(\"ID\")",
            ".required_unless_present(\"body\")",
            "::clap::Arg::new(\"api-key\").long(\"body-api-key\")",
            "::clap::Arg::new(\"body\")",
            "request = request.body(self.config.body::<types::Removal>(value)?);",
            "agni::pagination::Paging::Offset,",
            ".limit(page.size)",
            ".offset(page.offset)",
            "::clap::Arg::new(\"all\")",
            "fn error(&self, value: &Error);",
            "T: serde::Serialize + std::fmt::Debug;",
            "CliCommand::ListAgents => \"ListAgents\"",
            "CliCommand::RemoveContact => \"RemoveContact\"",
            "Ok(r) => self.config.success_stream(r).await,",
            "Err(anyhow::Error::new(r))",
        ] {
            assert!(text.contains(expected), "{expected}\n---\n{text}");
        }
        for gone in [
            "anyhow::Context",
            "json-body",
            "JsonSchema",
            "list_start",
            "self.config.execute_",
            "todo!",
        ] {
            assert!(!text.contains(gone), "{gone}\n---\n{text}");
        }
        // The body is read before the flags that override its fields.
        let body = text
            .find("get_one::<::std::string::String>(\"body\")")
            .expect("body");
        let id = text.find("get_one::<String>(\"id\")").expect("id");
        assert!(body < id, "{text}");
    }

    #[test]
    fn unknown_operations_fail_generation() {
        let mut file: syn::File = parse_quote! {
            use agni::*;
            impl<T: CliConfig> Cli<T> {
                pub fn cli_vanished() -> ::clap::Command { ::clap::Command::new("") }
            }
        };
        let error = adapt(&mut file, &HashMap::new()).expect_err("unknown");
        assert!(error.contains("vanished"), "{error}");
    }
}

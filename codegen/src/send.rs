//! Routes every generated operation through `agni`'s request path (`crate::transport`).
//!
//! progenitor's builders end in `async fn send(self) -> Result<ResponseValue<T>, Error<E>>`,
//! which builds a `reqwest::Request` and then executes it through progenitor's hooks. This pass
//! splits that method in two:
//!
//! - `pub(crate) fn request(self) -> Result<(&Client, reqwest::Request), Error<E>>`: progenitor's
//!   code up to the built request, unchanged except that each path parameter goes through
//!   `crate::transport::path_segment` (which refuses `.`/`..`/empty values that would change the
//!   route), documented numeric ranges are checked, missing-parameter messages name the method
//!   to call, and progenitor's `api-version` header (not an Agni header) is dropped;
//! - `pub async fn send(self) -> Result<ResponseValue<T>, agni::Error>`: hands that request and
//!   the operation's description (`OPERATION`: id, path template, accepted credentials; also used by
//!   hand-written operations built on the generated request) to `crate::transport::send` (or
//!   `send_stream` for byte streams), which authenticates, retries, reads and decodes.
//!
//! One rewrite here gives every operation the same request path; nothing is edited per
//! operation. The generated `Client::new` (which would build a client that follows redirects
//! with the credentials and skips the https check) is removed and `new_with_client` made
//! crate-private, so `ClientBuilder` is the only way to make a client.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{
    Expr, ExprLit, ExprMacro, ExprStruct, ImplItem, ImplItemFn, Item, Lit, LitStr, Local, Member,
    Pat, ReturnType, Stmt,
    parse::Parser,
    punctuated::Punctuated,
    visit::{self, Visit},
    visit_mut::{self, VisitMut},
};

use crate::{
    Error,
    attrs::wrapped,
    operations::{ByRoute, Facts},
};

/// Applies the rewrite to the generated file: every builder's `send`, and the `Client`
/// constructors. Returns the types the operations answer with in JSON (for the envelope pass).
/// Fails if an operation is missing from `facts` (its credentials would be unknown).
pub fn route_through_agni(
    file: &mut syn::File,
    facts: &ByRoute,
) -> Result<BTreeSet<String>, Error> {
    let mut answers = BTreeSet::new();
    for item in &mut file.items {
        match item {
            Item::Mod(module) if module.ident == "builder" => {
                let Some((_, items)) = &mut module.content else {
                    continue;
                };
                for item in items {
                    if let Item::Impl(block) = item {
                        rewrite_builder(block, facts, &mut answers)?;
                    }
                }
            }
            Item::Impl(block) if block.trait_.is_none() && is_client(&block.self_ty) => {
                restrict_constructors(block);
            }
            _ => {}
        }
    }
    Ok(answers)
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("Client"))
}

/// Drops `Client::new` and makes `Client::new_with_client` crate-private.
fn restrict_constructors(block: &mut syn::ItemImpl) {
    block
        .items
        .retain(|item| !matches!(item, ImplItem::Fn(f) if f.sig.ident == "new"));
    for item in &mut block.items {
        if let ImplItem::Fn(function) = item
            && function.sig.ident == "new_with_client"
        {
            function.vis = syn::parse_quote!(pub(crate));
        }
    }
}

fn rewrite_builder(
    block: &mut syn::ItemImpl,
    facts: &ByRoute,
    answers: &mut BTreeSet<String>,
) -> Result<(), Error> {
    let mut added = Vec::new();
    for member in &mut block.items {
        let ImplItem::Fn(method) = member else {
            continue;
        };
        if method.sig.ident == "new" {
            NameTheSetter.visit_block_mut(&mut method.block);
        } else if let Some(items) = split_send(method, facts, answers)? {
            added.extend(items);
        }
    }
    block.items.extend(added);
    Ok(())
}

/// Turns progenitor's `send` into `request` and returns the operation's description and the
/// new `send`, or `None` if `method` is not a generated `send`.
fn split_send(
    method: &mut ImplItemFn,
    facts: &ByRoute,
    answers: &mut BTreeSet<String>,
) -> Result<Option<[ImplItem; 2]>, Error> {
    if method.sig.ident != "send" || method.sig.asyncness.is_none() {
        return Ok(None);
    }
    let (Some(success), Some((http_method, path)), Some(id)) = (
        success_type(&method.sig.output),
        method_and_path(&method.attrs),
        operation_id(method),
    ) else {
        return Ok(None);
    };
    let facts = facts
        .get(&(http_method.clone(), path.clone()))
        .ok_or_else(|| Error::Security(format!("{http_method} {path}: not in the spec")))?;
    let docs: Vec<_> = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let is_stream = matches!(&success, syn::Type::Path(p) if p.path.is_ident("ByteStream"));
    let send = if is_stream {
        format_ident!("send_stream")
    } else {
        answers.insert(quote!(#success).to_string());
        format_ident!("send")
    };
    let auth = facts
        .credentials
        .iter()
        .map(|credential| format_ident!("{}", credential.variant()));

    into_request(method, facts);
    Ok(Some([
        syn::parse_quote! {
            /// What the request path needs to know about this operation.
            pub(crate) const OPERATION: crate::transport::Operation = crate::transport::Operation {
                id: #id,
                path: #path,
                auth: &[#(crate::transport::Credential::#auth),*],
            };
        },
        syn::parse_quote! {
            #(#docs)*
            pub async fn send(self) -> Result<ResponseValue<#success>, crate::Error> {
                crate::transport::#send(&Self::OPERATION, self.request()).await
            }
        },
    ]))
}

/// Rewrites progenitor's `send` body into `request`: everything up to the built request,
/// which it returns with the client.
fn into_request(method: &mut ImplItemFn, facts: &Facts) {
    let error = error_type(&method.sig.output);
    method.sig.ident = format_ident!("request");
    method.sig.asyncness = None;
    method.vis = syn::parse_quote!(pub(crate));
    method.attrs.retain(|a| !a.path().is_ident("doc"));
    method.attrs.push(syn::parse_quote! {
        /// Builds the request without sending it; `send` sends it.
    });
    method.sig.output = syn::parse_quote! {
        -> Result<(&'a super::Client, reqwest::Request), #error>
    };
    let statements = std::mem::take(&mut method.block.stmts);
    // Without the api-version header, progenitor's header map stays empty unless the operation
    // has header parameters; an empty one is not built at all.
    let other_headers = statements.iter().any(|statement| {
        mentions(statement, "header_map")
            && !defines(statement, "header_map")
            && !defines(statement, "request")
            && !appends_api_version(statement)
    });
    let mut kept = Vec::new();
    for statement in statements {
        let builds_request = defines(&statement, "request");
        if appends_api_version(&statement) || (!other_headers && defines(&statement, "header_map"))
        {
            continue;
        }
        kept.push(statement);
        if let Some(ident) = unwrapped_parameter(kept.last()) {
            kept.extend(range_checks(&ident, facts));
        }
        if builds_request {
            break;
        }
    }
    method.block.stmts = kept;
    method
        .block
        .stmts
        .push(syn::parse_quote!(return Ok((client, request));));
    let mut rewrite = RequestRewrite {
        drop_header_map: !other_headers,
    };
    rewrite.visit_block_mut(&mut method.block);
}

/// `Error<E>` in `Result<ResponseValue<T>, Error<E>>`.
fn error_type(output: &ReturnType) -> syn::Type {
    let fallback = syn::parse_quote!(Error<types::ErrorBody>);
    let ReturnType::Type(_, ty) = output else {
        return fallback;
    };
    let syn::Type::Path(result) = ty.as_ref() else {
        return fallback;
    };
    let Some(last) = result.path.segments.last() else {
        return fallback;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return fallback;
    };
    match args.args.iter().nth(1) {
        Some(syn::GenericArgument::Type(ty)) => ty.clone(),
        _ => fallback,
    }
}

/// Whether `statement` is `let [mut] name = ...;`.
fn defines(statement: &Stmt, name: &str) -> bool {
    matches!(statement, Stmt::Local(Local { pat, .. }) if pat_ident(pat).is_some_and(|i| i == name))
}

fn pat_ident(pat: &Pat) -> Option<&syn::Ident> {
    match pat {
        Pat::Ident(ident) => Some(&ident.ident),
        Pat::Type(typed) => pat_ident(&typed.pat),
        _ => None,
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), ...)`.
fn appends_api_version(statement: &Stmt) -> bool {
    matches!(statement, Stmt::Expr(..)) && mentions(statement, "\"api-version\"")
}

/// Whether `statement`'s tokens contain `text`.
fn mentions(statement: &Stmt, text: &str) -> bool {
    quote!(#statement).to_string().contains(text)
}

/// `x` in `let x = x.map_err(Error::InvalidRequest)?;`, the statement that unwraps a parameter.
fn unwrapped_parameter(statement: Option<&Stmt>) -> Option<syn::Ident> {
    let Some(Stmt::Local(local)) = statement else {
        return None;
    };
    let ident = pat_ident(&local.pat)?;
    let init = &local.init.as_ref()?.expr;
    let text = quote!(#init).to_string().replace(' ', "");
    (text == format!("{ident}.map_err(Error::InvalidRequest)?")).then(|| ident.clone())
}

/// The range check of parameter `ident`, if the spec bounds it.
fn range_checks(ident: &syn::Ident, facts: &Facts) -> Vec<Stmt> {
    use heck::ToSnakeCase;
    facts
        .ranges
        .iter()
        .filter(|range| *ident == range.name.to_snake_case())
        .map(|range| {
            let name = ident.to_string();
            let bound = |b: Option<f64>| match b {
                Some(b) => quote!(Some(#b)),
                None => quote!(None),
            };
            let (minimum, maximum) = (bound(range.minimum), bound(range.maximum));
            let value = if range.required {
                quote!(Some(&#ident))
            } else {
                quote!(#ident.as_ref())
            };
            syn::parse_quote! {
                crate::transport::check_range(#name, #value, #minimum, #maximum)
                    .map_err(Error::InvalidRequest)?;
            }
        })
        .collect()
}

/// Inside `request`: path parameters through `path_segment`, and no `.headers(header_map)`
/// when the map is no longer built.
struct RequestRewrite {
    drop_header_map: bool,
}

impl VisitMut for RequestRewrite {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::MethodCall(call) = expr
            && self.drop_header_map
            && call.method == "headers"
            && call.args.len() == 1
            && quote!(#call.args).to_string().contains("header_map")
        {
            *expr = (*call.receiver).clone();
            self.visit_expr_mut(expr);
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_expr_macro_mut(&mut self, mac: &mut ExprMacro) {
        if mac.mac.path.is_ident("format") {
            mac.mac.tokens = checked_path_segments(&mac.mac.tokens);
        }
        visit_mut::visit_expr_macro_mut(self, mac);
    }
}

/// The `format!` arguments with each `encode_path(&x.to_string())` replaced by
/// `crate::transport::path_segment("x", &x.to_string()).map_err(Error::InvalidRequest)?`.
fn checked_path_segments(tokens: &TokenStream) -> TokenStream {
    let Ok(arguments) = Punctuated::<Expr, syn::Token![,]>::parse_terminated.parse2(tokens.clone())
    else {
        return tokens.clone();
    };
    let arguments = arguments.into_iter().map(|argument| {
        let Expr::Call(call) = &argument else {
            return argument;
        };
        let is_encode =
            matches!(call.func.as_ref(), Expr::Path(f) if f.path.is_ident("encode_path"));
        let name = call.args.first().and_then(parameter_name);
        match (is_encode, name) {
            (true, Some(name)) => {
                let value = &call.args;
                syn::parse_quote! {
                    crate::transport::path_segment(#name, #value).map_err(Error::InvalidRequest)?
                }
            }
            _ => argument,
        }
    });
    quote!(#(#arguments),*)
}

/// `"x"` for the argument `&x.to_string()`.
fn parameter_name(argument: &Expr) -> Option<LitStr> {
    let tokens = quote!(#argument);
    let ident = tokens.into_iter().find_map(|token| match token {
        TokenTree::Ident(ident) if ident != "to_string" => Some(ident),
        _ => None,
    })?;
    Some(LitStr::new(&ident.to_string(), ident.span()))
}

/// Rewrites progenitor's `"x was not initialized"` into a message naming the setter to call.
struct NameTheSetter;

impl VisitMut for NameTheSetter {
    fn visit_lit_str_mut(&mut self, literal: &mut LitStr) {
        let value = literal.value();
        if let Some(name) = value.strip_suffix(" was not initialized") {
            let message = if name == "body" {
                "the request body is required: call `.body(..)`".to_owned()
            } else {
                format!("parameter `{name}` is required: call `.{name}(..)`")
            };
            *literal = LitStr::new(&message, literal.span());
        }
    }
}

/// `T` in `Result<ResponseValue<T>, _>`.
fn success_type(output: &ReturnType) -> Option<syn::Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    wrapped(wrapped(ty, "Result")?, "ResponseValue").cloned()
}

/// progenitor documents each `send` as "Sends a `GET` request to `/path/{id}`".
fn method_and_path(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(meta) = &attr.meta else {
            return None;
        };
        let Expr::Lit(ExprLit {
            lit: Lit::Str(doc), ..
        }) = &meta.value
        else {
            return None;
        };
        let doc = doc.value();
        let mut quoted = doc.split('`').skip(1).step_by(2);
        let method = quoted.next()?.to_owned();
        let path = quoted.next()?.to_owned();
        doc.contains("Sends a").then_some((method, path))
    })
}

/// The `operation_id` progenitor passes to its hooks in `OperationInfo { operation_id: ".." }`.
fn operation_id(method: &ImplItemFn) -> Option<String> {
    struct Finder(Option<String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_struct(&mut self, expr: &'ast ExprStruct) {
            for field in &expr.fields {
                if let (
                    Member::Named(name),
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(id), ..
                    }),
                ) = (&field.member, &field.expr)
                    && name == "operation_id"
                {
                    self.0 = Some(id.value());
                }
            }
            visit::visit_expr_struct(self, expr);
        }
    }
    let mut finder = Finder(None);
    finder.visit_block(&method.block);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{operations::Range, spec::Credential};

    #[test]
    fn send_becomes_request_plus_a_send_through_the_transport() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, id: Err("id was not initialized".to_string()), limit: Ok(None) }
                    }
                    ///Sends a `GET` request to `/api/v1/agents/{id}/`
                    pub async fn send(self) -> Result<ResponseValue<types::GetAgentResponse>, Error<types::ErrorBody>> {
                        let Self { client, id, limit } = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let limit = limit.map_err(Error::InvalidRequest)?;
                        let url = format!("{}/api/v1/agents/{}/", client.baseurl, encode_path(&id.to_string()),);
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                        header_map.append(
                            ::reqwest::header::HeaderName::from_static("api-version"),
                            ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                        );
                        #[allow(unused_mut)]
                        let mut request = client.client.get(url).headers(header_map).build()?;
                        let info = OperationInfo { operation_id: "get_agent" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        match result?.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
            impl Client {
                pub fn new(baseurl: &str, inner: crate::ClientState) -> Self { todo!() }
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::ClientState) -> Self { todo!() }
            }
        };
        let mut facts = ByRoute::new();
        facts.insert(
            ("GET".into(), "/api/v1/agents/{id}/".into()),
            Facts {
                credentials: vec![Credential::Bearer, Credential::ApiKey],
                ranges: vec![Range {
                    name: "limit".into(),
                    required: false,
                    minimum: Some(1.0),
                    maximum: Some(200.0),
                }],
            },
        );
        let answers = route_through_agni(&mut file, &facts).expect("known operation");
        assert_eq!(
            answers,
            BTreeSet::from(["types :: GetAgentResponse".to_owned()])
        );
        let expected: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, id: Err("parameter `id` is required: call `.id(..)`".to_string()), limit: Ok(None) }
                    }
                    #[doc = r" Builds the request without sending it; `send` sends it."]
                    pub(crate) fn request(self) -> Result<(&'a super::Client, reqwest::Request), Error<types::ErrorBody>> {
                        let Self { client, id, limit } = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let limit = limit.map_err(Error::InvalidRequest)?;
                        crate::transport::check_range("limit", limit.as_ref(), Some(1f64), Some(200f64))
                            .map_err(Error::InvalidRequest)?;
                        let url = format!("{}/api/v1/agents/{}/", client.baseurl, crate::transport::path_segment("id", &id.to_string()).map_err(Error::InvalidRequest)?);
                        #[allow(unused_mut)]
                        let mut request = client.client.get(url).build()?;
                        return Ok((client, request));
                    }
                    #[doc = r" What the request path needs to know about this operation."]
                    pub(crate) const OPERATION: crate::transport::Operation = crate::transport::Operation {
                        id: "get_agent",
                        path: "/api/v1/agents/{id}/",
                        auth: &[crate::transport::Credential::Bearer, crate::transport::Credential::ApiKey],
                    };
                    ///Sends a `GET` request to `/api/v1/agents/{id}/`
                    pub async fn send(self) -> Result<ResponseValue<types::GetAgentResponse>, crate::Error> {
                        crate::transport::send(&Self::OPERATION, self.request()).await
                    }
                }
            }
            impl Client {
                pub(crate) fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::ClientState) -> Self { todo!() }
            }
        };
        assert_eq!(
            prettyplease::unparse(&file),
            prettyplease::unparse(&expected)
        );
    }
}

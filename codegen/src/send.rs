//! Routes every generated operation through `agni::call::send`.
//!
//! progenitor's builders end in `send(self) -> Result<ResponseValue<T>, progenitor_client::Error<E>>`.
//! This pass renames that method to a private `send_generated` and adds a public `send` that
//! returns `agni::Error` instead, handing `agni::call::send` a static description of the
//! operation (id, method, path template) for tracing and retries, and the credentials its
//! `security` accepts (see [`crate::spec::credentials`]), which the request hook sends. One rewrite
//! here gives all operations one error type; nothing is edited per operation.
//!
//! Inside `send_generated`, progenitor decodes each answer with `ResponseValue::from_response`;
//! the pass points those calls at `agni::call::from_response`, the same function made cheaper
//! (headers moved rather than copied, the body parsed as one checked `str`).

use std::collections::BTreeMap;

use quote::format_ident;
use syn::{
    Expr, ExprCall, ExprLit, ExprStruct, ImplItem, ImplItemFn, Item, Lit, Member, ReturnType,
    Visibility,
    visit::{self, Visit},
    visit_mut::{self, VisitMut},
};

use crate::{Error, spec::Credential};

/// `(METHOD, path)` -> the credentials the operation accepts, from [`crate::spec::credentials`].
pub type Credentials = BTreeMap<(String, String), Vec<Credential>>;

/// Applies the rewrite to the generated file's `builder` module; fails if an operation's
/// credentials are unknown.
pub fn route_through_agni(file: &mut syn::File, credentials: &Credentials) -> Result<(), Error> {
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items {
            if let Item::Impl(block) = item {
                let mut wrappers = Vec::new();
                for member in &mut block.items {
                    if let ImplItem::Fn(method) = member
                        && let Some(wrapper) = wrap_send(method, credentials)?
                    {
                        wrappers.push(ImplItem::Fn(wrapper));
                    }
                }
                block.items.extend(wrappers);
            }
        }
    }
    Ok(())
}

/// Turns progenitor's `send` into `send_generated` and returns the public wrapper, or `None`
/// if `method` is not a generated `send`.
fn wrap_send(
    method: &mut ImplItemFn,
    credentials: &Credentials,
) -> Result<Option<ImplItemFn>, Error> {
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
    let auth = credentials
        .get(&(http_method.clone(), path.clone()))
        .ok_or_else(|| Error::Security(format!("{http_method} {path}: not in the spec")))?
        .iter()
        .map(|credential| format_ident!("{}", credential.variant()));
    let docs: Vec<_> = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    // Streamed bodies are not JSON, so there is no decode path to report for them.
    let is_stream = matches!(&success, syn::Type::Path(p) if p.path.is_ident("ByteStream"));
    let send = if is_stream {
        format_ident!("send_raw")
    } else {
        format_ident!("send")
    };

    method.sig.ident = format_ident!("send_generated");
    method.vis = Visibility::Inherited;
    method.attrs.retain(|a| !a.path().is_ident("doc"));
    DecodeThroughAgni.visit_block_mut(&mut method.block);

    Ok(Some(syn::parse_quote! {
        #(#docs)*
        pub async fn send(self) -> Result<ResponseValue<#success>, crate::Error> {
            static OPERATION: crate::call::Operation = crate::call::Operation {
                id: #id,
                method: #http_method,
                path: #path,
                auth: &[#(crate::call::Credential::#auth),*],
            };
            crate::call::#send(&OPERATION, self.send_generated()).await
        }
    }))
}

/// Replaces `ResponseValue::from_response(..)` with `crate::call::from_response(..)`.
struct DecodeThroughAgni;

impl VisitMut for DecodeThroughAgni {
    fn visit_expr_call_mut(&mut self, call: &mut ExprCall) {
        if let Expr::Path(function) = call.func.as_mut() {
            let segments: Vec<String> = function
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segments == ["ResponseValue", "from_response"] {
                function.path = syn::parse_quote!(crate::call::from_response);
            }
        }
        visit_mut::visit_expr_call_mut(self, call);
    }
}

/// `T` in `Result<ResponseValue<T>, _>`.
fn success_type(output: &ReturnType) -> Option<syn::Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(result) = ty.as_ref() else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &result.path.segments.last()?.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(syn::Type::Path(response)) = args.args.first()? else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(inner) = &response.path.segments.last()?.arguments
    else {
        return None;
    };
    match inner.args.first()? {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
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
    use quote::quote;

    #[test]
    fn wraps_send_with_the_operation_description() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    ///Sends a `GET` request to `/api/v1/agents/{id}/`
                    pub async fn send(self) -> Result<ResponseValue<types::GetAgentResponse>, Error<types::ErrorBody>> {
                        let info = OperationInfo { operation_id: "get_agent" };
                        match status {
                            200u16 => ResponseValue::from_response(response).await,
                            _ => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                        }
                    }
                }
            }
        };
        let credentials = Credentials::from([(
            ("GET".to_owned(), "/api/v1/agents/{id}/".to_owned()),
            vec![Credential::Bearer, Credential::ApiKey],
        )]);
        route_through_agni(&mut file, &credentials).expect("known operation");
        let expected: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    async fn send_generated(self) -> Result<ResponseValue<types::GetAgentResponse>, Error<types::ErrorBody>> {
                        let info = OperationInfo { operation_id: "get_agent" };
                        match status {
                            200u16 => crate::call::from_response(response).await,
                            _ => Err(Error::ErrorResponse(crate::call::from_response(response).await?)),
                        }
                    }
                    ///Sends a `GET` request to `/api/v1/agents/{id}/`
                    pub async fn send(self) -> Result<ResponseValue<types::GetAgentResponse>, crate::Error> {
                        static OPERATION: crate::call::Operation = crate::call::Operation {
                            id: "get_agent",
                            method: "GET",
                            path: "/api/v1/agents/{id}/",
                            auth: &[crate::call::Credential::Bearer, crate::call::Credential::ApiKey],
                        };
                        crate::call::send(&OPERATION, self.send_generated()).await
                    }
                }
            }
        };
        assert_eq!(quote!(#file).to_string(), quote!(#expected).to_string());
    }

    #[test]
    fn an_operation_missing_from_the_spec_fails() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetAgent<'a> {
                    ///Sends a `GET` request to `/elsewhere`
                    pub async fn send(self) -> Result<ResponseValue<types::GetAgentResponse>, Error<types::ErrorBody>> {
                        let info = OperationInfo { operation_id: "get_agent" };
                    }
                }
            }
        };
        let error = route_through_agni(&mut file, &Credentials::new()).unwrap_err();
        assert!(error.to_string().contains("GET /elsewhere"), "{error}");
    }
}

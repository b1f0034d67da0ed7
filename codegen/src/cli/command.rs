//! Rewriting `cli_{op}`'s `clap::Command`: path parameters become positional arguments,
//! `--json-body FILE` becomes `--body`, and flags spelled like the CLI's own options are renamed.

use heck::ToShoutySnakeCase;
use quote::quote;
use syn::{Expr, ExprMethodCall, Lit, parse_quote};

use super::{CliOperation, RESERVED};

/// Splits `a.b(..).c(..)` into `a` and its calls, first call first.
fn unchain(expr: &Expr) -> (Expr, Vec<ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut current = expr.clone();
    while let Expr::MethodCall(call) = current {
        current = (*call.receiver).clone();
        calls.push(call);
    }
    calls.reverse();
    (current, calls)
}

fn rechain(base: Expr, calls: Vec<ExprMethodCall>) -> Expr {
    calls.into_iter().fold(base, |receiver, mut call| {
        call.receiver = Box::new(receiver);
        Expr::MethodCall(call)
    })
}

/// The string literal of a call's single argument: `"id"` in `.long("id")`.
fn literal_argument(call: &ExprMethodCall) -> Option<String> {
    match call.args.first()? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// The arg's id: `"x"` in `::clap::Arg::new("x")...`.
fn arg_id(arg: &Expr) -> Option<String> {
    let (base, _) = unchain(arg);
    let Expr::Call(call) = base else { return None };
    match call.args.first()? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Rewrites `cli_{op}`'s `clap::Command`.
pub(super) fn command(expr: &Expr, op: &CliOperation) -> Expr {
    let (base, calls) = unchain(expr);
    let positional: Vec<String> = op
        .path_parameters
        .iter()
        .map(|n| heck::ToKebabCase::to_kebab_case(n.as_str()))
        .collect();
    let mut kept = Vec::new();
    for mut call in calls {
        if call.method == "arg"
            && let Some(arg) = call.args.first().cloned()
        {
            let id = arg_id(&arg).unwrap_or_default();
            let rewritten = match id.as_str() {
                "json-body-template" => continue,
                "json-body" => body_arg(&arg),
                _ => match positional.iter().position(|p| *p == id) {
                    Some(index) => positional_arg(&arg, index + 1, &id),
                    None => unreserved(&unless_body(&arg)),
                },
            };
            call.args = parse_quote!(#rewritten);
        }
        kept.push(call);
    }
    let mut command = rechain(base, kept);
    if op.paging.is_some() {
        command = parse_quote! {
            #command.arg(
                ::clap::Arg::new("all")
                    .long("all")
                    .action(::clap::ArgAction::SetTrue)
                    .help("Fetch every page and print every item")
            )
        };
    }
    command
}

/// `--body JSON|@FILE|-` in place of `--json-body FILE`, as required as that was.
fn body_arg(arg: &Expr) -> Expr {
    let required = quote!(#arg).to_string().contains("required (true)");
    parse_quote! {
        ::clap::Arg::new("body")
            .long("body")
            .value_name("JSON|@FILE|-")
            .required(#required)
            .value_parser(::clap::value_parser!(::std::string::String))
            .help("The whole request body: inline JSON, @FILE to read a file, or - for stdin; flags override its fields")
    }
}

/// A path parameter as the `index`th positional argument.
fn positional_arg(arg: &Expr, index: usize, id: &str) -> Expr {
    let (base, calls) = unchain(arg);
    let calls: Vec<_> = calls.into_iter().filter(|c| c.method != "long").collect();
    let arg = rechain(base, calls);
    let value_name = id.to_shouty_snake_case();
    parse_quote!(#arg.index(#index).value_name(#value_name))
}

/// `--body-x` for a flag `--x` that [`RESERVED`] names.
fn unreserved(arg: &Expr) -> Expr {
    let (base, mut calls) = unchain(arg);
    for call in &mut calls {
        if call.method == "long"
            && let Some(long) = literal_argument(call)
            && RESERVED.contains(&long.as_str())
        {
            let renamed = format!("body-{long}");
            call.args = parse_quote!(#renamed);
        }
    }
    rechain(base, calls)
}

/// `required_unless_present("json-body")` names `body` instead.
fn unless_body(arg: &Expr) -> Expr {
    let (base, mut calls) = unchain(arg);
    for call in &mut calls {
        if call.method == "required_unless_present"
            && literal_argument(call).as_deref() == Some("json-body")
        {
            call.args = parse_quote!("body");
        }
    }
    rechain(base, calls)
}

//! The public Rust API of generated code, read with `syn` (stable toolchain, no rustdoc JSON), and
//! its difference between two generations.
//!
//! An item is anything users can name: a public type (struct, enum, alias, trait), a public field,
//! an enum variant, a public or trait method, an implemented trait (explicit `impl` or `derive`),
//! or another public item (`use`, `fn`, `const`). Each has a path (`types::Agent.name`,
//! `builder::ListAgents::limit`, `impl Default for types::Agent`) and a signature: the declaration
//! without bodies or docs, with `::std::` paths shortened. Items only in the new code were added,
//! only in the old removed, and in both with another signature changed. Removed and changed items
//! break users' code; added ones do not.

use std::{collections::BTreeMap, fmt::Write as _};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Fields, ImplItem, Item, TraitItem, Type, Visibility};

/// What kind of item a path names; also the report's categories, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Struct, enum, type alias or trait.
    Type,
    /// A public struct field.
    Field,
    /// An enum variant.
    Variant,
    /// A public inherent method or a trait's method.
    Method,
    /// A trait implemented for a type, explicitly or by `derive`.
    Impl,
    /// Any other public item.
    Other,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Type,
        Kind::Field,
        Kind::Variant,
        Kind::Method,
        Kind::Impl,
        Kind::Other,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::Type => "types and traits",
            Kind::Field => "fields",
            Kind::Variant => "enum variants",
            Kind::Method => "methods",
            Kind::Impl => "trait impls",
            Kind::Other => "other items",
        }
    }
}

/// The public items of one generated file, by path.
#[derive(Debug, Default)]
pub struct Api {
    items: BTreeMap<String, (Kind, String)>,
}

impl Api {
    /// Reads the public items of a Rust source file.
    pub fn parse(source: &str) -> Result<Self, syn::Error> {
        let file = syn::parse_file(source)?;
        let mut api = Self::default();
        api.items("", &file.items);
        Ok(api)
    }

    /// How many items it has.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    fn add(&mut self, kind: Kind, path: String, signature: String) {
        self.items.insert(path, (kind, signature));
    }

    fn items(&mut self, prefix: &str, items: &[Item]) {
        for item in items {
            match item {
                Item::Mod(module) if public(&module.vis) => {
                    if let Some((_, inner)) = &module.content {
                        self.items(&format!("{prefix}{}::", module.ident), inner);
                    }
                }
                Item::Struct(item) if public(&item.vis) => {
                    let path = format!("{prefix}{}", item.ident);
                    let signature = format!("struct {}{}", item.ident, text(&item.generics));
                    self.derives(&path, &item.attrs);
                    self.fields(&path, '.', &item.fields, true);
                    self.add(Kind::Type, path, signature);
                }
                Item::Enum(item) if public(&item.vis) => {
                    let path = format!("{prefix}{}", item.ident);
                    self.derives(&path, &item.attrs);
                    for variant in &item.variants {
                        let fields = fields_text(&variant.fields);
                        self.add(Kind::Variant, format!("{path}::{}", variant.ident), fields);
                    }
                    let signature = format!("enum {}{}", item.ident, text(&item.generics));
                    self.add(Kind::Type, path, signature);
                }
                Item::Type(item) if public(&item.vis) => {
                    let path = format!("{prefix}{}", item.ident);
                    let signature = format!(
                        "type {}{} = {}",
                        item.ident,
                        text(&item.generics),
                        text(&item.ty)
                    );
                    self.add(Kind::Type, path, signature);
                }
                Item::Trait(item) if public(&item.vis) => self.r#trait(prefix, item),
                Item::Impl(item) => self.r#impl(prefix, item),
                Item::Fn(item) if public(&item.vis) => {
                    let path = format!("{prefix}{}", item.sig.ident);
                    self.add(Kind::Other, path, text(&item.sig));
                }
                Item::Use(item) if public(&item.vis) => {
                    let module = prefix.trim_end_matches("::");
                    let module = if module.is_empty() {
                        "the crate root"
                    } else {
                        module
                    };
                    let path = format!("use {} (in {module})", text(&item.tree));
                    self.add(Kind::Other, path, String::new());
                }
                Item::Const(item) if public(&item.vis) => {
                    let path = format!("{prefix}{}", item.ident);
                    self.add(Kind::Other, path, text(&item.ty));
                }
                _ => {}
            }
        }
    }

    fn fields(&mut self, path: &str, separator: char, fields: &Fields, only_public: bool) {
        for (index, field) in fields.iter().enumerate() {
            if only_public && !public(&field.vis) {
                continue;
            }
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            self.add(
                Kind::Field,
                format!("{path}{separator}{name}"),
                text(&field.ty),
            );
        }
    }

    /// `#[derive(A, b::B)]` implements `A` and `B`: an item each, as if written by hand.
    fn derives(&mut self, path: &str, attrs: &[syn::Attribute]) {
        for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let Ok(list) = attr.meta.require_list() else {
                continue;
            };
            for derived in list.tokens.to_string().split(',') {
                let name = derived.rsplit("::").next().unwrap_or(derived).trim();
                if !name.is_empty() {
                    self.add(Kind::Impl, format!("impl {name} for {path}"), String::new());
                }
            }
        }
    }

    fn r#trait(&mut self, prefix: &str, item: &syn::ItemTrait) {
        let path = format!("{prefix}{}", item.ident);
        let mut signature = format!("trait {}{}", item.ident, text(&item.generics));
        if !item.supertraits.is_empty() {
            let _ = write!(signature, ": {}", text(&item.supertraits));
        }
        for member in &item.items {
            match member {
                TraitItem::Fn(method) => {
                    let name = format!("{path}::{}", method.sig.ident);
                    self.add(Kind::Method, name, text(&method.sig));
                }
                TraitItem::Type(ty) => {
                    let name = format!("{path}::{}", ty.ident);
                    self.add(Kind::Other, name, text(&ty.bounds));
                }
                TraitItem::Const(constant) => {
                    let name = format!("{path}::{}", constant.ident);
                    self.add(Kind::Other, name, text(&constant.ty));
                }
                _ => {}
            }
        }
        self.add(Kind::Type, path, signature);
    }

    fn r#impl(&mut self, prefix: &str, item: &syn::ItemImpl) {
        let self_path = match &*item.self_ty {
            // A plain `Name` (or `Name<'a>`) is defined in this module: qualify it like the type.
            Type::Path(ty) if ty.qself.is_none() && ty.path.segments.len() == 1 => ty
                .path
                .segments
                .first()
                .map_or_else(|| text(ty), |s| format!("{prefix}{}", s.ident)),
            other => text(other),
        };
        if let Some((trait_path, _)) = &item.trait_ {
            let generics = text(&item.generics);
            let name = format!("impl{generics} {} for {self_path}", text(trait_path));
            self.add(Kind::Impl, name, String::new());
            return;
        }
        for member in &item.items {
            if let ImplItem::Fn(method) = member
                && public(&method.vis)
            {
                let name = format!("{self_path}::{}", method.sig.ident);
                self.add(Kind::Method, name, text(&method.sig));
            }
        }
    }
}

fn public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// A variant's or tuple struct's fields as a signature, without attributes.
fn fields_text(fields: &Fields) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|field| match &field.ident {
            Some(name) => format!("{name}: {}", text(&field.ty)),
            None => text(&field.ty),
        })
        .collect();
    match fields {
        Fields::Unit => String::new(),
        Fields::Unnamed(_) => format!("({})", parts.join(", ")),
        Fields::Named(_) => format!(" {{ {} }}", parts.join(", ")),
    }
}

/// The tokens of `node` as one line of Rust, spaced as rustfmt would (`Option<T>`, `&'a mut self`,
/// `f(x, y) -> T where T: Display`), absolute paths shortened to their last segment
/// (`::std::option::Option<T>` reads `Option<T>`). Both sides print the same way, so comparisons
/// are unaffected.
fn text<T: ToTokens>(node: &T) -> String {
    let mut out = String::new();
    print(node.to_token_stream(), &mut out);
    trim_comma(&mut out);
    out
}

fn print(stream: TokenStream, out: &mut String) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if out.ends_with(|c: char| c.is_alphanumeric() || "_>)]}".contains(c)) {
                    out.push(' ');
                }
                out.push_str(&tokens[i].to_string());
                i += 1;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => (" { ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                print(group.stream(), out);
                trim_comma(out);
                out.push_str(close);
                i += 1;
            }
            TokenTree::Punct(_) => i = operator(&tokens, i, out),
        }
    }
}

/// Prints the operator starting at `tokens[i]` (a run of joint puncts: `::`, `->`, `'`) and
/// returns the index after it; a leading `::a::b::` path prefix is skipped whole.
fn operator(tokens: &[TokenTree], i: usize, out: &mut String) -> usize {
    let mut op = String::new();
    let mut j = i;
    while let Some(TokenTree::Punct(p)) = tokens.get(j) {
        op.push(p.as_char());
        j += 1;
        if p.spacing() == Spacing::Alone || !matches!(tokens.get(j), Some(TokenTree::Punct(_))) {
            break;
        }
    }
    let is_colons = |k: usize| {
        matches!(
            (tokens.get(k), tokens.get(k + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && b.as_char() == ':'
        )
    };
    let leading = !out.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '>');
    if op == "::" && leading {
        // `::a::b::C`: keep `C`, the name users know the item by.
        while matches!(tokens.get(j), Some(TokenTree::Ident(_))) && is_colons(j + 1) {
            j += 3;
        }
        return j;
    }
    match op.as_str() {
        "," | ";" | ":" => {
            out.push_str(&op);
            out.push(' ');
        }
        ">" => {
            trim_comma(out);
            out.push('>');
        }
        "->" | "=>" | "=" | "+" | "==" => {
            let trimmed = out.trim_end().len();
            out.truncate(trimmed);
            out.push_str(&format!(" {op} "));
        }
        _ => out.push_str(&op),
    }
    j
}

/// Drops a trailing `,` (and spaces): `Option<T,>` and a where clause's last comma are noise.
fn trim_comma(out: &mut String) {
    let trimmed = out.trim_end().trim_end_matches(',').trim_end().len();
    out.truncate(trimmed);
}

/// Whether an item appeared, disappeared or changed signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delta {
    /// Only in the old code: users naming it break.
    Removed,
    /// In both, another signature: users using it may break.
    Changed,
    /// Only in the new code.
    Added,
}

impl Delta {
    const ALL: [Delta; 3] = [Delta::Removed, Delta::Changed, Delta::Added];

    fn label(self) -> &'static str {
        match self {
            Delta::Removed => "removed",
            Delta::Changed => "changed",
            Delta::Added => "added",
        }
    }
}

/// One item that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its category.
    pub kind: Kind,
    /// What happened to it.
    pub delta: Delta,
    /// Its path.
    pub path: String,
    /// The old signature (`None` when added).
    pub old: Option<String>,
    /// The new signature (`None` when removed).
    pub new: Option<String>,
}

/// The public API difference between two generations of the same file.
#[derive(Debug, Default)]
pub struct ApiDiff {
    /// Every differing item, by category, then delta, then path.
    pub entries: Vec<Entry>,
    /// Item counts of the old and new code.
    pub sizes: (usize, usize),
}

impl ApiDiff {
    /// Compares two parsed APIs.
    pub fn between(old: &Api, new: &Api) -> Self {
        let mut entries = Vec::new();
        for (path, (kind, signature)) in &new.items {
            match old.items.get(path) {
                None => entries.push(Entry {
                    kind: *kind,
                    delta: Delta::Added,
                    path: path.clone(),
                    old: None,
                    new: Some(signature.clone()),
                }),
                Some((_, previous)) if previous != signature => entries.push(Entry {
                    kind: *kind,
                    delta: Delta::Changed,
                    path: path.clone(),
                    old: Some(previous.clone()),
                    new: Some(signature.clone()),
                }),
                Some(_) => {}
            }
        }
        for (path, (kind, signature)) in &old.items {
            if !new.items.contains_key(path) {
                entries.push(Entry {
                    kind: *kind,
                    delta: Delta::Removed,
                    path: path.clone(),
                    old: Some(signature.clone()),
                    new: None,
                });
            }
        }
        entries.sort_by(|a, b| (a.kind, a.delta, &a.path).cmp(&(b.kind, b.delta, &b.path)));
        Self {
            entries,
            sizes: (old.len(), new.len()),
        }
    }

    /// How many entries have this delta.
    pub fn count(&self, delta: Delta) -> usize {
        self.entries.iter().filter(|e| e.delta == delta).count()
    }

    /// Removed or changed items break users' code.
    pub fn is_breaking(&self) -> bool {
        self.count(Delta::Removed) + self.count(Delta::Changed) > 0
    }

    /// The difference as Markdown: a count table, then at most `limit` items per category and
    /// delta, with how many more there are.
    pub fn markdown(&self, limit: usize) -> String {
        let mut out = String::new();
        if self.entries.is_empty() {
            let _ = writeln!(out, "No public item changed ({} items).", self.sizes.1);
            return out;
        }
        let _ = writeln!(
            out,
            "{} public items before, {} after: {} removed, {} changed signature, {} added.\n",
            self.sizes.0,
            self.sizes.1,
            self.count(Delta::Removed),
            self.count(Delta::Changed),
            self.count(Delta::Added),
        );
        let _ = writeln!(
            out,
            "| category | removed | changed | added |\n|---|---:|---:|---:|"
        );
        for kind in Kind::ALL {
            let counts = Delta::ALL.map(|delta| {
                self.entries
                    .iter()
                    .filter(|e| e.kind == kind && e.delta == delta)
                    .count()
            });
            if counts.iter().any(|n| *n > 0) {
                let [removed, changed, added] = counts;
                let _ = writeln!(
                    out,
                    "| {} | {removed} | {changed} | {added} |",
                    kind.label()
                );
            }
        }
        for delta in Delta::ALL {
            for kind in Kind::ALL {
                let mut picked = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == kind && e.delta == delta)
                    .peekable();
                if picked.peek().is_none() {
                    continue;
                }
                let _ = writeln!(out, "\n{} {}:\n", capitalized(kind.label()), delta.label());
                let mut shown = 0;
                let mut more = 0;
                for entry in picked {
                    if shown == limit {
                        more += 1;
                        continue;
                    }
                    shown += 1;
                    let _ = writeln!(out, "- {}", entry_line(entry));
                }
                if more > 0 {
                    let _ = writeln!(out, "- ... and {more} more");
                }
            }
        }
        out
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn entry_line(entry: &Entry) -> String {
    let code = |s: &str| format!("`{}`", s.replace('`', "'"));
    match (&entry.old, &entry.new) {
        (Some(old), Some(new)) => format!("{}: {} → {}", code(&entry.path), code(old), code(new)),
        (Some(sig), None) | (None, Some(sig)) if !sig.is_empty() => {
            format!("{}: {}", code(&entry.path), code(sig))
        }
        _ => code(&entry.path),
    }
}

#[cfg(test)]
mod tests;

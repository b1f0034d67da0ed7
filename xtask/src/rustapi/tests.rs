//! Public items as users see them, their signatures, and the bounded report of their changes.

use super::*;

const OLD: &str = r#"
pub mod types {
    /// Docs are not part of a signature.
    #[derive(::serde::Deserialize, Clone, Debug, Default)]
    pub struct Agent {
        pub name: ::std::option::Option<::std::string::String>,
        pub status: ::std::option::Option<::std::string::String>,
        secret: u8,
    }
    #[derive(Clone, Debug)]
    pub enum Status { Active, Unknown(::std::string::String) }
    impl ::std::fmt::Display for Status {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { Ok(()) }
    }
    pub mod builder {
        pub struct Agent { name: Result<String, String> }
        impl Agent {
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            { self }
            fn private(&self) {}
        }
    }
}
mod hidden { pub struct Internal; }
pub struct Client { baseurl: String }
pub trait ClientAgentServiceExt {
    fn get_agent(&self) -> builder::GetAgent<'_>;
}
impl ClientAgentServiceExt for Client {
    fn get_agent(&self) -> builder::GetAgent<'_> { todo!() }
}
pub mod prelude { pub use super::ClientAgentServiceExt; }
"#;

fn paths(api: &Api) -> Vec<(String, String)> {
    api.items
        .iter()
        .map(|(path, (_, signature))| (path.clone(), signature.clone()))
        .collect()
}

#[test]
fn reads_public_items_with_short_readable_signatures() {
    let api = Api::parse(OLD).expect("parses");
    let found = paths(&api);
    let expected = [
        ("ClientAgentServiceExt", "trait ClientAgentServiceExt"),
        (
            "ClientAgentServiceExt::get_agent",
            "fn get_agent(&self) -> builder::GetAgent<'_>",
        ),
        ("impl ClientAgentServiceExt for Client", ""),
        ("Client", "struct Client"),
        ("types::Agent", "struct Agent"),
        ("types::Agent.name", "Option<String>"),
        ("types::Status::Unknown", "(String)"),
        ("types::Status::Active", ""),
        ("impl Default for types::Agent", ""),
        ("impl Deserialize for types::Agent", ""),
        ("impl Display for types::Status", ""),
        (
            "types::builder::Agent::name",
            "fn name<T>(mut self, value: T) -> Self where T: TryInto<Option<String>>, \
             T::Error: Display",
        ),
        ("use super::ClientAgentServiceExt (in prelude)", ""),
    ];
    for (path, signature) in expected {
        assert!(
            found.iter().any(|(p, s)| p == path && s == signature),
            "{path}: {signature}\n{found:#?}"
        );
    }
    for private in [
        "types::Agent.secret",
        "types::builder::Agent::private",
        "hidden::Internal",
    ] {
        assert!(!found.iter().any(|(p, _)| p == private), "{private}");
    }
}

#[test]
fn added_removed_and_changed_items_and_what_breaks() {
    let new = OLD
        .replace(
            "pub status: ::std::option::Option<::std::string::String>,",
            "pub status: ::std::string::String, pub added: bool,",
        )
        .replace("pub enum Status { Active,", "pub enum Status {")
        .replace("Clone, Debug, Default", "Clone, Debug");
    let diff = ApiDiff::between(
        &Api::parse(OLD).expect("old"),
        &Api::parse(&new).expect("new"),
    );
    let seen: Vec<String> = diff
        .entries
        .iter()
        .map(|e| format!("{:?} {:?} {}", e.kind, e.delta, e.path))
        .collect();
    assert_eq!(
        seen,
        [
            "Field Changed types::Agent.status",
            "Field Added types::Agent.added",
            "Variant Removed types::Status::Active",
            "Impl Removed impl Default for types::Agent",
        ]
    );
    assert!(diff.is_breaking());
    let markdown = diff.markdown(10);
    assert!(
        markdown
            .contains("Fields changed:\n\n- `types::Agent.status`: `Option<String>` → `String`"),
        "{markdown}"
    );
    let additive = ApiDiff::between(
        &Api::parse(OLD).expect("old"),
        &Api::parse(&format!("{OLD}\npub fn extra() {{}}")).expect("new"),
    );
    assert!(!additive.is_breaking());
    assert_eq!(additive.count(Delta::Added), 1);
    let same = ApiDiff::between(
        &Api::parse(OLD).expect("old"),
        &Api::parse(OLD).expect("again"),
    );
    assert!(same.entries.is_empty());
    assert!(same.markdown(10).starts_with("No public item changed"));
}

#[test]
fn long_lists_are_cut_with_a_count_of_the_rest() {
    let many: String = (0..25).map(|i| format!("pub struct S{i:02};\n")).collect();
    let diff = ApiDiff::between(&Api::default(), &Api::parse(&many).expect("parses"));
    let markdown = diff.markdown(10);
    assert!(
        markdown.contains("| types and traits | 0 | 0 | 25 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- `S09`: `struct S09`\n- ... and 15 more"),
        "{markdown}"
    );
    assert!(!markdown.contains("S10"), "{markdown}");
}

#[test]
fn code_that_is_not_rust_is_an_error_not_a_panic() {
    assert!(Api::parse("pub struct {").is_err());
}

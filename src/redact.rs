//! URLs as they may be printed: in errors, `Debug` output and logs, a URL loses its userinfo
//! and the values of its query (where signed URLs keep their tokens) and its fragment. A leaf
//! module: errors, the request path and the recordings download all print URLs through it.

use reqwest::Url;

/// The URL with userinfo removed and query values replaced by `<redacted>`; the names of query
/// parameters stay, since they say what kind of URL it is.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both setters fail only for URLs that cannot have credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    shown.set_query(None);
    if url.query().is_none() {
        return shown.to_string();
    }
    let names: Vec<String> = url
        .query_pairs()
        .map(|(name, _)| format!("{name}=<redacted>"))
        .collect();
    format!("{shown}?{}", names.join("&"))
}

/// [`redact_url`] for text that may not parse as a URL: then everything after the scheme's
/// authority start and any `?` is hidden.
pub(crate) fn redact_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact_url(&url),
        Err(_) => {
            let shown = text.split(['?', '#']).next().unwrap_or_default();
            // An unparsable authority may still hold `user:password@`.
            match shown.split_once("://") {
                Some((scheme, rest)) => match rest.split_once('@') {
                    Some((_, host)) => format!("{scheme}://<redacted>@{host}"),
                    None => shown.to_owned(),
                },
                None => shown.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_query_values_and_fragments_are_hidden() {
        let url =
            Url::parse("https://user:pass@storage.example/a?token=secret&x=1#frag").expect("url");
        assert_eq!(
            redact_url(&url),
            "https://storage.example/a?token=<redacted>&x=<redacted>"
        );
        let plain = Url::parse("https://api.ravan.ai/api/v1/agents/").expect("url");
        assert_eq!(redact_url(&plain), "https://api.ravan.ai/api/v1/agents/");
    }

    #[test]
    fn unparsable_text_is_cut() {
        assert_eq!(redact_str("http://[bad?token=x"), "http://[bad");
        assert_eq!(redact_str("http://u:p@[bad/x"), "http://<redacted>@[bad/x");
        assert_eq!(redact_str("/relative?token=x"), "/relative");
    }
}

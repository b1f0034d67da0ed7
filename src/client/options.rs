//! [`Options`]: how each request is executed, set on the builder and changed per request with
//! [`Client::with_options`](crate::Client::with_options).

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::RetryPolicy;

/// How each request is executed. Set defaults on [`ClientBuilder`](crate::ClientBuilder);
/// change them for some requests with [`Client::with_options`](crate::Client::with_options).
///
/// ```
/// let options = agni::Options::default();
/// assert_eq!(options.retry.max_retries, 2);
/// assert_eq!(options.timeout, std::time::Duration::from_secs(60));
/// assert!(options.headers.is_empty() && options.query.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// When failed requests are retried.
    pub retry: RetryPolicy,
    /// Longest one attempt may take, response body included (default 60 s: starting a call
    /// can take far longer than a typical REST request).
    pub timeout: Duration,
    /// Longest a whole call may take, all attempts and waits included (default 180 s).
    pub deadline: Duration,
    /// Largest response body read into memory (default 16 MiB); larger answers fail with
    /// [`ResponsePart::Body`](crate::ResponsePart::Body).
    pub max_response_bytes: usize,
    /// Headers added to every request (replacing a header of the same name), after the
    /// client's default headers: a tracing header, a tenant id.
    pub headers: HeaderMap,
    /// Query parameters appended to every request, after the operation's own.
    pub query: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(180),
            max_response_bytes: 16 * 1024 * 1024,
            headers: HeaderMap::new(),
            query: Vec::new(),
        }
    }
}

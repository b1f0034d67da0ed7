//! How much a receiver accepts from one request, and for how long it waits: [`Limits`], whose
//! defaults [`parse`](crate::parse), the axum endpoint and the axum server share. A leaf.

use std::time::Duration;

/// Bounds on one delivery. The defaults fit real deliveries with room to spare (a long call's
/// body is tens of KiB, sent by a server in milliseconds) while keeping what a hostile client
/// can hold small:
///
/// | bound | default | enforced by |
/// |---|---|---|
/// | [`max_body_bytes`](Self::max_body_bytes) | 2 MiB ([`DEFAULT_MAX_BODY_BYTES`](Self::DEFAULT_MAX_BODY_BYTES)) | [`parse`](crate::parse) (bigger bodies are refused unparsed), the axum endpoint (stops reading, answers `413`) |
/// | [`body_read_timeout`](Self::body_read_timeout) | 10 s | the axum endpoint: the whole body must arrive in this time, else `408` and the connection closes |
/// | [`header_read_timeout`](Self::header_read_timeout) | 10 s | the axum server (`agni_webhooks::axum::serve`): a connection whose request headers do not arrive whole in this time — a new or an idle kept-alive one — is closed |
///
/// Agni itself gives up on a delivery after 30 seconds, so a bound past that only helps
/// attackers.
///
/// ```
/// use std::time::Duration;
/// use agni_webhooks::Limits;
///
/// let limits = Limits::default()
///     .with_max_body_bytes(4 << 20)
///     .with_header_read_timeout(Duration::from_secs(5));
/// assert_eq!(limits.max_body_bytes, 4 << 20);
/// assert_eq!(limits.body_read_timeout, Duration::from_secs(10));
/// assert_eq!(Limits::default().max_body_bytes, 2 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The longest a client may take to send a whole body, from the end of its headers.
    pub body_read_timeout: Duration,
    /// The longest a client may take to send a request's headers, from when the server starts
    /// waiting for them.
    pub header_read_timeout: Duration,
}

impl Limits {
    /// The default [`max_body_bytes`](Self::max_body_bytes): 2 MiB, axum's own default body
    /// limit, stated here so that [`parse`](crate::parse) and the endpoint agree on it.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::Limits::DEFAULT_MAX_BODY_BYTES, 2_097_152);
    /// ```
    pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

    /// The defaults (see the table above).
    ///
    /// ```
    /// assert_eq!(agni_webhooks::Limits::DEFAULT, agni_webhooks::Limits::default());
    /// ```
    pub const DEFAULT: Limits = Limits {
        max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        body_read_timeout: Duration::from_secs(10),
        header_read_timeout: Duration::from_secs(10),
    };

    /// These limits with another [`max_body_bytes`](Self::max_body_bytes).
    ///
    /// ```
    /// let limits = agni_webhooks::Limits::default().with_max_body_bytes(64 * 1024);
    /// assert_eq!(limits.max_body_bytes, 65_536);
    /// ```
    #[must_use]
    pub const fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// These limits with another [`body_read_timeout`](Self::body_read_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let limits = agni_webhooks::Limits::default().with_body_read_timeout(Duration::from_secs(3));
    /// assert_eq!(limits.body_read_timeout, Duration::from_secs(3));
    /// ```
    #[must_use]
    pub const fn with_body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// These limits with another [`header_read_timeout`](Self::header_read_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let limits = agni_webhooks::Limits::default().with_header_read_timeout(Duration::from_secs(3));
    /// assert_eq!(limits.header_read_timeout, Duration::from_secs(3));
    /// ```
    #[must_use]
    pub const fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

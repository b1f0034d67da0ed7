//! [`RedisStore`]: a [`DedupStore`] in Redis, shared by every replica of a receiver and kept
//! across restarts (cargo feature `redis`).

use std::{fmt, time::Duration};

use redis::{AsyncCommands, aio::ConnectionManager};

use super::{ClaimToken, DedupError, DedupKey, DedupStore, StoreFuture};

/// Deletes the key only if it still holds this claim: an expired claim must not release the
/// claim a retry took since, nor a committed key.
const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// What a committed key holds; a claimed one holds `claim:<token>`.
const COMMITTED: &str = "done";

/// Session ids claimed and processed, in Redis, so that several replicas of a receiver (or one
/// restarted) process each call once. Each key is `prefix + session id`:
///
/// - [`claim`](DedupStore::claim) is `SET key claim:<token> NX PX <claim TTL>`: atomic across
///   replicas, and a lease, so that a replica that dies mid-delivery blocks the retries for
///   [`DEFAULT_CLAIM_TTL`](Self::DEFAULT_CLAIM_TTL) at most;
/// - [`commit`](DedupStore::commit) is `SET key done PX <seen TTL>`: processed sessions are
///   remembered for [`DEFAULT_SEEN_TTL`](Self::DEFAULT_SEEN_TTL), far past Agni's retries;
/// - [`release`](DedupStore::release) deletes the key only if it still holds this claim (a Lua
///   compare-and-delete); [`abandon`](DedupStore::abandon) runs it in a task on the current
///   tokio runtime.
///
/// Keys are [`DedupKey`]s, at most [`DedupKey::MAX_LEN`] bytes, and expire, so Redis's memory
/// stays bounded by the calls of one seen TTL. A Redis error fails the delivery with `503`
/// ([`Outcome::StoreFailed`](crate::Outcome::StoreFailed)), so Agni retries it later rather
/// than it being processed twice.
///
/// ```no_run
/// use std::{sync::Arc, time::Duration};
/// use agni_webhooks::{CallCompleted, RedisStore};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/")
///     .await?
///     .with_prefix("bella-cucina:agni:")
///     .with_seen_ttl(Duration::from_secs(3 * 24 * 3600));
/// let app: axum::Router = axum::Router::new().route(
///     "/webhooks/agni/3f9c0b1e7d",
///     agni_webhooks::axum::endpoint_with(Arc::new(store), |call: CallCompleted| async move {
///         println!("{} ended", call.session_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// # Ok(())
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    claim_ttl: Duration,
    seen_ttl: Duration,
}

impl RedisStore {
    /// The prefix of every key: `agni:webhook:`.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::RedisStore::DEFAULT_PREFIX, "agni:webhook:");
    /// ```
    pub const DEFAULT_PREFIX: &str = "agni:webhook:";

    /// How long a claim holds a session before it lapses, unless committed or released first:
    /// 5 minutes. Agni gives up on a delivery after 30 seconds (and the request is dropped,
    /// which releases the claim); this only matters when a replica dies mid-delivery.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::RedisStore::DEFAULT_CLAIM_TTL.as_secs(), 300);
    /// ```
    pub const DEFAULT_CLAIM_TTL: Duration = Duration::from_secs(5 * 60);

    /// How long a processed session is remembered: 7 days, far past Agni's retries (30 s,
    /// 2 min, then backing off), for about 100 bytes of Redis memory per call.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::RedisStore::DEFAULT_SEEN_TTL.as_secs(), 7 * 24 * 3600);
    /// ```
    pub const DEFAULT_SEEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

    /// Connects to `url` (`redis://[:password@]host[:port][/db]`) with redis's connection
    /// manager, which reconnects by itself and times commands out (500 ms) rather than letting
    /// a delivery hang on an unreachable Redis. For TLS (`rediss://`), enable the `redis`
    /// crate's `tokio-rustls-comp` feature in your own `Cargo.toml`.
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let store = agni_webhooks::RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        Ok(Self::new(client.get_connection_manager().await?))
    }

    /// A store over a connection you configured (timeouts, retries, TLS), with the default
    /// prefix and TTLs.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use redis::aio::ConnectionManagerConfig;
    ///
    /// # async fn run() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let config = ConnectionManagerConfig::new().set_response_timeout(Some(Duration::from_secs(2)));
    /// let store = agni_webhooks::RedisStore::new(client.get_connection_manager_with_config(config).await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(connection: ConnectionManager) -> Self {
        RedisStore {
            connection,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            claim_ttl: Self::DEFAULT_CLAIM_TTL,
            seen_ttl: Self::DEFAULT_SEEN_TTL,
        }
    }

    /// This store with keys under `prefix` instead of [`DEFAULT_PREFIX`](Self::DEFAULT_PREFIX)
    /// (one per receiver sharing a Redis, or per tenant).
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let store = agni_webhooks::RedisStore::connect("redis://127.0.0.1:6379/").await?
    ///     .with_prefix("staging:agni:");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// This store with claims lapsing after `ttl` (at least 1 ms) instead of
    /// [`DEFAULT_CLAIM_TTL`](Self::DEFAULT_CLAIM_TTL). Keep it longer than your handler runs.
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let store = agni_webhooks::RedisStore::connect("redis://127.0.0.1:6379/").await?
    ///     .with_claim_ttl(std::time::Duration::from_secs(60));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// This store remembering processed sessions for `ttl` (at least 1 ms) instead of
    /// [`DEFAULT_SEEN_TTL`](Self::DEFAULT_SEEN_TTL).
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let store = agni_webhooks::RedisStore::connect("redis://127.0.0.1:6379/").await?
    ///     .with_seen_ttl(std::time::Duration::from_secs(24 * 3600));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_seen_ttl(mut self, ttl: Duration) -> Self {
        self.seen_ttl = ttl;
        self
    }

    fn key(&self, key: DedupKey<'_>) -> String {
        format!("{}{key}", self.prefix)
    }
}

fn claim_value(token: ClaimToken) -> String {
    format!("claim:{:032x}", token.0)
}

/// Redis's `PX` takes whole, positive milliseconds.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn store_error(error: redis::RedisError) -> DedupError {
    DedupError::Store(Box::new(error))
}

async fn release(
    mut connection: ConnectionManager,
    key: String,
    value: String,
) -> Result<(), DedupError> {
    redis::cmd("EVAL")
        .arg(RELEASE)
        .arg(1)
        .arg(key)
        .arg(value)
        .exec_async(&mut connection)
        .await
        .map_err(store_error)
}

impl DedupStore for RedisStore {
    fn claim<'a>(&'a self, key: DedupKey<'a>) -> StoreFuture<'a, Option<ClaimToken>> {
        Box::pin(async move {
            let token = ClaimToken(fastrand::u128(..));
            let set: Option<String> = redis::cmd("SET")
                .arg(self.key(key))
                .arg(claim_value(token))
                .arg("NX")
                .arg("PX")
                .arg(millis(self.claim_ttl))
                .query_async(&mut self.connection.clone())
                .await
                .map_err(store_error)?;
            // `OK` when set, nil when the key exists.
            Ok(set.map(|_| token))
        })
    }

    fn commit<'a>(&'a self, key: DedupKey<'a>, _token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.connection
                .clone()
                .pset_ex(self.key(key), COMMITTED, millis(self.seen_ttl))
                .await
                .map_err(store_error)
        })
    }

    fn release<'a>(&'a self, key: DedupKey<'a>, token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(release(
            self.connection.clone(),
            self.key(key),
            claim_value(token),
        ))
    }

    fn abandon(&self, key: DedupKey<'_>, token: ClaimToken) {
        let (key, value) = (self.key(key), claim_value(token));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(%key, "agni webhook: no runtime to release an abandoned claim; it lapses after its TTL");
            return;
        };
        let connection = self.connection.clone();
        runtime.spawn(async move {
            if let Err(error) = release(connection, key.clone(), value).await {
                tracing::warn!(%key, %error, "agni webhook: could not release an abandoned claim; retries wait for it to lapse");
            }
        });
    }
}

/// Shows the prefix and TTLs, never the connection (its URL may hold a password).
impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("claim_ttl", &self.claim_ttl)
            .field("seen_ttl", &self.seen_ttl)
            .finish_non_exhaustive()
    }
}

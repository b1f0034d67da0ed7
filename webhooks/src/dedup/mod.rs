//! De-duplicating retried deliveries: the [`DedupStore`] contract (claim, then commit or
//! release), the [`DedupKey`] every store is handed (length-capped, so no store can be made to
//! hold a huge key), and the [`Claim`] guard that releases a claim whose request was dropped.
//! The stores themselves are in [`memory`] and, with the `redis` feature, [`redis`].

use std::{fmt, future::Future, pin::Pin};

use crate::error::BoxError;

pub(crate) mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;

/// What a [`DedupStore`] method returns: a boxed future, so that the trait stays usable as
/// `dyn DedupStore` (pick the store at run time) without an extra crate.
///
/// ```
/// use agni_webhooks::{DedupError, StoreFuture};
///
/// let ready: StoreFuture<'_, ()> = Box::pin(async { Ok::<(), DedupError>(()) });
/// # drop(ready);
/// ```
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DedupError>> + Send + 'a>>;

/// A key a [`DedupStore`] accepts: 1 to [`MAX_LEN`](Self::MAX_LEN) bytes. Stores are handed
/// only these, so a hostile body cannot make one remember a megabyte-long "session id".
///
/// ```
/// use agni_webhooks::{DedupError, DedupKey};
///
/// let key = DedupKey::new("019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f")?;
/// assert_eq!(key.as_str().len(), 36);
///
/// let huge = "x".repeat(1 << 20);
/// assert!(matches!(DedupKey::new(&huge), Err(DedupError::InvalidKey { len: 1_048_576, .. })));
/// assert!(DedupKey::new("").is_err());
/// # Ok::<(), DedupError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DedupKey<'a>(&'a str);

impl<'a> DedupKey<'a> {
    /// The longest key, in bytes: 128, over three times a session id (a 36-byte UUID).
    ///
    /// ```
    /// assert_eq!(agni_webhooks::DedupKey::MAX_LEN, 128);
    /// ```
    pub const MAX_LEN: usize = 128;

    /// `key`, if it is 1 to [`MAX_LEN`](Self::MAX_LEN) bytes long.
    ///
    /// ```
    /// assert!(agni_webhooks::DedupKey::new("s-1").is_ok());
    /// ```
    pub fn new(key: &'a str) -> Result<Self, DedupError> {
        if key.is_empty() || key.len() > Self::MAX_LEN {
            return Err(DedupError::InvalidKey {
                len: key.len(),
                max: Self::MAX_LEN,
            });
        }
        Ok(DedupKey(key))
    }

    /// The key.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::DedupKey::new("s-1")?.as_str(), "s-1");
    /// # Ok::<(), agni_webhooks::DedupError>(())
    /// ```
    pub fn as_str(self) -> &'a str {
        self.0
    }
}

impl fmt::Display for DedupKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Identifies one claim, so that releasing a claim that expired or was evicted (and then taken
/// by a retry) cannot release the retry's claim. Stores make them unique: the in-memory store
/// counts, the Redis store draws 128 random bits.
///
/// ```
/// let token = agni_webhooks::ClaimToken(7);
/// assert_eq!(token.0, 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(pub u128);

/// Why a [`DedupStore`] could not answer.
///
/// ```
/// use agni_webhooks::DedupError;
///
/// let error = DedupError::Store("connection refused".into());
/// assert_eq!(error.to_string(), "the de-duplication store failed: connection refused");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// The key is empty or longer than [`DedupKey::MAX_LEN`]; nothing was stored.
    #[error("a de-duplication key must be 1 to {max} bytes long; this one is {len}")]
    InvalidKey {
        /// Its length, in bytes.
        len: usize,
        /// [`DedupKey::MAX_LEN`].
        max: usize,
    },
    /// The store failed (Redis unreachable, a timeout, ...): whether the key is seen is unknown.
    #[error("the de-duplication store failed: {0}")]
    Store(BoxError),
}

/// Where claimed and processed session ids are kept. [`handle`](crate::handle) and the axum
/// endpoint work with any store: [`MemoryStore`](crate::MemoryStore) (one process, bounded in bytes),
/// `RedisStore` (feature `redis`: several replicas, survives restarts), or your own.
///
/// The contract, for one key:
///
/// 1. [`claim`](Self::claim) atomically takes a key nobody holds and returns a fresh
///    [`ClaimToken`]; it returns `None` when the key is claimed (a delivery being processed)
///    or committed (processed). A remote store gives a claim a lease (a TTL), so that a
///    replica that dies mid-delivery does not block the retries forever.
/// 2. [`commit`](Self::commit) marks the key processed, whoever holds it now (the work is done
///    either way), for as long as the store remembers keys (its TTL, or its byte budget).
/// 3. [`release`](Self::release) forgets the key, only if `token` still holds it, so the next
///    retry processes it again.
/// 4. [`abandon`](Self::abandon) is [`release`](Self::release) from a `Drop` (the request was
///    cancelled, or the handler panicked): it must neither block nor panic. Release without
///    waiting if you can; a store that cannot relies on the claim's lease running out.
///
/// Use it through [`Claim::acquire`], which holds the token and calls
/// [`abandon`](Self::abandon) when dropped unsettled. Implementing one (here over a
/// `HashMap`, unbounded, for brevity):
///
/// ```
/// use std::{collections::HashMap, sync::Mutex};
/// use agni_webhooks::{ClaimToken, DedupKey, DedupStore, StoreFuture};
///
/// #[derive(Default)]
/// struct MapStore(Mutex<(HashMap<String, Option<ClaimToken>>, u128)>);
///
/// impl MapStore {
///     fn release_now(&self, key: DedupKey<'_>, token: ClaimToken) {
///         let mut state = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
///         if state.0.get(key.as_str()) == Some(&Some(token)) {
///             state.0.remove(key.as_str());
///         }
///     }
/// }
///
/// impl DedupStore for MapStore {
///     fn claim<'a>(&'a self, key: DedupKey<'a>) -> StoreFuture<'a, Option<ClaimToken>> {
///         let mut state = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
///         let token = ClaimToken(state.1);
///         state.1 += 1;
///         let new = !state.0.contains_key(key.as_str());
///         if new {
///             state.0.insert(key.as_str().to_owned(), Some(token));
///         }
///         Box::pin(std::future::ready(Ok(new.then_some(token))))
///     }
///     fn commit<'a>(&'a self, key: DedupKey<'a>, _token: ClaimToken) -> StoreFuture<'a, ()> {
///         let mut state = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
///         state.0.insert(key.as_str().to_owned(), None);
///         Box::pin(std::future::ready(Ok(())))
///     }
///     fn release<'a>(&'a self, key: DedupKey<'a>, token: ClaimToken) -> StoreFuture<'a, ()> {
///         self.release_now(key, token);
///         Box::pin(std::future::ready(Ok(())))
///     }
///     fn abandon(&self, key: DedupKey<'_>, token: ClaimToken) {
///         self.release_now(key, token);
///     }
/// }
///
/// # async fn run() -> Result<(), agni_webhooks::DedupError> {
/// let store = MapStore::default();
/// let claim = agni_webhooks::Claim::acquire(&store, "s-1").await?.expect("new");
/// assert!(agni_webhooks::Claim::acquire(&store, "s-1").await?.is_none(), "in flight");
/// drop(claim); // released
/// assert!(agni_webhooks::Claim::acquire(&store, "s-1").await?.is_some());
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
/// ```
pub trait DedupStore: Send + Sync {
    /// Takes `key` if nobody holds it: `Some(token)` to process the delivery, `None` for a
    /// duplicate.
    ///
    /// ```
    /// use agni_webhooks::{DedupKey, DedupStore, MemoryStore};
    ///
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = MemoryStore::default();
    /// let key = DedupKey::new("s-1")?;
    /// assert!(store.claim(key).await?.is_some());
    /// assert!(store.claim(key).await?.is_none(), "held");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    fn claim<'a>(&'a self, key: DedupKey<'a>) -> StoreFuture<'a, Option<ClaimToken>>;

    /// Marks `key` processed: later claims of it are duplicates.
    ///
    /// ```
    /// use agni_webhooks::{DedupKey, DedupStore, MemoryStore};
    ///
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = MemoryStore::default();
    /// let key = DedupKey::new("s-1")?;
    /// let token = store.claim(key).await?.expect("new");
    /// store.commit(key, token).await?;
    /// store.release(key, token).await?;
    /// assert!(store.contains("s-1"), "a processed key is not released");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    fn commit<'a>(&'a self, key: DedupKey<'a>, token: ClaimToken) -> StoreFuture<'a, ()>;

    /// Forgets `key` if `token` still holds it, so that a retry processes it again.
    ///
    /// ```
    /// use agni_webhooks::{DedupKey, DedupStore, MemoryStore};
    ///
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = MemoryStore::default();
    /// let key = DedupKey::new("s-1")?;
    /// let token = store.claim(key).await?.expect("new");
    /// store.release(key, token).await?;
    /// assert!(store.claim(key).await?.is_some(), "claimable again");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    fn release<'a>(&'a self, key: DedupKey<'a>, token: ClaimToken) -> StoreFuture<'a, ()>;

    /// Releases `key` from a `Drop`: without blocking, without panicking, as far as possible.
    ///
    /// ```
    /// use agni_webhooks::{DedupKey, DedupStore, MemoryStore};
    ///
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = MemoryStore::default();
    /// let key = DedupKey::new("s-1")?;
    /// let token = store.claim(key).await?.expect("new");
    /// store.abandon(key, token);
    /// assert!(!store.contains("s-1"));
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    fn abandon(&self, key: DedupKey<'_>, token: ClaimToken);
}

/// A key claimed in a [`DedupStore`]: [`commit`](Self::commit) it once the delivery is
/// processed, or [`release`](Self::release) it so a retry processes it again. Dropped
/// unsettled — the request was cancelled, or the handler panicked — it
/// [abandons](DedupStore::abandon) the key, which releases it.
///
/// ```
/// use agni_webhooks::{Claim, MemoryStore};
///
/// # async fn run() -> Result<(), agni_webhooks::DedupError> {
/// let store = MemoryStore::default();
/// if let Some(claim) = Claim::acquire(&store, "s-1").await? {
///     // ... process the call ...
///     claim.commit().await?;
/// }
/// assert!(store.contains("s-1"));
/// assert!(Claim::acquire(&store, "s-1").await?.is_none(), "a duplicate");
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
/// ```
#[must_use = "dropping a claim releases the key; commit it once processed"]
pub struct Claim<'s, S: DedupStore + ?Sized> {
    store: &'s S,
    key: String,
    token: ClaimToken,
    /// Committed or released: nothing left to do on drop.
    settled: bool,
}

impl<'s, S: DedupStore + ?Sized> Claim<'s, S> {
    /// Claims `key` in `store`: `None` for a duplicate. Fails with
    /// [`DedupError::InvalidKey`] before asking the store when `key` is not a [`DedupKey`].
    ///
    /// ```
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = agni_webhooks::MemoryStore::default();
    /// let claim = agni_webhooks::Claim::acquire(&store, "s-1").await?;
    /// assert_eq!(claim.as_ref().map(|claim| claim.key()), Some("s-1"));
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    pub async fn acquire(store: &'s S, key: &str) -> Result<Option<Self>, DedupError> {
        let token = store.claim(DedupKey::new(key)?).await?;
        Ok(token.map(|token| Claim {
            store,
            key: key.to_owned(),
            token,
            settled: false,
        }))
    }

    /// The claimed key.
    ///
    /// ```
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = agni_webhooks::MemoryStore::default();
    /// let claim = agni_webhooks::Claim::acquire(&store, "s-1").await?.expect("new");
    /// assert_eq!(claim.key(), "s-1");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Keeps the key: later deliveries of this session are duplicates.
    ///
    /// ```
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = agni_webhooks::MemoryStore::default();
    /// let claim = agni_webhooks::Claim::acquire(&store, "s-1").await?.expect("new");
    /// claim.commit().await?;
    /// assert!(store.contains("s-1"));
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    pub async fn commit(mut self) -> Result<(), DedupError> {
        self.settled = true;
        self.store.commit(DedupKey(&self.key), self.token).await
    }

    /// Forgets the key now, so the next delivery of this session is processed.
    ///
    /// ```
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = agni_webhooks::MemoryStore::default();
    /// let claim = agni_webhooks::Claim::acquire(&store, "s-1").await?.expect("new");
    /// claim.release().await?;
    /// assert!(!store.contains("s-1"));
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    pub async fn release(mut self) -> Result<(), DedupError> {
        self.settled = true;
        self.store.release(DedupKey(&self.key), self.token).await
    }
}

impl<S: DedupStore + ?Sized> Drop for Claim<'_, S> {
    fn drop(&mut self) {
        if !self.settled {
            self.store.abandon(DedupKey(&self.key), self.token);
        }
    }
}

impl<S: DedupStore + ?Sized> fmt::Debug for Claim<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("key", &self.key)
            .field("token", &self.token)
            .field("settled", &self.settled)
            .finish_non_exhaustive()
    }
}

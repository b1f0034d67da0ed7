//! [`MemoryStore`]: the default [`DedupStore`], in this process's memory, bounded in bytes.

use std::sync::{Mutex, MutexGuard, PoisonError};

use hashlink::LinkedHashMap;

use super::{ClaimToken, DedupKey, DedupStore, StoreFuture};

/// The session ids claimed and processed most recently, in this process's memory, within a
/// byte budget: when a new key would take [`bytes_held`](Self::bytes_held) past
/// [`budget_bytes`](Self::budget_bytes), the oldest keys are forgotten first. Keys are
/// [`DedupKey`]s, at most [`DedupKey::MAX_LEN`] bytes, so no delivery can take more than its
/// share.
///
/// Enough for Agni's retries to one process. Several replicas, or retries across a restart,
/// need a shared store: `RedisStore` (feature `redis`) or your own [`DedupStore`].
///
/// ```
/// use agni_webhooks::{Claim, MemoryStore};
///
/// # async fn run() -> Result<(), agni_webhooks::DedupError> {
/// // Room for two 1-byte keys, and not three.
/// let store = MemoryStore::new(2 * (1 + MemoryStore::ENTRY_OVERHEAD_BYTES));
/// for key in ["a", "b", "c"] {
///     Claim::acquire(&store, key).await?.expect("new").commit().await?;
/// }
/// assert!(!store.contains("a"), "the oldest was forgotten");
/// assert!(store.contains("b") && store.contains("c"));
/// assert_eq!(store.bytes_held(), 2 * (1 + MemoryStore::ENTRY_OVERHEAD_BYTES));
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    budget: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Oldest first.
    entries: LinkedHashMap<Box<str>, Entry>,
    /// The sum of [`cost`] over `entries`.
    bytes: usize,
    next_token: u128,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Claimed(ClaimToken),
    Committed,
}

/// What one entry counts for against the budget.
fn cost(key: &str) -> usize {
    key.len() + MemoryStore::ENTRY_OVERHEAD_BYTES
}

impl MemoryStore {
    /// The budget of [`MemoryStore::default`]: 4 MiB, about 25,000 UUID session ids.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::MemoryStore::DEFAULT_BUDGET_BYTES, 4 << 20);
    /// ```
    pub const DEFAULT_BUDGET_BYTES: usize = 4 << 20;

    /// What each entry counts for on top of its key's bytes: an allowance for the map's node,
    /// links, hash slot and allocator overhead, on the high side so that
    /// [`bytes_held`](Self::bytes_held) does not understate the heap the store holds.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::MemoryStore::ENTRY_OVERHEAD_BYTES, 128);
    /// ```
    pub const ENTRY_OVERHEAD_BYTES: usize = 128;

    /// A store holding at most `budget_bytes` (raised to fit at least one key of
    /// [`DedupKey::MAX_LEN`] bytes). Make it hold more keys than deliveries you expect between
    /// a call's first delivery and its last retry.
    ///
    /// ```
    /// let store = agni_webhooks::MemoryStore::new(64 << 20);
    /// assert_eq!(store.budget_bytes(), 64 << 20);
    /// assert_eq!(agni_webhooks::MemoryStore::new(0).budget_bytes(), 256);
    /// ```
    pub fn new(budget_bytes: usize) -> Self {
        MemoryStore {
            budget: budget_bytes.max(DedupKey::MAX_LEN + Self::ENTRY_OVERHEAD_BYTES),
            state: Mutex::default(),
        }
    }

    /// The most [`bytes_held`](Self::bytes_held) can reach.
    ///
    /// ```
    /// let store = agni_webhooks::MemoryStore::default();
    /// assert_eq!(store.budget_bytes(), agni_webhooks::MemoryStore::DEFAULT_BUDGET_BYTES);
    /// ```
    pub fn budget_bytes(&self) -> usize {
        self.budget
    }

    /// The bytes the keys count for now: each key's length plus
    /// [`ENTRY_OVERHEAD_BYTES`](Self::ENTRY_OVERHEAD_BYTES). Never above
    /// [`budget_bytes`](Self::budget_bytes).
    ///
    /// ```
    /// # async fn run() -> Result<(), agni_webhooks::DedupError> {
    /// let store = agni_webhooks::MemoryStore::default();
    /// agni_webhooks::Claim::acquire(&store, "s-1").await?.expect("new").commit().await?;
    /// assert_eq!(store.bytes_held(), 3 + agni_webhooks::MemoryStore::ENTRY_OVERHEAD_BYTES);
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(run()).expect("ok");
    /// ```
    pub fn bytes_held(&self) -> usize {
        self.lock().bytes
    }

    /// Whether `key` is claimed or processed.
    ///
    /// ```
    /// assert!(!agni_webhooks::MemoryStore::default().contains("s-1"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.lock().entries.contains_key(key)
    }

    /// How many keys are claimed or processed.
    ///
    /// ```
    /// assert_eq!(agni_webhooks::MemoryStore::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no key is claimed or processed.
    ///
    /// ```
    /// assert!(agni_webhooks::MemoryStore::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// The store stays consistent whatever panicked while holding the lock: every critical
    /// section is a few infallible map operations.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `key` at the back (the newest), then forgets the oldest keys past the budget.
    fn put(&self, state: &mut State, key: &str, entry: Entry) {
        if state.entries.insert(key.into(), entry).is_none() {
            state.bytes += cost(key);
        }
        while state.bytes > self.budget {
            match state.entries.pop_front() {
                Some((oldest, _)) => state.bytes -= cost(&oldest),
                None => break,
            }
        }
    }

    fn release_now(&self, key: DedupKey<'_>, token: ClaimToken) {
        let mut state = self.lock();
        // Only the claim that holds the key: an older one may have been evicted, and the key
        // claimed again by a retry since.
        if state.entries.get(key.as_str()) == Some(&Entry::Claimed(token)) {
            state.entries.remove(key.as_str());
            state.bytes -= cost(key.as_str());
        }
    }
}

impl Default for MemoryStore {
    /// A store of [`MemoryStore::DEFAULT_BUDGET_BYTES`].
    fn default() -> Self {
        MemoryStore::new(Self::DEFAULT_BUDGET_BYTES)
    }
}

impl DedupStore for MemoryStore {
    fn claim<'a>(&'a self, key: DedupKey<'a>) -> StoreFuture<'a, Option<ClaimToken>> {
        let mut state = self.lock();
        let claimed = if state.entries.contains_key(key.as_str()) {
            None
        } else {
            let token = ClaimToken(state.next_token);
            state.next_token = state.next_token.wrapping_add(1);
            self.put(&mut state, key.as_str(), Entry::Claimed(token));
            Some(token)
        };
        Box::pin(std::future::ready(Ok(claimed)))
    }

    fn commit<'a>(&'a self, key: DedupKey<'a>, _token: ClaimToken) -> StoreFuture<'a, ()> {
        self.put(&mut self.lock(), key.as_str(), Entry::Committed);
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, key: DedupKey<'a>, token: ClaimToken) -> StoreFuture<'a, ()> {
        self.release_now(key, token);
        Box::pin(std::future::ready(Ok(())))
    }

    fn abandon(&self, key: DedupKey<'_>, token: ClaimToken) {
        self.release_now(key, token);
    }
}

#[cfg(test)]
mod tests {
    use std::{
        future::Future,
        pin::pin,
        task::{Context, Poll, Waker},
    };

    use super::*;

    /// The in-memory store's futures are ready at once: poll them without a runtime.
    fn now<T>(future: StoreFuture<'_, T>) -> T {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result.expect("the in-memory store never fails"),
            Poll::Pending => panic!("the in-memory store never waits"),
        }
    }

    fn claim(store: &MemoryStore, key: &'static str) -> Option<ClaimToken> {
        now(store.claim(DedupKey(key)))
    }

    #[test]
    fn a_claim_evicted_then_retaken_is_not_released_by_the_old_token() {
        let store = MemoryStore::new(0); // room for one key
        let old = claim(&store, "a").expect("new");
        claim(&store, "b").expect("new"); // evicts "a"
        let new = claim(&store, "a").expect("evicted, so new again"); // evicts "b"
        store.abandon(DedupKey("a"), old);
        assert!(
            store.contains("a"),
            "the old token must not release the new claim"
        );
        store.abandon(DedupKey("a"), new);
        assert!(store.is_empty());
        assert_eq!(store.bytes_held(), 0);
    }

    #[test]
    fn a_commit_after_eviction_puts_the_key_back_within_budget() {
        let store = MemoryStore::new(0);
        let a = claim(&store, "a").expect("new");
        claim(&store, "b").expect("new"); // evicts "a"
        now(store.commit(DedupKey("a"), a)); // evicts "b"
        assert!(store.contains("a") && !store.contains("b"));
        assert_eq!(store.bytes_held(), cost("a"));
        now(store.release(DedupKey("a"), a));
        assert!(store.contains("a"), "a committed key is not released");
    }
}

//! `RedisStore` against a real Redis: two replicas process a delivery once, a failed delivery
//! is released for the retry at the other replica, claims and processed sessions expire, a
//! cancelled delivery's claim is released, and a Redis that goes away answers 503.

mod server;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use agni_webhooks::{
    self as webhooks, CallCompleted, Claim, DedupError, DedupKey, DedupStore, Outcome, RedisStore,
};
use http::StatusCode;
use redis::{AsyncCommands, aio::ConnectionManager};

use self::server::{INSTALL, RedisServer};
use super::{REAL_INBOUND, delivery};

const SESSION: &str = "019e1c2d-0a1b-7c2d-8e3f-4a5b6c7d8e9f";

/// A connection that tolerates a loaded machine (the default answers within 500 ms).
async fn connection(url: &str) -> ConnectionManager {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_response_timeout(Some(Duration::from_secs(10)))
        .set_connection_timeout(Some(Duration::from_secs(10)));
    redis::Client::open(url)
        .expect("a Redis URL")
        .get_connection_manager_with_config(config)
        .await
        .unwrap_or_else(|error| panic!("cannot reach Redis at {url} ({error}): {INSTALL}"))
}

/// Keys of this test alone, whatever else shares the Redis.
fn prefix() -> String {
    format!(
        "agni-webhooks-test:{}:{:016x}:",
        std::process::id(),
        fastrand::u64(..)
    )
}

/// How long the tests' processed sessions stay in a shared Redis: not the default week.
const SEEN_TTL: Duration = Duration::from_secs(600);

/// A replica's store: its own connection, the shared prefix.
async fn replica(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::new(connection(&server.url).await)
        .with_prefix(prefix)
        .with_seen_ttl(SEEN_TTL)
}

async fn pttl(server: &RedisServer, key: &str) -> i64 {
    connection(&server.url).await.pttl(key).await.expect("PTTL")
}

/// Polls `done` every 50 ms for at most 10 s.
async fn eventually(mut done: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn counting(
    runs: &Arc<AtomicUsize>,
) -> impl Fn(CallCompleted) -> std::future::Ready<Result<(), std::convert::Infallible>>
+ Clone
+ Send
+ Sync
+ 'static {
    let runs = Arc::clone(runs);
    move |_call| {
        runs.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_process_each_delivery_once() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let runs = Arc::new(AtomicUsize::new(0));
    let replicas = [
        Arc::new(replica(&server, &prefix).await),
        Arc::new(replica(&server, &prefix).await),
    ];

    // 50 sessions, each delivered to both replicas at once.
    let mut deliveries = tokio::task::JoinSet::new();
    for session in 0..50 {
        for store in &replicas {
            let (store, handler) = (Arc::clone(store), counting(&runs));
            deliveries.spawn(async move {
                let body = delivery(&format!("s-{session}"), 0);
                webhooks::handle(&body, &*store, handler).await
            });
        }
    }
    let (mut processed, mut duplicates) = (0, 0);
    while let Some(outcome) = deliveries.join_next().await {
        match outcome.expect("no panic") {
            Outcome::Processed { .. } => processed += 1,
            Outcome::Duplicate { .. } => duplicates += 1,
            other => panic!("expected processed or duplicate, got {other:?}"),
        }
    }
    assert_eq!((processed, duplicates), (50, 50));
    assert_eq!(runs.load(Ordering::SeqCst), 50);
}

#[tokio::test]
async fn a_delivery_in_progress_at_one_replica_is_a_duplicate_at_the_other() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let (a, b) = (
        replica(&server, &prefix).await,
        replica(&server, &prefix).await,
    );
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();

    let at_a = webhooks::handle(REAL_INBOUND.as_bytes(), &a, |_call| async move {
        started_tx.send(()).map_err(|()| "test gone")?;
        finish_rx.await.map_err(|_| "test gone")
    });
    let at_b = async {
        started_rx.await.expect("A started");
        let runs = Arc::new(AtomicUsize::new(0));
        let retry = webhooks::handle(REAL_INBOUND.as_bytes(), &b, counting(&runs)).await;
        finish_tx.send(()).expect("A waits");
        (retry, runs.load(Ordering::SeqCst))
    };
    let (first, (retry, b_runs)) = tokio::join!(at_a, at_b);
    assert!(matches!(first, Outcome::Processed { .. }), "{first:?}");
    assert!(matches!(retry, Outcome::Duplicate { .. }), "{retry:?}");
    assert_eq!(b_runs, 0);

    let key = format!("{prefix}{SESSION}");
    let ttl = pttl(&server, &key).await;
    assert!(
        ttl > RedisStore::DEFAULT_CLAIM_TTL.as_millis() as i64
            && ttl <= SEEN_TTL.as_millis() as i64,
        "a processed session is remembered for the seen TTL, not the claim's: {ttl} ms"
    );
}

#[tokio::test]
async fn a_failure_at_one_replica_is_released_for_the_retry_at_the_other() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let (a, b) = (
        replica(&server, &prefix).await,
        replica(&server, &prefix).await,
    );

    let failed = webhooks::handle(REAL_INBOUND.as_bytes(), &a, |_call| async {
        Err("database unavailable")
    })
    .await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let exists: bool = connection(&server.url)
        .await
        .exists(format!("{prefix}{SESSION}"))
        .await
        .expect("EXISTS");
    assert!(!exists, "released");

    let runs = Arc::new(AtomicUsize::new(0));
    let retried = webhooks::handle(REAL_INBOUND.as_bytes(), &b, counting(&runs)).await;
    assert!(matches!(retried, Outcome::Processed { .. }), "{retried:?}");
    let again = webhooks::handle(REAL_INBOUND.as_bytes(), &a, counting(&runs)).await;
    assert!(matches!(again, Outcome::Duplicate { .. }), "{again:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn claims_and_processed_sessions_expire() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let short = Duration::from_millis(300);
    let store = replica(&server, &prefix)
        .await
        .with_claim_ttl(short)
        .with_seen_ttl(short * 2);
    let (dead, processed) = ("s-dead-replica", "s-processed");

    // A replica that dies mid-delivery: its claim is never settled.
    let token = store
        .claim(DedupKey::new(dead).expect("a key"))
        .await
        .expect("Redis answers")
        .expect("new");
    let ttl = pttl(&server, &format!("{prefix}{dead}")).await;
    assert!(ttl > 0 && ttl <= 300, "the claim's lease: {ttl} ms");
    assert!(
        Claim::acquire(&store, dead)
            .await
            .expect("Redis answers")
            .is_none(),
        "held until the lease runs out"
    );
    let retaken = eventually(async || match Claim::acquire(&store, dead).await {
        Ok(Some(claim)) => claim.commit().await.is_ok(),
        _ => false,
    });
    assert!(
        retaken.await,
        "the lease ran out within 10 s, and a retry processed it"
    );
    // The dead replica's token, should it come back, releases nothing now.
    store
        .release(DedupKey::new(dead).expect("a key"), token)
        .await
        .expect("Redis answers");
    assert!(
        Claim::acquire(&store, dead)
            .await
            .expect("answers")
            .is_none()
    );

    Claim::acquire(&store, processed)
        .await
        .expect("answers")
        .expect("new")
        .commit()
        .await
        .expect("committed");
    let ttl = pttl(&server, &format!("{prefix}{processed}")).await;
    assert!(ttl > 0 && ttl <= 600, "the seen TTL: {ttl} ms");
    assert!(
        eventually(async || Claim::acquire(&store, processed)
            .await
            .expect("answers")
            .is_some())
        .await,
        "forgotten after the seen TTL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_delivery_releases_its_claim() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let store = replica(&server, &prefix).await;
    let never = webhooks::handle(REAL_INBOUND.as_bytes(), &store, |_call| {
        std::future::pending::<Result<(), std::convert::Infallible>>()
    });
    let claimed_then_dropped = tokio::time::timeout(Duration::from_millis(500), never).await;
    assert!(claimed_then_dropped.is_err());
    let mut check = connection(&server.url).await;
    let key = format!("{prefix}{SESSION}");
    assert!(
        eventually(async || !check.exists::<_, bool>(&key).await.expect("EXISTS")).await,
        "the abandoned claim was released"
    );
}

#[tokio::test]
async fn over_long_keys_never_reach_redis() {
    let server = RedisServer::shared();
    let prefix = prefix();
    let store = replica(&server, &prefix).await;
    let huge = "k".repeat(1 << 20);
    for i in 0..200 {
        let key = format!("{i:03}{huge}");
        assert!(matches!(
            Claim::acquire(&store, &key).await,
            Err(DedupError::InvalidKey { max: 128, .. })
        ));
    }
    let keys: Vec<String> = connection(&server.url)
        .await
        .keys(format!("{prefix}*"))
        .await
        .expect("KEYS");
    assert!(keys.is_empty(), "{} keys", keys.len());
}

#[tokio::test]
async fn a_redis_that_goes_away_answers_503() {
    let mut server = RedisServer::private();
    let store = replica(&server, &prefix()).await;
    server.stop();
    let runs = Arc::new(AtomicUsize::new(0));
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        webhooks::handle(REAL_INBOUND.as_bytes(), &store, counting(&runs)),
    )
    .await
    .expect("the store gives up");
    assert!(
        matches!(outcome, Outcome::StoreFailed { .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[test]
fn without_redis_server_the_tests_fail_saying_how_to_install_it() {
    let error = RedisServer::spawn("redis-server-that-is-not-installed")
        .err()
        .expect("no such binary");
    assert!(error.contains("apt-get install redis-server"), "{error}");
    assert!(error.contains("AGNI_TEST_REDIS_URL"), "{error}");
}

//! When a failed attempt is tried again: [`RetryPolicy`] (the user's knobs) and [`decide`], a
//! pure function from what happened to what to do, so every rule is a table-driven unit test.
//!
//! Classification (what an attempt's failure means, `Class`) is kept apart from strategy (the
//! policy): `attempt` classifies, this module decides.
//!
//! The rules: idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) retry when the request may not
//! have been answered (connection lost, timeout) and on 408/429/500/502/503/504. POST and PATCH
//! retry only when the request provably never left (the connection could not be made) or on
//! 429, which the server sends before doing any work: never after an attempt that may have
//! been processed. Waits grow exponentially with jitter, honour `Retry-After` up to a cap, and
//! never run past the call's deadline.

use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::error::is_retryable_status;

/// When and how often a failed request is tried again.
///
/// ```
/// use std::time::Duration;
/// let patient = agni::RetryPolicy { max_retries: 5, ..agni::RetryPolicy::default() };
/// assert_eq!(patient.max_retry_after, Duration::from_secs(60));
/// assert_eq!(agni::RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// The first wait's upper bound; it doubles with each retry (default 250 ms). Each wait is
    /// between half its bound and the bound (jitter spreads clients that failed together, the
    /// lower half keeps a retry from following at once).
    pub initial_backoff: Duration,
    /// The largest bound a wait can reach (default 8 s).
    pub max_backoff: Duration,
    /// Longest `Retry-After` the client will sleep for (default 60 s); a longer one is returned
    /// to the caller as a rate-limit error carrying [`Error::retry_after`](crate::Error::retry_after).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    ///
    /// ```
    /// assert_eq!(agni::RetryPolicy::none().max_retries, 0);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based), given `jitter` in `[0, 1)`: between half
    /// and all of `min(max_backoff, initial_backoff · 2^(retry-1))`.
    fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let bound = self
            .initial_backoff
            .saturating_mul(1 << retry.saturating_sub(1).min(16))
            .min(self.max_backoff);
        bound.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// What an attempt's failure means for repeating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// The request never left this machine: the connection could not be made.
    NotSent,
    /// It may have reached the server, and no complete answer came back (timeout, reset,
    /// connection lost mid-body).
    Lost,
    /// The server answered with this error status, and maybe a `Retry-After`.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    /// Repeating cannot help: a redirect, an answer over a size limit.
    Final,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// Return the failure to the caller.
    GiveUp,
}

/// Methods whose repetition has the same effect as sending once.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Decides whether to repeat a request whose attempt failed as `class`.
///
/// `retries_done` counts the retries already made, `time_left` is what remains of the call's
/// deadline, and `jitter` is a uniform random number in `[0, 1)` (passed in, so this stays pure).
pub(crate) fn decide(
    policy: &RetryPolicy,
    idempotent: bool,
    class: Class,
    retries_done: u32,
    time_left: Duration,
    jitter: f64,
) -> Decision {
    let safe = match class {
        Class::NotSent => true,
        Class::Lost => idempotent,
        Class::Status { status, .. } if status == StatusCode::TOO_MANY_REQUESTS => true,
        Class::Status { status, .. } => idempotent && is_retryable_status(status),
        Class::Final => false,
    };
    if !safe || retries_done >= policy.max_retries {
        return Decision::GiveUp;
    }
    let backoff = policy.backoff(retries_done + 1, jitter);
    let wait = match class {
        Class::Status {
            retry_after: Some(asked),
            ..
        } if asked > policy.max_retry_after => return Decision::GiveUp,
        // A `Retry-After` of 0 still waits the backoff: an immediate retry is what it forbids.
        Class::Status {
            retry_after: Some(asked),
            ..
        } => asked.max(backoff),
        _ => backoff,
    };
    if wait >= time_left {
        Decision::GiveUp
    } else {
        Decision::Retry(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn status(code: u16, retry_after: Option<u64>) -> Class {
        Class::Status {
            status: StatusCode::from_u16(code).expect("valid status"),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn what_is_safe_to_repeat() {
        let policy = RetryPolicy::default();
        // (idempotent, class, retried?)
        let table = [
            (true, Class::NotSent, true),
            (false, Class::NotSent, true),
            (true, Class::Lost, true),
            (false, Class::Lost, false),
            (true, status(429, None), true),
            (false, status(429, None), true),
            (true, status(503, None), true),
            (false, status(503, None), false),
            (true, status(408, None), true),
            (true, status(501, None), false),
            (true, status(404, None), false),
            (true, Class::Final, false),
        ];
        for (idempotent, class, retried) in table {
            let decision = decide(&policy, idempotent, class, 0, MINUTE, 0.5);
            assert_eq!(
                matches!(decision, Decision::Retry(_)),
                retried,
                "{idempotent} {class:?}"
            );
        }
    }

    #[test]
    fn retries_stop_at_the_policy_limit() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            decide(&policy, true, Class::Lost, 1, MINUTE, 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            decide(&policy, true, Class::Lost, 2, MINUTE, 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            decide(&RetryPolicy::none(), true, Class::NotSent, 0, MINUTE, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn backoff_doubles_within_half_and_whole_of_its_bound() {
        let policy = RetryPolicy::default();
        let wait =
            |retries_done, jitter| decide(&policy, true, Class::Lost, retries_done, MINUTE, jitter);
        assert_eq!(wait(0, 0.0), Decision::Retry(Duration::from_millis(125)));
        assert_eq!(
            wait(0, 0.999_999),
            Decision::Retry(Duration::from_nanos(249_999_875))
        );
        assert_eq!(wait(1, 0.0), Decision::Retry(Duration::from_millis(250)));
        let capped = RetryPolicy {
            max_retries: 30,
            ..RetryPolicy::default()
        };
        assert_eq!(
            decide(&capped, true, Class::Lost, 20, MINUTE, 0.0),
            Decision::Retry(Duration::from_secs(4)),
            "the bound stops at max_backoff"
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            decide(&policy, false, status(429, Some(3)), 0, MINUTE * 5, 0.0),
            Decision::Retry(Duration::from_secs(3))
        );
        assert_eq!(
            decide(
                &policy,
                false,
                status(429, Some(3600)),
                0,
                MINUTE * 120,
                0.0
            ),
            Decision::GiveUp,
            "longer than max_retry_after: the caller decides"
        );
        assert_eq!(
            decide(
                &policy,
                false,
                Class::Status {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: Some(Duration::MAX),
                },
                0,
                MINUTE,
                0.0
            ),
            Decision::GiveUp,
            "an unrepresentable Retry-After is too long, not absent"
        );
        assert_eq!(
            decide(&policy, false, status(429, Some(0)), 0, MINUTE, 0.0),
            Decision::Retry(Duration::from_millis(125)),
            "Retry-After: 0 still waits the backoff"
        );
    }

    #[test]
    fn no_wait_runs_past_the_deadline() {
        let policy = RetryPolicy::default();
        assert_eq!(
            decide(
                &policy,
                true,
                status(503, Some(2)),
                0,
                Duration::from_secs(1),
                0.0
            ),
            Decision::GiveUp
        );
        assert_eq!(
            decide(
                &policy,
                true,
                Class::Lost,
                0,
                Duration::from_millis(100),
                0.0
            ),
            Decision::GiveUp
        );
    }

    #[test]
    fn idempotent_methods() {
        for method in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent(&method), "{method}");
        }
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
    }
}

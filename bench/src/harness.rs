//! The measuring half of every contender: argument parsing for the child commands, the load
//! loop, the contact-stream timer and hand-written paging loop, the decode timer, the shared
//! request values (the `CreateCall` body) and the JSON each child prints.
//!
//! `agni-bench` compiles this file as a module, and `cargo xtask bench` copies it verbatim into
//! the generated peer's driver (`<target dir>/bench/peer-driver/src/harness.rs`), so all three
//! contenders are measured by the same code. It may therefore depend only on crates the driver
//! also has: `std`, `tokio`, `reqwest` and `serde_json`.
//!
//! A child runs on a single-threaded tokio runtime (the server has its own thread in the parent),
//! so on a 2-core machine client and server each get one core and the client's own cost per
//! request is what throughput measures.

// The peer driver uses all of it; agni-bench's tests do not call every helper.
#![allow(dead_code)]

use std::{
    cell::{Cell, RefCell},
    collections::BTreeMap,
    fmt::Display,
    future::Future,
    process::ExitCode,
    rc::Rc,
    str::FromStr,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

/// The API key every contender sends; the server answers 401 without it.
pub const API_KEY: &str = "sk_bench_local";
/// The agent `GetAgent` asks for.
pub const AGENT_ID: &str = "0198f6a2-6d1e-7c1a-9d4f-000000000001";
/// Agents in the `ListAgents` answer.
pub const LIST_ITEMS: usize = 100;
/// Path serving the decode benchmark's body in `variant` (`snake` or `camel`).
pub fn decode_path(variant: &str) -> String {
    format!("/bench/decode/{variant}")
}

/// The `CreateCall` body every contender sends, byte for byte: each serializes its own request
/// type with these values (from [`create_call_fields`]), and the server answers 400 to any other
/// bytes, so a contender that sent a different body fails its row instead of passing unseen.
pub const CREATE_CALL_BODY: &str = concat!(
    r#"{"agent_id":"0198f6a2-6d1e-7c1a-9d4f-000000000001","from_phone_number":"+14157774444","#,
    r#""metadata":{"campaign":"spring-recall"},"prompt_dynamic_variables":{"patient_name":"Ada"},"#,
    r#""to_phone_number":"+12137774445","type":"outbound_call"}"#
);

/// The values of [`CREATE_CALL_BODY`]; its `type` is `outbound_call`.
pub struct CreateCallFields {
    pub agent_id: &'static str,
    pub from_phone_number: &'static str,
    pub to_phone_number: &'static str,
    pub metadata: serde_json::Map<String, Value>,
    pub prompt_dynamic_variables: serde_json::Map<String, Value>,
}

/// See [`CreateCallFields`].
pub fn create_call_fields() -> CreateCallFields {
    let map = |key: &str, value: &str| serde_json::Map::from_iter([(key.to_owned(), json!(value))]);
    CreateCallFields {
        agent_id: AGENT_ID,
        from_phone_number: "+14157774444",
        to_phone_number: "+12137774445",
        metadata: map("campaign", "spring-recall"),
        prompt_dynamic_variables: map("patient_name", "Ada"),
    }
}

/// Path prefix of the contact lists: `{CONTACTS_PREFIX}{total}` + the API's paths.
pub const CONTACTS_PREFIX: &str = "/bench/contacts-";

/// The base URL of a contact list with `total` contacts on the parent's server (`--url` of a
/// `stream` child): one server serves every list size, the size named in the path prefix.
pub fn contacts_base_url(server: &str, total: u64) -> String {
    format!("{server}{CONTACTS_PREFIX}{total}")
}

/// `--name value` pairs.
#[derive(Debug, Default)]
pub struct Args(BTreeMap<String, String>);

impl Args {
    /// Parses `--name value` pairs; a `--flag` followed by another `--name` (or nothing) is `"true"`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut map = BTreeMap::new();
        let mut args = args.into_iter().peekable();
        while let Some(arg) = args.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {arg:?}"))?;
            let value = match args.peek() {
                Some(next) if !next.starts_with("--") => args.next().unwrap_or_default(),
                _ => "true".to_owned(),
            };
            map.insert(name.to_owned(), value);
        }
        Ok(Args(map))
    }

    /// A required argument.
    pub fn get(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{name}"))
    }

    /// An optional argument.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required number.
    pub fn num<T: FromStr>(&self, name: &str) -> Result<T, String>
    where
        T::Err: Display,
    {
        let value = self.get(name)?;
        value
            .parse()
            .map_err(|e| format!("--{name} {value:?}: {e}"))
    }
}

/// What a `load` child runs: which request, how many at once, for how long.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// `get` (GetAgent), `list` (ListAgents, 100 agents) or `create` (CreateCall, a POST).
    pub scenario: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Untimed requests first (connections get opened, caches warm).
    pub warmup: u64,
    /// The timed phase stops after this many requests...
    pub max_requests: u64,
    /// ...or after this long, whichever comes first.
    pub duration: Duration,
}

impl LoadSpec {
    /// `--scenario --concurrency --warmup --max-requests --duration-ms`.
    pub fn from_args(args: &Args) -> Result<LoadSpec, String> {
        Ok(LoadSpec {
            scenario: args.get("scenario")?.to_owned(),
            concurrency: args.num::<usize>("concurrency")?.max(1),
            warmup: args.num("warmup")?,
            max_requests: args.num("max-requests")?,
            duration: Duration::from_millis(args.num("duration-ms")?),
        })
    }
}

/// One request of the load; `Ok` only when the answer decoded into what was expected.
pub fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected answer: {what}"))
    }
}

struct Phase {
    latencies_ns: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// Runs `call` `concurrency` at a time: first `warmup` untimed requests, then the timed phase.
/// Must run inside a [`tokio::task::LocalSet`] (see [`run_child`]).
pub async fn load<F, Fut, E>(spec: &LoadSpec, call: F) -> Value
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<(), E>> + 'static,
    E: Display,
{
    let call = Rc::new(call);
    let far = Instant::now() + Duration::from_secs(3600);
    phase(&call, spec.concurrency, spec.warmup, far).await;
    let started = Instant::now();
    let timed = phase(
        &call,
        spec.concurrency,
        spec.max_requests,
        started + spec.duration,
    )
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = timed.latencies_ns;
    latencies.sort_unstable();
    let completed = latencies.len() as u64;
    json!({
        "scenario": spec.scenario,
        "concurrency": spec.concurrency,
        "requests": completed,
        "errors": timed.errors,
        "first_error": timed.first_error,
        "elapsed_s": elapsed,
        "rps": (completed - timed.errors) as f64 / elapsed,
        "p50_us": percentile(&latencies, 50.0) / 1e3,
        "p99_us": percentile(&latencies, 99.0) / 1e3,
    })
}

async fn phase<F, Fut, E>(call: &Rc<F>, concurrency: usize, max: u64, until: Instant) -> Phase
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<(), E>> + 'static,
    E: Display,
{
    let issued = Rc::new(Cell::new(0u64));
    let errors = Rc::new(Cell::new(0u64));
    let first_error = Rc::new(RefCell::new(None::<String>));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (call, issued, errors, first_error) = (
            Rc::clone(call),
            Rc::clone(&issued),
            Rc::clone(&errors),
            Rc::clone(&first_error),
        );
        workers.push(tokio::task::spawn_local(async move {
            let mut latencies = Vec::new();
            while issued.get() < max && Instant::now() < until {
                issued.set(issued.get() + 1);
                let started = Instant::now();
                let outcome = call().await;
                latencies.push(started.elapsed().as_nanos() as u64);
                if let Err(error) = outcome {
                    errors.set(errors.get() + 1);
                    first_error
                        .borrow_mut()
                        .get_or_insert_with(|| error.to_string());
                }
            }
            latencies
        }));
    }
    let mut latencies_ns = Vec::new();
    for worker in workers {
        latencies_ns.extend(worker.await.unwrap_or_default());
    }
    let first_error = first_error.borrow_mut().take();
    Phase {
        latencies_ns,
        errors: errors.get(),
        first_error,
    }
}

/// Nearest-rank percentile of sorted values; 0 for none.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}

/// What a `decode` child times.
#[derive(Debug, Clone)]
pub struct DecodeSpec {
    /// `snake` or `camel`.
    pub variant: String,
    /// Agents the body holds.
    pub items: usize,
    /// Untimed decodes first.
    pub warmup: u32,
    /// Timed decodes: at least this many...
    pub min_runs: u32,
    /// ...and more while the time spent stays under this budget...
    pub budget: Duration,
    /// ...up to this many.
    pub max_runs: u32,
}

impl DecodeSpec {
    /// `--variant --items --warmup --min-runs --budget-ms --max-runs`.
    pub fn from_args(args: &Args) -> Result<DecodeSpec, String> {
        Ok(DecodeSpec {
            variant: args.get("variant")?.to_owned(),
            items: args.num("items")?,
            warmup: args.num("warmup")?,
            min_runs: args.num::<u32>("min-runs")?.max(1),
            budget: Duration::from_millis(args.num("budget-ms")?),
            max_runs: args.num("max-runs")?,
        })
    }
}

/// JSON text into a `T` the way every contender reads answers: one UTF-8 check of the whole
/// body, then `serde_json::from_str` (which then need not check each string).
pub fn parse<T, E: Display>(
    body: &[u8],
    from_str: impl Fn(&str) -> Result<T, E>,
) -> Result<T, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    from_str(text).map_err(|e| e.to_string())
}

/// Times [`parse`] with `from_str` on `body` and reports the median. `census` counts (agents,
/// agents whose `agent_name` and `created_at` came through): a decoder that silently drops fields
/// (one that knows only the snake_case names, say) is reported as unsupported, not as fast.
pub fn decode<T, E: Display>(
    spec: &DecodeSpec,
    body: &[u8],
    from_str: impl Fn(&str) -> Result<T, E>,
    census: impl Fn(&T) -> (usize, usize),
) -> Value {
    let decode = |body: &[u8]| parse(body, &from_str);
    let decoded = match decode(body) {
        Ok(value) => value,
        Err(e) => return json!({ "unsupported": format!("decoding fails: {e}") }),
    };
    let (items, complete) = census(&decoded);
    drop(decoded);
    if items != spec.items || complete != items {
        return json!({ "unsupported": format!(
            "decodes without an error, but {} of {} agents lack agent_name/created_at (field \
             names it does not know are silently skipped; {} of {} items read)",
            items - complete.min(items), spec.items, items, spec.items
        )});
    }
    for _ in 0..spec.warmup {
        std::hint::black_box(decode(std::hint::black_box(body)).ok());
    }
    let mut runs_ns = Vec::new();
    let started = Instant::now();
    while runs_ns.len() < spec.min_runs as usize
        || (started.elapsed() < spec.budget && runs_ns.len() < spec.max_runs as usize)
    {
        let t = Instant::now();
        let value = std::hint::black_box(decode(std::hint::black_box(body)));
        runs_ns.push(t.elapsed().as_nanos() as u64);
        // Dropping the decoded list is not part of decoding it.
        drop(value);
    }
    runs_ns.sort_unstable();
    json!({
        "variant": spec.variant,
        "bytes": body.len(),
        "runs": runs_ns.len(),
        "median_ms": percentile(&runs_ns, 50.0) / 1e6,
        "min_ms": runs_ns[0] as f64 / 1e6,
    })
}

/// What a `stream` child runs: page through a contact list of `items` contacts.
#[derive(Debug, Clone)]
pub struct StreamSpec {
    /// Contacts the list holds (and the child must see, each with an id).
    pub items: u64,
    /// `limit` of every page.
    pub page_size: u32,
}

impl StreamSpec {
    /// `--items --page-size`.
    pub fn from_args(args: &Args) -> Result<StreamSpec, String> {
        Ok(StreamSpec {
            items: args.num("items")?,
            page_size: args.num::<u32>("page-size")?.max(1),
        })
    }
}

/// One page of a hand-written paging loop: contacts on it, how many of them had an id, and the
/// answer's `meta.total`.
#[derive(Debug, Clone, Copy)]
pub struct PageCount {
    pub len: u64,
    pub with_id: u64,
    pub total: Option<u64>,
}

/// The hand-written limit/offset loop (the limit's and the peer's; agni has its own stream):
/// fetch `offset`, advance by the page's length, stop on an empty page, when `meta.total` is
/// reached, or, without a total, on a short page. Returns the contacts that had an id.
pub async fn page_loop<F, Fut>(page_size: u32, mut fetch: F) -> Result<u64, String>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<PageCount, String>>,
{
    let (mut offset, mut counted) = (0u64, 0u64);
    loop {
        let page = fetch(offset).await?;
        counted += page.with_id;
        offset += page.len;
        let done = match page.total {
            Some(total) => offset >= total,
            None => page.len < u64::from(page_size),
        };
        if page.len == 0 || done {
            return Ok(counted);
        }
    }
}

/// Times `run` (which streams the whole list and returns the contacts it saw with an id) and
/// reports items/s and this process's peak resident memory.
pub async fn stream(
    spec: &StreamSpec,
    run: impl Future<Output = Result<u64, String>>,
) -> Result<Value, String> {
    let started = Instant::now();
    let counted = run.await?;
    let elapsed = started.elapsed().as_secs_f64();
    if counted != spec.items {
        return Err(format!(
            "streamed {counted} contacts with an id, expected {}",
            spec.items
        ));
    }
    Ok(json!({
        "items": counted,
        "page_size": spec.page_size,
        "elapsed_s": elapsed,
        "items_per_s": counted as f64 / elapsed,
        "vmhwm_kib": peak_memory_kib().ok_or("no VmHWM in /proc/self/status")?,
    }))
}

/// Peak resident set size of this process (`VmHWM`, KiB), on Linux.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        line.strip_prefix("VmHWM:")?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// The reqwest client every contender uses: the settings `agni::Client` builds its own with
/// (no redirects, 10 s connect timeout, a default `User-Agent`).
pub fn http_client(user_agent: &'static str) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::USER_AGENT,
        reqwest::header::HeaderValue::from_static(user_agent),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// Fetches the decode benchmark's body from the parent's server.
pub async fn fetch_decode_body(
    http: &reqwest::Client,
    base_url: &str,
    variant: &str,
) -> Result<Vec<u8>, String> {
    let response = http
        .get(format!("{base_url}{}", decode_path(variant)))
        .header("X-Api-Key", API_KEY)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())?;
    Ok(response.bytes().await.map_err(|e| e.to_string())?.to_vec())
}

/// The child commands, for usage messages.
pub const CHILD_USAGE: &str =
    "  load   --url URL --scenario get|list|create --concurrency N --warmup N --max-requests N
         --duration-ms MS
  decode --url URL --variant snake|camel --items N --warmup N --min-runs N --budget-ms MS
         --max-runs N
  stream --url URL --items N --page-size N   (URL from contacts_base_url)";

/// A child's `main`: `load ...`, `decode ...` or `stream ...` (see [`LoadSpec`], [`DecodeSpec`],
/// [`StreamSpec`]) plus `--url`,
/// run by `child` on a single-threaded runtime; prints one JSON object on stdout.
pub fn run_child<F, Fut>(contender: &str, child: F) -> ExitCode
where
    F: FnOnce(String, Args) -> Fut,
    Fut: Future<Output = Result<Value, String>>,
{
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    if !matches!(command.as_str(), "load" | "decode" | "stream") {
        eprintln!("usage: {contender} COMMAND ...\n{CHILD_USAGE}");
        return ExitCode::from(2);
    }
    let outcome = Args::parse(argv).and_then(|args| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        tokio::task::LocalSet::new().block_on(&runtime, child(command, args))
    });
    match outcome {
        Ok(mut value) => {
            if value.get("contender").is_none() {
                value["contender"] = json!(contender);
            }
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{contender}: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_flags() {
        let args =
            Args::parse(["--url", "http://x", "--quick", "--concurrency", "64"].map(str::to_owned))
                .expect("parses");
        assert_eq!(args.get("url"), Ok("http://x"));
        assert_eq!(args.opt("quick"), Some("true"));
        assert_eq!(args.num::<usize>("concurrency"), Ok(64));
        assert!(args.get("scenario").is_err());
        assert!(Args::parse(["stray".to_owned()]).is_err());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&[7], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}

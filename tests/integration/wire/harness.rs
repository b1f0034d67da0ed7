//! The harness: the values a row passes to its builder, the mock that answers only the exact
//! request the spec describes, and the comparison of what came back.

use super::*;

/// Hands each row the values the mock expects, and notes which ones it took, so that a row that
/// skips a declared parameter (or names one the spec does not declare) fails with a clear message.
pub(crate) struct Params<'o> {
    pub(crate) op: &'o Operation,
    pub(crate) taken: RefCell<BTreeSet<String>>,
}

impl Params<'_> {
    pub(crate) fn take(&self, name: &str) {
        self.taken.borrow_mut().insert(name.to_owned());
    }

    pub(crate) fn query(&self, name: &str, kind: Kind) {
        let declared = self.op.query.iter().find(|(declared, _)| declared == name);
        match declared {
            Some((_, declared)) if *declared == kind => self.take(name),
            Some((_, declared)) => {
                panic!("query parameter {name} is {declared:?} in the spec, not {kind:?}")
            }
            None => panic!("the spec declares no query parameter {name}"),
        }
    }

    pub(crate) fn path(&self, name: &str) -> &'static str {
        assert!(
            self.op.path_params.iter().any(|p| p == name),
            "the spec declares no path parameter {name}"
        );
        self.take(name);
        AWKWARD
    }

    pub(crate) fn int(&self, name: &str) -> i64 {
        self.query(name, Kind::Int);
        int_value(name)
    }

    pub(crate) fn str(&self, name: &str) -> String {
        self.query(name, Kind::Str);
        str_value(name)
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        self.query(name, Kind::Bool);
        bool_value(name)
    }

    pub(crate) fn body<T: DeserializeOwned>(&self) -> T {
        let example = self
            .op
            .body
            .clone()
            .expect("the spec declares no request body");
        self.take("body");
        serde_json::from_value(example).unwrap_or_else(|e| {
            panic!(
                "the request example does not decode into {}: {e}",
                type_name::<T>()
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------------------------

pub(crate) fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .bearer_token(BEARER_TOKEN)
        .base_url(server.base_url())
        .build()
        .expect("a loopback base URL is accepted")
}

pub(crate) fn describe(request: &HttpMockRequest) -> String {
    let headers: Vec<String> = request
        .headers_vec()
        .iter()
        .filter(|(name, _)| {
            ["x-api-key", "authorization", "content-type"]
                .iter()
                .any(|shown| name.eq_ignore_ascii_case(shown))
        })
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    format!(
        "{} {} [{}] {}",
        request.method_str(),
        request.uri_str(),
        headers.join(", "),
        request.body_string()
    )
}

impl Case {
    /// Builds the row's request for `op` (whose example body the row sends) and sends it. The
    /// outer error is the row's own failure (a value that does not fit, a declared parameter it
    /// does not set); the inner one is the call's.
    pub(crate) async fn send(&self, client: &Client, op: &Operation) -> Result<Outcome, String> {
        let params = Params {
            op,
            taken: RefCell::default(),
        };
        // A row panics when its values do not fit (an example that does not decode, an
        // undeclared parameter); that is this operation's failure, not the end of the run.
        let call =
            catch_unwind(AssertUnwindSafe(|| (self.call)(client, &params))).map_err(|panic| {
                let message = panic.downcast_ref::<String>().cloned();
                message
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default()
            })?;
        let missing: Vec<String> = op
            .declared()
            .difference(&params.taken.borrow())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(format!("the row does not set {missing:?}"));
        }
        Ok(call.await)
    }
}

pub(crate) async fn check(
    spec: &Spec,
    server: &MockServer,
    client: &Client,
    op: &Operation,
    case: &Case,
) -> Result<(), String> {
    server.reset_async().await;

    // Registered first, so it sees every request before the real mock does; it never matches.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    server
        .mock_async(|when, _| {
            when.is_true(move |request| {
                log.lock().expect("request log").push(describe(request));
                false
            });
        })
        .await;

    let mock = server
        .mock_async(|when, then| {
            let mut when = when.method(op.method.as_str()).path(op.wire_path());
            when = match op.credential {
                Credential::ApiKey => when
                    .header("x-api-key", API_KEY)
                    .header_missing("authorization"),
                Credential::Bearer => when
                    .header("authorization", format!("Bearer {BEARER_TOKEN}"))
                    .header_missing("x-api-key"),
                Credential::None => when
                    .header_missing("x-api-key")
                    .header_missing("authorization"),
            };
            for (name, kind) in &op.query {
                when = when.query_param(name, query_value(name, *kind));
            }
            // Presence checks alone would let a duplicated or undeclared parameter through.
            let expected = op.query.len();
            when = when.is_true(move |request| request.query_params().len() == expected);
            if let Some(body) = &op.body {
                let expected = without_empty_members(body);
                when.header("content-type", "application/json")
                    .is_true(move |request| {
                        let sent = serde_json::from_slice::<Value>(request.body_ref());
                        sent.is_ok_and(|sent| without_empty_members(&sent) == expected)
                    });
            }
            let then = then.status(op.status);
            if (300..400).contains(&op.status) {
                then.header("location", REDIRECT_TARGET);
            } else if op.binary {
                then.header("content-type", "audio/mpeg").body(AUDIO);
            } else if let Some(response) = &op.response {
                then.header("content-type", "application/json")
                    .json_body(response.clone());
            }
        })
        .await;

    let outcome = case.send(client, op).await?;
    let hits = mock.calls_async().await;
    if hits != 1 {
        let seen = seen.lock().expect("request log").clone();
        return Err(format!(
            "the mock for {} {} matched {hits} requests, not 1; the SDK sent {seen:#?}; the call gave {outcome:?}",
            op.method,
            op.wire_path()
        ));
    }
    let decoded: Value = serde_json::from_str(&outcome?)
        .map_err(|e| format!("the re-serialized answer is not JSON: {e}"))?;
    let expected = if (300..400).contains(&op.status) {
        serde_json::json!({ "redirect": REDIRECT_TARGET })
    } else if op.binary {
        json!(AUDIO)
    } else {
        match (&op.response, &op.response_schema) {
            (Some(response), Some(schema)) => {
                without_empty_members(&spec.document.canonical_times(schema, response))
            }
            _ => Value::Null,
        }
    };
    let mut differences = Vec::new();
    diff(
        "",
        &expected,
        &without_empty_members(&decoded),
        &mut differences,
    );
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the decoded response re-serializes differently:\n    {}",
            differences.join("\n    ")
        ))
    }
}

/// Lists where `got` departs from `want`, as JSON pointers, to make a mismatch readable.
pub(crate) fn diff(at: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(want), Value::Object(got)) => {
            let keys: BTreeSet<&String> = want.keys().chain(got.keys()).collect();
            for key in keys {
                let (want, got) = (want.get(key), got.get(key));
                let at = format!("{at}/{key}");
                match (want, got) {
                    (Some(want), Some(got)) => diff(&at, want, got, out),
                    (Some(want), None) => out.push(format!("{at}: missing (expected {want})")),
                    (None, Some(got)) => out.push(format!("{at}: unexpected {got}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(want_items), Value::Array(got_items))
            if want_items.len() == got_items.len() =>
        {
            for (index, (want, got)) in want_items.iter().zip(got_items).enumerate() {
                diff(&format!("{at}/{index}"), want, got, out);
            }
        }
        _ if want != got => out.push(format!(
            "{}: expected {want}, got {got}",
            if at.is_empty() { "/" } else { at }
        )),
        _ => {}
    }
}

//! What the tool does beyond one API call: profiles, calls, recordings, webhooks and
//! completions.

use super::*;

#[tokio::test]
async fn profiles_are_owner_only_and_the_key_is_never_printed() {
    let sandbox = Sandbox::start().await.unwrap();
    let key = sandbox.api_key().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agni");
    let mut shell = Shell::default();
    shell.set("AGNI_CONFIG_DIR", config.to_str().unwrap());

    let login = shell
        .run_with_stdin(
            &[
                "login",
                "--profile",
                "sandbox",
                "--base-url",
                sandbox.base_url(),
            ],
            &format!("{key}\n"),
        )
        .await;
    assert_eq!(login.exit, Exit::Ok, "{login:?}");
    let file = config.join("profiles.json");
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&config), 0o700);
    }
    let mut outputs = vec![login];
    outputs.push(shell.run(&["profiles", "list"]).await);
    assert!(outputs[1].stdout.contains("sandbox"), "{:?}", outputs[1]);
    // The saved profile is the default: no key, no base URL needed. `--verbose` runs go through
    // the binary, whose tracing subscriber is the process's own.
    let listed = binary(&shell, &["agents", "list", "--verbose"]).await;
    assert_eq!(listed.exit, Exit::Ok, "{listed:?}");
    assert!(
        listed.stderr.contains("agni.request"),
        "verbose logs: {}",
        listed.stderr
    );
    outputs.push(listed);
    let failed = binary(&shell, &["agents", "get", "nope", "--verbose"]).await;
    assert_eq!(failed.exit, Exit::ClientError, "{failed:?}");
    outputs.push(failed);
    outputs.push(binary(&shell, &["--api-key", &key, "agents", "get", "nope", "-v"]).await);
    outputs.push(shell.run(&["agents", "get", "nope"]).await);
    for ran in &outputs {
        assert!(
            !ran.stdout.contains(&key) && !ran.stderr.contains(&key),
            "the key leaked: {ran:?}"
        );
    }
    // Rewrites keep the mode.
    shell.run(&["profiles", "use", "sandbox"]).await;
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let unknown = shell.run(&["--profile", "nope", "agents", "list"]).await;
    assert_eq!(unknown.exit.code(), 2, "{unknown:?}");
    let removed = shell.run(&["profiles", "remove", "sandbox"]).await;
    assert_eq!(removed.exit, Exit::Ok, "{removed:?}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&key));
}

#[tokio::test]
async fn calls_start_then_the_session_is_listed() {
    let sandbox = Sandbox::start().await.unwrap();
    let shell = Shell::sandbox(&sandbox);
    let agent = shell
        .run(&["agents", "create", "--agent-name", "Riley"])
        .await
        .json()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        shell.run(&["numbers", "buy", "+14155550100"]).await.exit,
        Exit::Ok
    );
    let call = shell
        .run(&[
            "calls",
            "start",
            "--agent",
            &agent,
            "--from",
            "+14155550100",
            "--to",
            "+12137774445",
            "--var",
            "first_name=Ada",
        ])
        .await;
    assert_eq!(call.exit, Exit::Ok, "{call:?}");
    let session = call.json()["session_id"].as_str().unwrap().to_owned();
    let detail = shell.run(&["sessions", "get", &session]).await;
    assert_eq!(detail.exit, Exit::Ok, "{detail:?}");
    let web = shell.run(&["calls", "start", "--agent", &agent]).await;
    assert!(web.json()["access_token"].is_string(), "{web:?}");
}

#[tokio::test]
async fn recordings_download_writes_the_file_whole() {
    let (port, _requests) = one_shot_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 5\r\nConnection: close\r\n\r\nRIFFx",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::default();
    shell
        .set("AGNI_BASE_URL", &format!("http://127.0.0.1:{port}"))
        .set("RAVAN_API_KEY", "test-key");
    let target = dir.path().join("call.mp3");
    let ran = shell
        .run(&[
            "recordings",
            "download",
            "s1",
            "-o",
            target.to_str().unwrap(),
        ])
        .await;
    assert_eq!(ran.exit, Exit::Ok, "{ran:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"RIFFx");
    assert_eq!(ran.json()["bytes"], 5);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left");
}

#[tokio::test]
async fn webhooks_listen_prints_and_forwards_each_event() {
    let (forward_port, mut forwarded) =
        one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (stdout, stderr) = (Buffer::default(), Buffer::default());
    let io = Io {
        stdout: Arc::new(Mutex::new(Box::new(stdout.clone()))),
        stderr: Arc::new(Mutex::new(Box::new(stderr.clone()))),
        stdin: Box::new(std::io::empty()),
        stdout_is_terminal: false,
        stdin_is_terminal: false,
        stderr_is_terminal: false,
        env: HashMap::new(),
    };
    let port_text = port.to_string();
    let forward_to = format!("http://127.0.0.1:{forward_port}/hook");
    let args = [
        "agni",
        "webhooks",
        "listen",
        "--port",
        &port_text,
        "--forward-to",
        &forward_to,
    ];
    let body = r#"{"event":"call_completed","call_session":{"id":"s1","status":"completed"}}"#;
    let deliver = async {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}/");
        for _ in 0..100 {
            if let Ok(answer) = http.post(&url).body(body).send().await {
                return answer.status();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the receiver never listened: {}", stderr.text());
    };
    tokio::select! {
        exit = agni_cli::run(args, io) => panic!("listen ended: {exit:?} {}", stderr.text()),
        status = deliver => assert!(status.is_success(), "{status}"),
    }
    let printed: Value = serde_json::from_str(stdout.text().lines().next().unwrap()).unwrap();
    assert_eq!(printed["session_id"], "s1");
    let request = String::from_utf8(forwarded.recv().await.unwrap()).unwrap();
    assert!(request.starts_with("POST /hook "), "{request}");
    assert!(
        request.ends_with(body),
        "the raw body is forwarded: {request}"
    );
}

#[tokio::test]
async fn completions_for_bash() {
    let ran = Shell::default().run(&["completions", "bash"]).await;
    assert_eq!(ran.exit, Exit::Ok);
    assert!(ran.stdout.contains("agents"), "{}", &ran.stdout[..200]);
}

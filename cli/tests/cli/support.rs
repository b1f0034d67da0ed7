//! How the tests run the tool: captured streams, a shell environment, the built binary, a
//! one-shot HTTP server, and output normalised for snapshots.

use super::*;

#[derive(Clone, Default)]
pub(crate) struct Buffer(pub(crate) Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) exit: Exit,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// How a test runs the tool: environment, stdin, and whether stdout is a terminal.
#[derive(Default, Clone)]
pub(crate) struct Shell {
    pub(crate) env: HashMap<String, String>,
    pub(crate) terminal: bool,
}

impl Shell {
    pub(crate) fn sandbox(sandbox: &Sandbox) -> Self {
        let mut shell = Self::default();
        shell.set("AGNI_BASE_URL", sandbox.base_url());
        shell.set("RAVAN_API_KEY", sandbox.api_key());
        shell.set("AGNI_CONFIG_DIR", "/nonexistent/agni-cli-tests");
        shell
    }

    pub(crate) fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.env.insert(name.into(), value.into());
        self
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Ran {
        self.run_with_stdin(args, "").await
    }

    pub(crate) async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Ran {
        let (stdout, stderr) = (Buffer::default(), Buffer::default());
        let io = Io {
            stdout: Arc::new(Mutex::new(Box::new(stdout.clone()))),
            stderr: Arc::new(Mutex::new(Box::new(stderr.clone()))),
            stdin: Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec())),
            stdout_is_terminal: self.terminal,
            stdin_is_terminal: false,
            stderr_is_terminal: false,
            env: self.env.clone(),
        };
        let argv = std::iter::once("agni").chain(args.iter().copied());
        let exit = agni_cli::run(argv, io).await;
        Ran {
            exit,
            stdout: stdout.text(),
            stderr: stderr.text(),
        }
    }
}

/// Replaces ids and timestamps by placeholders (fractional seconds dropped); `columns` then
/// makes table gaps one double space, since column widths follow the values.
pub(crate) fn normalise(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let shape = |at: usize, pattern: &str| {
        pattern.chars().enumerate().all(|(k, p)| {
            chars.get(at + k).is_some_and(|c| match p {
                'h' => c.is_ascii_hexdigit(),
                'd' => c.is_ascii_digit(),
                other => *c == other,
            })
        })
    };
    const UUID: &str = "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
    const TIME: &str = "dddd-dd-ddTdd:dd:dd";
    while i < chars.len() {
        if shape(i, UUID) {
            out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            i += UUID.len();
        } else if shape(i, TIME) {
            out.push_str("YYYY-MM-DDThh:mm:ss");
            i += TIME.len();
            // Fractional seconds vary in length: drop them.
            if chars.get(i) == Some(&'.') {
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
            }
        } else if i > 0 && chars[i - 1] == '_' && hex_run(&chars[i..]) >= 12 {
            // The sandbox's random trunk and subscription ids (`ST_d44b2b65a701`).
            out.push_str("<hex>");
            i += hex_run(&chars[i..]);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

pub(crate) fn hex_run(chars: &[char]) -> usize {
    chars.iter().take_while(|c| c.is_ascii_hexdigit()).count()
}

pub(crate) fn columns(text: &str) -> String {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let cells: Vec<&str> = line[indent..]
                .split("  ")
                .filter(|c| !c.is_empty())
                .collect();
            format!(
                "{}{}\n",
                &line[..indent],
                cells
                    .iter()
                    .map(|c| c.trim())
                    .collect::<Vec<_>>()
                    .join("  ")
            )
        })
        .collect()
}

pub(crate) fn spec_operation_ids() -> BTreeSet<String> {
    agni::OPENAPI_YAML
        .lines()
        .filter_map(|line| line.trim().strip_prefix("operationId:"))
        .map(|id| id.trim().trim_matches('"').to_owned())
        .collect()
}

/// Runs the built `agni` binary (the sandbox keeps serving on this runtime meanwhile).
pub(crate) async fn binary(shell: &Shell, args: &[&str]) -> Ran {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_agni"));
    command.args(args).env_clear().envs(&shell.env);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let exit = match output.status.code() {
        Some(0) => Exit::Ok,
        Some(2) => Exit::Usage,
        Some(3) => Exit::ClientError,
        Some(4) => Exit::ServerError,
        Some(5) => Exit::Transport,
        Some(6) => Exit::InvalidRequest,
        _ => Exit::Other,
    };
    Ran {
        exit,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Serves one HTTP answer per connection to every request, returning the requests it read.
pub(crate) async fn one_shot_server(
    answer: &'static [u8],
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sent, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = socket.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = sent.send(request);
            let _ = socket.write_all(answer).await;
        }
    });
    (port, received)
}

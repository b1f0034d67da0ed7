//! A Redis for the tests: `AGNI_TEST_REDIS_URL` when set, else a private `redis-server` from
//! `PATH` on a free loopback port, killed when dropped. Neither: the test fails, saying how to
//! get one — never a silent skip.

use std::{
    net::{Ipv4Addr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

pub const INSTALL: &str = "install redis-server (`apt-get install redis-server`) or set \
                           AGNI_TEST_REDIS_URL to a Redis the tests may write to";

pub struct RedisServer {
    pub url: String,
    /// The server this test started; `None` for `AGNI_TEST_REDIS_URL`'s.
    child: Option<Child>,
}

impl RedisServer {
    /// `AGNI_TEST_REDIS_URL`'s Redis, else a private one.
    pub fn shared() -> Self {
        match std::env::var("AGNI_TEST_REDIS_URL") {
            Ok(url) if !url.trim().is_empty() => RedisServer { url, child: None },
            _ => Self::private(),
        }
    }

    /// A `redis-server` of this test's own, for what must not touch a shared one (stopping it).
    pub fn private() -> Self {
        Self::spawn("redis-server").unwrap_or_else(|error| panic!("{error}"))
    }

    /// `binary` on a free port: no persistence, loopback only.
    pub fn spawn(binary: &str) -> Result<Self, String> {
        // A port can be taken between choosing and binding it: try a few.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|listener| listener.local_addr())
                .map_err(|error| format!("no free port: {error}"))?
                .port();
            let child = Command::new(binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|error| format!("cannot run `{binary}` ({error}): {INSTALL}"))?;
            let mut server = RedisServer {
                url: format!("redis://127.0.0.1:{port}/"),
                child: Some(child),
            };
            match server.wait_until_listening(port) {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(format!("`{binary}` did not start: {last_error}"))
    }

    fn wait_until_listening(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("it exited: {status}"));
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(());
            }
            sleep(Duration::from_millis(20));
        }
        Err("not listening after 10 s".to_owned())
    }

    /// Stops a private server now.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

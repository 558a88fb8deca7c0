//! A small SMTP server for tests: it takes mail on 127.0.0.1, keeps what it received, and can
//! be told to refuse the next messages with a code (451: try later; 550: never) or to stall
//! (accept connections and never greet), like a real server in trouble.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as sent (headers and body), quoted-printable soft breaks undone.
    pub data: String,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Answer the next this many messages with `code` instead of 250.
    refuse: u32,
    code: u16,
    stall: bool,
}

/// A running sink; it stops with the test's runtime.
#[derive(Clone)]
pub struct Sink {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Sink {
    /// Starts a sink on a free port.
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Sink {
            addr: listener.local_addr().unwrap(),
            state: Arc::default(),
        };
        let state = sink.state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(converse(socket, state.clone()));
            }
        });
        sink
    }

    /// The URL to give `ROSTER_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next `n` messages with `code` (e.g. 451 or 550) after their data.
    pub fn refuse(&self, n: u32, code: u16) {
        let mut s = self.state.lock().unwrap();
        s.refuse = n;
        s.code = code;
    }

    /// New connections are accepted and never greeted (`true`), or served again.
    pub fn stall(&self, stall: bool) {
        self.state.lock().unwrap().stall = stall;
    }

    /// What arrived so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits up to `within` until at least `n` messages arrived; returns them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > within {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn converse(socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    if state.lock().unwrap().stall {
        // Hold the connection open, saying nothing, until the client gives up.
        let _keep = socket;
        tokio::time::sleep(Duration::from_secs(120)).await;
        return;
    }
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250 sink".into()
        } else if upper.starts_with("MAIL FROM") || upper.starts_with("RSET") || upper == "NOOP" {
            if upper.starts_with("RSET") {
                to.clear();
            }
            "250 OK".into()
        } else if upper.starts_with("RCPT TO") {
            to.push(
                line[8..]
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            );
            "250 OK".into()
        } else if upper == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            let data = data.replace("=\n", "").replace("=3D", "=");
            let mut s = state.lock().unwrap();
            if s.refuse > 0 {
                s.refuse -= 1;
                format!("{} refused by the test sink", s.code)
            } else {
                s.received.push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                "250 OK queued".into()
            }
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "502 not implemented".into()
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

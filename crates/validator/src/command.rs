use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::{Check, Error, Result};

/// Runs `command` through `sh -c` in `root`, in its own process group, with
/// stdout and stderr captured together. Past `timeout` (or on cancel) the
/// whole group is killed, so a test runner's children die with it. Only the
/// last `max_output` bytes are kept: compilers and test runners summarise at
/// the end.
pub async fn run_command(
    root: &Path,
    name: &str,
    command: &str,
    timeout: Duration,
    max_output: u64,
    cancel: &CancellationToken,
) -> Result<Check> {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| Error::Spawn {
            check: name.to_owned(),
            command: command.to_owned(),
            source,
        })?;
    let cap = usize::try_from(max_output).unwrap_or(usize::MAX).max(256);
    let tail = Arc::new(Mutex::new(Tail::new(cap)));
    let readers = [
        child
            .stdout
            .take()
            .map(|s| tokio::spawn(pump(s, tail.clone()))),
        child
            .stderr
            .take()
            .map(|s| tokio::spawn(pump(s, tail.clone()))),
    ];
    let pid = child.id();
    let outcome = tokio::select! {
        status = child.wait() => Outcome::Exited(status.ok()),
        () = tokio::time::sleep(timeout) => Outcome::TimedOut,
        () = cancel.cancelled() => Outcome::Cancelled,
    };
    if !matches!(outcome, Outcome::Exited(_)) {
        kill_group(pid);
        let _ = child.wait().await;
    }
    for r in readers.into_iter().flatten() {
        // The pipes close when the group dies; a reader cannot hang past it.
        let _ = tokio::time::timeout(Duration::from_secs(2), r).await;
    }
    let output = tail.lock().map(|t| t.text()).unwrap_or_default();
    let (passed, summary) = match outcome {
        Outcome::Cancelled => return Err(Error::Cancelled),
        Outcome::TimedOut => (
            false,
            format!("timed out after {} s; killed", timeout.as_secs()),
        ),
        Outcome::Exited(Some(s)) if s.success() => (true, "passed".to_owned()),
        Outcome::Exited(Some(s)) => (
            false,
            match s.code() {
                Some(code) => format!("`{command}` exited with status {code}"),
                None => format!("`{command}` was killed by a signal"),
            },
        ),
        Outcome::Exited(None) => (false, format!("`{command}` could not be waited for")),
    };
    Ok(Check {
        name: name.to_owned(),
        passed,
        summary,
        output,
        elapsed: started.elapsed(),
    })
}

enum Outcome {
    Exited(Option<std::process::ExitStatus>),
    TimedOut,
    Cancelled,
}

fn kill_group(pid: Option<u32>) {
    let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) else {
        return;
    };
    // The child leads its own group (process_group(0)), so its pid is the
    // group id.
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

async fn pump(mut from: impl AsyncRead + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut buf = vec![0u8; 8192];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        if let Ok(mut t) = tail.lock() {
            t.push(&buf[..n]);
        }
    }
}

/// The last `cap` bytes written, and whether anything was dropped.
struct Tail {
    buf: Vec<u8>,
    cap: usize,
    dropped: bool,
}

impl Tail {
    fn new(cap: usize) -> Self {
        Self {
            buf: Vec::new(),
            cap,
            dropped: false,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > self.cap * 2 {
            let cut = self.buf.len() - self.cap;
            self.buf.drain(..cut);
            self.dropped = true;
        }
    }

    fn text(&self) -> String {
        let start = self.buf.len().saturating_sub(self.cap);
        let text = String::from_utf8_lossy(&self.buf[start..]).into_owned();
        if self.dropped || start > 0 {
            // Start at a line boundary so the model never sees half a line.
            let text = text
                .split_once('\n')
                .map_or(text.as_str(), |(_, rest)| rest);
            format!("[… earlier output cut …]\n{text}")
        } else {
            text
        }
    }
}

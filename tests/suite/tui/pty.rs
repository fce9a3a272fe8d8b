//! A pseudo-terminal for end-to-end tests of full-screen programs: the
//! child runs on the slave side as its controlling terminal (so it gets
//! SIGWINCH on a resize), a reader thread feeds everything it prints into a
//! `vt100::Parser`, and the test reads the parsed screen. A frame drawn as
//! a synchronized update (DEC mode 2026) is parsed only once it is whole,
//! as a terminal that knows the mode shows it, so a test never reads half
//! of a new frame over the last one.
//!
//! Nothing here sleeps to make an assertion: [`Pty::wait_for`] polls the
//! screen until a predicate holds, with a deadline only so a broken program
//! fails the test instead of hanging it.

// A harness: not every test uses every part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Keys as a terminal in raw mode sends them.
pub mod keys {
    pub const ENTER: &str = "\r";
    pub const ESC: &str = "\x1b";
    pub const CTRL_C: &str = "\x03";
    pub const CTRL_D: &str = "\x04";
    pub const UP: &str = "\x1b[A";
    pub const DOWN: &str = "\x1b[B";
    pub const BACKSPACE: &str = "\x7f";
}

/// What the child printed, parsed and raw, shared with the reader thread.
struct Shared {
    parser: vt100::Parser<Answers>,
    raw: Vec<u8>,
}

/// Answers the two queries a terminal must (cursor position and device
/// attributes), as a real terminal emulator would; a program that asks
/// would otherwise wait for a reply that never comes.
#[derive(Debug, Default)]
struct Answers {
    pending: Vec<String>,
}

impl vt100::Callbacks for Answers {
    fn unhandled_csi(
        &mut self,
        screen: &mut vt100::Screen,
        i1: Option<u8>,
        _i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        match (i1, c, params) {
            (None, 'n', [[6]]) => {
                let (row, col) = screen.cursor_position();
                self.pending.push(format!("\x1b[{};{}R", row + 1, col + 1));
            }
            // A VT102: no keyboard enhancement, nothing fancy.
            (None, 'c', [] | [[0]]) => self.pending.push("\x1b[?6c".to_owned()),
            _ => {}
        }
    }
}

/// A child process on a pseudo-terminal of a given size.
pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    shared: Arc<Mutex<Shared>>,
    closed: Arc<AtomicBool>,
    what: String,
}

impl std::fmt::Debug for Pty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pty").field("what", &self.what).finish()
    }
}

/// How to start the child: program, arguments, working directory and an
/// environment that starts empty (nothing leaks in from the machine but
/// `PATH`) with `TERM=xterm-256color`.
#[derive(Debug, Clone)]
pub struct Spawn {
    program: std::ffi::OsString,
    args: Vec<std::ffi::OsString>,
    cwd: Option<std::path::PathBuf>,
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
}

impl Spawn {
    pub fn new(program: impl AsRef<std::ffi::OsStr>) -> Self {
        Self {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            cwd: None,
            env: vec![
                ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
                ("TERM".into(), "xterm-256color".into()),
            ],
        }
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    pub fn env(
        mut self,
        key: impl AsRef<std::ffi::OsStr>,
        value: impl AsRef<std::ffi::OsStr>,
    ) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Starts the child on a new `cols` x `rows` terminal.
    pub fn start(self, cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(&self.program);
        cmd.args(&self.args);
        cmd.env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.cwd {
            cmd.cwd(dir);
        }
        let what = format!(
            "{} {:?} in {:?}",
            self.program.to_string_lossy(),
            self.args,
            self.cwd
        );
        let child = pair
            .slave
            .spawn_command(cmd)
            .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
        // Only the child holds the slave now, so its exit ends our reads.
        drop(pair.slave);
        let master = pair.master;
        let writer = Arc::new(Mutex::new(master.take_writer().expect("pty writer")));
        let reader = master.try_clone_reader().expect("pty reader");
        let shared = Arc::new(Mutex::new(Shared {
            parser: vt100::Parser::new_with_callbacks(
                nonzero(rows),
                nonzero(cols),
                0,
                Answers::default(),
            ),
            raw: Vec::new(),
        }));
        let closed = Arc::new(AtomicBool::new(false));
        {
            let shared = Arc::clone(&shared);
            let writer = Arc::clone(&writer);
            let closed = Arc::clone(&closed);
            // Detached: it ends when the last holder of the slave exits.
            thread::spawn(move || pump(reader, &shared, &writer, &closed));
        }
        Pty {
            child,
            master,
            writer,
            shared,
            closed,
            what,
        }
    }
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal of at least 1x1")
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Reads the child's output until the terminal closes, parsing it and
/// answering the queries in it.
fn pump(
    mut reader: Box<dyn Read + Send>,
    shared: &Mutex<Shared>,
    writer: &Mutex<Box<dyn Write + Send>>,
    closed: &AtomicBool,
) {
    let mut buf = [0u8; 16 * 1024];
    // Output not parsed yet: an unfinished synchronized frame.
    let mut held = Vec::new();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        held.extend_from_slice(&buf[..n]);
        let whole = whole_frames(&held);
        let replies = {
            let mut s = lock(shared);
            s.parser.process(&held[..whole]);
            s.raw.extend_from_slice(&buf[..n]);
            std::mem::take(&mut s.parser.callbacks_mut().pending)
        };
        held.drain(..whole);
        if !replies.is_empty() {
            let mut w = lock(writer);
            for r in replies {
                let _ = w.write_all(r.as_bytes());
            }
            let _ = w.flush();
        }
    }
    // A program that ended mid-frame: show what it drew.
    lock(shared).parser.process(&held);
    closed.store(true, Ordering::SeqCst);
}

const SYNC_BEGIN: &[u8] = b"\x1b[?2026h";
const SYNC_END: &[u8] = b"\x1b[?2026l";

/// How much of `out` can be shown: all of it, unless a synchronized update
/// began and has not ended yet, then everything before its start.
fn whole_frames(out: &[u8]) -> usize {
    let last = |marker: &[u8]| out.windows(marker.len()).rposition(|w| w == marker);
    match (last(SYNC_BEGIN), last(SYNC_END)) {
        (Some(begin), end) if end.is_none_or(|end| end < begin) => begin,
        _ => out.len(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking reader thread must not hide the screen from the test.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pty {
    /// Types `keys` (raw bytes, see [`keys`]).
    pub fn send(&self, keys: &str) {
        self.send_bytes(keys.as_bytes());
    }

    /// Sends raw bytes, which need not be UTF-8.
    pub fn send_bytes(&self, bytes: &[u8]) {
        let mut w = lock(&self.writer);
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .unwrap_or_else(|e| panic!("write to {}: {e}", self.what));
    }

    /// Pastes `text` as a terminal with bracketed paste does.
    pub fn send_paste(&self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    /// Resizes the terminal; the child gets SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        // The parser first, so what the child draws for the new size is
        // parsed at that size.
        lock(&self.shared)
            .parser
            .set_size(nonzero(rows), nonzero(cols));
        self.master
            .resize(size(cols, rows))
            .unwrap_or_else(|e| panic!("resize {}: {e}", self.what));
    }

    /// The screen's text, rows joined by newlines, trailing blanks trimmed.
    pub fn screen(&self) -> String {
        lock(&self.shared).parser.screen().contents()
    }

    /// The screen's rows, trailing blanks trimmed.
    pub fn rows(&self) -> Vec<String> {
        let s = lock(&self.shared);
        let (_, cols) = s.parser.screen().size();
        s.parser.screen().rows(0, cols.get()).collect()
    }

    /// Whether the child's output has switched to the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        lock(&self.shared).parser.screen().alternate_screen()
    }

    /// Everything the child has printed, unparsed.
    pub fn output(&self) -> Vec<u8> {
        lock(&self.shared).raw.clone()
    }

    /// Polls the screen until `pred` holds and returns that screen; panics
    /// with the screen after `timeout` (a guard against hangs, not a
    /// measure of speed).
    #[track_caller]
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pred: impl FnMut(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            // Past the child's exit and its last output, nothing changes.
            let over = self.closed.load(Ordering::SeqCst) && !self.running();
            if over && pred(&self.screen()) {
                return self.screen();
            }
            if over || Instant::now() >= deadline {
                let why = if over {
                    "the program ended".to_owned()
                } else {
                    format!("timed out after {timeout:?}")
                };
                let status = self.child.try_wait().ok().flatten();
                let raw = self.output();
                let last =
                    String::from_utf8_lossy(&raw[raw.len().saturating_sub(800)..]).into_owned();
                panic!(
                    "{why} waiting for {what}\n\
                     program: {}\nexited: {status:?}\n\nscreen:\n{}\n\
                     last output: {last:?}\n",
                    self.what,
                    frame(&self.screen()),
                );
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// [`Pty::wait_for`] the screen to contain `text`.
    #[track_caller]
    pub fn wait_text(&mut self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?} on screen"), timeout, |s| {
            s.contains(text)
        })
    }

    /// Waits for the child to exit and for its last output to be read.
    #[track_caller]
    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                // The reader sees EOF once every holder of the slave is gone.
                while !self.closed.load(Ordering::SeqCst) && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(10));
                }
                return status;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{} still running after {timeout:?}\n\nscreen:\n{}\n",
                    self.what,
                    frame(&self.screen())
                );
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// The terminal's settings as `stty -a` prints them (raw mode shows as
    /// `-icanon -echo`), read through the slave side.
    pub fn stty(&self) -> String {
        let tty = self.master.tty_name().expect("the pty's name");
        let out = std::process::Command::new("stty")
            .arg("-a")
            .arg("-F")
            .arg(&tty)
            .output()
            .expect("run stty");
        assert!(out.status.success(), "stty -F {}: {out:?}", tty.display());
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends the child `signal` (`TERM`, `HUP`, ...) with `kill`.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.process_id().expect("the child's pid");
        let status = std::process::Command::new("sh")
            .args([
                "-c",
                "kill -s \"$1\" \"$2\"",
                "sh",
                signal,
                &pid.to_string(),
            ])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal} {pid}: {status}");
    }

    /// Whether the child is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // SIGHUP, then SIGKILL if it lingers; then reap it.
        if self.running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The screen in a box, so blank rows and trailing spaces are visible in a
/// failure message.
pub fn frame(screen: &str) -> String {
    let mut out = String::new();
    for line in screen.lines() {
        out.push('|');
        out.push_str(line);
        out.push_str("|\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(30);

    fn sh(script: &str) -> Spawn {
        Spawn::new("sh").args(["-c", script])
    }

    #[test]
    fn the_screen_is_what_the_child_drew_and_the_exit_status_is_its_own() {
        let mut pty = sh("printf 'hello\\r\\n\\033[3;5Hthere'; exit 3").start(40, 10);
        let status = pty.wait_exit(T);
        assert_eq!(status.exit_code(), 3);
        let rows = pty.rows();
        assert_eq!(rows[0].trim_end(), "hello");
        assert_eq!(rows[2].trim_end(), "    there");
        assert_eq!(rows.len(), 10);
    }

    #[test]
    fn keys_reach_the_child_and_its_echo_reaches_the_screen() {
        let mut pty =
            sh("stty raw -echo; echo ready; head -c 6 | od -An -c; sleep 30").start(60, 10);
        // A terminal still in canonical mode would take Ctrl-C as SIGINT.
        pty.wait_text("ready", T);
        pty.send("ab\x03");
        pty.send("\r\x1b");
        pty.send("z");
        let screen = pty.wait_text("033", T);
        for c in ["a", "b", "003", "\\r", "z"] {
            assert!(screen.contains(c), "{c} missing:\n{}", frame(&screen));
        }
    }

    #[test]
    fn a_paste_is_wrapped_in_bracketed_paste_markers() {
        let mut pty =
            sh("stty raw -echo; echo ready; head -c 15 | od -An -tx1; sleep 30").start(80, 10);
        pty.wait_text("ready", T);
        pty.send_paste("x\ny");
        let screen = pty.wait_text("7e", T);
        assert_eq!(
            screen.lines().nth(1).unwrap_or_default().trim(),
            "1b 5b 32 30 30 7e 78 0a 79 1b 5b 32 30 31 7e",
            "{}",
            frame(&screen)
        );
    }

    #[test]
    fn a_resize_reaches_the_child_and_the_parser() {
        let mut pty = sh("trap 'stty size; exit 0' WINCH; stty size; while :; do sleep 0.05; done")
            .start(80, 24);
        pty.wait_text("24 80", T);
        pty.resize(40, 10);
        let status = pty.wait_exit(T);
        assert!(status.success(), "{status:?}");
        assert!(pty.screen().contains("10 40"), "{}", frame(&pty.screen()));
        assert_eq!(pty.rows().len(), 10);
    }

    #[test]
    fn a_synchronized_frame_shows_only_once_it_is_whole() {
        let mut pty = sh("printf 'old\\033[?2026h\\033[2J\\033[Hnew top'; \
             sleep 0.3; printf ' and bottom\\033[?2026l'; sleep 30")
        .start(40, 10);
        let screen = pty.wait_text("new", T);
        assert!(screen.contains("new top and bottom"), "{}", frame(&screen));
        assert!(!screen.contains("old"), "{}", frame(&screen));
    }

    #[test]
    fn whole_frames_holds_back_only_an_unfinished_synchronized_update() {
        assert_eq!(whole_frames(b"plain"), 5);
        assert_eq!(whole_frames(b"a\x1b[?2026hb\x1b[?2026lc"), 19);
        assert_eq!(whole_frames(b"a\x1b[?2026hb\x1b[?2026l\x1b[?2026hc"), 18);
        assert_eq!(whole_frames(b"ab\x1b[?2026hc"), 2);
    }

    #[test]
    fn the_cursor_position_query_is_answered() {
        let mut pty =
            sh("stty raw -echo; printf '\\033[4;7H\\033[6n'; head -c 6 | od -An -c; sleep 30")
                .start(80, 10);
        let screen = pty.wait_text("R", T);
        assert!(
            screen.contains("033   [   4   ;   7   R"),
            "{}",
            frame(&screen)
        );
    }

    #[test]
    fn the_alternate_screen_is_tracked_and_its_exit_seen_in_the_raw_output() {
        let mut pty = sh("printf '\\033[?1049hinside'; sleep 30").start(40, 10);
        pty.wait_text("inside", T);
        assert!(pty.alternate_screen());
        drop(pty);
        let mut pty = sh("printf '\\033[?1049hinside\\033[?1049lout'").start(40, 10);
        pty.wait_exit(T);
        assert!(!pty.alternate_screen());
        assert!(pty.output().ends_with(b"\x1b[?1049lout"));
        assert!(!pty.screen().contains("inside"), "{}", pty.screen());
    }

    #[test]
    fn stty_reads_the_mode_the_child_left_the_terminal_in() {
        let mut pty = sh("stty raw -echo; echo raw; sleep 30").start(40, 10);
        pty.wait_text("raw", T);
        let flags = pty.stty();
        assert!(
            flags.contains("-icanon") && flags.contains("-echo "),
            "{flags}"
        );
        drop(pty);
        let mut pty = sh("stty raw -echo; stty sane").start(40, 10);
        pty.wait_exit(T);
        let flags = pty.stty();
        assert!(
            !flags.contains("-icanon") && flags.contains(" icanon"),
            "{flags}"
        );
    }

    #[test]
    fn dropping_the_pty_ends_a_child_that_would_run_forever() {
        let mut pty = sh("trap '' HUP; echo started; exec sleep 1000").start(40, 10);
        pty.wait_text("started", T);
        let pid = pty.child.process_id().expect("pid");
        drop(pty);
        // Reaped by the drop: the pid no longer names our child.
        let alive = std::path::Path::new(&format!("/proc/{pid}/stat")).exists();
        assert!(!alive, "child {pid} survived the drop");
    }

    #[test]
    #[should_panic(expected = "exited: Some")]
    fn wait_for_gives_up_at_once_when_the_child_is_gone() {
        let mut pty = sh("echo bye").start(40, 10);
        pty.wait_text("never", Duration::from_secs(600));
    }

    #[test]
    #[should_panic(expected = "timed out")]
    fn wait_for_gives_up_with_the_screen_at_its_deadline() {
        let mut pty = sh("echo nothing useful; sleep 30").start(40, 10);
        pty.wait_text("never", Duration::from_millis(300));
    }
}

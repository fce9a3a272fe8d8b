//! A Server-Sent Events reader that knows when a stream was cut.
//!
//! Hand-written (about a hundred lines) rather than a crate because distiq
//! needs two things the small SSE crates hide: an error, not silence, when
//! the body ends in the middle of an event, and an idle timeout between
//! chunks so a stalled stream cannot hang the terminal.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio_util::sync::CancellationToken;

use crate::{Error, Result};

/// One event: its `event:` name, if any, and its `data:` lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Reads events from a response body.
pub(crate) struct SseReader {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    buf: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
    idle: Duration,
    provider: String,
    eof: bool,
}

impl std::fmt::Debug for SseReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseReader")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl SseReader {
    pub(crate) fn new(resp: reqwest::Response, provider: &str, idle: Duration) -> Self {
        Self::from_stream(resp.bytes_stream().boxed(), provider, idle)
    }

    pub(crate) fn from_stream(
        body: BoxStream<'static, reqwest::Result<Bytes>>,
        provider: &str,
        idle: Duration,
    ) -> Self {
        Self {
            body,
            buf: Vec::new(),
            event: None,
            data: Vec::new(),
            idle,
            provider: provider.to_owned(),
            eof: false,
        }
    }

    /// A reader over a body held in memory, for unit tests of the dialects.
    #[cfg(test)]
    pub(crate) fn from_text(body: &str, provider: &str) -> Self {
        let chunks: Vec<reqwest::Result<Bytes>> = vec![Ok(Bytes::from(body.to_owned()))];
        Self::from_stream(
            futures::stream::iter(chunks).boxed(),
            provider,
            Duration::from_secs(5),
        )
    }

    /// The next event; `Ok(None)` at a clean end of the body. A body that
    /// ends inside a line is an error ([`Error::StreamCut`]).
    pub(crate) async fn next(&mut self, cancel: &CancellationToken) -> Result<Option<SseEvent>> {
        loop {
            while let Some(line) = self.take_line() {
                if let Some(ev) = self.feed(&line) {
                    return Ok(Some(ev));
                }
            }
            if self.eof {
                if !self.buf.is_empty() {
                    let tail = String::from_utf8_lossy(&self.buf);
                    let tail: String = tail.chars().take(60).collect();
                    return Err(Error::StreamCut {
                        provider: self.provider.clone(),
                        detail: format!("the body ended inside an event: {tail:?}"),
                    });
                }
                // A last event without its blank line is still whole.
                return Ok(self.dispatch());
            }
            let chunk = tokio::select! {
                () = cancel.cancelled() => return Err(Error::Cancelled),
                c = tokio::time::timeout(self.idle, self.body.next()) => c,
            };
            match chunk {
                Err(_) => {
                    return Err(Error::Timeout {
                        provider: self.provider.clone(),
                        what: "stream idle",
                        after: self.idle,
                    });
                }
                Ok(None) => self.eof = true,
                Ok(Some(Ok(bytes))) => self.buf.extend_from_slice(&bytes),
                Ok(Some(Err(e))) => {
                    return Err(Error::StreamCut {
                        provider: self.provider.clone(),
                        detail: e.without_url().to_string(),
                    });
                }
            }
        }
    }

    /// Removes one complete line (without its terminator) from the buffer.
    fn take_line(&mut self) -> Option<String> {
        let pos = self.buf.iter().position(|&b| b == b'\n' || b == b'\r')?;
        // A lone `\r` at the end of the buffer may be half of `\r\n`.
        if self.buf[pos] == b'\r' && pos + 1 == self.buf.len() && !self.eof {
            return None;
        }
        let skip = if self.buf[pos] == b'\r' && self.buf.get(pos + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        let line: Vec<u8> = self.buf.drain(..pos + skip).take(pos).collect();
        Some(String::from_utf8_lossy(&line).into_owned())
    }

    /// Applies one line; returns an event when the line ends one.
    fn feed(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => self.data.push(value.to_owned()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if self.data.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data).join("\n");
        Some(SseEvent { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(chunks: &[&str]) -> SseReader {
        let owned: Vec<reqwest::Result<Bytes>> = chunks
            .iter()
            .map(|c| Ok(Bytes::from(c.to_string())))
            .collect();
        SseReader::from_stream(
            futures::stream::iter(owned).boxed(),
            "test",
            Duration::from_secs(5),
        )
    }

    async fn all(mut r: SseReader) -> Result<Vec<SseEvent>> {
        let cancel = CancellationToken::new();
        let mut out = Vec::new();
        while let Some(ev) = r.next(&cancel).await? {
            out.push(ev);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn events_split_across_chunks_and_line_endings_are_reassembled() {
        let r = reader(&[
            "event: a\r\nda",
            "ta: {\"x\":1}\r",
            "\n\r\n: comment\n",
            "data: one\ndata: two\n\n",
        ]);
        let evs = all(r).await.unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(
            evs[0],
            SseEvent {
                event: Some("a".into()),
                data: "{\"x\":1}".into()
            }
        );
        assert_eq!(evs[1].data, "one\ntwo");
    }

    #[tokio::test]
    async fn a_body_cut_inside_an_event_is_an_error() {
        let err = all(reader(&["data: {\"a\":1}\n\n", "data: {\"b\":"]))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::StreamCut { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_stalled_stream_times_out() {
        let stalled = futures::stream::pending::<reqwest::Result<Bytes>>().boxed();
        let mut r = SseReader::from_stream(stalled, "test", Duration::from_millis(50));
        let err = r.next(&CancellationToken::new()).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    what: "stream idle",
                    ..
                }
            ),
            "{err}"
        );
    }
}

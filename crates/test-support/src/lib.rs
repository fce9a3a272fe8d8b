//! Test support for distiq: fake provider servers on loopback.
//!
//! Each dialect module builds the exact bodies its provider sends (JSON
//! answers, SSE event sequences, error bodies) as the provider documents
//! them, and mounts them on a [`wiremock::MockServer`] that records every
//! request so tests can assert what distiq sent. These servers exist for
//! tests only; nothing in distiq's default path talks to them.

pub mod anthropic;
pub mod batch;
mod config;
pub mod gemini;
pub mod openai;

pub use config::cascade_toml;
pub use wiremock::{Mock, MockServer, ResponseTemplate};

/// An SSE body from `(event name, data)` pairs, each ended by a blank line.
pub fn sse(events: &[(Option<&str>, String)]) -> String {
    let mut out = String::new();
    for (name, data) in events {
        if let Some(n) = name {
            out.push_str("event: ");
            out.push_str(n);
            out.push('\n');
        }
        for line in data.lines() {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// A 200 response carrying an SSE body.
pub fn sse_response(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_raw(body, "text/event-stream")
}

/// The JSON bodies of the requests the server received, oldest first.
pub async fn request_bodies(server: &MockServer) -> Vec<serde_json::Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

/// Cuts `body` after `n` bytes: a stream that dies mid-event.
pub fn cut(body: &str, n: usize) -> String {
    body.chars().take(n).collect()
}

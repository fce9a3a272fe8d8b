//! The HTTP seam: one place that sends a request, applies the retry policy
//! and turns error bodies into messages. Providers build URLs, headers and
//! bodies; they never loop on failures themselves.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::provider::{CallContext, RetryNotice};
use crate::retry::retry_after;
use distiq_core::ApiKey;

use crate::{Error, Result, RetryPolicy};

/// Sends provider requests with timeouts, cancellation and retries.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    /// When to retry.
    pub retry: RetryPolicy,
    /// Limit for the response headers (streaming) or the whole answer.
    pub request_timeout: Duration,
    /// Limit between two chunks of a stream.
    pub stream_idle_timeout: Duration,
}

/// Who is calling, for messages: the provider's name and its key, which is
/// scrubbed from anything that leaves the transport.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub provider: &'a str,
    pub key: Option<&'a ApiKey>,
}

impl Caller<'_> {
    pub(crate) fn redact(&self, text: &str) -> String {
        match self.key {
            Some(k) => k.redact(text),
            None => text.to_owned(),
        }
    }
}

impl Transport {
    /// A transport with its own connection pool.
    pub fn new(
        retry: RetryPolicy,
        connect_timeout: Duration,
        request_timeout: Duration,
        stream_idle_timeout: Duration,
    ) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .user_agent(concat!("distiq/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config {
                provider: "*".into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            retry,
            request_timeout,
            stream_idle_timeout,
        })
    }

    /// POSTs `body` as JSON and returns the first successful response,
    /// retrying what the policy says to retry. The body of the response is
    /// left unread (for streaming).
    pub(crate) async fn post(
        &self,
        who: Caller<'_>,
        url: &str,
        headers: HeaderMap,
        body: &Value,
        ctx: &CallContext,
    ) -> Result<reqwest::Response> {
        let mut attempt = 1;
        loop {
            let failure = match self.post_once(who, url, &headers, body, ctx).await {
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err((err, after))) => (err, after),
                Err(err) if err.is_transient() => (err, None),
                Err(err) => return Err(err),
            };
            let (err, after) = failure;
            if attempt >= self.retry.max_attempts {
                if attempt == 1 {
                    return Err(err);
                }
                return Err(Error::RetriesExhausted {
                    provider: who.provider.to_owned(),
                    attempts: attempt,
                    last: Box::new(err),
                });
            }
            if let Some(after) = after.filter(|a| *a > self.retry.max_retry_after) {
                return Err(Error::RetryAfterTooLong {
                    provider: who.provider.to_owned(),
                    after,
                    limit: self.retry.max_retry_after,
                });
            }
            attempt += 1;
            let delay = self.retry.delay(attempt, after);
            tracing::debug!(provider = who.provider, attempt, ?delay, error = %err, "retrying");
            if let Some(cb) = &ctx.on_retry {
                cb(RetryNotice {
                    attempt,
                    reason: err.to_string(),
                    delay,
                });
            }
            tokio::select! {
                () = ctx.cancel.cancelled() => return Err(Error::Cancelled),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One attempt. `Ok(Err(..))` is a retryable failure with the server's
    /// requested wait; `Err` is final (or transient, judged by the caller).
    async fn post_once(
        &self,
        who: Caller<'_>,
        url: &str,
        headers: &HeaderMap,
        body: &Value,
        ctx: &CallContext,
    ) -> Result<Result<reqwest::Response, (Error, Option<Duration>)>> {
        let send = self
            .client
            .post(url)
            .headers(headers.clone())
            .json(body)
            .send();
        let resp = tokio::select! {
            () = ctx.cancel.cancelled() => return Err(Error::Cancelled),
            r = tokio::time::timeout(self.request_timeout, send) => r,
        };
        let resp = match resp {
            Err(_) => {
                return Err(Error::Timeout {
                    provider: who.provider.to_owned(),
                    what: "request",
                    after: self.request_timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::Connect {
                    provider: who.provider.to_owned(),
                    url: strip_query(url),
                    message: who.redact(&e.without_url().to_string()),
                });
            }
            Ok(Ok(r)) => r,
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(Ok(resp));
        }
        let header_after = retry_after(resp.headers());
        let text = tokio::time::timeout(self.request_timeout, resp.text())
            .await
            .ok()
            .and_then(|r| r.ok())
            .unwrap_or_default();
        let after = header_after.or_else(|| body_retry_delay(&text));
        let err = Error::Status {
            provider: who.provider.to_owned(),
            status: status.as_u16(),
            message: who.redact(&error_message(&text)),
        };
        if self.retry.retries_status(status.as_u16()) {
            Ok(Err((err, after)))
        } else {
            Err(err)
        }
    }

    /// Reads a whole JSON body within the request timeout.
    pub(crate) async fn read_json(
        &self,
        who: Caller<'_>,
        resp: reqwest::Response,
        ctx: &CallContext,
        started: Instant,
    ) -> Result<Value> {
        let left = self.request_timeout.saturating_sub(started.elapsed());
        let bytes = tokio::select! {
            () = ctx.cancel.cancelled() => return Err(Error::Cancelled),
            b = tokio::time::timeout(left, resp.bytes()) => b,
        };
        let bytes = match bytes {
            Err(_) => {
                return Err(Error::Timeout {
                    provider: who.provider.to_owned(),
                    what: "request",
                    after: self.request_timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::StreamCut {
                    provider: who.provider.to_owned(),
                    detail: who.redact(&e.without_url().to_string()),
                });
            }
            Ok(Ok(b)) => b,
        };
        serde_json::from_slice(&bytes).map_err(|e| Error::Protocol {
            provider: who.provider.to_owned(),
            message: format!(
                "the body is not JSON ({e}): {}",
                excerpt(&String::from_utf8_lossy(&bytes))
            ),
        })
    }
}

/// The message in a provider's error body. All three dialects put it at
/// `error.message`, with a kind beside it (`error.type`, `error.status`);
/// OpenAI-compatible servers vary, so a few other shapes are tried.
pub(crate) fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return if body.trim().is_empty() {
            "(no body)".to_owned()
        } else {
            excerpt(body)
        };
    };
    let err = v.get("error").unwrap_or(&v);
    if let Some(s) = err.as_str() {
        return s.to_owned();
    }
    let msg = err
        .get("message")
        .or_else(|| err.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| excerpt(body));
    let kind = ["type", "status", "code"]
        .iter()
        .find_map(|k| err.get(*k).and_then(Value::as_str))
        .filter(|k| !k.is_empty());
    match kind {
        Some(k) => format!("{k}: {msg}"),
        None => msg,
    }
}

/// Google's wait, which it puts in the error body rather than a header:
/// `error.details[] {"@type": ".../google.rpc.RetryInfo", "retryDelay": "30s"}`.
fn body_retry_delay(body: &str) -> Option<Duration> {
    let v: Value = serde_json::from_str(body).ok()?;
    let details = v.get("error")?.get("details")?.as_array()?;
    let delay = details
        .iter()
        .find_map(|d| d.get("retryDelay").and_then(Value::as_str))?;
    let secs: f64 = delay.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

pub(crate) fn excerpt(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= 300 {
        s.to_owned()
    } else {
        s.chars().take(300).collect::<String>() + "…"
    }
}

fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_retry_info_in_the_body_gives_the_wait() {
        let body = r#"{"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#;
        assert_eq!(body_retry_delay(body), Some(Duration::from_millis(1500)));
        assert_eq!(body_retry_delay(r#"{"error":{"message":"x"}}"#), None);
    }

    #[test]
    fn error_bodies_of_every_dialect_give_kind_and_message() {
        let anthropic =
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(error_message(anthropic), "overloaded_error: Overloaded");
        let openai = r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        assert_eq!(error_message(openai), "requests: Rate limit reached");
        let gemini = r#"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}"#;
        assert_eq!(
            error_message(gemini),
            "RESOURCE_EXHAUSTED: Resource exhausted"
        );
        assert_eq!(
            error_message(r#"{"error":"model not found"}"#),
            "model not found"
        );
        assert_eq!(
            error_message("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
        assert_eq!(error_message(""), "(no body)");
    }
}

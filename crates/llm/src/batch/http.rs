//! The batch APIs' HTTP: JSON, multipart uploads and file downloads, with
//! the same retry policy, timeouts, cancellation and key redaction as the
//! chat transport (which only POSTs JSON).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Response};
use serde_json::Value;

use crate::provider::{CallContext, ProviderSettings, RetryNotice};
use crate::retry::retry_after;
use crate::transport::{Caller, error_message, excerpt};
use crate::{ApiKey, Error, Result, RetryPolicy};

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body (GET).
    None,
    /// A JSON document.
    Json(Value),
    /// Raw bytes with their content type (a multipart form).
    Raw {
        bytes: Vec<u8>,
        content_type: String,
    },
}

/// One provider's batch endpoints' HTTP client.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    retry: RetryPolicy,
    timeout: Duration,
    provider: String,
    key: Option<ApiKey>,
    headers: HeaderMap,
}

impl Http {
    /// A client for `settings`, sending `headers` (auth included) with
    /// every request.
    pub(crate) fn new(settings: &ProviderSettings, headers: HeaderMap) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("distiq/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config {
                provider: settings.name.clone(),
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            retry: settings.retry.clone(),
            timeout: settings.request_timeout,
            provider: settings.name.clone(),
            key: settings.api_key.clone(),
            headers,
        })
    }

    pub(crate) fn caller(&self) -> Caller<'_> {
        Caller {
            provider: &self.provider,
            key: self.key.as_ref(),
        }
    }

    pub(crate) fn provider(&self) -> &str {
        &self.provider
    }

    /// Sends and parses a JSON answer.
    pub(crate) async fn json(
        &self,
        method: Method,
        url: &str,
        body: Body,
        ctx: &CallContext,
    ) -> Result<Value> {
        let text = self.text(method, url, body, ctx).await?;
        serde_json::from_str(&text).map_err(|e| Error::Protocol {
            provider: self.provider.clone(),
            message: self
                .caller()
                .redact(&format!("the body is not JSON ({e}): {}", excerpt(&text))),
        })
    }

    /// Sends and returns the body as text (a JSONL file).
    pub(crate) async fn text(
        &self,
        method: Method,
        url: &str,
        body: Body,
        ctx: &CallContext,
    ) -> Result<String> {
        let resp = self.send(method, url, &body, ctx).await?;
        let read = tokio::select! {
            () = ctx.cancel.cancelled() => return Err(Error::Cancelled),
            r = tokio::time::timeout(self.timeout, resp.text()) => r,
        };
        match read {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(e)) => Err(Error::StreamCut {
                provider: self.provider.clone(),
                detail: self.caller().redact(&e.without_url().to_string()),
            }),
            Err(_) => Err(Error::Timeout {
                provider: self.provider.clone(),
                what: "request",
                after: self.timeout,
            }),
        }
    }

    /// The first successful response, retrying rate limits, server errors
    /// and broken connections as the policy says.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: &Body,
        ctx: &CallContext,
    ) -> Result<Response> {
        let mut attempt = 1;
        loop {
            let (err, after) = match self.send_once(method.clone(), url, body, ctx).await {
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(failure)) => failure,
                Err(e @ (Error::Connect { .. } | Error::Timeout { .. })) => (e, None),
                Err(e) => return Err(e),
            };
            if attempt >= self.retry.max_attempts {
                return Err(if attempt == 1 {
                    err
                } else {
                    Error::RetriesExhausted {
                        provider: self.provider.clone(),
                        attempts: attempt,
                        last: Box::new(err),
                    }
                });
            }
            if let Some(after) = after.filter(|a| *a > self.retry.max_retry_after) {
                return Err(Error::RetryAfterTooLong {
                    provider: self.provider.clone(),
                    after,
                    limit: self.retry.max_retry_after,
                });
            }
            attempt += 1;
            let delay = self.retry.delay(attempt, after);
            if let Some(cb) = &ctx.on_retry {
                cb(RetryNotice {
                    attempt,
                    reason: err.to_string(),
                    delay,
                });
            }
            sleep(delay, ctx).await?;
        }
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        body: &Body,
        ctx: &CallContext,
    ) -> Result<Result<Response, (Error, Option<Duration>)>> {
        let mut req = self
            .client
            .request(method, url)
            .headers(self.headers.clone());
        match body {
            Body::None => {}
            Body::Json(v) => req = req.json(v),
            Body::Raw {
                bytes,
                content_type,
            } => {
                let ct = HeaderValue::from_str(content_type).map_err(|_| Error::Config {
                    provider: self.provider.clone(),
                    message: format!("bad content type {content_type}"),
                })?;
                req = req.header(CONTENT_TYPE, ct).body(bytes.clone());
            }
        }
        let resp = tokio::select! {
            () = ctx.cancel.cancelled() => return Err(Error::Cancelled),
            r = tokio::time::timeout(self.timeout, req.send()) => r,
        };
        let resp = match resp {
            Err(_) => {
                return Err(Error::Timeout {
                    provider: self.provider.clone(),
                    what: "request",
                    after: self.timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::Connect {
                    provider: self.provider.clone(),
                    url: url.split('?').next().unwrap_or(url).to_owned(),
                    message: self.caller().redact(&e.without_url().to_string()),
                });
            }
            Ok(Ok(r)) => r,
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(Ok(resp));
        }
        let after = retry_after(resp.headers());
        let text = tokio::time::timeout(self.timeout, resp.text())
            .await
            .ok()
            .and_then(std::result::Result::ok)
            .unwrap_or_default();
        let err = Error::Status {
            provider: self.provider.clone(),
            status: status.as_u16(),
            message: self.caller().redact(&error_message(&text)),
        };
        if self.retry.retries_status(status.as_u16()) {
            Ok(Err((err, after)))
        } else {
            Err(err)
        }
    }
}

/// Waits `d`, or stops at once when the call is cancelled.
pub(crate) async fn sleep(d: Duration, ctx: &CallContext) -> Result<()> {
    tokio::select! {
        () = ctx.cancel.cancelled() => Err(Error::Cancelled),
        () = tokio::time::sleep(d) => Ok(()),
    }
}

/// A `multipart/form-data` body of text fields and one file, and its
/// content type.
pub(crate) fn multipart(
    fields: &[(&str, &str)],
    file_field: &str,
    file_name: &str,
    file: &[u8],
) -> (Vec<u8>, String) {
    // A boundary that cannot occur in JSONL: it has no quotes or braces,
    // and its time-derived tail makes a chance match in the text moot.
    let nanos = jiff::Timestamp::now().as_nanosecond();
    let boundary = format!("distiq-batch-boundary-{nanos:x}");
    let mut body = Vec::with_capacity(file.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/jsonl\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

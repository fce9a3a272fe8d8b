//! Fake batch APIs: Anthropic Message Batches and the OpenAI Batch API,
//! stateful, speaking their documented wire formats.
//!
//! - Anthropic: `POST /v1/messages/batches` (`{"requests": [{"custom_id",
//!   "params"}]}`) answers a `message_batch` object `in_progress`; `GET
//!   /v1/messages/batches/{id}` stays `in_progress` for the configured
//!   number of polls, then `ended` with a `results_url`; that URL serves
//!   one JSONL line per request, `{"custom_id", "result": {...}}`;
//!   `POST .../{id}/cancel` marks it `canceling`.
//! - OpenAI (base URL `{server}/v1`): `POST /v1/files` (multipart, `purpose`
//!   and `file`) stores the JSONL; `POST /v1/batches` (`input_file_id`,
//!   `endpoint`, `completion_window`) answers a `batch` object
//!   `validating`; `GET /v1/batches/{id}` is `in_progress`, then
//!   `completed` with `output_file_id` (and `error_file_id` when a request
//!   failed); `GET /v1/files/{id}/content` serves the JSONL.
//!
//! Each fake answers a request through a closure given the request's body
//! (the Messages `params`, the Chat Completions `body`), so a test decides
//! per model or per prompt what comes back.
//!
//! ```no_run
//! # async fn demo() {
//! use distiq_test_support::{anthropic, batch};
//! let server = wiremock::MockServer::start().await;
//! let fake = batch::AnthropicBatches::new(|params| {
//!     let model = params["model"].as_str().unwrap_or("");
//!     batch::anthropic_succeeded(anthropic::message(model, "hi", "end_turn", anthropic::Tokens::new(10, 2)))
//! })
//! .polls_before_end(1);
//! fake.mount(&server).await;
//! # }
//! ```

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type AnswerFn = dyn Fn(&Value) -> Value + Send + Sync;
type OpenAiAnswerFn = dyn Fn(&Value) -> (u16, Value) + Send + Sync;

const CREATED_AT: &str = "2025-11-24T18:37:24.100435Z";
const EXPIRES_AT: &str = "2025-11-25T18:37:24.100435Z";

/// A batch the fake holds.
#[derive(Debug, Clone)]
pub struct FakeBatch {
    /// Its id.
    pub id: String,
    /// Its requests: `custom_id` and body, in order.
    pub requests: Vec<(String, Value)>,
    /// Status checks so far.
    pub polls: usize,
    /// Whether the client cancelled it.
    pub cancelled: bool,
    /// OpenAI only: the output and error file ids once completed.
    files: (Option<String>, Option<String>),
}

#[derive(Default)]
struct State {
    batches: Vec<FakeBatch>,
    /// OpenAI uploads: file id and content.
    files: Vec<(String, String)>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `{"type": "succeeded", "message": message}`.
pub fn anthropic_succeeded(message: Value) -> Value {
    json!({ "type": "succeeded", "message": message })
}

/// `{"type": "errored", "error": {"type": "error", "error": {...}}}`.
pub fn anthropic_errored(kind: &str, message: &str) -> Value {
    json!({
        "type": "errored",
        "error": { "type": "error", "error": { "type": kind, "message": message } }
    })
}

/// `{"type": "expired"}`: the request did not run within 24 hours.
pub fn anthropic_expired() -> Value {
    json!({ "type": "expired" })
}

// ---------------------------------------------------------------- Anthropic

/// A fake Anthropic Message Batches API.
#[derive(Clone)]
pub struct AnthropicBatches {
    state: Arc<Mutex<State>>,
    answer: Arc<AnswerFn>,
    polls_before_end: usize,
}

impl std::fmt::Debug for AnthropicBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicBatches").finish_non_exhaustive()
    }
}

impl AnthropicBatches {
    /// A fake whose requests are answered by `answer(params)`, which
    /// returns the line's `result` object ([`anthropic_succeeded`], ...).
    pub fn new(answer: impl Fn(&Value) -> Value + Send + Sync + 'static) -> Self {
        Self {
            state: Arc::default(),
            answer: Arc::new(answer),
            polls_before_end: 0,
        }
    }

    /// How many status checks answer `in_progress` before `ended`.
    #[must_use]
    pub fn polls_before_end(mut self, n: usize) -> Self {
        self.polls_before_end = n;
        self
    }

    /// The batches created so far.
    pub fn batches(&self) -> Vec<FakeBatch> {
        lock(&self.state).batches.clone()
    }

    /// Mounts the endpoints on `server`.
    pub async fn mount(&self, server: &MockServer) {
        let base = "/v1/messages/batches";
        for (m, p, kind) in [
            ("POST", format!("^{base}$"), Kind::Create),
            ("GET", format!("^{base}/[^/]+$"), Kind::Status),
            ("GET", format!("^{base}/[^/]+/results$"), Kind::Results),
            ("POST", format!("^{base}/[^/]+/cancel$"), Kind::Cancel),
        ] {
            Mock::given(method(m))
                .and(path_regex(p))
                .respond_with(AnthropicResponder {
                    fake: self.clone(),
                    kind,
                    server: server.uri(),
                })
                .mount(server)
                .await;
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Create,
    Status,
    Results,
    Cancel,
}

struct AnthropicResponder {
    fake: AnthropicBatches,
    kind: Kind,
    server: String,
}

impl AnthropicResponder {
    fn object(&self, b: &FakeBatch, ended: bool) -> Value {
        let n = b.requests.len();
        let status = if b.cancelled {
            "canceling"
        } else if ended {
            "ended"
        } else {
            "in_progress"
        };
        json!({
            "id": b.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {
                "processing": if ended { 0 } else { n },
                "succeeded": if ended { n } else { 0 },
                "errored": 0,
                "canceled": 0,
                "expired": 0
            },
            "ended_at": if ended { Value::from(CREATED_AT) } else { Value::Null },
            "created_at": CREATED_AT,
            "expires_at": EXPIRES_AT,
            "archived_at": null,
            "cancel_initiated_at": null,
            "results_url": if ended {
                Value::from(format!("{}/v1/messages/batches/{}/results", self.server, b.id))
            } else {
                Value::Null
            }
        })
    }
}

/// The `{id}` of `/…/batches/{id}[/…]`.
fn batch_id(req: &Request, after: &str) -> String {
    let p = req.url.path();
    let rest = p.split(after).nth(1).unwrap_or("");
    rest.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned()
}

fn not_found(kind: &str) -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "type": "error",
        "error": { "type": "not_found_error", "message": format!("no such {kind}") }
    }))
}

impl Respond for AnthropicResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = lock(&self.fake.state);
        match self.kind {
            Kind::Create => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let requests: Vec<(String, Value)> = body["requests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        (
                            r["custom_id"].as_str().unwrap_or("").to_owned(),
                            r["params"].clone(),
                        )
                    })
                    .collect();
                if requests.is_empty() {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "type": "error",
                        "error": { "type": "invalid_request_error", "message": "requests: List should have at least 1 item" }
                    }));
                }
                let b = FakeBatch {
                    id: format!("msgbatch_013Zva2CMHLNnXjNJJKqJ2E{}", state.batches.len()),
                    requests,
                    polls: 0,
                    cancelled: false,
                    files: (None, None),
                };
                let obj = self.object(&b, false);
                state.batches.push(b);
                ResponseTemplate::new(200).set_body_json(obj)
            }
            Kind::Status | Kind::Cancel => {
                let id = batch_id(req, "/v1/messages/batches");
                let polls_before_end = self.fake.polls_before_end;
                let Some(b) = state.batches.iter_mut().find(|b| b.id == id) else {
                    return not_found("message batch");
                };
                if matches!(self.kind, Kind::Cancel) {
                    b.cancelled = true;
                } else {
                    b.polls += 1;
                }
                let ended = !b.cancelled && b.polls > polls_before_end;
                let b = b.clone();
                ResponseTemplate::new(200).set_body_json(self.object(&b, ended))
            }
            Kind::Results => {
                let id = batch_id(req, "/v1/messages/batches");
                let Some(b) = state.batches.iter().find(|b| b.id == id).cloned() else {
                    return not_found("message batch");
                };
                drop(state);
                let mut out = String::new();
                // Results come in any order: serve them reversed.
                for (custom_id, params) in b.requests.iter().rev() {
                    let line =
                        json!({ "custom_id": custom_id, "result": (self.fake.answer)(params) });
                    out.push_str(&line.to_string());
                    out.push('\n');
                }
                ResponseTemplate::new(200).set_body_raw(out, "application/binary")
            }
        }
    }
}

// ---------------------------------------------------------------- OpenAI

/// A fake OpenAI Batch API (files and batches).
#[derive(Clone)]
pub struct OpenAiBatches {
    state: Arc<Mutex<State>>,
    answer: Arc<OpenAiAnswerFn>,
    polls_before_end: usize,
}

impl std::fmt::Debug for OpenAiBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiBatches").finish_non_exhaustive()
    }
}

impl OpenAiBatches {
    /// A fake whose requests are answered by `answer(body)`: the status
    /// code and the body of the response (a `chat.completion` for 200, an
    /// error body otherwise).
    pub fn new(answer: impl Fn(&Value) -> (u16, Value) + Send + Sync + 'static) -> Self {
        Self {
            state: Arc::default(),
            answer: Arc::new(answer),
            polls_before_end: 0,
        }
    }

    /// How many status checks answer `in_progress` before `completed`.
    #[must_use]
    pub fn polls_before_end(mut self, n: usize) -> Self {
        self.polls_before_end = n;
        self
    }

    /// The batches created so far.
    pub fn batches(&self) -> Vec<FakeBatch> {
        lock(&self.state).batches.clone()
    }

    /// The uploaded files' contents, in upload order.
    pub fn uploads(&self) -> Vec<String> {
        lock(&self.state)
            .files
            .iter()
            .filter(|(id, _)| id.starts_with("file-in"))
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// Mounts the endpoints on `server` (a provider's base URL is
    /// `{server}/v1`).
    pub async fn mount(&self, server: &MockServer) {
        for (m, p, kind) in [
            ("POST", "^/v1/files$", OKind::Upload),
            ("GET", "^/v1/files/[^/]+/content$", OKind::Content),
            ("POST", "^/v1/batches$", OKind::Create),
            ("GET", "^/v1/batches/[^/]+$", OKind::Status),
            ("POST", "^/v1/batches/[^/]+/cancel$", OKind::Cancel),
        ] {
            Mock::given(method(m))
                .and(path_regex(p))
                .respond_with(OpenAiResponder {
                    fake: self.clone(),
                    kind,
                })
                .mount(server)
                .await;
        }
    }
}

#[derive(Clone, Copy)]
enum OKind {
    Upload,
    Content,
    Create,
    Status,
    Cancel,
}

struct OpenAiResponder {
    fake: OpenAiBatches,
    kind: OKind,
}

fn openai_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": { "message": message, "type": "invalid_request_error", "param": null, "code": null }
    }))
}

/// The file part of a `multipart/form-data` body, and the `purpose` field.
fn multipart_file(req: &Request) -> Option<(String, String)> {
    let ct = req.headers.get("content-type")?.to_str().ok()?;
    let boundary = ct.split("boundary=").nth(1)?.trim_matches('"');
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let mut file = None;
    let mut purpose = None;
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content).to_owned();
        if head.contains("name=\"file\"") {
            file = Some(content);
        } else if head.contains("name=\"purpose\"") {
            purpose = Some(content);
        }
    }
    Some((file?, purpose?))
}

impl OpenAiResponder {
    fn object(b: &FakeBatch, input: &str, status: &str) -> Value {
        let n = b.requests.len();
        let done = status == "completed";
        json!({
            "id": b.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": null,
            "input_file_id": input,
            "completion_window": "24h",
            "status": status,
            "output_file_id": b.files.0,
            "error_file_id": b.files.1,
            "created_at": 1_711_471_533,
            "in_progress_at": null,
            "expires_at": 1_711_557_933,
            "finalizing_at": null,
            "completed_at": if done { Value::from(1_711_493_133) } else { Value::Null },
            "failed_at": null,
            "expired_at": null,
            "cancelling_at": null,
            "cancelled_at": null,
            "request_counts": { "total": n, "completed": if done { n } else { 0 }, "failed": 0 },
            "metadata": null
        })
    }
}

impl Respond for OpenAiResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = lock(&self.fake.state);
        match self.kind {
            OKind::Upload => {
                let Some((content, purpose)) = multipart_file(req) else {
                    return openai_error(
                        400,
                        "expected a multipart form with `file` and `purpose`",
                    );
                };
                if purpose != "batch" {
                    return openai_error(400, "purpose must be batch for a batch input file");
                }
                let id = format!("file-in-{}", state.files.len());
                let bytes = content.len();
                state.files.push((id.clone(), content));
                ResponseTemplate::new(200).set_body_json(json!({
                    "id": id, "object": "file", "bytes": bytes, "created_at": 1_711_471_533,
                    "filename": "distiq-batch.jsonl", "purpose": "batch"
                }))
            }
            OKind::Create => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let input = body["input_file_id"].as_str().unwrap_or("").to_owned();
                if body["endpoint"] != "/v1/chat/completions" || body["completion_window"] != "24h"
                {
                    return openai_error(
                        400,
                        "endpoint must be /v1/chat/completions and completion_window 24h",
                    );
                }
                let Some((_, content)) = state.files.iter().find(|(id, _)| *id == input) else {
                    return openai_error(404, "no such input file");
                };
                let requests: Vec<(String, Value)> = content
                    .lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .filter(|l| l["method"] == "POST" && l["url"] == "/v1/chat/completions")
                    .map(|l| {
                        (
                            l["custom_id"].as_str().unwrap_or("").to_owned(),
                            l["body"].clone(),
                        )
                    })
                    .collect();
                let b = FakeBatch {
                    id: format!("batch_abc{}", state.batches.len()),
                    requests,
                    polls: 0,
                    cancelled: false,
                    files: (None, None),
                };
                let obj = Self::object(&b, &input, "validating");
                state.batches.push(b);
                ResponseTemplate::new(200).set_body_json(obj)
            }
            OKind::Status | OKind::Cancel => {
                let id = batch_id(req, "/v1/batches");
                let polls_before_end = self.fake.polls_before_end;
                let n = state.batches.len();
                let Some(i) = state.batches.iter().position(|b| b.id == id) else {
                    return openai_error(404, "no such batch");
                };
                if matches!(self.kind, OKind::Cancel) {
                    state.batches[i].cancelled = true;
                    let b = state.batches[i].clone();
                    return ResponseTemplate::new(200).set_body_json(Self::object(
                        &b,
                        "",
                        "cancelling",
                    ));
                }
                state.batches[i].polls += 1;
                let b = state.batches[i].clone();
                if b.polls <= polls_before_end || b.cancelled {
                    return ResponseTemplate::new(200).set_body_json(Self::object(
                        &b,
                        "",
                        "in_progress",
                    ));
                }
                if b.files.0.is_none() && b.files.1.is_none() {
                    // Run the batch: split answers into the output and error files.
                    let (mut out, mut err) = (String::new(), String::new());
                    for (k, (custom_id, body)) in b.requests.iter().enumerate() {
                        let (status, resp) = (self.fake.answer)(body);
                        let line = json!({
                            "id": format!("batch_req_{k}"),
                            "custom_id": custom_id,
                            "response": { "status_code": status, "request_id": format!("req_{k}"), "body": resp },
                            "error": null
                        });
                        let file = if status == 200 { &mut out } else { &mut err };
                        file.push_str(&line.to_string());
                        file.push('\n');
                    }
                    let out_id = (!out.is_empty()).then(|| format!("file-out-{n}"));
                    let err_id = (!err.is_empty()).then(|| format!("file-err-{n}"));
                    if let Some(id) = &out_id {
                        state.files.push((id.clone(), out));
                    }
                    if let Some(id) = &err_id {
                        state.files.push((id.clone(), err));
                    }
                    state.batches[i].files = (out_id, err_id);
                }
                let b = state.batches[i].clone();
                ResponseTemplate::new(200).set_body_json(Self::object(&b, "", "completed"))
            }
            OKind::Content => {
                let p = req.url.path();
                let id = p
                    .trim_start_matches("/v1/files/")
                    .trim_end_matches("/content");
                match state.files.iter().find(|(f, _)| f == id) {
                    Some((_, c)) => ResponseTemplate::new(200)
                        .set_body_raw(c.clone(), "application/octet-stream"),
                    None => openai_error(404, "no such file"),
                }
            }
        }
    }
}

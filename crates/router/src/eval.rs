//! `distiq route eval`: how the router does on a labelled set.

use std::path::Path;

use distiq_config::Config;
use distiq_core::{Complexity, TaskKind};
use distiq_embed::Embedder;
use serde::{Deserialize, Serialize};

use crate::classifier::{kind_index, level_index};
use crate::{Error, Request, Result, Router};

/// One labelled prompt: a line of a labels file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Labelled {
    /// The prompt.
    pub prompt: String,
    /// Its true kind.
    pub kind: TaskKind,
    /// Its true complexity.
    pub complexity: Complexity,
}

/// A line as written: other keys (an id, a note) are ignored, and labels
/// are read without regard to case or surrounding space.
#[derive(Deserialize)]
struct Line {
    #[serde(alias = "text")]
    prompt: String,
    kind: String,
    complexity: String,
}

/// Reads a labels file: one JSON object per line, blank lines skipped.
/// Errors name the line.
pub fn read_labels(path: &Path) -> Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_labels(path, &text)
}

/// Parses the text of a labels file (`path` names it in errors).
pub fn parse_labels(path: &Path, text: &str) -> Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: String| Error::Labels {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let raw: Line = serde_json::from_str(line).map_err(|e| error(e.to_string()))?;
        let kind = raw
            .kind
            .trim()
            .to_lowercase()
            .parse::<TaskKind>()
            .map_err(|e| error(e.to_string()))?;
        let complexity = raw
            .complexity
            .trim()
            .to_lowercase()
            .parse::<Complexity>()
            .map_err(|e| error(e.to_string()))?;
        out.push(Labelled {
            prompt: raw.prompt,
            kind,
            complexity,
        });
    }
    if out.is_empty() {
        return Err(Error::Labels {
            path: path.to_path_buf(),
            line: 1,
            message: "the file has no labelled prompts".to_owned(),
        });
    }
    Ok(out)
}

/// One prompt the router got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// The prompt.
    pub prompt: String,
    /// The label.
    pub expected_kind: TaskKind,
    /// What the router said.
    pub kind: TaskKind,
    /// The label.
    pub expected_complexity: Complexity,
    /// What the router said.
    pub complexity: Complexity,
    /// The router's probability for its kind.
    pub confidence: f32,
}

/// How the router did on a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Prompts evaluated.
    pub total: usize,
    /// Share of kinds right.
    pub kind_accuracy: f32,
    /// `confusion[label][routed]`: counts, in [`TaskKind::ALL`] order.
    pub confusion: Vec<Vec<usize>>,
    /// Share of kinds right by the single nearest exemplar, as
    /// semantic-router scores: the baseline the classifier is measured
    /// against.
    pub nearest_accuracy: f32,
    /// Share of complexities right.
    pub complexity_accuracy: f32,
    /// `complexity_confusion[label][routed]`, in [`Complexity::ALL`] order.
    pub complexity_confusion: Vec<Vec<usize>>,
    /// Share routed below their complexity label: the costly mistake.
    pub complexity_under_rate: f32,
    /// Share routed above it: the wasteful one.
    pub complexity_over_rate: f32,
    /// Share whose top-two margin was below `router.inspect_margin`: the
    /// ones inspect-then-pick would send to the cheap model.
    pub would_inspect_rate: f32,
    /// Every prompt with a wrong kind or complexity.
    pub misses: Vec<Miss>,
}

/// Routes every labelled prompt locally (no model is asked and no event is
/// emitted: this measures the local router) and compares.
pub fn evaluate(
    router: &Router,
    embedder: &Embedder,
    config: &Config,
    items: &[Labelled],
) -> Result<EvalReport> {
    let kinds = TaskKind::ALL.len();
    let levels = Complexity::ALL.len();
    let mut confusion = vec![vec![0usize; kinds]; kinds];
    let mut complexity_confusion = vec![vec![0usize; levels]; levels];
    let (mut kind_right, mut level_right, mut under, mut over, mut inspect) = (0, 0, 0, 0, 0);
    let mut nearest_right = 0;
    let mut misses = Vec::new();
    let prompts: Vec<&str> = items.iter().map(|i| i.prompt.as_str()).collect();
    for (chunk_items, chunk) in items.chunks(64).zip(prompts.chunks(64)) {
        let embeddings = embedder.embed_batch(chunk)?;
        for (item, embedding) in chunk_items.iter().zip(&embeddings) {
            let request = Request::new(item.prompt.as_str());
            let routed = router.route(config, &request, embedding);
            let (kind, level) = (routed.decision.kind, routed.decision.complexity);
            confusion[kind_index(item.kind)][kind_index(kind)] += 1;
            complexity_confusion[level_index(item.complexity)][level_index(level)] += 1;
            kind_right += usize::from(kind == item.kind);
            nearest_right +=
                usize::from(routed.local.nearest.first().map(|n| n.kind) == Some(item.kind));
            level_right += usize::from(level == item.complexity);
            under += usize::from(level < item.complexity);
            over += usize::from(level > item.complexity);
            inspect += usize::from(matches!(
                routed.inspection,
                crate::Inspection::Pending { .. }
            ));
            if kind != item.kind || level != item.complexity {
                misses.push(Miss {
                    prompt: item.prompt.clone(),
                    expected_kind: item.kind,
                    kind,
                    expected_complexity: item.complexity,
                    complexity: level,
                    confidence: routed.decision.confidence,
                });
            }
        }
    }
    let share = |n: usize| n as f32 / items.len().max(1) as f32;
    Ok(EvalReport {
        total: items.len(),
        kind_accuracy: share(kind_right),
        confusion,
        nearest_accuracy: share(nearest_right),
        complexity_accuracy: share(level_right),
        complexity_confusion,
        complexity_under_rate: share(under),
        complexity_over_rate: share(over),
        would_inspect_rate: share(inspect),
        misses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_errors_name_the_line() {
        let path = Path::new("labels.jsonl");
        let ok = parse_labels(
            path,
            "{\"prompt\":\"fix it\",\"kind\":\"bugfix\",\"complexity\":\"trivial\"}\n\n",
        )
        .unwrap();
        assert_eq!(ok[0].kind, TaskKind::Bugfix);
        let err = parse_labels(
            path,
            "{\"prompt\":\"a\",\"kind\":\"docs\",\"complexity\":\"trivial\"}\n{\"prompt\":\"b\",\"kind\":\"chore\",\"complexity\":\"trivial\"}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("labels.jsonl:2") && err.contains("chore"),
            "{err}"
        );
        assert!(parse_labels(path, "\n").is_err());
        let lenient = parse_labels(
            path,
            "{\"id\": 7, \"text\": \"why?\", \"kind\": \" Question\", \"complexity\": \"TRIVIAL\"}",
        )
        .unwrap();
        assert_eq!(lenient[0].kind, TaskKind::Question);
        assert_eq!(lenient[0].complexity, Complexity::Trivial);
    }
}

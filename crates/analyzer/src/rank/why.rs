//! Why a file or definition ranks where it does, for people and for JSON.

use serde::Serialize;

/// One reason behind a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Why {
    /// The task names this file's path.
    PathInTask,
    /// The file defines names the task mentions.
    DefinesNamed {
        /// Those names.
        names: Vec<String>,
    },
    /// The file's definitions or path share words with the task.
    WordsMatch {
        /// The shared (stemmed) words.
        words: Vec<String>,
    },
    /// Much of the repository refers to this file.
    Central {
        /// Its graph rank relative to the most central file (1 = that one).
        graph: f64,
    },
    /// The task names this definition.
    NameInTask {
        /// The name.
        name: String,
    },
    /// The definition's name shares words with the task.
    NameMatches {
        /// The shared (stemmed) words.
        words: Vec<String>,
    },
    /// The definition is in one of the best files.
    InRankedFile {
        /// The file.
        path: String,
        /// Its place in the ranking (1 = best).
        rank: usize,
    },
    /// The embedding model finds the definition (for a file: its closest
    /// definition) close to the task, well above the other candidates.
    Similar {
        /// Cosine similarity of the task and the chunk, rounded.
        score: f64,
    },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::PathInTask => write!(f, "the task names this file"),
            Why::DefinesNamed { names } => write!(f, "defines {} named in the task", ticks(names)),
            Why::WordsMatch { words } => {
                write!(f, "its names share the task's words {}", quoted(words))
            }
            Why::Central { graph } => {
                write!(f, "central to the repository (graph rank {graph:.2})")
            }
            Why::NameInTask { name } => write!(f, "`{name}` is named in the task"),
            Why::NameMatches { words } => {
                write!(f, "its name shares the task's words {}", quoted(words))
            }
            Why::InRankedFile { path, rank } => write!(f, "in {path}, ranked #{rank}"),
            Why::Similar { score } => write!(f, "close to the task in meaning ({score:.2})"),
        }
    }
}

fn ticks(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

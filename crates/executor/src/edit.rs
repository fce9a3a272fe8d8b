//! Edits: what the executor stage (or a plan with exact code) asks to be
//! done to the repository, one file operation at a time.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One change to one file. A task's edits are applied in order, each
/// against the file as the edits before it left it.
///
/// This is also the shape of the executor model's structured output
/// (`{"kind": "replace", "path": ..., "search": ..., "replace": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Replace the lines that match `search` with `replace` in an existing
    /// file. An empty `replace` removes them.
    Replace {
        /// Path relative to the repository root, with `/` separators.
        path: String,
        /// The exact lines as they are in the file now, with a few lines of
        /// context so that they match one place only.
        search: String,
        /// What those lines become.
        replace: String,
    },
    /// Insert `text` as new lines after the line where `anchor` ends, or at
    /// the end of the file without an anchor.
    Insert {
        /// Path relative to the repository root, with `/` separators.
        path: String,
        /// The exact lines the new text goes after.
        #[serde(default)]
        anchor: Option<String>,
        /// The lines to insert.
        text: String,
    },
    /// Create a file that does not exist yet.
    Create {
        /// Path relative to the repository root, with `/` separators.
        path: String,
        /// The whole content of the new file.
        content: String,
    },
    /// Delete an existing file.
    Delete {
        /// Path relative to the repository root, with `/` separators.
        path: String,
    },
}

impl Edit {
    /// The file the edit touches, as given.
    pub fn path(&self) -> &str {
        match self {
            Edit::Replace { path, .. }
            | Edit::Insert { path, .. }
            | Edit::Create { path, .. }
            | Edit::Delete { path } => path,
        }
    }

    /// A short name of the kind of edit, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Edit::Replace { .. } => "replace",
            Edit::Insert { .. } => "insert",
            Edit::Create { .. } => "create",
            Edit::Delete { .. } => "delete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_read_the_tagged_json_a_model_writes() {
        let json = r#"[
            {"kind": "replace", "path": "a.rs", "search": "x", "replace": "y"},
            {"kind": "insert", "path": "a.rs", "text": "z"},
            {"kind": "create", "path": "b.rs", "content": ""},
            {"kind": "delete", "path": "c.rs"}
        ]"#;
        let edits: Vec<Edit> = serde_json::from_str(json).unwrap();
        assert_eq!(edits.len(), 4);
        assert!(matches!(&edits[1], Edit::Insert { anchor: None, .. }));
        assert_eq!(edits[3].path(), "c.rs");
        let bad =
            r#"{"kind": "replace", "path": "a.rs", "search": "x", "replace": "y", "extra": 1}"#;
        assert!(serde_json::from_str::<Edit>(bad).is_err());
    }

    #[test]
    fn the_schema_names_every_kind_and_field() {
        let schema = serde_json::to_string(&schemars::schema_for!(Vec<Edit>)).unwrap();
        for word in [
            "replace", "insert", "create", "delete", "search", "anchor", "content",
        ] {
            assert!(schema.contains(word), "schema lacks {word}: {schema}");
        }
    }
}

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The structured plan the planner writes (seed 003): what to change, where,
/// and why, precise enough for a cheap model, or no model, to carry out.
///
/// Its JSON schema (from `schemars`) is what providers are asked to follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodePlan {
    /// One or two sentences: what the change does.
    pub summary: String,
    /// Every file the change touches, in the order to apply them.
    pub files: Vec<FilePlan>,
}

/// What happens to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilePlan {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// Whether the file is created, modified or deleted.
    pub action: FileAction,
    /// The changes inside the file; empty for a delete.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// What happens to a file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    /// The file does not exist yet.
    Create,
    /// The file exists and is edited.
    Modify,
    /// The file exists and is removed.
    Delete,
}

/// One change inside a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Replace, insert or delete.
    #[serde(rename = "type")]
    pub kind: ChangeKind,
    /// Where: a function, type or anchor line a reader can find.
    pub location: String,
    /// The exact code that is there now (replace, delete, or the anchor an
    /// insert goes after); absent for a new file.
    #[serde(default)]
    pub old_code: Option<String>,
    /// The code that should be there afterwards (replace, insert).
    #[serde(default)]
    pub new_code: Option<String>,
    /// Why this change is needed.
    pub reasoning: String,
}

/// The kind of a change inside a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// `old_code` becomes `new_code`.
    Replace,
    /// `new_code` is added after `old_code` (or at the end when absent).
    Insert,
    /// `old_code` is removed.
    Delete,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_the_seed_003_json_shape() {
        let json = r#"{
            "summary": "Add a --json flag",
            "files": [{
                "path": "src/cli.rs",
                "action": "modify",
                "changes": [{
                    "type": "replace",
                    "location": "fn parse_args",
                    "old_code": "let json = false;",
                    "new_code": "let json = args.json;",
                    "reasoning": "read the flag"
                }]
            }, {"path": "old.rs", "action": "delete"}]
        }"#;
        let plan: CodePlan = serde_json::from_str(json).unwrap();
        assert_eq!(plan.files[0].changes[0].kind, ChangeKind::Replace);
        assert_eq!(plan.files[1].action, FileAction::Delete);
        assert!(plan.files[1].changes.is_empty());
    }

    #[test]
    fn the_schema_names_every_field_a_model_must_fill() {
        let schema = serde_json::to_string(&schemars::schema_for!(CodePlan)).unwrap();
        for field in [
            "summary",
            "files",
            "action",
            "old_code",
            "new_code",
            "reasoning",
            "\"type\"",
        ] {
            assert!(schema.contains(field), "schema lacks {field}: {schema}");
        }
    }
}

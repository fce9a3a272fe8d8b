//! What the models are told. Prompts are ordered for prefix caching: the
//! system prompt and the repository context first (stable across retries,
//! escalations and, for the map, across tasks), the task last.

use distiq_analyzer::Context;
use distiq_core::{CodePlan, FilePlan};
use distiq_llm::Part;

/// The planner's instructions (seed 003's structured plan).
pub const PLANNER: &str = "\
You are the planner of distiq, a coding agent. You read a task and the parts of a \
repository shown to you, and write a precise plan of code changes that a cheaper \
model, or no model at all, will carry out exactly as written.

Rules:
- Paths are relative to the repository root, with `/` separators. Never an absolute \
path, never `..`, never anything under .git/.
- action is \"modify\" for a file that exists, \"create\" for a new file, \"delete\" to \
remove a file (a delete has no changes).
- For every modify change, old_code must be copied EXACTLY from the code shown to \
you, character for character, with its indentation, as whole lines, and with enough \
lines to match one place in the file only. new_code is the complete code that \
replaces it (for an insert: the lines to add after old_code). Never abbreviate with \
\"...\" or comments like \"rest unchanged\".
- If the code you must change is not shown to you, still list the file and describe \
the change precisely in location and reasoning, and set old_code and new_code to \
null: a model that reads the whole file will write the edit.
- A created file has one change of type \"insert\" whose new_code is the whole file.
- Change as little as the task needs; keep the code's style. Do not touch files the \
task does not need.
- summary: one sentence in the imperative mood, usable as a commit message.
- If nothing needs to change, return an empty files list.";

/// The executor's instructions for one file.
pub const EXECUTOR: &str = "\
You are the executor of distiq, a coding agent. You carry out one file's part of a \
plan as search/replace edits on that file, shown to you in full.

Rules:
- Each edit's search is copied EXACTLY from the file as shown: whole lines, with \
their indentation, and enough lines to match one place only.
- replace is what those lines become, complete. An empty replace deletes them.
- Make exactly the changes the plan describes, nothing else.
- Edits are applied in order, each to the file as the edits before it left it.";

/// The executor's instructions for a new file.
pub const CREATOR: &str = "\
You are the executor of distiq, a coding agent. You write the whole content of one \
new file, as the plan describes it. Answer with the complete file, nothing left out.";

/// The instructions for fixing what validation reported.
pub const FIXER: &str = "\
You are the executor of distiq, a coding agent. Edits were made to carry out a task, \
and the repository's checks now fail. You fix the failures with search/replace edits \
on the files shown, which are the files the task changed, in their current state.

Rules:
- Each edit names its file's path exactly as shown.
- Each search is copied EXACTLY from that file as shown: whole lines, with their \
indentation, and enough lines to match one place only. replace is what they become.
- Fix what the checks report while keeping the task done. Change nothing else.";

/// The instructions for extracting facts for a question (seed 000: cheap
/// extraction, then strong generation).
pub const EXTRACTOR: &str = "\
You read parts of a code repository and pull out the facts needed to answer a \
question about it: what the code does, where (path and line numbers), names, \
signatures, values, and how the pieces connect. Quote code exactly where it matters. \
List only facts that the code shown supports; say so when the code shown does not \
answer the question. Ten to fifteen facts at most.";

/// The instructions for answering a question from the extracted facts.
pub const ANSWERER: &str = "\
You answer a developer's question about their code repository, from facts another \
model extracted from it. Be direct and specific: name files, functions and lines. \
Say what the facts do not establish instead of guessing. Use Markdown sparingly.";

/// The repository context as prompt parts: the map (stable across tasks
/// in the same repository state), then the task's files and code (stable
/// across retries of the task). Both end a cacheable prefix.
pub fn context_parts(context: &Context) -> Vec<Part> {
    let mut parts = Vec::new();
    if !context.map.trim().is_empty() {
        parts.push(Part::cached(format!(
            "# Repository map\n\n{}",
            context.map.trim_end()
        )));
    }
    let section = context.task_section();
    if !section.trim().is_empty() {
        parts.push(Part::cached(format!(
            "# Code relevant to the task\n\n{}",
            section.trim_end()
        )));
    }
    parts
}

/// The task, last.
pub fn task_part(prompt: &str) -> Part {
    Part::text(format!("# Task\n\n{}", prompt.trim()))
}

/// The plan's changes for one file, as the executor reads them.
pub fn file_plan_text(plan: &CodePlan, file: &FilePlan) -> String {
    let changes = serde_json::to_string_pretty(&file.changes).unwrap_or_default();
    format!(
        "# The plan\n\n{}\n\n# Changes to make in {} ({:?})\n\n{changes}",
        plan.summary.trim(),
        file.path,
        file.action
    )
}

/// A file's content framed for a prompt, with its path.
pub fn file_part(path: &str, content: &str) -> Part {
    Part::cached(format!("# File {path}\n\n```\n{content}\n```"))
}

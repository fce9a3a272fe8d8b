//! Repository context for the models: the analyzer's repo map and the
//! definitions the change relates to, ranked for the change as a task and
//! fitted to `review.context_tokens`, so a reviewer can tell a call to a
//! function that exists from one that does not.

use std::path::Path;

use distiq_analyzer::{
    CacheLocation, ContextOptions, IndexOptions, RankOptions, RepoIndex, build_context,
};

use crate::diff::ChangedFile;

/// The most text of added lines used to rank the repository for a change.
const MAX_TASK_BYTES: usize = 4_000;

/// The rendered context for `files` in the repository at `root`, within
/// `budget` tokens; `Err` says why there is none (the review goes on
/// without it). The analyzer's tags cache is kept at `cache`, inside the
/// git directory, so that a review leaves the working tree as it was.
pub(crate) fn repo_context(
    root: &Path,
    cache: &Path,
    files: &[&ChangedFile],
    budget: usize,
) -> Result<String, String> {
    let opts = IndexOptions {
        cache: CacheLocation::File(cache.to_path_buf()),
        ..IndexOptions::default()
    };
    let index = RepoIndex::build(root, &opts).map_err(|e| e.to_string())?;
    let task = task_text(files);
    let opts = ContextOptions {
        budget,
        ..ContextOptions::default()
    };
    let context = build_context(&index, Some(&task), &opts, &RankOptions::default());
    Ok(context.render())
}

/// The change as a "task" for the ranker: the paths, then the added lines.
fn task_text(files: &[&ChangedFile]) -> String {
    let mut task = String::from("review a change to ");
    task.push_str(
        &files
            .iter()
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    task.push('\n');
    'outer: for f in files {
        for (_, line) in f.added() {
            if task.len() + line.len() + 1 > MAX_TASK_BYTES {
                break 'outer;
            }
            task.push_str(line.trim());
            task.push('\n');
        }
    }
    task
}

/// The context as a prompt part: said to be for reference only.
pub(crate) fn part_text(context: &str) -> String {
    format!(
        "Context from the rest of the repository, for reference only (review the diff, not \
         this):\n\n{context}\n"
    )
}

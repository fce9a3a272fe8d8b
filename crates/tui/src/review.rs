//! The diff review after a run: each changed file accepted or rejected,
//! then the accepted ones committed and the rejected ones put back.

use distiq_core::FileAction;

/// One file a task changed, as the review shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFile {
    /// Relative to the repository root.
    pub path: String,
    /// Created, modified or deleted.
    pub action: FileAction,
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
    /// The unified diff, `a/` `b/` headers.
    pub diff: String,
}

/// What a key did in the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still reviewing.
    Open,
    /// Finish: keep these paths, put back the others.
    Finish(Vec<String>),
}

/// The review in progress.
#[derive(Debug, Clone)]
pub struct Review {
    /// The plan's summary, for the title.
    pub summary: String,
    /// Each file and whether it is accepted.
    pub files: Vec<(ReviewFile, bool)>,
    /// The file shown.
    pub selected: usize,
    /// Lines of its diff scrolled past.
    pub scroll: usize,
    /// Whether `Discard all changes? y/n` is asked.
    pub confirm_discard: bool,
    /// Why finishing the review was refused (a file changed since the
    /// task wrote it), shown in the footer until the next key: the
    /// transcript, which also has it, is under the review.
    pub refused: Option<String>,
}

impl Review {
    /// A review of `files`, all accepted to begin with (the task passed
    /// its checks).
    pub fn new(summary: String, files: Vec<ReviewFile>) -> Self {
        Self {
            summary,
            files: files.into_iter().map(|f| (f, true)).collect(),
            selected: 0,
            scroll: 0,
            confirm_discard: false,
            refused: None,
        }
    }

    /// The accepted paths, in file order.
    pub fn accepted(&self) -> Vec<String> {
        self.files
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(f, _)| f.path.clone())
            .collect()
    }

    /// The file shown, if any.
    pub fn current(&self) -> Option<&ReviewFile> {
        self.files.get(self.selected).map(|(f, _)| f)
    }

    /// Selects the previous file.
    pub fn up(&mut self) {
        self.select(self.selected.saturating_sub(1));
    }

    /// Selects the next file.
    pub fn down(&mut self) {
        self.select((self.selected + 1).min(self.files.len().saturating_sub(1)));
    }

    /// Scrolls the diff by `lines` (negative: up).
    pub fn scroll_by(&mut self, lines: isize) {
        let max = self
            .current()
            .map_or(0, |f| f.diff.lines().count().saturating_sub(1));
        self.scroll = self.scroll.saturating_add_signed(lines).min(max);
    }

    /// Sets the selected file's mark; `None` toggles it.
    pub fn mark(&mut self, accept: Option<bool>) {
        if let Some((_, ok)) = self.files.get_mut(self.selected) {
            *ok = accept.unwrap_or(!*ok);
        }
    }

    /// Marks every file.
    pub fn mark_all(&mut self, accept: bool) {
        for (_, ok) in &mut self.files {
            *ok = accept;
        }
    }

    /// Handles a plain key (a character, or `"enter"`, `"esc"`, `"up"`,
    /// `"down"`, `"pageup"`, `"pagedown"`).
    pub fn key(&mut self, key: &str) -> Outcome {
        self.refused = None;
        if self.confirm_discard {
            match key {
                "y" | "Y" => return Outcome::Finish(Vec::new()),
                _ => self.confirm_discard = false,
            }
            return Outcome::Open;
        }
        match key {
            "up" | "k" => self.up(),
            "down" | "j" => self.down(),
            "pageup" => self.scroll_by(-10),
            "pagedown" => self.scroll_by(10),
            " " => self.mark(None),
            "y" => self.mark(Some(true)),
            "n" => self.mark(Some(false)),
            "a" => self.mark_all(true),
            "r" => self.mark_all(false),
            "enter" => return Outcome::Finish(self.accepted()),
            "esc" => self.confirm_discard = true,
            _ => {}
        }
        Outcome::Open
    }

    fn select(&mut self, i: usize) {
        if i != self.selected {
            self.selected = i;
            self.scroll = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ReviewFile {
        ReviewFile {
            path: path.into(),
            action: FileAction::Modify,
            added: 1,
            removed: 1,
            diff: format!("--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"),
        }
    }

    fn review() -> Review {
        Review::new("s".into(), vec![file("a.rs"), file("b.rs"), file("c.rs")])
    }

    #[test]
    fn toggles_decide_the_accepted_list() {
        let mut r = review();
        assert_eq!(r.accepted(), ["a.rs", "b.rs", "c.rs"]);
        r.key("j");
        r.key(" ");
        assert_eq!(r.accepted(), ["a.rs", "c.rs"]);
        r.key("down");
        r.key("n");
        r.key("k");
        r.key("y");
        assert_eq!(r.accepted(), ["a.rs", "b.rs"]);
        r.key("r");
        assert!(r.accepted().is_empty());
        r.key("a");
        assert_eq!(
            r.key("enter"),
            Outcome::Finish(vec!["a.rs".into(), "b.rs".into(), "c.rs".into()])
        );
    }

    #[test]
    fn selection_stays_in_range() {
        let mut r = review();
        r.key("k");
        assert_eq!(r.selected, 0);
        for _ in 0..5 {
            r.key("j");
        }
        assert_eq!(r.selected, 2);
    }

    #[test]
    fn escape_discards_only_after_confirmation() {
        let mut r = review();
        assert_eq!(r.key("esc"), Outcome::Open);
        assert!(r.confirm_discard);
        assert_eq!(r.key("n"), Outcome::Open, "n answers the question");
        assert!(!r.confirm_discard);
        assert_eq!(r.accepted().len(), 3, "the answer was not a reject");
        r.key("esc");
        assert_eq!(r.key("y"), Outcome::Finish(Vec::new()));
    }
}

//! The local checks: free, offline, and run before any model sees the
//! change. They read only the lines the change adds (syntax reads the whole
//! new file), so a file's old problems do not block every later commit.

pub mod secrets;

use std::path::Path;

use distiq_config::ReviewSettings;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;

use crate::diff::{ChangedFile, Status};
use crate::report::{Check, Finding, Severity};
use crate::{Error, Result};

/// A configured pattern, compiled.
#[derive(Debug)]
struct Pattern {
    name: String,
    regex: Regex,
    unless: Option<Regex>,
    files: Option<GlobSet>,
    severity: Severity,
    message: String,
}

/// The local checks, compiled from the `[review]` settings once.
#[derive(Debug)]
pub struct LocalChecks {
    max_file_bytes: u64,
    patterns: Vec<Pattern>,
}

impl LocalChecks {
    /// Compiles the configured patterns; a bad expression or glob is an
    /// error naming the pattern.
    pub fn new(settings: &ReviewSettings) -> Result<Self> {
        let mut patterns = Vec::new();
        for (name, p) in &settings.patterns {
            let bad = |message: String| Error::BadPattern {
                name: name.clone(),
                message,
            };
            let regex = Regex::new(&p.regex).map_err(|e| bad(format!("regex: {e}")))?;
            let unless = p
                .unless
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(|e| bad(format!("unless: {e}")))?;
            let files = if p.files.is_empty() {
                None
            } else {
                let mut b = GlobSetBuilder::new();
                for g in &p.files {
                    // `*.rs` matches at any depth, as in .gitignore.
                    let glob = if g.contains('/') {
                        g.clone()
                    } else {
                        format!("**/{g}")
                    };
                    b.add(Glob::new(&glob).map_err(|e| bad(format!("files: {e}")))?);
                }
                Some(b.build().map_err(|e| bad(format!("files: {e}")))?)
            };
            patterns.push(Pattern {
                name: name.clone(),
                regex,
                unless,
                files,
                severity: p.severity,
                message: p.message.clone(),
            });
        }
        Ok(Self {
            max_file_bytes: settings.max_file_bytes,
            patterns,
        })
    }

    /// Every local finding in `file`.
    pub fn check(&self, file: &ChangedFile) -> Vec<Finding> {
        let mut out = Vec::new();
        if file.size > self.max_file_bytes {
            // A file that was already too large is not news.
            if file.old_size.is_none_or(|old| old <= self.max_file_bytes) {
                out.push(
                    Finding::local(
                        &file.path,
                        None,
                        Severity::Error,
                        Check::LargeFile,
                        format!(
                            "{} is over the {} limit (review.max_file_bytes)",
                            human_size(file.size),
                            human_size(self.max_file_bytes)
                        ),
                    )
                    .fix("keep it out of git (Git LFS, a release asset) or raise review.max_file_bytes"),
                );
            }
            return out;
        }
        if file.binary {
            return out;
        }
        self.secrets(file, &mut out);
        let before = out.len();
        conflict_markers(file, &mut out);
        // Conflict markers break the parse; their syntax errors say nothing new.
        if out.len() == before {
            syntax(file, &mut out);
        }
        self.patterns(file, &mut out);
        out
    }

    fn secrets(&self, file: &ChangedFile, out: &mut Vec<Finding>) {
        for (line, text) in file.added() {
            for m in secrets::scan_line(text) {
                out.push(
                    Finding::local(
                        &file.path,
                        Some(line),
                        Severity::Error,
                        Check::Secret,
                        format!("possible {}: `{}` ({} characters)", m.kind, m.masked, m.len),
                    )
                    .rule(m.kind)
                    .column(m.column)
                    .fix(
                        "remove it and rotate it if it is real: read it from the environment or a \
                         secret store; a line marked `distiq:allow-secret` is not checked",
                    ),
                );
            }
        }
    }

    fn patterns(&self, file: &ChangedFile, out: &mut Vec<Finding>) {
        let path = Path::new(&file.path);
        for p in &self.patterns {
            if p.files.as_ref().is_some_and(|g| !g.is_match(path)) {
                continue;
            }
            for (line, text) in file.added() {
                let Some(m) = p.regex.find(text) else {
                    continue;
                };
                if p.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                    continue;
                }
                // A pattern anchored on leading blanks points at what follows them.
                let lead = m.as_str().len() - m.as_str().trim_start().len();
                let start = (m.start() + lead).min(m.end());
                let column = u32::try_from(text[..start].chars().count() + 1).unwrap_or(1);
                out.push(
                    Finding::local(
                        &file.path,
                        Some(line),
                        p.severity,
                        Check::Pattern,
                        p.message.clone(),
                    )
                    .rule(p.name.clone())
                    .column(column),
                );
            }
        }
    }
}

/// `<<<<<<<` and `>>>>>>>` lines (and a `=======` or `|||||||` between
/// them) added by the change.
fn conflict_markers(file: &ChangedFile, out: &mut Vec<Finding>) {
    let is = |text: &str, marker: &str| {
        text.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    };
    let added: Vec<(u32, &str)> = file.added().collect();
    let opens = added.iter().any(|(_, t)| is(t, "<<<<<<<"));
    for (line, text) in &added {
        let open_or_close = is(text, "<<<<<<<") || is(text, ">>>>>>>");
        let middle = opens && (is(text, "=======") || is(text, "|||||||"));
        if !open_or_close && !middle {
            continue;
        }
        let marker = &text[..7];
        out.push(
            Finding::local(
                &file.path,
                Some(*line),
                Severity::Error,
                Check::ConflictMarker,
                format!("merge conflict marker `{marker}` left in"),
            )
            .column(1)
            .fix("finish resolving the conflict"),
        );
    }
}

/// Where the new version does not parse. If the old version did not parse
/// either, only errors on lines the change added are reported.
fn syntax(file: &ChangedFile, out: &mut Vec<Finding>) {
    let Some(text) = file.text() else {
        return;
    };
    let path = Path::new(&file.path);
    let Some(errors) = distiq_analyzer::syntax::syntax_errors(path, text) else {
        return;
    };
    if errors.is_empty() {
        return;
    }
    let was_broken = file
        .old_text()
        .and_then(|old| distiq_analyzer::syntax::syntax_errors(path, old))
        .is_some_and(|e| !e.is_empty());
    let added: std::collections::BTreeSet<u32> = if was_broken && file.status != Status::Whole {
        file.added().map(|(n, _)| n).collect()
    } else {
        std::collections::BTreeSet::new()
    };
    for e in errors {
        if was_broken && file.status != Status::Whole && !added.contains(&e.line) {
            continue;
        }
        out.push(
            Finding::local(
                &file.path,
                Some(e.line),
                Severity::Error,
                Check::Syntax,
                format!("syntax error: {}", e.message),
            )
            .column(e.column),
        );
    }
}

fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{}.{} MiB", bytes / MIB, (bytes % MIB) * 10 / MIB)
    } else if bytes >= KIB {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Hunk, Line};

    fn added_file(path: &str, text: &str) -> ChangedFile {
        let lines = text
            .lines()
            .zip(1u32..)
            .map(|(t, n)| Line {
                origin: '+',
                new_lineno: Some(n),
                text: t.to_owned(),
            })
            .collect();
        ChangedFile {
            path: path.to_owned(),
            status: Status::Added,
            new: Some(text.as_bytes().to_vec()),
            old: None,
            size: text.len() as u64,
            old_size: None,
            binary: false,
            hunks: vec![Hunk {
                header: String::new(),
                lines,
            }],
        }
    }

    fn checks() -> LocalChecks {
        let config = distiq_config::ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/ada")])
            .cli_override("review.max_file_bytes", "100")
            .build()
            .unwrap();
        LocalChecks::new(&config.review).unwrap()
    }

    fn found(path: &str, text: &str) -> Vec<(Check, Option<u32>, Option<String>)> {
        checks()
            .check(&added_file(path, text))
            .into_iter()
            .map(|f| (f.check, f.line, f.rule))
            .collect()
    }

    #[test]
    fn default_patterns_fire_on_their_files_only() {
        assert_eq!(
            found("src/a.rs", concat!("fn f() { dbg", "!(1); }\n")),
            [(Check::Pattern, Some(1), Some("rust-dbg".into()))]
        );
        assert_eq!(found("notes.txt", concat!("dbg", "!(1)\n")), []);
        assert_eq!(
            found("web/app.js", "console.log(x);\n"),
            [(Check::Pattern, Some(1), Some("js-console-log".into()))]
        );
        assert_eq!(
            found("t.py", "x = 1\nprint(x)\n"),
            [(Check::Pattern, Some(2), Some("python-print".into()))]
        );
        assert_eq!(
            found(
                "a.txt",
                "TODO: later\nTODO(#12): tracked\nFIXME see PROJ-7\n"
            ),
            [(Check::Pattern, Some(1), Some("todo-without-issue".into()))]
        );
    }

    #[test]
    fn conflict_markers_and_large_files_are_errors() {
        let text = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> topic\n";
        let f = found("a.rs", text);
        assert_eq!(
            f.iter().map(|x| x.1).collect::<Vec<_>>(),
            [Some(2), Some(4), Some(6)]
        );
        assert!(f.iter().all(|x| x.0 == Check::ConflictMarker));
        // A Markdown underline alone is not a conflict.
        assert_eq!(found("README.md", "Title\n=======\n"), []);
        let big = "x".repeat(101);
        assert_eq!(found("big.txt", &big), [(Check::LargeFile, None, None)]);
    }

    #[test]
    fn a_syntax_error_is_found_and_an_old_one_only_where_lines_were_added() {
        assert_eq!(
            found("a.rs", "fn f() {\n  let x = ;\n}\n"),
            [(Check::Syntax, Some(2), None)]
        );
        let mut f = added_file(
            "a.rs",
            concat!("fn f() {\n  let x = ;\n}\nfn g() { dbg", "!(); }\n"),
        );
        f.status = Status::Modified;
        f.old = Some(b"fn f() {\n  let x = ;\n}\n".to_vec());
        f.hunks[0].lines.retain(|l| l.new_lineno == Some(4));
        let got: Vec<Check> = checks().check(&f).into_iter().map(|x| x.check).collect();
        assert_eq!(got, [Check::Pattern], "the old error is not reported again");
    }

    #[test]
    fn a_secret_is_reported_masked() {
        let key = format!("AKIA{}", "Q3EGT7WLRZ5MXN2B");
        let f = checks().check(&added_file("cfg.env", &format!("AWS={key}\n")));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check, Check::Secret);
        assert!(!f[0].message.contains(&key), "{}", f[0].message);
        assert!(f[0].message.contains("AKIA****"));
    }

    #[test]
    fn a_bad_pattern_names_itself() {
        let config = distiq_config::ConfigBuilder::new()
            .user_file(None)
            .env([("HOME", "/home/ada")])
            .cli_override("review.patterns.broken.regex", "(")
            .cli_override("review.patterns.broken.message", "x")
            .build()
            .unwrap();
        let err = LocalChecks::new(&config.review).unwrap_err().to_string();
        assert!(err.contains("review.patterns.broken"), "{err}");
    }
}

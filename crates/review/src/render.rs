//! The report for people: findings grouped by file, then what the model
//! review did and the verdict. Colour is the caller's choice (a terminal,
//! no `NO_COLOR`).

use std::fmt::Write as _;

use crate::report::{ModelStatus, Report, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const GREEN: &str = "\x1b[32m";

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
            Severity::Info => CYAN,
        };
        self.paint(code, &format!("{:<7}", s.as_str()))
    }
}

/// The report as text for a terminal, coloured when `color`.
pub fn human(report: &Report, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for f in &report.findings {
        if current != Some(f.file.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", st.paint(BOLD, &f.file));
            current = Some(&f.file);
        }
        let at = match (f.line, f.column) {
            (Some(l), Some(c)) => format!("{l}:{c}"),
            (Some(l), None) => l.to_string(),
            _ => "-".to_owned(),
        };
        let check = match &f.rule {
            Some(rule) if f.check == crate::report::Check::Pattern => rule.clone(),
            _ => f.check.as_str().to_owned(),
        };
        let _ = write!(
            out,
            "  {at:>7}  {}  {}  {}",
            st.severity(f.severity),
            st.paint(DIM, &format!("{check:<18}")),
            f.message
        );
        if let Some(by) = &f.confirmed_by {
            let _ = write!(out, " {}", st.paint(DIM, &format!("(confirmed by {by})")));
        }
        out.push('\n');
        if let Some(fix) = &f.suggested_fix {
            let _ = writeln!(out, "  {:>7}  {} {fix}", "", st.paint(GREEN, "fix:"));
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    let m = &report.model_review;
    let model_line = match m.status {
        ModelStatus::Ran => {
            let mut s = format!("model review: {}", m.reviewer.as_deref().unwrap_or("?"));
            if let Some(c) = &m.confirmer {
                let _ = write!(s, ", confirmed by {c}");
            }
            if m.batch {
                s.push_str(", batch API (half price)");
            }
            let _ = write!(s, "; {} call(s), {}", m.calls, m.cost);
            s
        }
        ModelStatus::Skipped => format!(
            "model review skipped: {}; local checks only",
            m.reason.as_deref().unwrap_or("not configured")
        ),
        ModelStatus::Failed => format!(
            "model review failed: {}; local checks only",
            m.reason.as_deref().unwrap_or("unknown error")
        ),
    };
    let _ = writeln!(out, "{}", st.paint(DIM, &model_line));
    if !report.dropped.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            st.paint(
                DIM,
                &format!(
                    "{} finding(s) of the first pass dropped on confirmation (see --json)",
                    report.dropped.len()
                )
            )
        );
    }
    for n in &report.notes {
        let _ = writeln!(out, "{}", st.paint(DIM, &format!("note: {n}")));
    }
    let files = report.files.len();
    let summary = if report.findings.is_empty() {
        st.paint(
            GREEN,
            &format!(
                "no findings in {files} file{}",
                if files == 1 { "" } else { "s" }
            ),
        )
    } else {
        let counts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .filter_map(|s| {
                let n = report.count(s);
                (n > 0).then(|| format!("{n} {s}"))
            })
            .collect();
        let verdict = if report.failed {
            st.paint(
                RED,
                &format!("review failed (review.fail_on = {})", report.fail_on),
            )
        } else {
            format!("below review.fail_on = {}", report.fail_on)
        };
        format!(
            "{} finding(s) ({}) in {files} file(s): {verdict}",
            report.findings.len(),
            counts.join(", ")
        )
    };
    let _ = writeln!(out, "{summary}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Check, Finding, ModelReview};

    fn report() -> Report {
        let f = |file: &str, line, severity, check, msg: &str| Finding {
            file: file.to_owned(),
            line,
            column: None,
            severity,
            check,
            rule: None,
            message: msg.to_owned(),
            suggested_fix: None,
            model: None,
            confirmed_by: None,
        };
        let mut r = Report {
            target: "staged".into(),
            files: vec!["a.rs".into(), "b.py".into()],
            findings: vec![
                f(
                    "b.py",
                    Some(3),
                    Severity::Warning,
                    Check::Model,
                    "off by one",
                ),
                f(
                    "a.rs",
                    Some(2),
                    Severity::Error,
                    Check::Syntax,
                    "syntax error: missing `;`",
                ),
                f("a.rs", None, Severity::Error, Check::LargeFile, "too big"),
            ],
            dropped: Vec::new(),
            model_review: ModelReview::skipped("no API key for provider `x`: set X_KEY"),
            fail_on: Severity::Error,
            failed: false,
            notes: vec!["a note".into()],
        };
        r.findings[0].suggested_fix = Some("use <=".into());
        r.findings[0].confirmed_by = Some("p:big".into());
        r.settle();
        r
    }

    #[test]
    fn findings_are_grouped_by_file_with_the_verdict_last() {
        let text = human(&report(), false);
        let a = text.find("a.rs\n").unwrap();
        let b = text.find("b.py\n").unwrap();
        assert!(a < b, "{text}");
        assert!(
            text.contains("      2  error    syntax              syntax error: missing `;`"),
            "{text}"
        );
        assert!(
            text.contains("off by one (confirmed by p:big)\n           fix: use <="),
            "{text}"
        );
        assert!(text.contains(
            "model review skipped: no API key for provider `x`: set X_KEY; local checks only"
        ));
        assert!(text.contains("note: a note"));
        assert!(text.trim_end().ends_with("3 finding(s) (2 error, 1 warning) in 2 file(s): review failed (review.fail_on = error)"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colour_is_only_added_when_asked() {
        let text = human(&report(), true);
        assert!(text.contains("\x1b[31merror  \x1b[0m"), "{text}");
    }
}

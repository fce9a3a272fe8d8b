use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::Check;

/// Parses every touched file that still exists with its language's
/// tree-sitter grammar. Files in languages the analyzer does not parse are
/// counted as skipped, not as passing silently.
pub fn check_syntax(root: &Path, touched: &[PathBuf]) -> Check {
    let started = Instant::now();
    let (mut parsed, mut skipped) = (0, 0);
    let mut output = String::new();
    for rel in touched {
        let Ok(source) = std::fs::read(root.join(rel)) else {
            continue;
        };
        let source = String::from_utf8_lossy(&source);
        match distiq_analyzer::syntax::syntax_errors(rel, &source) {
            None => skipped += 1,
            Some(errors) => {
                parsed += 1;
                for e in errors {
                    let _ = writeln!(
                        output,
                        "{}:{}:{}: {}",
                        rel.display(),
                        e.line,
                        e.column,
                        e.message
                    );
                }
            }
        }
    }
    let passed = output.is_empty();
    let mut summary = if passed {
        format!("{parsed} file{} parse", if parsed == 1 { "" } else { "s" })
    } else {
        format!(
            "syntax errors in {} place{}",
            output.lines().count(),
            if output.lines().count() == 1 { "" } else { "s" }
        )
    };
    if skipped > 0 {
        let _ = write!(
            summary,
            "; {skipped} in languages without a grammar, not checked"
        );
    }
    Check {
        name: "syntax".to_owned(),
        passed,
        summary,
        output,
        elapsed: started.elapsed(),
    }
}

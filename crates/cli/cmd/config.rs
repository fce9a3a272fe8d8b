//! `distiq config show|check`: the resolved configuration and its problems.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Subcommand;
use distiq_config::{Config, Diagnostic, Entry, Severity};

use crate::app::{self, GlobalArgs};

/// Where values come from, for `--help`.
const LAYERS_HELP: &str = "\
Layers, each overriding the one before:
  1. built-in defaults
  2. user file     $XDG_CONFIG_HOME/distiq/config.toml (~/.config/distiq/config.toml)
  3. repo file     .distiq.toml at the git root of --repo (default: the current directory)
  4. environment   DISTIQ_CHEAP_MODEL, DISTIQ_MID_MODEL, DISTIQ_TOP_MODEL (provider:model),
                   DISTIQ_BUDGET_PER_TASK, DISTIQ_BUDGET_PER_DAY (USD), DISTIQ_LEDGER_PATH
  5. flags         -c key=value, e.g. -c tiers.top.model=anthropic:claude-opus-4-5";

/// What to do with the configuration.
#[derive(Debug, Subcommand)]
#[command(after_help = LAYERS_HELP)]
pub enum ConfigCommand {
    /// Print every resolved value and the layer it came from: default, user
    /// file, repo file, environment variable or -c flag. API keys are never
    /// printed, only the names of the variables that hold them.
    #[command(after_help = LAYERS_HELP)]
    Show {
        /// Print JSON instead of annotated TOML lines.
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration: unknown providers and unpriced models,
    /// fallbacks that go to a cheaper model (errors), models at or near
    /// their retirement date and missing API keys (warnings). Exits 1 if
    /// there is any error.
    Check,
}

/// Runs `distiq config ...`.
pub fn run(global: &GlobalArgs, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Show { json } => app::ignore_broken_pipe(show(global, json)),
        ConfigCommand::Check => check(global),
    }
}

fn show(global: &GlobalArgs, json: bool) -> anyhow::Result<ExitCode> {
    // A config with unknown models still shows; `check` says what is wrong.
    let config = app::config_builder(global)?.build_unchecked()?;
    let env = app::process_env();
    let lookup = |var: &str| env.get(var).cloned();
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &show_json(&config, &lookup))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }

    writeln!(
        out,
        "# Resolved distiq configuration: each value and the layer it came from."
    )?;
    writeln!(
        out,
        "# Layers, lowest first: default < user file < repo file < env < -c flag."
    )?;
    for file in config.files() {
        let state = if file.loaded { "" } else { " (not found)" };
        writeln!(out, "# {}{state}", file.source)?;
    }
    let lines: Vec<(String, String)> = config
        .entries()
        .iter()
        .map(|e| (format!("{} = {}", e.key, value_text(e)), source_text(e)))
        .collect();
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(72);
    let mut section = String::new();
    for (line, source) in &lines {
        let head = line.split('.').next().unwrap_or_default();
        if head != section {
            writeln!(out)?;
            section = head.to_owned();
        }
        writeln!(out, "{line:width$}  # {source}")?;
    }

    writeln!(out)?;
    writeln!(
        out,
        "# API keys (variable names only; values are never printed):"
    )?;
    for (name, p) in &config.providers {
        let state = if p.is_local() {
            "none needed (local)".to_owned()
        } else if let Some(var) = p.key_var(lookup) {
            format!("{var} is set")
        } else if let Some(file) = &p.api_key_file {
            format!("from file {}", file.display())
        } else {
            format!("not set (looked for {})", p.api_key_env.join(", "))
        };
        writeln!(out, "#   {name}: {state}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn value_text(e: &Entry) -> String {
    e.value
        .as_ref()
        .map_or_else(|| "(unset)".to_owned(), ToString::to_string)
}

fn source_text(e: &Entry) -> String {
    match &e.note {
        Some(note) => format!("{} ({note})", e.source),
        None => e.source.to_string(),
    }
}

fn show_json(config: &Config, lookup: &dyn Fn(&str) -> Option<String>) -> serde_json::Value {
    use serde_json::json;

    let files: Vec<_> = config
        .files()
        .iter()
        .map(
            |f| json!({ "layer": f.source.layer(), "path": f.source.detail(), "loaded": f.loaded }),
        )
        .collect();
    let values: Vec<_> = config
        .entries()
        .iter()
        .map(|e| {
            json!({
                "key": e.key,
                "path": e.path,
                "value": e.value,
                "layer": e.source.layer(),
                "origin": e.source.detail(),
                "source": e.source.to_string(),
                "note": e.note,
            })
        })
        .collect();
    let keys: serde_json::Map<String, serde_json::Value> = config
        .providers
        .iter()
        .map(|(name, p)| {
            let entry = json!({
                "env": p.api_key_env,
                "set_by": p.key_var(lookup),
                "key_file": p.api_key_file.as_ref().map(|f| f.display().to_string()),
                "local": p.is_local(),
            });
            (name.clone(), entry)
        })
        .collect();
    json!({ "files": files, "values": values, "api_keys": keys })
}

fn check(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let mut diagnostics = match app::config_builder(global)?.build_unchecked() {
        Ok(config) => {
            let mut d = config.check(app::today());
            d.extend(key_warnings(&config));
            d
        }
        // A file that does not parse is a finding of `check`, not a crash.
        Err(e) => vec![Diagnostic::error(e.to_string())],
    };
    diagnostics.sort_by_key(|d| std::cmp::Reverse(d.severity));

    let mut err = std::io::stderr().lock();
    for d in &diagnostics {
        writeln!(err, "{d}")?;
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        writeln!(
            err,
            "config check failed: {} and {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )?;
        return Ok(ExitCode::from(1));
    }
    let mut out = std::io::stdout().lock();
    match warnings {
        0 => writeln!(out, "config ok")?,
        n => writeln!(out, "config ok, {}", plural(n, "warning"))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A warning for each provider in use whose key cannot be found.
fn key_warnings(config: &Config) -> Vec<Diagnostic> {
    let env = app::process_env();
    let mut out = Vec::new();
    for summary in config.model_summaries() {
        let used = !summary.tiers.is_empty() || !summary.stages.is_empty();
        let name = &summary.model.provider;
        let Some(provider) = config.providers.get(name) else {
            continue;
        };
        if !used || provider.is_local() || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        match provider.api_key(name, |v| env.get(v).cloned()) {
            Ok(Some(_)) => {}
            Ok(None) => {
                let vars = provider.api_key_env.join(" or ");
                let hint = match &provider.api_key_file {
                    Some(f) if vars.is_empty() => format!("put it in {}", f.display()),
                    Some(f) => format!("set {vars}, or put it in {}", f.display()),
                    None => format!("set {vars}"),
                };
                let msg = format!(
                    "provider `{name}` is in use (`{}`) but has no API key; {hint}",
                    summary.model
                );
                out.push((name.clone(), Diagnostic::warning(msg)));
            }
            Err(e) => out.push((name.clone(), Diagnostic::warning(e.to_string()))),
        }
    }
    out.into_iter().map(|(_, d)| d).collect()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

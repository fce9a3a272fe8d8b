//! Reading each layer into a `toml::Table` and deep-merging the layers while
//! recording which layer set every leaf.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::raw::RawConfig;
use crate::source::parse_key;
use crate::{Error, Result, Source};

/// A key as its segments: `["models", "openai:gpt-4.1", "input"]`.
pub(crate) type KeyPath = Vec<String>;

/// Where each leaf of the merged table came from.
pub(crate) type Provenance = BTreeMap<KeyPath, Source>;

/// A variable of the environment layer and the key it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvOverride {
    /// The variable's name.
    pub var: &'static str,
    /// The dotted config key it sets.
    pub key: &'static str,
}

/// Every variable the environment layer reads. An empty value counts as unset.
pub const ENV_OVERRIDES: &[EnvOverride] = &[
    EnvOverride {
        var: "DISTIQ_CHEAP_MODEL",
        key: "tiers.cheap.model",
    },
    EnvOverride {
        var: "DISTIQ_MID_MODEL",
        key: "tiers.mid.model",
    },
    EnvOverride {
        var: "DISTIQ_TOP_MODEL",
        key: "tiers.top.model",
    },
    EnvOverride {
        var: "DISTIQ_BUDGET_PER_TASK",
        key: "budget.per_task",
    },
    EnvOverride {
        var: "DISTIQ_BUDGET_PER_DAY",
        key: "budget.per_day",
    },
    EnvOverride {
        var: "DISTIQ_LEDGER_PATH",
        key: "ledger.path",
    },
];

/// The layers merged so far.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub table: toml::Table,
    pub sources: Provenance,
}

impl Merged {
    /// Lays `layer` over what is there: tables merge key by key, anything
    /// else (arrays included) replaces the lower value whole.
    pub fn apply(&mut self, layer: toml::Table, source: &Source) {
        merge_into(
            &mut self.table,
            layer,
            &mut Vec::new(),
            source,
            &mut self.sources,
        );
    }
}

fn merge_into(
    base: &mut toml::Table,
    over: toml::Table,
    prefix: &mut KeyPath,
    source: &Source,
    sources: &mut Provenance,
) {
    // A deprecation date belongs to the model beside it: a layer that swaps
    // the model without restating a date drops the lower layer's date.
    if over.contains_key("model")
        && !over.contains_key("deprecation")
        && base.remove("deprecation").is_some()
    {
        prefix.push("deprecation".to_owned());
        sources.remove(prefix.as_slice());
        prefix.pop();
    }
    for (key, value) in over {
        prefix.push(key.clone());
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(lower)), toml::Value::Table(upper)) => {
                merge_into(lower, upper, prefix, source, sources);
            }
            (_, value) => {
                sources.retain(|path, _| !path.starts_with(prefix));
                record_leaves(&value, prefix, source, sources);
                base.insert(key, value);
            }
        }
        prefix.pop();
    }
}

fn record_leaves(
    value: &toml::Value,
    path: &mut KeyPath,
    source: &Source,
    sources: &mut Provenance,
) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(k.clone());
                record_leaves(v, path, source, sources);
                path.pop();
            }
        }
        _ => {
            sources.insert(path.clone(), source.clone());
        }
    }
}

/// The built-in defaults, embedded so that they are data, not code.
pub(crate) const DEFAULTS: &str = include_str!("defaults.toml");

/// Reads and checks a config file. `Ok(None)` when it does not exist.
pub(crate) fn read_file(path: &Path) -> Result<Option<toml::Table>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_text(path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses one file's text, checking it against the schema on its own so that
/// an error carries that file's line, column and key.
pub(crate) fn parse_text(path: &Path, text: &str) -> Result<toml::Table> {
    toml::from_str::<RawConfig>(text).map_err(|e| parse_error(path, text, &e))?;
    toml::from_str::<toml::Table>(text).map_err(|e| parse_error(path, text, &e))
}

fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let pos = err.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, pos);
    Error::Parse {
        path: path.to_path_buf(),
        line,
        column,
        key: err.span().and_then(|_| key_at(text, pos)),
        message: err.message().trim().to_owned(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = text.get(..pos).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// The dotted key whose key or value covers byte offset `pos`, deepest first.
fn key_at(text: &str, pos: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find_key(doc.get_ref(), pos, &mut path).then(|| crate::source::dotted(&path))
}

fn find_key(table: &DeTable<'_>, pos: usize, path: &mut KeyPath) -> bool {
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        if let DeValue::Table(inner) = value.get_ref()
            && find_key(inner, pos, path)
        {
            return true;
        }
        if key.span().contains(&pos) || value.span().contains(&pos) {
            return true;
        }
        path.pop();
    }
    false
}

/// The environment layer: one small table per variable that is set, each
/// checked on its own so that an error names the variable.
pub(crate) fn env_layers(env: &BTreeMap<String, String>) -> Result<Vec<(toml::Table, Source)>> {
    let mut layers = Vec::new();
    for o in ENV_OVERRIDES {
        let Some(value) = env.get(o.var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let source = Source::Env(o.var.to_owned());
        let path: Vec<String> = o.key.split('.').map(str::to_owned).collect();
        let table = nest(&path, toml::Value::String(value.trim().to_owned()));
        check_override(&table, o.key, &source)?;
        layers.push((table, source));
    }
    Ok(layers)
}

/// A `-c key=value` flag, split but not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct Flag {
    pub key: String,
    pub value: String,
}

impl Flag {
    /// Splits `key=value` at the first `=`.
    pub fn parse(arg: &str) -> Result<Flag> {
        let bad = |message: &str| Error::BadFlag {
            arg: arg.to_owned(),
            message: message.to_owned(),
        };
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok(Flag {
                key: k.trim().to_owned(),
                value: v.trim().to_owned(),
            }),
            Some(_) => Err(bad("the key before `=` is empty")),
            None => Err(bad("there is no `=` between key and value")),
        }
    }

    /// The layer this flag adds. The value is read as a TOML value
    /// (`0.5`, `[16384, 32768]`, `2026-02-19`) or, failing that, a string.
    pub fn layer(&self) -> Result<(toml::Table, Source)> {
        let path = parse_key(&self.key).ok_or_else(|| Error::BadFlag {
            arg: format!("{}={}", self.key, self.value),
            message: format!("`{}` is not a config key", self.key),
        })?;
        let source = Source::Cli(format!("-c {}", self.key));
        let table = nest(&path, parse_value(&self.value));
        check_override(&table, &self.key, &source)?;
        Ok((table, source))
    }
}

fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .filter(|t| t.len() == 1)
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

fn nest(path: &[String], leaf: toml::Value) -> toml::Table {
    let mut value = leaf;
    for key in path.iter().rev() {
        let mut t = toml::Table::new();
        t.insert(key.clone(), value);
        value = toml::Value::Table(t);
    }
    match value {
        toml::Value::Table(t) => t,
        _ => toml::Table::new(),
    }
}

fn check_override(table: &toml::Table, key: &str, source: &Source) -> Result<()> {
    table
        .clone()
        .try_into::<RawConfig>()
        .map(drop)
        .map_err(|e| Error::Override {
            origin: source.clone(),
            key: key.to_owned(),
            message: e.message().trim().to_owned(),
        })
}

/// The user's config file: `$XDG_CONFIG_HOME/distiq/config.toml`, else
/// `$HOME/.config/distiq/config.toml` (`%APPDATA%\distiq\config.toml` on
/// Windows when neither is set), read from the given environment.
pub fn user_config_path(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        return Some(dir.join("distiq/config.toml"));
    }
    if let Some(home) = var("HOME") {
        return Some(home.join(".config/distiq/config.toml"));
    }
    var("APPDATA").map(|dir| dir.join("distiq").join("config.toml"))
}

/// The repository root above `start`: the nearest directory, `start`
/// included, that holds `.git`. `None` outside a repository.
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nb = \"é\" x\n";
        let pos = text.find('x').unwrap();
        assert_eq!(line_col(text, pos), (2, 9));
        assert_eq!(line_col(text, 0), (1, 1));
    }

    #[test]
    fn flag_values_are_toml_or_else_strings() {
        assert_eq!(parse_value("0.5"), toml::Value::Float(0.5));
        assert_eq!(parse_value("[1, 2]").as_array().map(Vec::len), Some(2));
        assert_eq!(
            parse_value("anthropic:x"),
            toml::Value::String("anthropic:x".into())
        );
        assert_eq!(
            parse_value("1\nw = 2"),
            toml::Value::String("1\nw = 2".into())
        );
    }
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::layer::{self, Flag, Merged};
use crate::raw::RawConfig;
use crate::resolve::{Inputs, resolve};
use crate::{Config, Error, FileLayer, Result, Source};

/// The name of the repository's config file, read at the git root.
pub const REPO_FILE_NAME: &str = ".distiq.toml";

/// Resolves a [`Config`] from its layers.
///
/// Nothing is read from the process: the environment comes in through
/// [`ConfigBuilder::env`], and it also locates the user file (from
/// `XDG_CONFIG_HOME` or `HOME`) and the default ledger (from `XDG_DATA_HOME`
/// or `HOME`) unless they are given.
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    user_file: Option<Option<PathBuf>>,
    repo_root: Option<PathBuf>,
    env: BTreeMap<String, String>,
    flags: Vec<FlagArg>,
}

#[derive(Debug, Clone)]
enum FlagArg {
    Split { key: String, value: String },
    Whole(String),
}

impl ConfigBuilder {
    /// A builder with only the built-in defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The user's config file. `Some(path)` reads that file if it exists;
    /// `None` reads no user file. Not called: the file is found from the
    /// environment (see [`crate::user_config_path`]).
    pub fn user_file(mut self, path: Option<PathBuf>) -> Self {
        self.user_file = Some(path);
        self
    }

    /// The repository root whose `.distiq.toml` is read; `None` reads none.
    /// Find the root with [`crate::find_repo_root`].
    pub fn repo_root(mut self, root: Option<PathBuf>) -> Self {
        self.repo_root = root;
        self
    }

    /// The environment: the `DISTIQ_*` overrides ([`crate::ENV_OVERRIDES`])
    /// and the variables that locate files (`HOME`, `XDG_CONFIG_HOME`,
    /// `XDG_DATA_HOME`). Adds to what earlier calls gave.
    pub fn env<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// A command-line override: `key` is a dotted key
    /// (`models."openai:gpt-4.1".input`), `value` a TOML value or, if it does
    /// not parse as one, a string. Later overrides win.
    pub fn cli_override(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.flags.push(FlagArg::Split {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// A `-c key=value` argument as typed; checked when the config is built.
    pub fn cli_arg(mut self, arg: impl Into<String>) -> Self {
        self.flags.push(FlagArg::Whole(arg.into()));
        self
    }

    /// Resolves the layers and validates the result: unknown providers or
    /// unpriced models, fallbacks that go down. The first problem is the
    /// error; [`Config::check`] lists them all.
    pub fn build(self) -> Result<Config> {
        let config = self.build_unchecked()?;
        config.validate()?;
        Ok(config)
    }

    /// Resolves the layers without validating how models are used, for
    /// `distiq config check` and `config show`, which report on a broken
    /// configuration rather than refuse it. Syntax, unknown keys, wrong types
    /// and missing values are still errors.
    pub fn build_unchecked(self) -> Result<Config> {
        let mut merged = Merged::default();
        merged.apply(
            layer::parse_text(Path::new("<built-in defaults>"), layer::DEFAULTS)?,
            &Source::Default,
        );

        let mut files = Vec::new();
        let user_file = match self.user_file {
            Some(explicit) => explicit,
            None => layer::user_config_path(&self.env),
        };
        let candidates = [
            user_file.map(Source::UserFile),
            self.repo_root
                .map(|root| Source::RepoFile(root.join(REPO_FILE_NAME))),
        ];
        for source in candidates.into_iter().flatten() {
            let Some(path) = source.file() else { continue };
            let table = layer::read_file(path)?;
            files.push(FileLayer {
                source: source.clone(),
                loaded: table.is_some(),
            });
            if let Some(table) = table {
                merged.apply(table, &source);
            }
        }

        for (table, source) in layer::env_layers(&self.env)? {
            merged.apply(table, &source);
        }
        for flag in self.flags {
            let flag = match flag {
                FlagArg::Split { key, value } => Flag { key, value },
                FlagArg::Whole(arg) => Flag::parse(&arg)?,
            };
            let (table, source) = flag.layer()?;
            merged.apply(table, &source);
        }

        // Each layer passed the schema alone; the merge of valid layers is
        // valid, so this error is not expected in practice.
        let raw: RawConfig =
            merged
                .table
                .try_into()
                .map_err(|e: toml::de::Error| Error::Invalid {
                    key: "(merged config)".to_owned(),
                    origin: Source::Default,
                    message: e.message().trim().to_owned(),
                })?;
        resolve(Inputs {
            raw,
            sources: merged.sources,
            files,
            env: &self.env,
        })
    }
}

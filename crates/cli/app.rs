//! What every subcommand shares: the global flags, logging, the resolved
//! config and the mapping from errors to exit codes.
//!
//! Exit codes: 0 success; 1 failure (including `config check` finding
//! errors); 2 a usage or configuration error (clap uses 2 for bad flags too).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::ArgAction;
use distiq_config::{Config, ConfigBuilder};

/// Flags accepted before or after any subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Override a config value for this run, as in a config file:
    /// `-c tiers.top.model=anthropic:claude-opus-4-5`, `-c budget.per_task=0.5`.
    /// The value is read as TOML, or as a string if it is not TOML.
    /// Repeatable; later flags win.
    #[arg(short = 'c', long = "config", value_name = "KEY=VALUE", global = true, action = ArgAction::Append)]
    pub config_overrides: Vec<String>,

    /// The repository to work in (default: the current directory). Its
    /// `.distiq.toml`, at the git root, is read.
    #[arg(long, value_name = "DIR", global = true)]
    pub repo: Option<PathBuf>,

    /// Log more to stderr: -v info, -vv debug, -vvv trace. Without -v,
    /// RUST_LOG decides (default: warnings only).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

/// Sends `tracing` output to stderr (never stdout, which carries results).
pub fn init_tracing(args: &GlobalArgs) {
    use tracing_subscriber::EnvFilter;

    let filter = match args.verbose {
        0 => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        1 => EnvFilter::new("info"),
        2 => EnvFilter::new("debug"),
        _ => EnvFilter::new("trace"),
    };
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    // A second initialisation (tests calling in twice) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogWriter)
        .with_ansi(color)
        .try_init();
}

/// Log lines held while a full-screen session owns the terminal (`None`:
/// they go straight to stderr).
static HELD_LOGS: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);

/// The most log output held; past it, lines are dropped.
const MAX_HELD_LOGS: usize = 1 << 20;

/// Writes log lines to stderr, or holds them (see [`hold_logs`]).
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut held) = HELD_LOGS.lock()
            && let Some(held) = held.as_mut()
        {
            if held.len() + buf.len() <= MAX_HELD_LOGS {
                held.extend_from_slice(buf);
            }
            return Ok(buf.len());
        }
        std::io::stderr().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Holds log lines from now on instead of writing them over a full-screen
/// session; [`release_logs`] gives them back.
pub fn hold_logs() {
    if let Ok(mut held) = HELD_LOGS.lock() {
        held.get_or_insert_with(Vec::new);
    }
}

/// Stops holding log lines and returns those held.
pub fn release_logs() -> Vec<u8> {
    HELD_LOGS
        .lock()
        .ok()
        .and_then(|mut held| held.take())
        .unwrap_or_default()
}

/// The exit code for an error that reached `main`: 2 for a configuration
/// error, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|e| e.downcast_ref::<distiq_config::Error>().is_some())
    {
        2
    } else {
        1
    }
}

/// The process environment as UTF-8 pairs; anything not UTF-8 is skipped
/// (no variable distiq reads may be other than UTF-8).
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// The directory the user asked to work in: `--repo`, else the current one.
pub fn work_dir(args: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &args.repo {
        Some(dir) => {
            anyhow::ensure!(dir.is_dir(), "--repo {}: no such directory", dir.display());
            std::path::absolute(dir).with_context(|| format!("--repo {}", dir.display()))
        }
        None => std::env::current_dir().context("cannot determine the current directory"),
    }
}

/// The repository root: the nearest directory holding `.git` above the work
/// directory, or the work directory itself outside a repository.
pub fn repo_root(args: &GlobalArgs) -> anyhow::Result<PathBuf> {
    let dir = work_dir(args)?;
    Ok(distiq_config::find_repo_root(&dir).unwrap_or(dir))
}

/// A builder with every layer the command line implies: the process
/// environment, the repository's `.distiq.toml` and the `-c` flags.
pub fn config_builder(args: &GlobalArgs) -> anyhow::Result<ConfigBuilder> {
    let builder = ConfigBuilder::new()
        .env(process_env())
        .repo_root(Some(repo_root(args)?));
    Ok(args
        .config_overrides
        .iter()
        .fold(builder, |b, arg| b.cli_arg(arg.as_str())))
}

/// The validated configuration for this run. Commands that need models,
/// prices or paths start here.
pub fn load_config(args: &GlobalArgs) -> anyhow::Result<Config> {
    Ok(config_builder(args)?.build()?)
}

/// Output cut short by a closed pipe (`distiq models | head`) is not a
/// failure: the reader has what it wanted.
pub fn ignore_broken_pipe(result: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    use std::io::ErrorKind::BrokenPipe;
    match result {
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .and_then(serde_json::Error::io_error_kind)
                        == Some(BrokenPipe)
            }) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}

/// Today's date in the local time zone, for deprecation checks.
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

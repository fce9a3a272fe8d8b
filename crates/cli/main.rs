//! The `distiq` binary: thin glue from the command line to the library crates.
//!
//! Each subcommand lives in `cmd/`; `app.rs` resolves the config and the
//! paths every subcommand shares. Errors become exit codes here and only here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod app;
mod cmd;
mod render;

/// distiq: a cost-aware coding agent. Cheap hands, an expensive brain.
#[derive(Debug, Parser)]
#[command(name = "distiq", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: app::GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Carry out a task: route, cache, plan, execute, validate, commit.
    Run(cmd::run::RunArgs),
    /// Plan a task without carrying it out; show what executing it would cost.
    Plan(cmd::plan::PlanArgs),
    /// Answer a question about the repository without editing it.
    Ask(cmd::ask::AskArgs),
    /// A terminal session: tasks, live stages, streamed output, a diff
    /// review per file before each commit, and the session's cost.
    Tui(cmd::tui::TuiArgs),
    /// The repository's semantic cache: stats, list, clear; eval and tune
    /// the lookup rule on labelled pairs.
    #[command(subcommand)]
    Cache(cmd::cache::CacheCommand),
    /// Show or check the resolved configuration.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Show the repository map and, with --for, the code chosen for a task.
    Map(cmd::map::MapArgs),
    /// List the configured models: tiers, prices and deprecation dates.
    Models(cmd::models::ModelsArgs),
    /// Decide a task's kind, complexity and the tier of each stage, locally;
    /// `route eval` measures the router on labelled prompts.
    Route(cmd::route::RouteArgs),
    /// Report what model calls cost, per stage, model and day.
    Stats(cmd::stats::StatsArgs),
    /// Revert distiq's last commit, after finishing or rolling back a write
    /// a crash interrupted. Refuses unless HEAD is distiq's and the tree is clean.
    Undo(cmd::undo::UndoArgs),
    /// Review a change before it is committed: local checks, the cheap
    /// tier, and a stronger tier to confirm what it flags.
    Review(cmd::review::ReviewArgs),
    /// Install or remove the pre-commit hook that runs `distiq review --staged`.
    #[command(subcommand)]
    Hook(cmd::hook::HookCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    app::init_tracing(&cli.global);
    let result = match cli.command {
        Command::Run(a) => cmd::run::run(&cli.global, a),
        Command::Plan(a) => cmd::plan::run(&cli.global, a),
        Command::Ask(a) => cmd::ask::run(&cli.global, a),
        Command::Tui(a) => cmd::tui::run(&cli.global, a),
        Command::Cache(c) => cmd::cache::run(&cli.global, c),
        Command::Config(c) => cmd::config::run(&cli.global, c),
        Command::Map(a) => cmd::map::run(&cli.global, a),
        Command::Models(a) => cmd::models::run(&cli.global, a),
        Command::Route(a) => cmd::route::run(&cli.global, a),
        Command::Stats(a) => cmd::stats::run(&cli.global, a),
        Command::Undo(a) => cmd::undo::run(&cli.global, a),
        Command::Review(a) => cmd::review::run(&cli.global, a),
        Command::Hook(c) => cmd::hook::run(&cli.global, &c),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // The one place distiq talks to the user about a failure.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(app::exit_code(&err))
        }
    }
}

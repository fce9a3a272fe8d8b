//! Slash commands typed in the input box.

use distiq_core::Tier;

/// A slash command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/undo`: revert distiq's last commit.
    Undo,
    /// `/plan <task>`: plan only, with an estimate.
    Plan(String),
    /// `/ask <question>`: an answer, no edits.
    Ask(String),
    /// `/stats`: the stats view.
    Stats,
    /// `/model`: show the route; `/model top|mid|cheap` forces the next
    /// task's tier, `/model auto` clears it.
    Model(Option<ModelChoice>),
    /// `/clear`: empty the transcript.
    Clear,
    /// `/help`: the key bindings.
    Help,
    /// `/quit`.
    Quit,
}

/// What `/model <arg>` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// The router decides.
    Auto,
    /// Every stage of the next task on this tier.
    Tier(Tier),
}

/// The commands with what they do, for `/help`.
pub const HELP: &[(&str, &str)] = &[
    ("/plan <task>", "plan only, with its cost"),
    ("/ask <question>", "answer a question, no edits"),
    ("/undo", "revert distiq's last commit"),
    ("/stats", "costs, savings and cache hits"),
    (
        "/model [top|mid|cheap|auto]",
        "route; force next task's tier",
    ),
    ("/clear · /help · /quit", "clear · keys (?) · leave"),
];

/// Reads `text` as a command: `None` when it is not one (a task), else the
/// command or the message saying what is wrong with it.
pub fn parse(text: &str) -> Option<Result<Command, String>> {
    let text = text.trim();
    let rest = text.strip_prefix('/')?;
    let (name, arg) = match rest.split_once(char::is_whitespace) {
        Some((name, arg)) => (name, arg.trim()),
        None => (rest, ""),
    };
    // `/` followed by a path (`/etc/hosts is wrong`) is a task, not a command.
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let needs = |what: &str, arg: &str| {
        if arg.is_empty() {
            Err(format!("/{name} needs a {what}: /{name} <{what}>"))
        } else {
            Ok(arg.to_owned())
        }
    };
    Some(match name {
        "undo" => Ok(Command::Undo),
        "plan" => needs("task", arg).map(Command::Plan),
        "ask" => needs("question", arg).map(Command::Ask),
        "stats" => Ok(Command::Stats),
        "clear" => Ok(Command::Clear),
        "help" => Ok(Command::Help),
        "quit" | "exit" => Ok(Command::Quit),
        "model" => match arg {
            "" => Ok(Command::Model(None)),
            "auto" => Ok(Command::Model(Some(ModelChoice::Auto))),
            other => other
                .parse::<Tier>()
                .map(|t| Command::Model(Some(ModelChoice::Tier(t))))
                .map_err(|_| format!("/model takes top, mid, cheap or auto, not `{other}`")),
        },
        other => Err(format!("unknown command /{other} (try /help)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("fix the bug"), None);
        assert_eq!(parse("/undo"), Some(Ok(Command::Undo)));
        assert_eq!(
            parse("  /plan add a flag  "),
            Some(Ok(Command::Plan("add a flag".into())))
        );
        assert_eq!(
            parse("/ask what is\nthis"),
            Some(Ok(Command::Ask("what is\nthis".into())))
        );
        assert_eq!(
            parse("/model top"),
            Some(Ok(Command::Model(Some(ModelChoice::Tier(Tier::Top)))))
        );
        assert_eq!(
            parse("/model auto"),
            Some(Ok(Command::Model(Some(ModelChoice::Auto))))
        );
        assert_eq!(parse("/model"), Some(Ok(Command::Model(None))));
    }

    #[test]
    fn bad_commands_say_what_to_do() {
        assert_eq!(
            parse("/foo"),
            Some(Err("unknown command /foo (try /help)".into()))
        );
        assert_eq!(
            parse("/plan"),
            Some(Err("/plan needs a task: /plan <task>".into()))
        );
        assert!(parse("/model huge").is_some_and(|r| r.is_err()));
        assert_eq!(parse("/etc/hosts has a typo"), None);
    }
}

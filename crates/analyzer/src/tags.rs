//! Tags: the definitions and references of one file, from its syntax tree.
//!
//! Definitions come from each language's compact query (`queries/*.scm`).
//! References are every identifier the file uses that is not the name of one
//! of its own definitions: broader than the call-site captures of the
//! grammars' tags queries, so a type used in a signature, a field read or a
//! name inside a macro links files as well as a call does.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use streaming_iterator::StreamingIterator as _;
use tree_sitter::{Node, ParseOptions, Parser, QueryCursor, Tree};

use crate::error::Result;
use crate::lang::Lang;

/// Bumped whenever extraction changes what it produces, so old caches are
/// ignored (it is part of the cache fingerprint).
pub(crate) const EXTRACTOR_VERSION: u32 = 2;

/// The longest signature kept, in characters.
const MAX_SIGNATURE: usize = 200;

/// What kind of thing a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DefKind {
    /// A free function.
    Function,
    /// A function inside a type, trait, class or impl.
    Method,
    /// A struct, class, enum, union or type alias.
    Type,
    /// A trait, interface or concept.
    Trait,
    /// A constant, static or module-level variable.
    Constant,
    /// A module or namespace.
    Module,
    /// A macro.
    Macro,
    /// A Rust `impl` block, named after its type: a scope, not a definition
    /// of that name.
    Impl,
}

impl DefKind {
    /// A lower-case name (`function`, `method`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DefKind::Function => "function",
            DefKind::Method => "method",
            DefKind::Type => "type",
            DefKind::Trait => "trait",
            DefKind::Constant => "constant",
            DefKind::Module => "module",
            DefKind::Macro => "macro",
            DefKind::Impl => "impl",
        }
    }

    fn from_capture(suffix: &str) -> Option<DefKind> {
        Some(match suffix {
            "function" => DefKind::Function,
            "method" => DefKind::Method,
            "type" => DefKind::Type,
            "trait" => DefKind::Trait,
            "constant" => DefKind::Constant,
            "module" => DefKind::Module,
            "macro" => DefKind::Macro,
            "impl" => DefKind::Impl,
            _ => return None,
        })
    }

    /// When two patterns capture the same node, the more specific kind wins
    /// (a Go interface is a type spec too; a JS arrow function is a const).
    fn specificity(self) -> u8 {
        match self {
            DefKind::Trait => 7,
            DefKind::Method => 6,
            DefKind::Function => 5,
            DefKind::Type => 4,
            DefKind::Macro => 3,
            DefKind::Constant => 2,
            DefKind::Module => 1,
            DefKind::Impl => 0,
        }
    }

    /// Whether the name is defined here (an `impl` block only extends it).
    pub fn defines_name(self) -> bool {
        self != DefKind::Impl
    }

    /// Whether this kind holds other definitions.
    pub fn is_container(self) -> bool {
        matches!(
            self,
            DefKind::Type | DefKind::Trait | DefKind::Impl | DefKind::Module
        )
    }
}

/// One definition in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Def {
    /// The defined name, without generics or path (`Deserializer`, `new`).
    pub name: String,
    /// What it is.
    pub kind: DefKind,
    /// First line (1-based), including the doc comments and attributes or
    /// decorators directly above it.
    pub start_line: u32,
    /// The line its name is on (1-based).
    pub line: u32,
    /// Last line (1-based, inclusive).
    pub end_line: u32,
    /// Its head on one line: `pub fn new(read: R) -> Self`.
    pub signature: String,
    /// The index (in the same file's list) of the innermost definition that
    /// contains this one.
    pub parent: Option<u32>,
    /// A function declared without a body: a prototype, a trait or interface
    /// method's signature, an `extern` item. The code lives elsewhere.
    pub decl: bool,
}

/// The tags of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTags {
    /// Definitions, in source order (a container before what it contains).
    pub defs: Vec<Def>,
    /// Identifiers used, with how often, sorted by name.
    pub refs: Vec<(String, u32)>,
    /// Whether the syntax tree has errors (what parsed is still tagged).
    pub has_errors: bool,
    /// Whether parsing was abandoned at the deadline (no tags then).
    pub timed_out: bool,
}

/// Parses `text` as `lang` and extracts its tags. Syntax errors still give
/// the tags of what parsed; a parse that passes `deadline` gives none.
pub(crate) fn extract(lang: Lang, text: &str, deadline: Duration) -> Result<FileTags> {
    let query = lang.query()?;
    let Some(tree) = parse(lang, text, deadline)? else {
        return Ok(FileTags {
            timed_out: true,
            ..FileTags::default()
        });
    };
    let root = tree.root_node();
    let bytes = text.as_bytes();

    // Definitions, keyed by the node they span; the most specific kind wins.
    let def_cap: Vec<Option<DefKind>> = query
        .capture_names()
        .iter()
        .map(|n| n.strip_prefix("def.").and_then(DefKind::from_capture))
        .collect();
    let name_cap = query.capture_index_for_name("name");
    let mut found: HashMap<(usize, usize), (DefKind, Node<'_>, Node<'_>)> = HashMap::new();
    let mut name_starts: Vec<usize> = Vec::new();
    let mut cursor = QueryCursor::new();
    cursor.set_match_limit(1024);
    let mut matches = cursor.matches(query, root, bytes);
    while let Some(m) = matches.next() {
        let mut def = None;
        let mut name = None;
        for c in m.captures {
            if Some(c.index) == name_cap {
                name = Some(c.node);
            } else if let Some(Some(kind)) = def_cap.get(c.index as usize) {
                def = Some((*kind, c.node));
            }
        }
        let (Some((kind, node)), Some(name)) = (def, name) else {
            continue;
        };
        let Some(node) = widen(lang, node) else {
            continue;
        };
        name_starts.push(name.start_byte());
        let key = (node.start_byte(), node.end_byte());
        match found.get(&key) {
            Some((k, _, _)) if k.specificity() >= kind.specificity() => {}
            _ => {
                found.insert(key, (kind, node, name));
            }
        }
    }

    let mut raw: Vec<(usize, usize, DefKind, Node<'_>, Node<'_>)> = found
        .into_iter()
        .map(|((s, e), (k, n, name))| (s, e, k, n, name))
        .collect();
    // Containers before their contents: by start, then the longest first.
    raw.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));

    let mut defs: Vec<Def> = Vec::with_capacity(raw.len());
    let mut stack: Vec<(usize, u32)> = Vec::new(); // (end byte, index)
    for (start, end, kind, node, name_node) in raw {
        let Some(name) = clean_name(&text[name_node.byte_range()]) else {
            continue;
        };
        while stack.last().is_some_and(|&(e, _)| e < end || e <= start) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, i)| i);
        let kind = match (kind, parent) {
            (DefKind::Function, Some(p))
                if defs.get(p as usize).is_some_and(|d| {
                    matches!(d.kind, DefKind::Type | DefKind::Trait | DefKind::Impl)
                }) =>
            {
                DefKind::Method
            }
            _ => kind,
        };
        let index = u32::try_from(defs.len()).unwrap_or(u32::MAX);
        defs.push(Def {
            name,
            kind,
            start_line: line_of(leading_docs_start(node)),
            line: line_of(name_node),
            end_line: end_line(node),
            signature: signature(node, text),
            parent,
            decl: matches!(kind, DefKind::Function | DefKind::Method)
                && body_start(unwrap_decorated(node)).is_none(),
        });
        stack.push((end, index));
    }

    name_starts.sort_unstable();
    let refs = references(lang, root, text, &name_starts);
    Ok(FileTags {
        defs,
        refs,
        has_errors: root.has_error(),
        timed_out: false,
    })
}

/// The last line a node covers (1-based); a node ending with its newline
/// (a `#define`) ends on the line before.
fn end_line(node: Node<'_>) -> u32 {
    let end = node.end_position();
    let row = if end.column == 0 && end.row > node.start_position().row {
        end.row - 1
    } else {
        end.row
    };
    u32::try_from(row).unwrap_or(u32::MAX - 1) + 1
}

fn line_of(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row).unwrap_or(u32::MAX - 1) + 1
}

fn parse(lang: Lang, text: &str, deadline: Duration) -> Result<Option<Tree>> {
    thread_local! {
        static PARSERS: std::cell::RefCell<HashMap<Lang, Parser>> = std::cell::RefCell::new(HashMap::new());
    }
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = match parsers.entry(lang) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut p = Parser::new();
                p.set_language(&lang.grammar())
                    .map_err(|e| crate::Error::Grammar {
                        language: lang.name(),
                        message: e.to_string(),
                    })?;
                v.insert(p)
            }
        };
        let bytes = text.as_bytes();
        let len = bytes.len();
        let stop_at = Instant::now() + deadline;
        let mut progress = |_: &tree_sitter::ParseState| {
            if Instant::now() > stop_at {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let tree = parser.parse_with_options(
            &mut |i, _| if i < len { &bytes[i..] } else { &[] },
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        if tree.is_none() {
            // A cancelled parse leaves state behind; start clean next time.
            parser.reset();
        }
        Ok(tree)
    })
}

/// The node a definition really spans. C and C++ queries capture a
/// function's declarator: climb to the definition or prototype holding it,
/// or give up (a function pointer parameter is no definition). Wrappers that
/// belong to the definition (`export`, decorators, `template<...>`) are
/// included.
fn widen(lang: Lang, node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    if node.kind() == "function_declarator" {
        let mut up = node.parent()?;
        while matches!(
            up.kind(),
            "pointer_declarator"
                | "reference_declarator"
                | "parenthesized_declarator"
                | "attributed_declarator"
        ) {
            up = up.parent()?;
        }
        match up.kind() {
            "function_definition" | "declaration" | "field_declaration" => node = up,
            _ => return None,
        }
        // A prototype inside a function body is a local declaration.
        if up.kind() == "declaration"
            && up
                .parent()
                .is_some_and(|p| p.kind() == "compound_statement")
        {
            return None;
        }
    }
    let _ = lang;
    while let Some(p) = node.parent() {
        match p.kind() {
            "export_statement" | "decorated_definition" | "template_declaration" => node = p,
            _ => break,
        }
    }
    Some(node)
}

/// Where the doc comments and attributes directly above `node` begin.
fn leading_docs_start(node: Node<'_>) -> Node<'_> {
    let mut first = node;
    let mut prev = node.prev_sibling();
    while let Some(p) = prev {
        let kind = p.kind();
        let is_doc = kind.contains("comment") || kind == "attribute_item" || kind == "decorator";
        // Only what touches: a blank line ends the run.
        if !is_doc || p.end_position().row + 1 < first.start_position().row {
            break;
        }
        first = p;
        prev = p.prev_sibling();
    }
    first
}

/// The definition inside a decorated one.
fn unwrap_decorated(node: Node<'_>) -> Node<'_> {
    if node.kind() == "decorated_definition" {
        node.child_by_field_name("definition").unwrap_or(node)
    } else {
        node
    }
}

/// The definition's head on one line, without its body.
fn signature(node: Node<'_>, text: &str) -> String {
    let inner = unwrap_decorated(node);
    let start = inner.start_byte();
    let end = body_start(inner).unwrap_or_else(|| {
        // No body: the first line.
        let rest = &text[start..inner.end_byte()];
        start + rest.find('\n').unwrap_or(rest.len())
    });
    let head = text.get(start..end).unwrap_or_default();
    let mut out = String::with_capacity(head.len().min(MAX_SIGNATURE + 4));
    for word in head.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > MAX_SIGNATURE {
            break;
        }
    }
    let trimmed = out.trim_end_matches(['{', ':', ' ', '=']);
    if trimmed.chars().count() > MAX_SIGNATURE {
        let cut: String = trimmed.chars().take(MAX_SIGNATURE).collect();
        format!("{cut}…")
    } else {
        trimmed.to_string()
    }
}

/// The start of the definition's body: its `body` field, or that of the
/// value it binds (`const f = () => { ... }`), a few levels down at most.
fn body_start(node: Node<'_>) -> Option<usize> {
    fn find(node: Node<'_>, depth: u8) -> Option<usize> {
        if let Some(body) = node.child_by_field_name("body") {
            return Some(body.start_byte());
        }
        if depth == 0 {
            return None;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if let Some(s) = find(child, depth - 1) {
                return Some(s);
            }
        }
        None
    }
    find(node, 3).filter(|&s| s > node.start_byte())
}

/// The bare name: no generics, no path, no reference sigils
/// (`&'a mut Foo<T>` and `a::b::Foo` both give `Foo`).
fn clean_name(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.starts_with("operator") {
        return Some(raw.split_whitespace().collect::<String>());
    }
    // Drop template and generic arguments wherever they are (`Box<T>::size`).
    let mut base = String::with_capacity(raw.len());
    let mut depth = 0u32;
    for c in raw.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => base.push(c),
            _ => {}
        }
    }
    let base = base.as_str();
    let last = base.rsplit("::").next().unwrap_or(base);
    let last = last
        .rsplit(['.', ' ', '&', '*', '(', '['])
        .next()
        .unwrap_or(last);
    let name: String = last
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '~' || *c == '$')
        .collect();
    (!name.is_empty() && name.len() <= 200).then_some(name)
}

/// Which node kinds of `lang` are identifiers (`identifier`,
/// `type_identifier`, `field_identifier`, ...), by kind id.
fn identifier_kinds(lang: Lang) -> &'static [bool] {
    static KINDS: [OnceLock<Vec<bool>>; 9] = [const { OnceLock::new() }; 9];
    KINDS[lang as usize].get_or_init(|| {
        let grammar = lang.grammar();
        (0..grammar.node_kind_count())
            .map(|id| {
                let id = u16::try_from(id).unwrap_or(u16::MAX);
                grammar.node_kind_is_named(id)
                    && grammar
                        .node_kind_for_id(id)
                        .is_some_and(|k| k.ends_with("identifier"))
            })
            .collect()
    })
}

/// Every identifier used, with its count, except the definitions' own names.
fn references(lang: Lang, root: Node<'_>, text: &str, def_names: &[usize]) -> Vec<(String, u32)> {
    let kinds = identifier_kinds(lang);
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if node.child_count() == 0 {
            if kinds.get(node.kind_id() as usize).copied().unwrap_or(false)
                && def_names.binary_search(&node.start_byte()).is_err()
                && let Some(name) = text.get(node.byte_range())
                && (2..=80).contains(&name.len())
            {
                *counts.entry(name).or_default() += 1;
            }
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    let mut refs: Vec<(String, u32)> = counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    refs.sort_unstable();
    refs
}

#[cfg(test)]
mod tests;

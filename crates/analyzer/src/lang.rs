//! The languages the analyzer parses: file detection, grammars and the
//! definition queries (one compact query per language, in `queries/`).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tree_sitter::{Language, Query};

use crate::error::{Error, Result};

/// A language with a tree-sitter grammar and a definition query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lang {
    /// `.rs`
    Rust,
    /// `.py`, `.pyi`
    Python,
    /// `.js`, `.jsx`, `.mjs`, `.cjs`
    JavaScript,
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
    /// `.go`
    Go,
    /// `.java`
    Java,
    /// `.c`, `.h`
    C,
    /// `.cc`, `.cpp`, `.cxx`, `.hpp`, `.hh`, `.hxx`, `.ipp`
    Cpp,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 9] = [
        Lang::Rust,
        Lang::Python,
        Lang::JavaScript,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::Go,
        Lang::Java,
        Lang::C,
        Lang::Cpp,
    ];

    /// The language of a file, from its extension.
    pub fn from_path(path: &str) -> Option<Lang> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.')?.1;
        Some(match ext.to_ascii_lowercase().as_str() {
            "rs" => Lang::Rust,
            "py" | "pyi" => Lang::Python,
            "js" | "jsx" | "mjs" | "cjs" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "go" => Lang::Go,
            "java" => Lang::Java,
            "c" | "h" => Lang::C,
            "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h++" | "ipp" => Lang::Cpp,
            _ => return None,
        })
    }

    /// A short lower-case name (`rust`, `tsx`, `cpp`, ...), also the fence
    /// tag used when a chunk of this language is rendered.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::C => "c",
            Lang::Cpp => "cpp",
        }
    }

    /// The tree-sitter grammar.
    pub(crate) fn grammar(self) -> Language {
        match self {
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::Java => tree_sitter_java::LANGUAGE.into(),
            Lang::C => tree_sitter_c::LANGUAGE.into(),
            Lang::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        }
    }

    /// The definition query's source.
    pub(crate) fn query_source(self) -> &'static str {
        match self {
            Lang::Rust => include_str!("queries/rust.scm"),
            Lang::Python => include_str!("queries/python.scm"),
            Lang::JavaScript => include_str!("queries/javascript.scm"),
            Lang::TypeScript | Lang::Tsx => include_str!("queries/typescript.scm"),
            Lang::Go => include_str!("queries/go.scm"),
            Lang::Java => include_str!("queries/java.scm"),
            Lang::C => include_str!("queries/c.scm"),
            Lang::Cpp => include_str!("queries/cpp.scm"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The compiled definition query, built once per process.
    pub(crate) fn query(self) -> Result<&'static Query> {
        static QUERIES: [OnceLock<std::result::Result<Query, String>>; 9] =
            [const { OnceLock::new() }; 9];
        QUERIES[self.index()]
            .get_or_init(|| {
                Query::new(&self.grammar(), self.query_source()).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|message| Error::Grammar {
                language: self.name(),
                message: message.clone(),
            })
    }
}

/// A fingerprint of everything that decides what tags a file yields: the
/// queries, the grammars' ABI versions and this crate's version. A tags
/// cache written under another fingerprint is ignored.
pub(crate) fn tags_fingerprint() -> [u8; 16] {
    static FP: OnceLock<[u8; 16]> = OnceLock::new();
    *FP.get_or_init(|| {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(&crate::tags::EXTRACTOR_VERSION.to_le_bytes());
        for lang in Lang::ALL {
            h.update(lang.name().as_bytes());
            h.update(lang.query_source().as_bytes());
            h.update(&lang.grammar().abi_version().to_le_bytes());
        }
        let mut out = [0; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_compiles_against_its_grammar() {
        for lang in Lang::ALL {
            if let Err(e) = lang.query() {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn languages_are_detected_by_extension() {
        assert_eq!(Lang::from_path("src/main.rs"), Some(Lang::Rust));
        assert_eq!(Lang::from_path("a/b/App.TSX"), Some(Lang::Tsx));
        assert_eq!(Lang::from_path("include/x.hpp"), Some(Lang::Cpp));
        assert_eq!(Lang::from_path("Makefile"), None);
        assert_eq!(Lang::from_path(".rs"), Some(Lang::Rust));
        assert_eq!(Lang::from_path("README.md"), None);
    }
}

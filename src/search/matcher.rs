//! Compiling user patterns: regexes (a bad one is a `SyntaxError` naming it) and name globs.

use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};
use regex::bytes::{Regex, RegexBuilder};

use crate::error::{Error, JsClass, Result};

/// Compile `pattern` (a literal string when `literal`) for line- or name-oriented matching:
/// `^` and `$` match at line boundaries, `$` also before a `\r\n`.
pub fn compile_regex(op: &'static str, pattern: &str, literal: bool, ignore_case: bool) -> Result<Regex> {
    let source = if literal { regex::escape(pattern) } else { pattern.to_string() };
    RegexBuilder::new(&source)
        .case_insensitive(ignore_case)
        .multi_line(true)
        .crlf(true)
        // Large enough for big alternations of literals, bounded so a hostile pattern cannot
        // take all memory.
        .size_limit(64 << 20)
        .build()
        .map_err(|e| {
            Error::new("ERR_INVALID_REGEX", op, format!("invalid regular expression '{pattern}': {}", first_line(&e)))
                .class(JsClass::SyntaxError)
        })
}

fn first_line(e: &regex::Error) -> String {
    // regex's messages are multi-line drawings; the last line says what is wrong.
    let text = e.to_string();
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().trim_start_matches("error: ").to_string()
}

/// A glob on names (`*.rs`) or, when it contains a `/`, on paths relative to the search root
/// (`src/**/*.rs`). `*` never crosses a `/`.
pub struct NameGlob {
    matcher: GlobMatcher,
    on_path: bool,
}

impl NameGlob {
    pub fn new(op: &'static str, glob: &str) -> Result<Self> {
        let matcher = GlobBuilder::new(glob)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                Error::new("ERR_INVALID_GLOB", op, format!("invalid glob '{glob}': {}", e.kind()))
                    .class(JsClass::SyntaxError)
            })?
            .compile_matcher();
        Ok(NameGlob { matcher, on_path: glob.contains('/') })
    }

    pub fn is_match(&self, name: &std::ffi::OsStr, rel: &Path) -> bool {
        if self.on_path {
            self.matcher.is_match(rel)
        } else {
            self.matcher.is_match(Path::new(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_regexes_are_syntax_errors_naming_the_pattern() {
        let e = compile_regex("grep", "a(b", false, false).unwrap_err();
        assert_eq!(e.class, JsClass::SyntaxError);
        assert!(e.description.contains("'a(b'"), "{}", e.description);
    }

    #[test]
    fn literals_are_escaped() {
        let re = compile_regex("grep", "a.b(", true, false).unwrap();
        assert!(re.is_match(b"xa.b(y"));
        assert!(!re.is_match(b"axb("));
    }

    #[test]
    fn globs_match_names_or_paths() {
        let g = NameGlob::new("find", "*.rs").unwrap();
        assert!(g.is_match("a.rs".as_ref(), Path::new("src/a.rs")));
        let g = NameGlob::new("find", "src/*.rs").unwrap();
        assert!(g.is_match("a.rs".as_ref(), Path::new("src/a.rs")));
        assert!(!g.is_match("a.rs".as_ref(), Path::new("src/x/a.rs")));
    }
}

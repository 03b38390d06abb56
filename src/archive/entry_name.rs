//! Checks on the names and link targets an archive asks for, before anything is created.
//!
//! Names are taken apart into components; absolute names (`/x`, `\x`, `C:x`), `..` anywhere
//! (with `/` or `\` as separator, so a name means the same on every system) and NUL bytes are
//! refused. Collisions are decided on a folded form (Unicode NFC, then full case folding, so
//! `ß` meets `ss` and `é` meets `e` + U+0301), because some filesystems treat such names as one.
//! Such a collision is refused when a link is one of the two names (a link must not be able to
//! stand in for a directory or file of another spelling); plain files and directories that differ
//! only by case are allowed, as in the Linux sources (`xt_CONNMARK.h`, `xt_connmark.h`): on a
//! case-insensitive filesystem the later one replaces the earlier, as with tar(1). Links are
//! remembered by folded form too, so a chain cannot go through one under another spelling.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;

use unicode_normalization::UnicodeNormalization;

use super::platform;

/// Why an entry is refused (shown to users).
pub type Refusal = String;

fn is_absolute(raw: &[u8]) -> bool {
    matches!(raw.first(), Some(b'/') | Some(b'\\'))
        || (raw.len() >= 2 && raw[1] == b':' && raw[0].is_ascii_alphabetic())
}

fn parts(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    raw.split(|&b| b == b'/' || b == b'\\')
}

/// The components of a member name; empty for the archive's root (`./`).
pub fn member_components(raw: &[u8]) -> Result<Vec<OsString>, Refusal> {
    if raw.contains(&0) {
        return Err("the name contains a NUL byte".into());
    }
    if is_absolute(raw) {
        return Err("absolute name".into());
    }
    if parts(raw).any(|p| p == b"..") {
        return Err("the name contains '..'".into());
    }
    let separator = |b: &u8| *b == b'/' || (cfg!(windows) && *b == b'\\');
    Ok(raw.split(separator).filter(|p| !p.is_empty() && *p != b".").map(platform::os_name).collect())
}

/// How a symbolic link reaches its target below the extraction root.
#[derive(Debug, Default)]
pub struct LinkPath {
    /// Every path the target is reached through (each directory stepped into on the way), so
    /// links met on the way can be refused: `..` after a link goes somewhere else than `..`
    /// after a directory.
    pub through: Vec<PathBuf>,
}

/// How a symbolic link at `entry` (components) pointing to `target` reaches it, or why it is
/// refused (its target is absolute or leads outside, lexically).
pub fn symlink_destination(entry: &[OsString], target: &[u8]) -> Result<LinkPath, Refusal> {
    if target.is_empty() {
        return Err("empty link target".into());
    }
    if target.contains(&0) {
        return Err("the link target contains a NUL byte".into());
    }
    if is_absolute(target) {
        return Err("absolute link target".into());
    }
    let mut at: Vec<OsString> = entry[..entry.len().saturating_sub(1)].to_vec();
    let mut through = Vec::new();
    let steps: Vec<&[u8]> = parts(target).filter(|p| !p.is_empty() && *p != b".").collect();
    for (i, part) in steps.iter().enumerate() {
        if *part == b".." {
            if at.pop().is_none() {
                return Err("the link target leads outside the destination".into());
            }
        } else {
            at.push(platform::os_name(part));
            if i + 1 < steps.len() {
                through.push(at.iter().collect());
            }
        }
    }
    Ok(LinkPath { through })
}

/// Names claimed so far, by folded form, and the links extracted so far.
#[derive(Default)]
pub struct Claims {
    /// Folded form → the first path claimed with it, and whether a link was made there.
    folded: HashMap<String, (PathBuf, bool)>,
    /// The exact paths claimed (so the directories above an entry are folded once, not per entry).
    exact: HashSet<PathBuf>,
    /// Folded paths where symbolic links were created.
    links: HashSet<String>,
    /// Folded directories that links created so far pass through to reach their targets.
    traversed: HashSet<String>,
}

/// The form names are compared in: NFC, then full case folding.
pub fn fold(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if text.is_ascii() {
        return text.to_ascii_lowercase(); // NFC and full case folding of ASCII
    }
    let nfc: String = text.nfc().collect();
    caseless::default_case_fold_str(&nfc).nfc().collect()
}

fn folded(components: &[OsString]) -> String {
    fold(&components.iter().collect::<PathBuf>())
}

impl Claims {
    /// Claim `components` (a link there when `is_link`) and every directory above it; refused
    /// when a link is involved in a collision: one of them differs from a name claimed earlier
    /// only by Unicode normalisation or case, and either that name or this one is a link.
    pub fn claim(&mut self, components: &[OsString], is_link: bool) -> Result<(), Refusal> {
        let mut path = PathBuf::new();
        let mut claimed = Vec::new();
        let last = components.len().saturating_sub(1);
        for (i, c) in components.iter().enumerate() {
            path.push(c);
            let link_here = is_link && i == last;
            if self.exact.contains(&path) && !link_here {
                continue;
            }
            let key = fold(&path);
            match self.folded.get(&key) {
                Some((existing, was_link)) if *existing != path && (*was_link || link_here) => {
                    return Err(format!(
                    "'{}' and '{}' are the same name after Unicode normalisation or case folding, and one is a link",
                    existing.display(),
                    path.display()
                ))
                }
                Some(_) => claimed.push((None, path.clone())),
                None => claimed.push((Some(key), path.clone())),
            }
        }
        for (key, path) in claimed {
            if let Some(key) = key {
                self.folded.insert(key, (path.clone(), false));
            }
            self.exact.insert(path);
        }
        if is_link {
            if let Some(entry) = self.folded.get_mut(&fold(&path)) {
                entry.1 = true;
            }
        }
        Ok(())
    }

    /// Check a link at `at` leading along `path`: the way to its target must not pass through
    /// another link, and no earlier link may pass through `at`, since a chain of links each
    /// harmless on its own can lead out.
    pub fn check_link(&self, at: &[OsString], path: &LinkPath) -> Result<(), Refusal> {
        if self.traversed.contains(&folded(at)) {
            return Err("an earlier link's target passes through this path".into());
        }
        if path.through.iter().any(|p| self.links.contains(&fold(p))) {
            return Err("the link target passes through another link".into());
        }
        Ok(())
    }

    pub fn record_link(&mut self, at: &[OsString], path: &LinkPath) {
        self.links.insert(folded(at));
        self.traversed.extend(path.through.iter().map(|p| fold(p)));
    }

    /// Whether an earlier link's target passes through `at` (replacing `at` by anything but a
    /// directory would change where that link leads).
    pub fn traversed_by_link(&self, at: &[OsString]) -> bool {
        self.traversed.contains(&folded(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn names_are_split_and_escapes_refused() {
        assert_eq!(member_components(b"./a//b/./c").unwrap(), names(&["a", "b", "c"]));
        assert!(member_components(b"./").unwrap().is_empty());
        for bad in [&b"/etc/passwd"[..], b"\\x", b"C:x", b"a/../../b", b"a\\..\\b", b"a\0b"] {
            assert!(member_components(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn link_targets_must_stay_inside() {
        let at = names(&["a", "b", "link"]);
        assert!(symlink_destination(&at, b"../x").is_ok());
        assert!(symlink_destination(&at, b"../../..").is_err());
        assert!(symlink_destination(&at, b"/etc").is_err());
        assert!(symlink_destination(&names(&["l"]), b"..").is_err());
    }

    #[test]
    fn folded_collisions_with_a_link_are_refused() {
        let mut c = Claims::default();
        c.claim(&names(&["Stra\u{df}e", "x"]), false).unwrap();
        assert!(c.claim(&names(&["strasse"]), true).is_err(), "a link named like a directory");
        c.claim(&names(&["caf\u{e9}"]), true).unwrap();
        assert!(c.claim(&names(&["cafe\u{301}"]), false).is_err(), "a file named like a link");
        assert!(c.claim(&names(&["CAF\u{c9}", "x"]), false).is_err(), "a path through a link's other spelling");
        c.claim(&names(&["caf\u{e9}"]), true).unwrap(); // the same link again
    }

    #[test]
    fn names_differing_only_by_case_are_allowed_without_links() {
        let mut c = Claims::default();
        c.claim(&names(&["include", "xt_CONNMARK.h"]), false).unwrap();
        c.claim(&names(&["include", "xt_connmark.h"]), false).unwrap();
        c.claim(&names(&["Include", "x"]), false).unwrap();
        // A link cannot then take either spelling.
        assert!(c.claim(&names(&["include", "XT_CONNMARK.H"]), true).is_err());
        assert!(c.claim(&names(&["INCLUDE"]), true).is_err());
    }

    #[test]
    fn link_chains_are_refused() {
        let mut c = Claims::default();
        let here = symlink_destination(&names(&["here"]), b".").unwrap();
        c.check_link(&names(&["here"]), &here).unwrap();
        c.record_link(&names(&["here"]), &here);
        let out = symlink_destination(&names(&["out"]), b"here/..").unwrap();
        assert!(c.check_link(&names(&["out"]), &out).is_err());
        let deep = symlink_destination(&names(&["l3"]), b"d/e/f").unwrap();
        c.record_link(&names(&["l3"]), &deep);
        assert!(c.traversed_by_link(&names(&["d", "e"])));
        assert!(c.check_link(&names(&["d", "e"]), &here).is_err());
        // The same chain under other spellings.
        assert!(c.traversed_by_link(&names(&["D", "E"])));
        let out = symlink_destination(&names(&["out2"]), b"HERE/..").unwrap();
        assert!(c.check_link(&names(&["out2"]), &out).is_err());
    }
}

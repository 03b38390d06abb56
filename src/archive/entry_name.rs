//! Checks on the names and link targets an archive asks for, before anything is created.
//!
//! Names are taken apart into components; absolute names (`/x`, `\x`, `C:x`), `..` anywhere
//! (with `/` or `\` as separator, so a name means the same on every system) and NUL bytes are
//! refused. Collisions are decided on a folded form (Unicode NFC, then full case folding, so
//! `ß` meets `ss` and `é` meets `e` + U+0301), because some filesystems treat such names as one.

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
    folded: HashMap<String, PathBuf>,
    /// The exact paths claimed (so the directories above an entry are folded once, not per entry).
    exact: HashSet<PathBuf>,
    /// Paths where symbolic links were created.
    links: HashSet<PathBuf>,
    /// Directories that links created so far pass through to reach their targets.
    traversed: HashSet<PathBuf>,
}

fn fold(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if text.is_ascii() {
        return text.to_ascii_lowercase(); // NFC and full case folding of ASCII
    }
    let nfc: String = text.nfc().collect();
    caseless::default_case_fold_str(&nfc).nfc().collect()
}

impl Claims {
    /// Claim `components` and every directory above it; refused when one of them differs from
    /// a name claimed earlier only by Unicode normalisation or case.
    pub fn claim(&mut self, components: &[OsString]) -> Result<(), Refusal> {
        let mut path = PathBuf::new();
        let mut claimed = Vec::new();
        for c in components {
            path.push(c);
            if self.exact.contains(&path) {
                continue;
            }
            let key = fold(&path);
            match self.folded.get(&key) {
                Some(existing) => {
                    return Err(format!(
                        "'{}' and '{}' are the same name after Unicode normalisation or case folding",
                        existing.display(),
                        path.display()
                    ))
                }
                None => claimed.push((key, path.clone())),
            }
        }
        for (key, path) in claimed {
            self.exact.insert(path.clone());
            self.folded.insert(key, path);
        }
        Ok(())
    }

    /// Check a link at `at` leading along `path`: the way to its target must not pass through
    /// another link, and no earlier link may pass through `at`, since a chain of links each
    /// harmless on its own can lead out.
    pub fn check_link(&self, at: &[OsString], path: &LinkPath) -> Result<(), Refusal> {
        if self.traversed.contains(&at.iter().collect::<PathBuf>()) {
            return Err("an earlier link's target passes through this path".into());
        }
        if path.through.iter().any(|p| self.links.contains(p)) {
            return Err("the link target passes through another link".into());
        }
        Ok(())
    }

    pub fn record_link(&mut self, at: &[OsString], path: &LinkPath) {
        self.links.insert(at.iter().collect());
        self.traversed.extend(path.through.iter().cloned());
    }

    /// Whether an earlier link's target passes through `at` (replacing `at` by anything but a
    /// directory would change where that link leads).
    pub fn traversed_by_link(&self, at: &[OsString]) -> bool {
        self.traversed.contains(&at.iter().collect::<PathBuf>())
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
    fn folded_collisions_are_refused() {
        let mut c = Claims::default();
        c.claim(&names(&["Stra\u{df}e", "x"])).unwrap();
        assert!(c.claim(&names(&["strasse"])).is_err());
        c.claim(&names(&["caf\u{e9}"])).unwrap();
        assert!(c.claim(&names(&["cafe\u{301}"])).is_err());
        c.claim(&names(&["caf\u{e9}", "again"])).unwrap();
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
    }
}

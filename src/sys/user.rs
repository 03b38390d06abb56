//! `user()` and `paths()`: who runs this process and where its files go.
//!
//! The original read the `USER` variable only, which is unset under systemd, cron and in many
//! containers; here the user comes from the password database for the effective uid (what
//! `os.userInfo()` reports), with the environment as a fallback where there is no database.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub name: Option<String>,
    /// Effective uid (`None` on Windows).
    pub uid: Option<u32>,
    /// The user's primary group (`None` on Windows).
    pub gid: Option<u32>,
    pub home: Option<String>,
    pub shell: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub home: Option<String>,
    /// `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS,
    /// `%APPDATA%` on Windows.
    pub config: Option<String>,
    /// `$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`.
    pub cache: Option<String>,
    /// `$XDG_DATA_HOME` or `~/.local/share`, `~/Library/Application Support`, `%APPDATA%`.
    pub data: Option<String>,
    /// The temporary directory, like `os.tmpdir()`.
    pub temp: String,
    /// The entries of `PATH`, in order (what the original `paths` returned).
    pub path: Vec<String>,
}

pub fn paths() -> Paths {
    let text = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    Paths {
        home: dirs::home_dir().map(text),
        config: dirs::config_dir().map(text),
        cache: dirs::cache_dir().map(text),
        data: dirs::data_dir().map(text),
        temp: without_trailing_separator(text(std::env::temp_dir())),
        path: std::env::var_os("PATH").map_or_else(Vec::new, |p| std::env::split_paths(&p).map(text).collect()),
    }
}

/// `os.tmpdir()` drops a trailing separator (`TMPDIR=/tmp/` gives `/tmp`), except for a root.
fn without_trailing_separator(mut path: String) -> String {
    while path.len() > 1 && path.ends_with(std::path::is_separator) && !path.ends_with(":\\") {
        path.pop();
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_separators_are_dropped_but_not_from_a_root() {
        assert_eq!(without_trailing_separator("/tmp/".into()), "/tmp");
        assert_eq!(without_trailing_separator("/".into()), "/");
    }

    #[test]
    fn paths_have_a_temp_dir_and_home() {
        let p = paths();
        assert!(!p.temp.is_empty());
        assert!(p.home.is_some());
    }
}

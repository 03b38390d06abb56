//! The search and whole-tree operations of `NativeFileSystem` (see `lib/search.js`). Async
//! forms take an optional `CancelToken` and progress callback; `…Sync` forms take neither.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use super::fs::NativeFileSystem;
use super::jobs::{problems, spawn, CancelToken, OnProgress, RawProblem};
use super::run_sync;
use crate::error::{Error, Result as CoreResult};
use crate::fs::walk::Control;
use crate::fs::FileSystem;
use crate::search::{self, FindOptions, GrepOptions, KindFilter, Report};

#[napi(object, object_from_js = false)]
pub struct PathList {
    pub paths: Vec<String>,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn path_list(r: Report<Vec<String>>) -> PathList {
    let (errors, omitted) = problems(&r.problems);
    PathList { paths: r.value, errors, omitted }
}

#[napi(object, object_from_js = false)]
pub struct SearchMatch {
    pub file: String,
    pub line: f64,
    pub content: String,
}

#[napi(object, object_from_js = false)]
pub struct GrepResult {
    pub matches: Vec<SearchMatch>,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn grep_result(r: Report<Vec<search::GrepMatch>>) -> GrepResult {
    let (errors, omitted) = problems(&r.problems);
    let matches =
        r.value.into_iter().map(|m| SearchMatch { file: m.file, line: m.line as f64, content: m.content }).collect();
    GrepResult { matches, errors, omitted }
}

#[napi(object, object_from_js = false)]
pub struct RenameChange {
    #[napi(js_name = "old_path")]
    pub old_path: String,
    #[napi(js_name = "new_path")]
    pub new_path: String,
}

#[napi(object, object_from_js = false)]
pub struct RenamePlan {
    pub changes: Vec<RenameChange>,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn rename_plan(r: Report<Vec<search::RenameStep>>) -> RenamePlan {
    let (errors, omitted) = problems(&r.problems);
    let changes = r.value.into_iter().map(|s| RenameChange { old_path: s.old_path, new_path: s.new_path }).collect();
    RenamePlan { changes, errors, omitted }
}

#[napi(object, object_from_js = false)]
pub struct DiskUsage {
    pub path: String,
    pub size: f64,
    #[napi(js_name = "file_count")]
    pub file_count: f64,
    #[napi(js_name = "dir_count")]
    pub dir_count: f64,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn disk_usage(r: Report<search::DiskUsage>) -> DiskUsage {
    let (errors, omitted) = problems(&r.problems);
    let u = r.value;
    DiskUsage {
        path: u.path,
        size: u.size as f64,
        file_count: u.file_count as f64,
        dir_count: u.dir_count as f64,
        errors,
        omitted,
    }
}

#[napi(object, object_from_js = false)]
pub struct DuplicateGroup {
    pub hash: String,
    pub size: f64,
    pub paths: Vec<String>,
}

#[napi(object, object_from_js = false)]
pub struct Duplicates {
    pub groups: Vec<DuplicateGroup>,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn duplicates(r: Report<Vec<search::DuplicateGroup>>) -> Duplicates {
    let (errors, omitted) = problems(&r.problems);
    let groups =
        r.value.into_iter().map(|g| DuplicateGroup { hash: g.hash, size: g.size as f64, paths: g.paths }).collect();
    Duplicates { groups, errors, omitted }
}

#[napi(object, object_from_js = false)]
pub struct SyncResult {
    pub copied: Vec<String>,
    #[napi(js_name = "created_dirs")]
    pub created_dirs: Vec<String>,
    pub deleted: Vec<String>,
    pub unchanged: f64,
    pub bytes: f64,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

fn find_options(
    pattern: Option<String>,
    glob: Option<String>,
    kind: &str,
    max_depth: Option<u32>,
    follow_links: bool,
) -> CoreResult<FindOptions> {
    let kind = match kind {
        "file" => KindFilter::File,
        "dir" => KindFilter::Dir,
        "symlink" => KindFilter::Symlink,
        "any" => KindFilter::Any,
        other => return Err(Error::invalid_arg("find", format!("unknown type '{other}'"))),
    };
    Ok(FindOptions { pattern, glob, kind, max_depth: max_depth.map(|d| d as usize), follow_links })
}

fn grep_options(
    literal: bool,
    ignore_case: bool,
    max_results: Option<f64>,
    gitignore: bool,
    follow_links: bool,
) -> GrepOptions {
    GrepOptions { literal, ignore_case, max_results: max_results.map(|n| n as usize), gitignore, follow_links }
}

/// Milliseconds since the epoch (a JS `Date`'s value) as a `SystemTime`, clamped to the range
/// of a JS `Date` (±8.64e15 ms): `modifiedSince(dir, 1e15)` hours means "any time at all".
fn from_epoch_ms(ms: f64) -> SystemTime {
    const DATE_RANGE_MS: f64 = 8.64e15;
    let ms = if ms.is_nan() { 0.0 } else { ms.clamp(-DATE_RANGE_MS, DATE_RANGE_MS) };
    let span = Duration::from_secs_f64(ms.abs() / 1000.0);
    let time = if ms >= 0.0 { UNIX_EPOCH.checked_add(span) } else { UNIX_EPOCH.checked_sub(span) };
    time.unwrap_or(UNIX_EPOCH)
}

fn sync_result(
    fs: &FileSystem,
    src: &str,
    dest: &str,
    delete: bool,
    dry_run: bool,
    ctl: Control<'_>,
) -> CoreResult<SyncResult> {
    let r = fs.sync(src, dest, delete, dry_run, ctl)?;
    let (errors, omitted) = problems(&r.problems);
    Ok(SyncResult {
        copied: r.copied,
        created_dirs: r.created_dirs,
        deleted: r.deleted,
        unchanged: r.unchanged as f64,
        bytes: r.bytes as f64,
        errors,
        omitted,
    })
}

#[napi]
impl NativeFileSystem {
    #[napi(catch_unwind)]
    pub fn find_sync(
        &self,
        env: &Env,
        dir: String,
        pattern: Option<String>,
        glob: Option<String>,
        kind: String,
        max_depth: Option<u32>,
        follow_links: bool,
    ) -> napi::Result<PathList> {
        run_sync(env, "find", || {
            let opts = find_options(pattern, glob, &kind, max_depth, follow_links)?;
            self.fs.find(&dir, &opts, Control::default()).map(path_list)
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<PathList>")]
    #[allow(clippy::too_many_arguments)]
    pub fn find<'e>(
        &self,
        env: &'e Env,
        dir: String,
        pattern: Option<String>,
        glob: Option<String>,
        kind: String,
        max_depth: Option<u32>,
        follow_links: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, PathList>> {
        let fs = self.fs.clone();
        spawn(env, "find", cancel, on_progress, move |ctl| {
            let opts = find_options(pattern, glob, &kind, max_depth, follow_links)?;
            fs.find(&dir, &opts, ctl).map(path_list)
        })
    }

    #[napi(catch_unwind)]
    pub fn find_by_ext_sync(&self, env: &Env, dir: String, ext: String) -> napi::Result<PathList> {
        run_sync(env, "findByExt", || self.fs.find_by_ext(&dir, &ext, Control::default()).map(path_list))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<PathList>")]
    pub fn find_by_ext<'e>(
        &self,
        env: &'e Env,
        dir: String,
        ext: String,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, PathList>> {
        let fs = self.fs.clone();
        spawn(env, "findByExt", cancel, on_progress, move |ctl| fs.find_by_ext(&dir, &ext, ctl).map(path_list))
    }

    /// `since_ms`: milliseconds since the epoch.
    #[napi(catch_unwind)]
    pub fn modified_since_sync(&self, env: &Env, dir: String, since_ms: f64) -> napi::Result<PathList> {
        run_sync(env, "modifiedSince", || {
            self.fs.modified_since(&dir, from_epoch_ms(since_ms), Control::default()).map(path_list)
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<PathList>")]
    pub fn modified_since<'e>(
        &self,
        env: &'e Env,
        dir: String,
        since_ms: f64,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, PathList>> {
        let fs = self.fs.clone();
        spawn(env, "modifiedSince", cancel, on_progress, move |ctl| {
            fs.modified_since(&dir, from_epoch_ms(since_ms), ctl).map(path_list)
        })
    }

    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn grep_sync(
        &self,
        env: &Env,
        dir: String,
        pattern: String,
        literal: bool,
        ignore_case: bool,
        max_results: Option<f64>,
        gitignore: bool,
        follow_links: bool,
    ) -> napi::Result<GrepResult> {
        let opts = grep_options(literal, ignore_case, max_results, gitignore, follow_links);
        run_sync(env, "grep", || self.fs.grep(&dir, &pattern, &opts, Control::default()).map(grep_result))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<GrepResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn grep<'e>(
        &self,
        env: &'e Env,
        dir: String,
        pattern: String,
        literal: bool,
        ignore_case: bool,
        max_results: Option<f64>,
        gitignore: bool,
        follow_links: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, GrepResult>> {
        let opts = grep_options(literal, ignore_case, max_results, gitignore, follow_links);
        // Compile on the JS thread so an invalid pattern rejects before any work starts.
        search::compile_regex("grep", &pattern, literal, ignore_case).map_err(|e| super::js_error(env, &e))?;
        let fs = self.fs.clone();
        spawn(env, "grep", cancel, on_progress, move |ctl| fs.grep(&dir, &pattern, &opts, ctl).map(grep_result))
    }

    #[napi(catch_unwind)]
    pub fn batch_rename_sync(
        &self,
        env: &Env,
        dir: String,
        pattern: String,
        replacement: String,
        dry_run: bool,
    ) -> napi::Result<RenamePlan> {
        run_sync(env, "batchRename", || {
            self.fs.batch_rename(&dir, &pattern, &replacement, dry_run, Control::default()).map(rename_plan)
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<RenamePlan>")]
    #[allow(clippy::too_many_arguments)]
    pub fn batch_rename<'e>(
        &self,
        env: &'e Env,
        dir: String,
        pattern: String,
        replacement: String,
        dry_run: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, RenamePlan>> {
        let fs = self.fs.clone();
        spawn(env, "batchRename", cancel, on_progress, move |ctl| {
            fs.batch_rename(&dir, &pattern, &replacement, dry_run, ctl).map(rename_plan)
        })
    }

    #[napi(catch_unwind)]
    pub fn du_sync(&self, env: &Env, dir: String, follow_links: bool) -> napi::Result<DiskUsage> {
        run_sync(env, "du", || self.fs.du(&dir, follow_links, Control::default()).map(disk_usage))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<DiskUsage>")]
    pub fn du<'e>(
        &self,
        env: &'e Env,
        dir: String,
        follow_links: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, DiskUsage>> {
        let fs = self.fs.clone();
        spawn(env, "du", cancel, on_progress, move |ctl| fs.du(&dir, follow_links, ctl).map(disk_usage))
    }

    #[napi(catch_unwind)]
    pub fn dedupe_sync(&self, env: &Env, dir: String) -> napi::Result<Duplicates> {
        run_sync(env, "dedupe", || self.fs.dedupe(&dir, Control::default()).map(duplicates))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<Duplicates>")]
    pub fn dedupe<'e>(
        &self,
        env: &'e Env,
        dir: String,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, Duplicates>> {
        let fs = self.fs.clone();
        spawn(env, "dedupe", cancel, on_progress, move |ctl| fs.dedupe(&dir, ctl).map(duplicates))
    }

    #[napi(catch_unwind)]
    pub fn sync_sync(
        &self,
        env: &Env,
        src: String,
        dest: String,
        delete_extra: bool,
        dry_run: bool,
    ) -> napi::Result<SyncResult> {
        run_sync(env, "sync", || sync_result(&self.fs, &src, &dest, delete_extra, dry_run, Control::default()))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<SyncResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn sync<'e>(
        &self,
        env: &'e Env,
        src: String,
        dest: String,
        delete_extra: bool,
        dry_run: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, SyncResult>> {
        let fs = self.fs.clone();
        spawn(env, "sync", cancel, on_progress, move |ctl| sync_result(&fs, &src, &dest, delete_extra, dry_run, ctl))
    }
}

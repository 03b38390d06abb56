//! The archive operations of `NativeFileSystem` (see `lib/archive.js`).

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use super::fs::NativeFileSystem;
use super::jobs::{problems, spawn, CancelToken, OnProgress, RawProblem};
use super::run_sync;
use crate::archive::{Limits, OnUnsafe};
use crate::error::{Error, Result as CoreResult};
use crate::fs::walk::Control;
use crate::fs::FileSystem;

#[napi(object, object_from_js = false)]
pub struct TarResult {
    pub entries: f64,
    pub bytes: f64,
    pub errors: Vec<RawProblem>,
    pub omitted: f64,
}

#[napi(object, object_from_js = false)]
pub struct SkippedEntry {
    pub path: String,
    pub reason: String,
}

#[napi(object, object_from_js = false)]
pub struct UntarResult {
    pub entries: f64,
    pub bytes: f64,
    pub skipped: Vec<SkippedEntry>,
}

/// Extraction limits as validated by `lib/archive.js`.
#[napi(object)]
pub struct RawLimits {
    pub max_bytes: f64,
    pub max_entries: f64,
    pub max_depth: f64,
    pub max_ratio: f64,
}

fn limits(l: &RawLimits) -> Limits {
    Limits {
        max_bytes: l.max_bytes as u64,
        max_entries: l.max_entries as u64,
        max_depth: l.max_depth as usize,
        max_ratio: l.max_ratio,
    }
}

fn on_unsafe(s: &str) -> CoreResult<OnUnsafe> {
    match s {
        "error" => Ok(OnUnsafe::Error),
        "skip" => Ok(OnUnsafe::Skip),
        other => Err(Error::invalid_arg("untar", format!("onUnsafe must be 'error' or 'skip', not '{other}'"))),
    }
}

fn tar(fs: &FileSystem, dir: &str, out: &str, level: Option<u32>, ctl: Control<'_>) -> CoreResult<TarResult> {
    let s = fs.tar(dir, out, level, ctl)?;
    let (errors, omitted) = problems(&s.problems);
    Ok(TarResult { entries: s.entries as f64, bytes: s.bytes as f64, errors, omitted })
}

fn untar(
    fs: &FileSystem,
    archive: &str,
    dest: &str,
    l: Limits,
    unsafe_: &str,
    ctl: Control<'_>,
) -> CoreResult<UntarResult> {
    let r = fs.untar(archive, dest, l, on_unsafe(unsafe_)?, ctl)?;
    let skipped = r.skipped.into_iter().map(|s| SkippedEntry { path: s.path, reason: s.reason }).collect();
    Ok(UntarResult { entries: r.entries as f64, bytes: r.bytes as f64, skipped })
}

#[napi]
impl NativeFileSystem {
    #[napi(catch_unwind)]
    pub fn gzip_sync(&self, env: &Env, src: String, dest: String, level: u32) -> napi::Result<()> {
        run_sync(env, "gzip", || self.fs.gzip(&src, &dest, level, Control::default()))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn gzip<'e>(
        &self,
        env: &'e Env,
        src: String,
        dest: String,
        level: u32,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        spawn(env, "gzip", cancel, on_progress, move |ctl| fs.gzip(&src, &dest, level, ctl))
    }

    #[napi(catch_unwind)]
    pub fn gunzip_sync(&self, env: &Env, src: String, dest: String) -> napi::Result<()> {
        run_sync(env, "gunzip", || self.fs.gunzip(&src, &dest, Control::default()))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn gunzip<'e>(
        &self,
        env: &'e Env,
        src: String,
        dest: String,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        spawn(env, "gunzip", cancel, on_progress, move |ctl| fs.gunzip(&src, &dest, ctl))
    }

    /// `level`: null for a plain tar, 0–9 to gzip it.
    #[napi(catch_unwind)]
    pub fn tar_sync(&self, env: &Env, dir: String, out: String, level: Option<u32>) -> napi::Result<TarResult> {
        run_sync(env, "tar", || tar(&self.fs, &dir, &out, level, Control::default()))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<TarResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn tar<'e>(
        &self,
        env: &'e Env,
        dir: String,
        out: String,
        level: Option<u32>,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, TarResult>> {
        let fs = self.fs.clone();
        spawn(env, "tar", cancel, on_progress, move |ctl| tar(&fs, &dir, &out, level, ctl))
    }

    #[napi(catch_unwind)]
    pub fn untar_sync(
        &self,
        env: &Env,
        archive: String,
        dest: String,
        limits_: RawLimits,
        on_unsafe: String,
    ) -> napi::Result<UntarResult> {
        run_sync(env, "untar", || untar(&self.fs, &archive, &dest, limits(&limits_), &on_unsafe, Control::default()))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<UntarResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn untar<'e>(
        &self,
        env: &'e Env,
        archive: String,
        dest: String,
        limits_: RawLimits,
        on_unsafe: String,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, UntarResult>> {
        let l = limits(&limits_);
        let fs = self.fs.clone();
        spawn(env, "untar", cancel, on_progress, move |ctl| untar(&fs, &archive, &dest, l, &on_unsafe, ctl))
    }
}

//! `NativeFileSystem`: the binding of `crate::fs::FileSystem`. Options arrive as positional
//! arguments already validated by `lib/fs.js`; this file only converts.

use std::path::Path;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use super::jobs::{spawn, CancelToken, OnProgress};
use super::{js_error, run_async, run_async_with, run_sync};
use crate::error::Result as CoreResult;
use crate::fs::{
    self as core, Algorithm, CopyOptions, FileSystem, ListOptions, Listing, ModeSpec, RemoveOptions, WriteOptions,
};

/// Stats travel as numbers in a `Float64Array` (`lib/stats.js` builds the object): creating a
/// nine-property object through N-API costs about twice the `statx` call itself.
/// Layout: size, created (NaN when unknown), modified, accessed, flags, permissions.
pub const STATS_WIDTH: usize = 6;
const IS_DIR: f64 = 1.0;
const IS_FILE: f64 = 2.0;
const IS_SYMLINK: f64 = 4.0;
const READONLY: f64 = 8.0;

fn put_stats(s: &core::Stats, out: &mut [f64]) {
    let flag = |set: bool, bit: f64| if set { bit } else { 0.0 };
    out[0] = s.size as f64;
    out[1] = s.created.unwrap_or(f64::NAN);
    out[2] = s.modified;
    out[3] = s.accessed;
    out[4] =
        flag(s.is_dir, IS_DIR) + flag(s.is_file, IS_FILE) + flag(s.is_symlink, IS_SYMLINK) + flag(s.readonly, READONLY);
    out[5] = s.permissions as f64;
}

fn stats_array(stats: &[core::Stats]) -> Float64Array {
    let mut flat = vec![0.0; stats.len() * STATS_WIDTH];
    for (s, out) in stats.iter().zip(flat.chunks_exact_mut(STATS_WIDTH)) {
        put_stats(s, out);
    }
    Float64Array::new(flat)
}

/// `ls` result: names, and (when asked for) their stats, `STATS_WIDTH` numbers per name.
#[napi(object, object_from_js = false)]
pub struct RawListing {
    pub names: Vec<String>,
    pub stats: Option<Float64Array>,
}

impl From<Listing> for RawListing {
    fn from(l: Listing) -> Self {
        match l {
            Listing::Names(names) => RawListing { names, stats: None },
            Listing::WithStats(pairs) => {
                let (names, stats): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
                RawListing { names, stats: Some(stats_array(&stats)) }
            }
        }
    }
}

#[napi(object, object_from_js = false)]
pub struct SizeReport {
    pub bytes: f64,
    pub formatted: String,
}

#[napi(object, object_from_js = false)]
pub struct Access {
    pub exists: bool,
    pub readable: bool,
    pub writable: bool,
}

fn size_report(r: core::SizeReport) -> SizeReport {
    SizeReport { bytes: r.bytes as f64, formatted: r.formatted }
}

fn access(a: core::Access) -> Access {
    Access { exists: a.exists, readable: a.readable, writable: a.writable }
}

fn write_options(append: bool, atomic: bool, fsync: bool, mode: Option<u32>) -> WriteOptions {
    WriteOptions { append, atomic, fsync, mode }
}

fn mode_spec(op: &'static str, mode: &Either<f64, String>) -> CoreResult<ModeSpec> {
    match mode {
        Either::A(n) => ModeSpec::from_number(op, *n),
        Either::B(s) => ModeSpec::parse(op, s),
    }
}

fn bytes_of(data: &Either<String, &[u8]>) -> Vec<u8> {
    match data {
        Either::A(s) => s.as_bytes().to_vec(),
        Either::B(b) => b.to_vec(),
    }
}

/// The native half of `FileSystem` (see `lib/fs.js`).
#[napi]
pub struct NativeFileSystem {
    pub(crate) fs: Arc<FileSystem>,
}

#[napi]
impl NativeFileSystem {
    /// `root` null: the process's current directory, unconfined.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, root: Option<String>, confine: bool) -> napi::Result<Self> {
        run_sync(&env, "FileSystem", || {
            let fs = match root {
                Some(root) => FileSystem::new(Path::new(&root), confine)?,
                None => FileSystem::cwd(),
            };
            Ok(NativeFileSystem { fs: Arc::new(fs) })
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn root(&self) -> Option<String> {
        self.fs.root().map(|r| r.to_string_lossy().into_owned())
    }

    #[napi(getter, catch_unwind)]
    pub fn confined(&self) -> bool {
        self.fs.is_confined()
    }

    /// Fills `out` (at least `STATS_WIDTH` long).
    #[napi(catch_unwind)]
    pub fn stats_sync(
        &self,
        env: &Env,
        path: String,
        follow: bool,
        mut out: Float64ArraySlice<'_>,
    ) -> napi::Result<()> {
        // SAFETY: the array is only touched on this (the JS) thread during this call.
        let out = unsafe { out.as_mut() };
        if out.len() < STATS_WIDTH {
            return Err(napi::Error::new(Status::InvalidArg, "stats buffer too small"));
        }
        run_sync(env, "stats", || self.fs.stats(&path, follow).map(|s| put_stats(&s, out)))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<Float64Array>")]
    pub fn stats<'e>(&self, env: &'e Env, path: String, follow: bool) -> napi::Result<PromiseRaw<'e, Float64Array>> {
        let fs = self.fs.clone();
        run_async_with(env, "stats", move || fs.stats(&path, follow), |_, s| Ok(stats_array(&[s])))
    }

    #[napi(catch_unwind)]
    pub fn ls_sync(&self, env: &Env, path: String, stats: bool, recursive: bool) -> napi::Result<RawListing> {
        run_sync(env, "ls", || self.fs.ls(&path, ListOptions { stats, recursive }).map(RawListing::from))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<RawListing>")]
    pub fn ls<'e>(
        &self,
        env: &'e Env,
        path: String,
        stats: bool,
        recursive: bool,
    ) -> napi::Result<PromiseRaw<'e, RawListing>> {
        let fs = self.fs.clone();
        run_async(env, "ls", move || fs.ls(&path, ListOptions { stats, recursive }).map(RawListing::from))
    }

    #[napi(catch_unwind)]
    pub fn read_sync(&self, env: &Env, path: String, max_bytes: f64) -> napi::Result<Buffer> {
        run_sync(env, "read", || self.fs.read(&path, max_bytes as u64).map(Buffer::from))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<Buffer>")]
    pub fn read<'e>(&self, env: &'e Env, path: String, max_bytes: f64) -> napi::Result<PromiseRaw<'e, Buffer>> {
        let fs = self.fs.clone();
        run_async_with(env, "read", move || fs.read(&path, max_bytes as u64), |_, bytes| Ok(Buffer::from(bytes)))
    }

    #[napi(catch_unwind)]
    pub fn write_sync(
        &self,
        env: &Env,
        path: String,
        data: Either<String, &[u8]>,
        append: bool,
        atomic: bool,
        fsync: bool,
        mode: Option<u32>,
    ) -> napi::Result<()> {
        let bytes: &[u8] = match &data {
            Either::A(s) => s.as_bytes(),
            Either::B(b) => b,
        };
        run_sync(env, "write", || self.fs.write(&path, bytes, write_options(append, atomic, fsync, mode)))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    #[allow(clippy::too_many_arguments)]
    pub fn write<'e>(
        &self,
        env: &'e Env,
        path: String,
        data: Either<String, &[u8]>,
        append: bool,
        atomic: bool,
        fsync: bool,
        mode: Option<u32>,
    ) -> napi::Result<PromiseRaw<'e, ()>> {
        // The JS buffer may change after we return: take a copy on the JS thread.
        let bytes = bytes_of(&data);
        let fs = self.fs.clone();
        run_async(env, "write", move || fs.write(&path, &bytes, write_options(append, atomic, fsync, mode)))
    }

    #[napi(catch_unwind)]
    pub fn copy_sync(
        &self,
        env: &Env,
        src: String,
        dest: String,
        overwrite: bool,
        preserve_times: bool,
    ) -> napi::Result<()> {
        run_sync(env, "copy", || self.fs.copy(&src, &dest, CopyOptions { overwrite, preserve_times }))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    #[allow(clippy::too_many_arguments)]
    pub fn copy<'e>(
        &self,
        env: &'e Env,
        src: String,
        dest: String,
        overwrite: bool,
        preserve_times: bool,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        spawn(env, "copy", cancel, on_progress, move |ctl| {
            fs.copy_with(&src, &dest, CopyOptions { overwrite, preserve_times }, ctl)
        })
    }

    #[napi(catch_unwind)]
    pub fn move_sync(&self, env: &Env, src: String, dest: String) -> napi::Result<()> {
        run_sync(env, "move", || self.fs.rename(&src, &dest))
    }

    #[napi(catch_unwind, js_name = "move", ts_return_type = "Promise<void>")]
    pub fn move_<'e>(&self, env: &'e Env, src: String, dest: String) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        run_async(env, "move", move || fs.rename(&src, &dest))
    }

    #[napi(catch_unwind)]
    pub fn rm_sync(&self, env: &Env, path: String, recursive: bool, force: bool) -> napi::Result<()> {
        run_sync(env, "rm", || self.fs.rm(&path, RemoveOptions { recursive, force }))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn rm<'e>(&self, env: &'e Env, path: String, recursive: bool, force: bool) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        run_async(env, "rm", move || fs.rm(&path, RemoveOptions { recursive, force }))
    }

    #[napi(catch_unwind)]
    pub fn mkdir_sync(&self, env: &Env, path: String, parents: bool) -> napi::Result<()> {
        run_sync(env, "mkdir", || self.fs.mkdir(&path, parents))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn mkdir<'e>(&self, env: &'e Env, path: String, parents: bool) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        run_async(env, "mkdir", move || fs.mkdir(&path, parents))
    }

    #[napi(catch_unwind)]
    pub fn touch_sync(&self, env: &Env, path: String) -> napi::Result<()> {
        run_sync(env, "touch", || self.fs.touch(&path))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn touch<'e>(&self, env: &'e Env, path: String) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        run_async(env, "touch", move || fs.touch(&path))
    }

    #[napi(catch_unwind)]
    pub fn chmod_sync(&self, env: &Env, path: String, mode: Either<f64, String>) -> napi::Result<()> {
        run_sync(env, "chmod", || self.fs.chmod(&path, &mode_spec("chmod", &mode)?))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn chmod<'e>(&self, env: &'e Env, path: String, mode: Either<f64, String>) -> napi::Result<PromiseRaw<'e, ()>> {
        // Parse on the JS thread so a bad mode throws at once.
        let spec = mode_spec("chmod", &mode).map_err(|e| js_error(env, &e))?;
        let fs = self.fs.clone();
        run_async(env, "chmod", move || fs.chmod(&path, &spec))
    }

    #[napi(catch_unwind)]
    pub fn link_sync(&self, env: &Env, target: String, path: String) -> napi::Result<()> {
        run_sync(env, "link", || self.fs.link(&target, &path))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn link<'e>(&self, env: &'e Env, target: String, path: String) -> napi::Result<PromiseRaw<'e, ()>> {
        let fs = self.fs.clone();
        run_async(env, "link", move || fs.link(&target, &path))
    }

    #[napi(catch_unwind)]
    pub fn hash_sync(&self, env: &Env, path: String, algorithm: String) -> napi::Result<String> {
        run_sync(env, "hash", || self.fs.hash(&path, Algorithm::parse("hash", &algorithm)?))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn hash<'e>(
        &self,
        env: &'e Env,
        path: String,
        algorithm: String,
        cancel: Option<&CancelToken>,
        on_progress: OnProgress<'_>,
    ) -> napi::Result<PromiseRaw<'e, String>> {
        let algorithm = Algorithm::parse("hash", &algorithm).map_err(|e| js_error(env, &e))?;
        let fs = self.fs.clone();
        spawn(env, "hash", cancel, on_progress, move |ctl| fs.hash_with(&path, algorithm, ctl))
    }

    #[napi(catch_unwind)]
    pub fn verify_sync(
        &self,
        env: &Env,
        path: String,
        expected: String,
        algorithm: Option<String>,
    ) -> napi::Result<bool> {
        run_sync(env, "verify", || {
            let algorithm = algorithm.as_deref().map(|a| Algorithm::parse("verify", a)).transpose()?;
            self.fs.verify(&path, &expected, algorithm)
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn verify<'e>(
        &self,
        env: &'e Env,
        path: String,
        expected: String,
        algorithm: Option<String>,
    ) -> napi::Result<PromiseRaw<'e, bool>> {
        let algorithm =
            algorithm.as_deref().map(|a| Algorithm::parse("verify", a)).transpose().map_err(|e| js_error(env, &e))?;
        let fs = self.fs.clone();
        run_async(env, "verify", move || fs.verify(&path, &expected, algorithm))
    }

    #[napi(catch_unwind)]
    pub fn size_sync(&self, env: &Env, path: String) -> napi::Result<SizeReport> {
        run_sync(env, "size", || self.fs.size(&path).map(size_report))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<SizeReport>")]
    pub fn size<'e>(&self, env: &'e Env, path: String) -> napi::Result<PromiseRaw<'e, SizeReport>> {
        let fs = self.fs.clone();
        run_async(env, "size", move || fs.size(&path).map(size_report))
    }

    #[napi(catch_unwind)]
    pub fn check_sync(&self, env: &Env, path: String) -> napi::Result<Access> {
        run_sync(env, "check", || self.fs.check(&path).map(access))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<Access>")]
    pub fn check<'e>(&self, env: &'e Env, path: String) -> napi::Result<PromiseRaw<'e, Access>> {
        let fs = self.fs.clone();
        run_async(env, "check", move || fs.check(&path).map(access))
    }

    /// Open for reading (confined like every other path) and hand the descriptor to Node.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn open_for_stream<'e>(&self, env: &'e Env, path: String) -> napi::Result<PromiseRaw<'e, i32>> {
        let fs = self.fs.clone();
        run_async(env, "stream", move || fs.open_for_stream(&path))
    }
}

//! `NativeWatcher`: the binding of `crate::watch::Watcher`. Options arrive validated by
//! `lib/watch.js`; events leave the watcher's thread in batches through an [`EventQueue`] and
//! become plain objects (errors become Node-style `Error`s) on the JS thread.

use std::path::{Path, PathBuf};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::{sys, Env, JsError};
use napi_derive::napi;

use super::events::EventQueue;
use super::{js_error, run_sync};
use crate::watch::{ChangeKind, ContentChange, ContentOptions, Event, Sink, WatchOptions, Watcher};

/// Options as `lib/watch.js` passes them.
#[napi(object)]
pub struct WatchConfig {
    pub recursive: bool,
    pub ignore: Vec<String>,
    pub gitignore: bool,
    pub debounce_ms: u32,
    pub follow_symlinks: bool,
    /// Watch file contents; `diff` and `max_bytes` only apply then.
    pub content: bool,
    pub diff: bool,
    pub max_bytes: f64,
}

#[napi(object, object_from_js = false)]
pub struct ChangeObject {
    #[napi(js_name = "type")]
    pub kind: &'static str,
    pub path: String,
    pub from: Option<String>,
    pub to: Option<String>,
    #[napi(js_name = "is_dir")]
    pub is_dir: bool,
    pub timestamp: f64,
}

#[napi(object, object_from_js = false)]
pub struct ReadyObject {
    #[napi(js_name = "type")]
    pub kind: &'static str,
    pub timestamp: f64,
}

#[napi(object, object_from_js = false)]
pub struct LineObject {
    #[napi(js_name = "type")]
    pub kind: &'static str,
    #[napi(js_name = "line_number")]
    pub line_number: f64,
    pub line: String,
}

#[napi(object, object_from_js = false)]
pub struct ContentObject {
    #[napi(js_name = "type")]
    pub kind: &'static str,
    pub path: String,
    #[napi(js_name = "previous_size")]
    pub previous_size: f64,
    pub size: f64,
    pub exists: bool,
    pub diff: Either<Vec<LineObject>, Null>,
    pub timestamp: f64,
}

fn shown(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn content_object(c: ContentChange) -> ContentObject {
    let diff = match c.diff {
        Some(lines) => Either::A(
            lines
                .into_iter()
                .map(|l| LineObject {
                    kind: if l.added { "added" } else { "removed" },
                    line_number: l.line_number as f64,
                    line: l.line,
                })
                .collect(),
        ),
        None => Either::B(Null),
    };
    ContentObject {
        kind: "change",
        path: shown(&c.path),
        previous_size: c.previous_size as f64,
        size: c.size as f64,
        exists: c.exists,
        diff,
        timestamp: c.timestamp,
    }
}

/// A watcher event on its way to JS.
pub struct JsEvent(Event);

impl ToNapiValue for JsEvent {
    /// Runs in the threadsafe function's callback, where a panic would abort Node: one becomes
    /// an ordinary error there instead.
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| js_event(env, value))).unwrap_or_else(|payload| {
            Err(napi::Error::from_reason(crate::error::Error::panic("watch", payload.as_ref()).message()))
        })
    }
}

/// # Safety
/// `env` must be the live environment of the JS thread this runs on.
unsafe fn js_event(env: sys::napi_env, value: JsEvent) -> napi::Result<sys::napi_value> {
    let object = |kind, path: &Path, is_dir, timestamp| ChangeObject {
        kind,
        path: shown(path),
        from: None,
        to: None,
        is_dir,
        timestamp,
    };
    match value.0 {
        Event::Change(c) => {
            let mut o = object(c.kind.name(), &c.path, c.is_dir, c.timestamp);
            if c.kind == ChangeKind::Renamed {
                o.from = c.from.as_deref().map(shown);
                o.to = Some(o.path.clone());
            }
            ChangeObject::to_napi_value(env, o)
        }
        Event::Content(c) => ContentObject::to_napi_value(env, content_object(c)),
        Event::Ready { timestamp } => ReadyObject::to_napi_value(env, ReadyObject { kind: "ready", timestamp }),
        Event::Overflow { path, is_dir, timestamp } => {
            ChangeObject::to_napi_value(env, object("overflow", &path, is_dir, timestamp))
        }
        Event::Error(e) => {
            let env = Env::from_raw(env);
            Ok(JsError::from(js_error(&env, &e)).into_value(env.raw()))
        }
    }
}

/// The native half of `Watcher` (see `lib/watch.js`).
#[napi]
pub struct NativeWatcher {
    watcher: Option<Watcher>,
}

#[napi]
impl NativeWatcher {
    /// Starts watching; `callback` receives batches of events and errors.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        paths: Vec<String>,
        config: WatchConfig,
        #[napi(ts_arg_type = "(batch: Array<object>) => void")] callback: Function<'_, Vec<JsEvent>, ()>,
    ) -> napi::Result<Self> {
        let queue = EventQueue::new(&callback)?;
        let op = if config.content { "watchContent" } else { "watch" };
        let options = WatchOptions {
            recursive: config.recursive,
            ignore: config.ignore,
            gitignore: config.gitignore,
            debounce: Duration::from_millis(config.debounce_ms.into()),
            follow_symlinks: config.follow_symlinks,
            content: config.content.then_some(ContentOptions { diff: config.diff, max_bytes: config.max_bytes as u64 }),
        };
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        let sink: Sink = Box::new(move |events| queue.extend(events.into_iter().map(JsEvent)));
        let watcher = run_sync(&env, op, || Watcher::start(&paths, options, sink))?;
        Ok(NativeWatcher { watcher: Some(watcher) })
    }

    /// Resolves once every kernel watch and descriptor of the watcher is released and its
    /// thread is ending. Waiting takes no thread: the watcher's own thread signals the end.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close<'e>(&mut self, env: &'e Env) -> napi::Result<PromiseRaw<'e, ()>> {
        let (done, closed) = tokio::sync::oneshot::channel::<()>();
        match self.watcher.take() {
            Some(w) => w.close_then(move || {
                let _ = done.send(());
            }),
            None => {
                let _ = done.send(());
            }
        }
        env.spawn_future_with_callback(
            async move {
                let _ = closed.await;
                Ok(())
            },
            |_, ()| Ok(()),
        )
    }

    /// Test hook: make the watcher's thread panic.
    #[napi(catch_unwind, js_name = "__panicEngine")]
    pub fn panic_engine(&self) {
        if let Some(w) = &self.watcher {
            w.panic_for_test();
        }
    }

    /// Test hook: stall the kernel-event thread so that the kernel queue overflows.
    #[napi(catch_unwind, js_name = "__stallBackend")]
    pub fn stall_backend(&self, ms: u32) {
        if let Some(w) = &self.watcher {
            w.stall_backend(ms.into());
        }
    }
}

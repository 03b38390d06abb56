//! Steering long operations from JavaScript: a [`CancelToken`] the JS wrapper trips when its
//! `AbortSignal` fires, and progress reports sampled from the core's counters and delivered
//! through an [`EventQueue`] (at most every 100 ms, plus a final report).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::events::EventQueue;
use crate::error::{Error, Result as CoreResult};
use crate::fs::walk::{Control, Problems, Progress};

const TICK: Duration = Duration::from_millis(100);

/// A cancel flag shared with work running off the JS thread.
#[napi]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        CancelToken { flag: Arc::new(AtomicBool::new(false)) }
    }

    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

#[napi(object, object_from_js = false)]
pub struct ProgressReport {
    pub files: f64,
    pub bytes: f64,
    /// The last report of the job (always sent, even when nothing changed), so the JS wrapper
    /// can settle its Promise only after every report was delivered.
    pub done: bool,
}

/// A problem met without stopping the operation, for `result.errors` (built into an `Error`
/// by `lib/errors.js`).
#[napi(object, object_from_js = false)]
pub struct RawProblem {
    pub code: String,
    pub message: String,
    pub errno: Option<i32>,
    pub syscall: Option<String>,
    pub path: Option<String>,
    pub dest: Option<String>,
}

pub(crate) fn raw_problem(e: &Error) -> RawProblem {
    RawProblem {
        code: e.code.to_string(),
        message: e.message(),
        errno: e.errno,
        syscall: e.syscall.map(str::to_string),
        path: e.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
        dest: e.dest.as_ref().map(|p| p.to_string_lossy().into_owned()),
    }
}

/// `(errors, omitted)` for a result object.
pub(crate) fn problems(p: &Problems) -> (Vec<RawProblem>, f64) {
    (p.errors.iter().map(raw_problem).collect(), p.omitted as f64)
}

/// The JS callback progress reports go to.
pub(crate) type OnProgress<'a> = Option<Function<'a, Vec<ProgressReport>, ()>>;

/// Run an async operation with its job (cancel token and progress callback).
pub(crate) fn spawn<'e, T: ToNapiValue + Send + 'static>(
    env: &'e napi::Env,
    op: &'static str,
    cancel: Option<&CancelToken>,
    on_progress: OnProgress<'_>,
    work: impl FnOnce(Control<'_>) -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'e, T>> {
    let job = Job::new(cancel, on_progress)?;
    super::run_async(env, op, move || job.run(work))
}

/// What an async call takes off the JS thread to steer its work.
pub(crate) struct Job {
    cancel: Option<Arc<AtomicBool>>,
    progress: Arc<Progress>,
    reports: Option<EventQueue<ProgressReport, false>>,
}

impl Job {
    /// Created on the JS thread from the call's optional token and progress callback.
    pub fn new(
        cancel: Option<&CancelToken>,
        on_progress: Option<Function<'_, Vec<ProgressReport>, ()>>,
    ) -> napi::Result<Job> {
        Ok(Job {
            cancel: cancel.map(|c| Arc::clone(&c.flag)),
            progress: Arc::new(Progress::default()),
            reports: on_progress.as_ref().map(EventQueue::strong).transpose()?,
        })
    }

    /// Run `work` with this job's control; while it runs, report progress every [`TICK`].
    pub fn run<T>(self, work: impl FnOnce(Control<'_>) -> CoreResult<T>) -> CoreResult<T> {
        let ctl = Control { cancel: self.cancel.as_deref(), progress: Some(&self.progress) };
        let Some(reports) = &self.reports else { return work(ctl) };
        let progress = &*self.progress;
        let (done, finished) = channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut last = (0, 0);
                while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(TICK) {
                    report(progress, reports, &mut last);
                }
            });
            let result = work(ctl);
            drop(done);
            result
        })
    }
}

/// Send the counters if they changed since `last`.
fn report(progress: &Progress, reports: &EventQueue<ProgressReport, false>, last: &mut (u64, u64)) {
    let now = progress.snapshot();
    if now != *last {
        *last = now;
        reports.push(ProgressReport { files: now.0 as f64, bytes: now.1 as f64, done: false });
    }
}

/// The final report, marked `done`, goes out when the job is dropped: after `run` (its ticker
/// thread joined first), after a panic in the work, and also for a job that never ran (the
/// runtime shutting down), so the JS side never waits for it in vain.
impl Drop for Job {
    fn drop(&mut self) {
        if let Some(reports) = &self.reports {
            let (files, bytes) = self.progress.snapshot();
            reports.push(ProgressReport { files: files as f64, bytes: bytes as f64, done: true });
        }
    }
}

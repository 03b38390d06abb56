'use strict';
// Long operations: an AbortSignal wired to a native cancel token, a progress callback that can
// neither crash Node nor be called after it threw, and results that carry the problems met
// along the way (unreadable entries) as Node-style errors in a non-enumerable `errors`.
const { CancelToken } = require('../binding.js');
const { invalidArgType } = require('./errors.js');

/** Node's AbortError: name 'AbortError', code 'ABORT_ERR', the signal's reason as cause. */
function abortError(reason) {
  const err = new Error('The operation was aborted', reason === undefined ? undefined : { cause: reason });
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

function signalOf(o) {
  const s = o.signal;
  if (s === undefined || s === null) return null;
  if (typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', s);
  }
  return s;
}

function progressOf(o) {
  const f = o.onProgress;
  if (f === undefined || f === null) return null;
  if (typeof f !== 'function') throw invalidArgType('options.onProgress', 'of type function', f);
  return f;
}

/** For `…Sync` forms: an already aborted signal throws; progress is not reported. */
function checkSync(o) {
  const signal = signalOf(o);
  progressOf(o);
  if (signal && signal.aborted) throw abortError(signal.reason);
}

/**
 * Run `start(token, onBatch)` (a native async call) steered by `o.signal` and `o.onProgress`.
 * A callback that throws cancels the work, and the call rejects with what it threw.
 */
async function steer(o, start) {
  const signal = signalOf(o);
  const onProgress = progressOf(o);
  if (signal && signal.aborted) throw abortError(signal.reason);
  const token = signal || onProgress ? new CancelToken() : undefined;
  let thrown = null;
  let refused = false; // the native call threw before its job started: no report is wanted
  // The native job always ends with a report marked `done`, sent however the work ended; the
  // call settles only once it was delivered, so no report ever arrives after the result.
  let delivered;
  const lastReport = onProgress ? new Promise((resolve) => (delivered = resolve)) : null;
  const onBatch = onProgress
    ? (batch) => {
        if (batch.length === 0) return;
        const last = batch[batch.length - 1];
        if (last.done) delivered();
        if (thrown || refused) return;
        try {
          onProgress({ files: last.files, bytes: last.bytes });
        } catch (err) {
          thrown = { err };
          token.cancel();
        }
      }
    : undefined;
  const onAbort = () => token.cancel();
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    // A call refused before the job started (bad arguments) sends no report.
    let pending;
    try {
      pending = start(token, onBatch);
    } catch (err) {
      refused = true;
      delivered?.();
      throw err;
    }
    let result;
    try {
      result = await pending;
    } finally {
      if (lastReport) await lastReport;
    }
    // A callback that threw on a late report (the work had already finished) still fails the call.
    if (thrown) throw thrown.err;
    return result;
  } catch (err) {
    if (thrown) throw thrown.err;
    if (err && err.code === 'ABORT_ERR') throw abortError(signal ? signal.reason : undefined);
    throw err;
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort);
  }
}

/** An Error built from a native problem report, shaped like a `node:fs` error. */
function fromRaw(raw) {
  const err = new Error(raw.message);
  err.code = raw.code;
  for (const key of ['errno', 'syscall', 'path', 'dest']) if (raw[key] !== undefined && raw[key] !== null) err[key] = raw[key];
  return err;
}

/**
 * `value` with a non-enumerable `errors` (entries that could not be read, as errors) and
 * `errorsOmitted` (how many more there were beyond the first 1,000).
 */
function withErrors(value, raw) {
  Object.defineProperty(value, 'errors', { value: raw.errors.map(fromRaw), enumerable: false });
  Object.defineProperty(value, 'errorsOmitted', { value: raw.omitted, enumerable: false });
  return value;
}

/** Build the `…Sync` and Promise forms of one operation from its argument parser and shaper. */
function operation(method, parse, shape) {
  return {
    sync(native, ...args) {
      const [o, positional] = parse(...args);
      checkSync(o);
      return shape(native[`${method}Sync`](...positional));
    },
    async promise(native, ...args) {
      const [o, positional] = parse(...args);
      return shape(await steer(o, (token, onBatch) => native[method](...positional, token, onBatch)));
    },
  };
}

module.exports = { operation, withErrors };

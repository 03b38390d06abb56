'use strict';
// `Cluster`: option checks, the event stream and message framing around the native supervisor.
// The native side spawns and watches the workers on its own thread; this file turns its event
// batches into EventEmitter events and Promise settlements, and batches outgoing messages so
// that everything sent to one worker in one turn of the event loop leaves in one write.
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { NativeCluster, availableParallelism } = require('../binding.js');
const { KeepAlive } = require('./events.js');
const { FrameWriter, DEFAULT_MAX_FRAME, forEachMessage } = require('./frame.js');

// A turn's sends to one worker go out in one write, or in 64 KiB writes when they add up to more.
const FLUSH_AT = 64 * 1024;
const v = require('./validate.js');

const MAX_WORKERS = 1024;
/** The main script of a spare process: waits for a slot, then runs the entry. */
const SPARE_MAIN = path.join(__dirname, 'spare.js');
const DAY = 24 * 3600 * 1000;

function stringArray(opts, key) {
  const value = opts[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
    throw v.invalidArgType(`options.${key}`, 'an array of strings', value);
  }
  return value;
}

function envOf(value) {
  const o = v.options(value, 'options.env');
  const out = {};
  for (const [k, val] of Object.entries(o)) {
    if (val === undefined) continue;
    if (!['string', 'number', 'boolean'].includes(typeof val)) {
      throw v.invalidArgType(`options.env.${k}`, 'of type string, number or boolean', val);
    }
    out[k] = String(val);
  }
  return out;
}

function workersOf(value) {
  if (value === undefined || value === 'auto') return undefined;
  if (typeof value !== 'number') throw v.invalidArgType('options.workers', "of type number or 'auto'", value);
  if (!Number.isInteger(value) || value < 1 || value > MAX_WORKERS) {
    throw v.outOfRange('options.workers', `an integer >= 1 and <= ${MAX_WORKERS}`, value);
  }
  return value;
}

function listenOf(value) {
  if (value === undefined || value === null) return {};
  const o = v.options(value, 'options.listen');
  if (o.port === undefined) throw v.invalidArgType('options.listen.port', 'of type number', undefined);
  return {
    listenHost: v.string(o, 'host', '0.0.0.0'),
    listenPort: v.integer({ 'listen.port': o.port }, 'listen.port', undefined, 0, 65535),
    listenBacklog: v.integer({ 'listen.backlog': o.backlog }, 'listen.backlog', 511, 1, 65535),
  };
}

function ratio(opts, key, fallback) {
  const value = opts[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw v.outOfRange(`options.${key}`, '>= 0 and <= 1', value);
  return value;
}

/** Validated options with every default, in the shape `NativeCluster` takes. */
function nativeOptions(options) {
  const o = v.options(options);
  const entry = path.resolve(v.toPath(o.entry, 'options.entry'));
  const ms = (key, fallback) => v.integer(o, key, fallback, 0, DAY);
  const maxMemory = o.maxMemory === undefined ? undefined : v.integer(o, 'maxMemory', undefined, 1);
  const execArgv = stringArray(o, 'execArgv');
  const args = stringArray(o, 'args');
  const spares = v.integer(o, 'spares', 0, 0, MAX_WORKERS);
  const cwd = o.cwd === undefined ? undefined : path.resolve(v.toPath(o.cwd, 'options.cwd'));
  if (spares > 0 && o.exec !== undefined) {
    const err = new TypeError('options.spares needs Node as the worker program: it cannot be used with options.exec');
    err.code = 'ERR_INVALID_ARG_VALUE';
    throw err;
  }
  return {
    program: o.exec === undefined ? process.execPath : v.toPath(o.exec, 'options.exec'),
    args: [...execArgv, entry, ...args],
    spares,
    // The spare gets the configured directory too: it enters it again when it is handed a
    // slot, as a worker started then would (a deploy may have moved a symlink meanwhile).
    spareArgs: spares > 0 ? [...execArgv, SPARE_MAIN, cwd ?? '', entry, ...args] : [],
    env: envOf(o.env),
    cwd,
    workers: workersOf(o.workers),
    ...listenOf(o.listen),
    silent: v.bool(o, 'silent', false),
    heartbeatInterval: v.integer(o, 'heartbeatInterval', 1000, 10, DAY),
    heartbeatTimeout: ms('heartbeatTimeout', 10_000),
    readyTimeout: ms('readyTimeout', 30_000),
    restartDelay: ms('restartDelay', 100),
    maxRestartDelay: ms('maxRestartDelay', 10_000),
    maxRestarts: v.integer(o, 'maxRestarts', 10, 0, 1_000_000),
    restartWindow: ms('restartWindow', 60_000),
    maxMemory,
    gcRatio: ratio(o, 'gcRatio', 0.8),
    sampleInterval: v.integer(o, 'sampleInterval', 1000, 10, 1000),
    maxFrame: v.integer(o, 'maxFrame', DEFAULT_MAX_FRAME, 16, 2 ** 31 - 1),
    stopTimeout: ms('stopTimeout', 5000),
  };
}

function clusterError(code, message, extra) {
  const err = new Error(message);
  err.code = code;
  return Object.assign(err, extra);
}

/** An error event's fields, as Node puts them on a system error. */
function nativeError(e, extra) {
  const err = clusterError(e.code, e.message, extra);
  for (const key of ['errno', 'syscall', 'path', 'dest', 'hint']) if (e[key] !== undefined) err[key] = e[key];
  return err;
}

function workerId(id) {
  if (typeof id !== 'number') throw v.invalidArgType('id', 'of type number', id);
  if (!Number.isInteger(id) || id < 0) throw v.outOfRange('id', 'an integer >= 0', id);
  return id;
}

/** A throwing listener must not cost the events after it: its error is rethrown on its own. */
function rethrowLater(err) {
  process.nextTick(() => {
    throw err;
  });
}

/**
 * A supervised set of worker processes with a framed control channel to each.
 * See index.d.ts for the documented API.
 */
class Cluster extends EventEmitter {
  #options;
  #native = null;
  #keepAlive = null;
  #seq = 0;
  #pending = new Map();
  #resolveClosed = null;
  #closed = null;
  /** Live processes per worker id, as far as the events delivered so far tell. */
  #live = new Map();
  #outbox = new Map();
  #flushScheduled = false;
  #full = new Set();
  #startFailure = null;

  constructor(options) {
    super();
    this.#options = nativeOptions(options);
  }

  /** Spawn the workers; resolves once every one of them called `worker.ready()`. */
  start() {
    if (this.#native) return Promise.reject(clusterError('ERR_XSYS_ALREADY_STARTED', 'start: the cluster is already running'));
    const seq = ++this.#seq;
    const started = this.#expect(seq);
    this.#keepAlive = new KeepAlive(true);
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    try {
      this.#native = new NativeCluster(this.#options, seq, (batch) => this.#onEvents(batch));
    } catch (err) {
      this.#pending.delete(seq);
      this.#release();
      return Promise.reject(err);
    }
    return started;
  }

  /**
   * Stop every worker: ask each to shut down gracefully, SIGTERM after `timeout` ms, SIGKILL
   * 2 s later. Resolves once all have exited.
   */
  stop(options) {
    if (!this.#native) return Promise.resolve();
    const o = v.options(options);
    const timeout = v.integer(o, 'timeout', this.#options.stopTimeout, 0, DAY);
    this.#native.stop(timeout);
    return this.#closed;
  }

  /** Replace every worker in turn (start new, wait until ready, then stop old); no connection on the shared port is refused. */
  reload() {
    if (!this.#native) return Promise.reject(clusterError('ERR_XSYS_NOT_RUNNING', 'reload: the cluster is not running'));
    const seq = ++this.#seq;
    const done = this.#expect(seq);
    try {
      this.#native.reload(seq);
    } catch (err) {
      this.#pending.delete(seq);
      return Promise.reject(err);
    }
    return done;
  }

  /**
   * Send a message to worker `id`: Buffers and typed arrays as bytes, anything else as JSON.
   * Returns false when that worker's queue is full: wait for 'drain'.
   */
  send(id, message) {
    workerId(id);
    if (!this.#live.get(id)) throw clusterError('ERR_XSYS_NO_WORKER', `send: worker ${id} is not running`, { id });
    let writer = this.#outbox.get(id);
    if (!writer) this.#outbox.set(id, (writer = new FrameWriter(this.#options.maxFrame)));
    writer.push(message);
    // Batched per turn, but never more than FLUSH_AT held here: what the answer below says
    // must include this turn's sends (a synchronous send loop has to see false).
    if (writer.length >= FLUSH_AT) this.#write(id, writer);
    else this.#scheduleFlush();
    return !this.#full.has(id);
  }

  /** Send a message to every running worker; false when any worker's queue is full. */
  broadcast(message) {
    const writer = new FrameWriter(this.#options.maxFrame);
    writer.push(message);
    this.#flush();
    if (!this.#native) return true;
    const over = this.#native.broadcast(writer.take(true));
    for (const id of over) this.#full.add(id);
    return over.length === 0;
  }

  /** One row per worker slot. */
  workers() {
    if (!this.#native) return [];
    return this.#native.workers().map((w) => ({
      id: w.id,
      pid: w.pid ?? null,
      state: w.state,
      restarts: w.restarts,
      rss: w.rss,
      cpu: w.cpu,
      uptime: w.uptime,
    }));
  }

  /** The shared port's address (like `server.address()`), or null without `listen`. */
  address() {
    return this.#native?.address() ?? null;
  }

  #expect(seq) {
    return new Promise((resolve, reject) => this.#pending.set(seq, { resolve, reject }));
  }

  #scheduleFlush() {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush() {
    this.#flushScheduled = false;
    for (const [id, writer] of this.#outbox) if (writer.length > 0) this.#write(id, writer);
  }

  #write(id, writer) {
    const frames = writer.take(true);
    if (!this.#native) return;
    try {
      if (!this.#native.write(id, frames)) this.#full.add(id);
    } catch (err) {
      // The worker died after send() was called; its 'exit' event is on its way.
      if (err.code !== 'ERR_XSYS_NO_WORKER') throw err;
    }
  }

  #onEvents(batch) {
    for (const event of batch) {
      try {
        this.#dispatch(event);
      } catch (err) {
        rethrowLater(err);
      }
    }
  }

  #dispatch(e) {
    switch (e.kind) {
      case 'messages': {
        const from = Object.freeze({ id: e.id, pid: e.pid });
        // One event holds many messages: a throwing listener must not cost the ones after it.
        const deliver = (message) => {
          try {
            this.emit('message', message, from);
          } catch (err) {
            rethrowLater(err);
          }
        };
        // All-JSON batches come as strings (checked natively), others as whole frames.
        if (e.texts) for (const text of e.texts) deliver(JSON.parse(text));
        else forEachMessage(e.data, deliver);
        return;
      }
      case 'online':
        this.#live.set(e.id, (this.#live.get(e.id) ?? 0) + 1);
        this.emit('online', { id: e.id, pid: e.pid });
        return;
      case 'ready':
        this.emit('ready', { id: e.id, pid: e.pid });
        return;
      case 'exit': {
        this.#live.set(e.id, Math.max(0, (this.#live.get(e.id) ?? 1) - 1));
        this.emit('exit', { id: e.id, pid: e.pid, code: e.code ?? null, signal: e.signal ?? null, reason: e.reason });
        // A full queue went with its worker: whoever waits for 'drain' must not wait forever, and
        // sends to the slot's next worker start over (the next write says again if it is full).
        if (this.#full.delete(e.id)) this.emit('drain', { id: e.id });
        return;
      }
      case 'restart':
        this.emit('restart', { id: e.id, pid: e.pid, delay: e.delay, restarts: e.restarts, reason: e.reason });
        return;
      case 'failed':
        this.emit('failed', { id: e.id, restarts: e.restarts });
        return;
      case 'memory':
        this.emit('memory', { id: e.id, pid: e.pid, rss: e.rss, limit: e.limit, action: e.action });
        return;
      case 'drain':
        this.#full.delete(e.id);
        this.emit('drain', { id: e.id });
        return;
      case 'error': {
        const err = nativeError(e, { id: e.id ?? null, pid: e.pid ?? null });
        // A misbehaving worker must not be able to crash the manager through an unhandled
        // 'error' event: without listeners it becomes a warning.
        if (this.listenerCount('error') > 0) this.emit('error', err);
        else process.emitWarning(err);
        return;
      }
      case 'done': {
        const waiter = this.#pending.get(e.seq);
        if (!waiter) return;
        this.#pending.delete(e.seq);
        if (!e.code) waiter.resolve();
        // A failed start is reported once everything it began is torn down.
        else if (e.op === 'start') this.#startFailure = { waiter, err: nativeError(e) };
        else waiter.reject(nativeError(e));
        return;
      }
      case 'closed':
        this.#native.join();
        this.#native = null;
        for (const { reject } of this.#pending.values()) reject(clusterError('ERR_XSYS_CLUSTER_STOPPED', 'the cluster was stopped'));
        this.#pending.clear();
        this.#startFailure?.waiter.reject(this.#startFailure.err);
        this.#startFailure = null;
        this.#live.clear();
        this.#outbox.clear();
        this.#full.clear();
        this.#release();
        this.#resolveClosed();
        return;
      // 'attach': the native side now reads that worker's channel on this thread; nothing to do.
      default:
    }
  }

  #release() {
    this.#keepAlive?.release();
    this.#keepAlive = null;
  }
}

/** What `workers: 'auto'` means here: the CPUs this process may use (cgroup quota and affinity respected). */
Cluster.availableParallelism = availableParallelism;

module.exports = { Cluster };

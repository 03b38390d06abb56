'use strict';
// `Monitor`: an EventEmitter, and an async iterator of its snapshots, fed by a native sampling
// thread (src/sys/monitor.rs). Events arrive in batches through the shared EventQueue, so a busy
// event loop delays snapshots but never loses them, and the thread never waits for JS.
const { EventEmitter } = require('node:events');
const { sys: native } = require('../binding.js');
const { KeepAlive, iterate } = require('./events.js');
const v = require('./validate.js');

// setInterval's own limit: a longer interval would overflow a 32-bit timer anywhere else.
const MAX_INTERVAL = 2 ** 31 - 1;
const MIN_INTERVAL = 10;

function nativeError(event) {
  const err = new Error(event.message);
  err.code = event.code;
  if (event.errno !== null) err.errno = event.errno;
  if (event.syscall !== null) err.syscall = event.syscall;
  return err;
}

function scheduleOf(options) {
  const o = v.options(options);
  const interval = v.integer(o, 'interval', 1000, MIN_INTERVAL, MAX_INTERVAL);
  const duration = o.duration === undefined || o.duration === null || o.duration === Infinity
    ? null
    : v.integer(o, 'duration', null, 0);
  return { interval, duration, persistent: v.bool(o, 'persistent', true) };
}

/**
 * Emits `snapshot` every `interval` ms, `exit` when a monitored process goes away, `error` if
 * sampling fails, and `close` once it has stopped (after `close()`, at the end of `duration`,
 * after `exit` or `error`). See index.d.ts.
 */
class Monitor extends EventEmitter {
  #native;
  #keepAlive;
  #closed = false;

  /** @param {number | null} pid null for the whole system */
  constructor(pid, options) {
    super();
    const { interval, duration, persistent } = scheduleOf(options);
    this.#keepAlive = new KeepAlive(persistent);
    try {
      this.#native = native.startMonitor(pid, interval, duration, (batch) => this.#deliver(batch));
    } catch (err) {
      this.#keepAlive.release();
      throw err;
    }
  }

  #deliver(batch) {
    for (const event of batch) {
      if (this.#closed) return;
      switch (event.type) {
        case 'snapshot':
          this.emit('snapshot', event.data);
          break;
        case 'exit':
          this.emit('exit', { pid: event.pid, timestamp: event.timestamp });
          break;
        case 'error':
          this.#finish(nativeError(event));
          return;
        case 'end':
          this.#finish(null);
          return;
      }
    }
  }

  #finish(err) {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close(); // wakes the thread and waits for it: microseconds
    this.#keepAlive.release();
    // After pending promise continuations: `await once(m, 'exit')` then `once(m, 'close')`
    // must still see 'close'.
    setImmediate(() => {
      if (err) this.emit('error', err);
      this.emit('close');
    });
  }

  /** Stop sampling and release the thread. Idempotent. */
  close() {
    this.#finish(null);
  }

  /** True once the monitor has stopped. */
  get closed() {
    return this.#closed;
  }

  /** Keep Node alive while this monitor runs (the default for `persistent: true`). */
  ref() {
    if (!this.#closed) this.#keepAlive.ref();
    return this;
  }

  /** Let Node exit while this monitor runs. */
  unref() {
    if (!this.#closed) this.#keepAlive.unref();
    return this;
  }

  [Symbol.asyncIterator]() {
    return iterate(this, 'snapshot');
  }
}

module.exports = { Monitor };

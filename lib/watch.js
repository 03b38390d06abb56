'use strict';
// `watch()` and `watchContent()`: an EventEmitter (and async iterator) over the native watcher.
// Events come from the watcher's thread in batches; each is emitted under its own type and
// under 'all'. Argument checks happen here, before anything reaches native code.
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { NativeWatcher } = require('../binding.js');
const { KeepAlive, iterate } = require('./events.js');
const v = require('./validate.js');

const DEFAULT_DEBOUNCE_MS = 20;
// Content is read after each window: a slightly longer one avoids reading a file mid-write.
const DEFAULT_CONTENT_DEBOUNCE_MS = 50;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const CONTENT = Symbol('content');

function pathList(paths) {
  const many = Array.isArray(paths);
  const list = many ? paths : [paths];
  if (list.length === 0) throw v.invalidArgValue('paths', 'must not be empty', paths);
  return list.map((p, i) => path.resolve(v.toPath(p, many ? `paths[${i}]` : 'paths')));
}

function patterns(value) {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((p, i) => v.requireString(p, `options.ignore[${i}]`));
}

function config(o, content) {
  return {
    recursive: v.bool(o, 'recursive', true),
    ignore: patterns(o.ignore),
    gitignore: v.bool(o, 'gitignore', false),
    debounceMs: v.integer(o, 'debounce', content ? DEFAULT_CONTENT_DEBOUNCE_MS : DEFAULT_DEBOUNCE_MS, 0, 2 ** 31 - 1),
    followSymlinks: v.bool(o, 'followSymlinks', false),
    content,
    diff: content ? v.bool(o, 'diff', true) : false,
    maxBytes: content ? v.integer(o, 'maxBytes', DEFAULT_MAX_BYTES) : 0,
  };
}

/**
 * Watches paths for changes. Create one with `watch()` or `watchContent()`; see index.d.ts.
 */
class Watcher extends EventEmitter {
  #native;
  #alive;
  #closing = null;

  constructor(paths, options, mode) {
    super();
    const o = v.options(options);
    const list = pathList(paths);
    this.#native = new NativeWatcher(list, config(o, mode === CONTENT), (batch) => this.#deliver(batch));
    this.#alive = new KeepAlive(v.bool(o, 'persistent', true));
  }

  #deliver(batch) {
    if (this.#closing) return; // nothing is reported once close() has been called
    let thrown = null;
    const emit = (name, event) => {
      try {
        this.emit(name, event);
      } catch (err) {
        thrown ??= { err };
      }
    };
    for (const event of batch) {
      if (event instanceof Error) {
        emit('error', event);
      } else {
        emit(event.type, event);
        emit('all', event);
      }
    }
    // A throwing listener must not cost the other listeners the rest of the batch; its error is
    // rethrown afterwards, as an uncaught exception like any listener's.
    if (thrown) process.nextTick(() => { throw thrown.err; });
  }

  /** Whether close() has been called. */
  get closed() {
    return this.#closing !== null;
  }

  /** Stops watching; resolves once kernel watches, descriptors and threads are released. */
  close() {
    this.#closing ??= this.#native.close().finally(() => {
      this.#alive.release();
      this.emit('close');
    });
    return this.#closing;
  }

  /** Keep Node's event loop alive while this watcher is open (the default with `persistent`). */
  ref() {
    if (!this.#closing) this.#alive.ref();
    return this;
  }

  /** Do not keep Node's event loop alive for this watcher. */
  unref() {
    this.#alive.unref();
    return this;
  }

  /** Every event object ('all'), until the watcher closes; leaving the loop closes it. */
  [Symbol.asyncIterator]() {
    return iterate(this, 'all');
  }

  /** Test hook: stall the kernel-event thread for `ms` so the kernel queue overflows. */
  __stallBackend(ms) {
    this.#native.__stallBackend(ms);
  }

  /** Test hook: make the watcher's thread panic (reported as an ERR_XSYS_PANIC error event). */
  __panicEngine() {
    this.#native.__panicEngine();
  }
}

/** Watch files and directory trees for created/modified/deleted/renamed entries. */
function watch(paths, options) {
  return new Watcher(paths, options);
}

/** Watch files' contents: a 'change' event with a line diff whenever a file's content changes. */
function watchContent(paths, options) {
  return new Watcher(paths, options, CONTENT);
}

module.exports = { Watcher, watch, watchContent };

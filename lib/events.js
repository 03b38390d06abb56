'use strict';
// Shared plumbing for event sources fed by native threads (watchers, monitors, clusters).
// Native code never keeps Node alive (its threadsafe functions are weak); `KeepAlive` does that
// for sources opened with `persistent: true`, and `iterate` turns a source into an async
// iterator.

/** Holds Node's event loop open while a persistent source is open. */
class KeepAlive {
  #timer;

  constructor(persistent) {
    this.#timer = setInterval(() => {}, 2 ** 31 - 1);
    if (!persistent) this.#timer.unref();
  }

  ref() {
    this.#timer?.ref();
  }

  unref() {
    this.#timer?.unref();
  }

  release() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * An async iterator over the `eventName` events of `source`. It ends when the source emits
 * 'close' and throws the source's 'error'. Leaving a `for await` loop early closes the source,
 * as it does for streams.
 */
function iterate(source, eventName) {
  const queue = [];
  const waiting = [];
  let finished = false;
  let failure = null;

  const settle = () => {
    while (waiting.length && queue.length) waiting.shift().resolve({ value: queue.shift(), done: false });
    if (!finished) return;
    for (const w of waiting.splice(0)) {
      if (failure) w.reject(failure);
      else w.resolve({ value: undefined, done: true });
      failure = null;
    }
  };
  const onEvent = (value) => {
    queue.push(value);
    settle();
  };
  const onClose = () => {
    finished = true;
    detach();
    settle();
  };
  const onError = (err) => {
    failure = err;
    onClose();
  };
  const detach = () => {
    source.off(eventName, onEvent);
    source.off('close', onClose);
    source.off('error', onError);
  };
  source.on(eventName, onEvent);
  source.on('close', onClose);
  source.on('error', onError);

  return {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
      if (failure) {
        const err = failure;
        failure = null;
        return Promise.reject(err);
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async return() {
      finished = true;
      detach();
      queue.length = 0;
      settle();
      await source.close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

module.exports = { KeepAlive, iterate };

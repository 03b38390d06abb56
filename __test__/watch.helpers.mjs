// Helpers for the watch suites: recording events, waiting for them with generous timeouts (CI
// machines are slow and shared: tests assert what arrives, never how fast), and reading the
// process's kernel resources from /proc.
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** How long to wait for an event that must come. */
export const ARRIVAL_MS = 15_000;
/** How long to wait to be confident that an event that must not come does not. */
export const QUIET_MS = 400;

/** Start recording a watcher's events (errors too, as `{ type: 'error', error }`). */
export function record(watcher) {
  const events = [];
  const waiters = new Set();
  const check = () => {
    for (const w of waiters) {
      if (w.predicate(events)) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(events);
      }
    }
  };
  watcher.on('all', (e) => {
    events.push(e);
    check();
  });
  watcher.on('error', (error) => {
    events.push({ type: 'error', error });
    check();
  });
  return {
    events,
    /** Resolves once `predicate(events)` holds; rejects after `timeout` listing what came. */
    until(predicate, what = 'the expected events', timeout = ARRIVAL_MS) {
      if (predicate(events)) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`timed out after ${timeout} ms waiting for ${what}; got:\n${shown(events)}`));
        }, timeout);
        waiters.add(w);
      });
    },
    /** Waits for an event of `type` on `path`. */
    event(type, path) {
      return this.until((es) => es.some((e) => e.type === type && e.path === path), `${type} ${path}`);
    },
    /** Change events (created/modified/deleted/renamed) only, as "type path" strings. */
    changes() {
      return events.filter((e) => CHANGE_TYPES.has(e.type)).map(line);
    },
    clear() {
      events.length = 0;
    },
  };
}

const CHANGE_TYPES = new Set(['created', 'modified', 'deleted', 'renamed']);

export function line(e) {
  if (e.type === 'renamed') return `renamed ${e.from} -> ${e.to}`;
  if (e.type === 'error') return `error ${e.error.code} ${e.error.message}`;
  return `${e.type} ${e.path ?? ''}`.trim();
}

function shown(events, max = 40) {
  const lines = events.slice(0, max).map((e) => `  ${line(e)}`);
  if (events.length > max) lines.push(`  … and ${events.length - max} more`);
  return lines.join('\n') || '  (nothing)';
}

/** Open a watcher and wait for its initial scan. */
export async function ready(watcher) {
  await once(watcher, 'ready');
  return watcher;
}

function fdTargets() {
  const out = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push([fd, readlinkSync(`/proc/self/fd/${fd}`)]);
    } catch {
      // closed while we looked (readdir's own descriptor)
    }
  }
  return out;
}

/** Kernel resources held by this process: descriptors, threads, inotify instances and watches. */
export function resources() {
  const fds = fdTargets();
  const inotify = fds.filter(([, target]) => target === 'anon_inode:inotify');
  let watches = 0;
  for (const [fd] of inotify) {
    try {
      watches += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return {
    fds: fds.length,
    threads: readdirSync('/proc/self/task').length,
    inotifyInstances: inotify.length,
    inotifyWatches: watches,
  };
}

/**
 * Resources once they are back to `baseline`, or as they are after `timeout` ms. close()
 * resolves when the watcher's threads are making their last move; the kernel may take a few more
 * microseconds to drop them from /proc.
 */
export async function settled(baseline, timeout = 2000) {
  const until = Date.now() + timeout;
  let now = resources();
  while (Date.now() < until && JSON.stringify(now) !== JSON.stringify(baseline)) {
    await sleep(5);
    now = resources();
  }
  return now;
}

/** Resources once they stop changing (two readings 100 ms apart agree): a baseline. */
export async function steady() {
  let last = resources();
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const now = resources();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

// Helpers for the cluster suites: clusters that are always stopped, events with deadlines, and
// process checks that see through zombies.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { xsys } from './helpers.mjs';

export const { Cluster } = xsys;

/** Path of a worker fixture. */
export function fixture(name) {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A Cluster that is stopped (at once) when the test ends, whatever happened. */
export function cluster(t, options) {
  const c = new Cluster({ workers: 1, ...options });
  t.after(() => c.stop({ timeout: 0 }));
  return c;
}

/** The next `event` whose payload satisfies `test`; rejects after `ms`. */
export function next(emitter, event, test = () => true, ms = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' event within ${ms} ms`));
    }, ms);
    function on(...args) {
      if (!test(...args)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(args.length > 1 ? args : args[0]);
    }
    emitter.on(event, on);
  });
}

/** Every event `event` emitted from now on, in a list. */
export function record(emitter, event) {
  const seen = [];
  emitter.on(event, (...args) => seen.push(args.length > 1 ? args : args[0]));
  return seen;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `pid` is a live process: a zombie has already died, it only awaits reaping. */
export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose parent is `parent`, with their state letter. */
export function children(parent = process.pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) out.push({ pid: Number(name), state: fields[0] });
    } catch {
      // It exited while we looked.
    }
  }
  return out;
}

export function openFds() {
  return readdirSync('/proc/self/fd').length;
}

export function threads() {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

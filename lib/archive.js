'use strict';
// Archives (`gzip`, `gunzip`, `tar`, `untar`): argument checks and result shaping around the
// native core. Called by the thin methods of `FileSystem`.
const v = require('./validate.js');
const { operation, withErrors } = require('./jobs.js');

/** Defaults documented in index.d.ts (`UntarLimits`). */
const LIMITS = { maxBytes: 16 * 2 ** 30, maxEntries: 1_000_000, maxDepth: 1024, maxRatio: 100 };

function levelOf(o) {
  return v.integer(o, 'level', 6, 0, 9);
}

function limitsOf(o) {
  const l = v.options(o.limits, 'options.limits');
  const number = (key, min, integer) => {
    const x = l[key];
    if (x === undefined || x === null) return LIMITS[key];
    if (typeof x !== 'number') throw v.invalidArgType(`options.limits.${key}`, 'of type number', x);
    if (Number.isNaN(x) || x < min || (integer && x !== Infinity && !Number.isInteger(x))) {
      throw v.outOfRange(`options.limits.${key}`, `${integer ? 'an integer' : 'a number'} >= ${min}`, x);
    }
    return Math.min(x, Number.MAX_SAFE_INTEGER);
  };
  return {
    maxBytes: number('maxBytes', 0, true),
    maxEntries: number('maxEntries', 0, true),
    maxDepth: number('maxDepth', 1, true),
    maxRatio: number('maxRatio', 1, false),
  };
}

function untarArgs(archive, dest, options) {
  const o = v.options(options);
  const onUnsafe = v.string(o, 'onUnsafe', 'error');
  if (onUnsafe !== 'error' && onUnsafe !== 'skip') throw v.invalidArgValue('options.onUnsafe', "must be 'error' or 'skip'", onUnsafe);
  return [o, [v.toPath(archive, 'archive'), v.toPath(dest, 'dest'), limitsOf(o), onUnsafe]];
}

function tarArgs(dir, out, options) {
  const o = v.options(options);
  const gzip = v.bool(o, 'gzip', false);
  return [o, [v.toPath(dir, 'dir'), v.toPath(out, 'out'), gzip ? levelOf(o) : null]];
}

const nothing = () => undefined;

module.exports = {
  gzip: operation(
    'gzip',
    (src, dest, options) => {
      const o = v.options(options);
      return [o, [v.toPath(src, 'src'), v.toPath(dest, 'dest'), levelOf(o)]];
    },
    nothing,
  ),
  gunzip: operation('gunzip', (src, dest, options) => [v.options(options), [v.toPath(src, 'src'), v.toPath(dest, 'dest')]], nothing),
  tar: operation('tar', tarArgs, (raw) => withErrors({ entries: raw.entries, bytes: raw.bytes }, raw)),
  untar: operation('untar', untarArgs, (raw) => ({ entries: raw.entries, bytes: raw.bytes, skipped: raw.skipped })),
  LIMITS,
};

'use strict';
// Search and whole-tree operations (`find`, `grep`, `du`, `sync`, …): argument checks and
// result shaping around the native core. Called by the thin methods of `FileSystem`.
const v = require('./validate.js');
const { operation, withErrors } = require('./jobs.js');

const TYPES = new Set(['file', 'dir', 'symlink', 'any']);

/** A pattern: a string (Rust regex syntax) or a RegExp (its source; the `i` flag is kept). */
function patternOf(p, name = 'pattern') {
  if (typeof p === 'string') return p;
  if (p instanceof RegExp) return p.flags.includes('i') ? `(?i)${p.source}` : p.source;
  throw v.invalidArgType(name, 'of type string or an instance of RegExp', p);
}

function maxDepthOf(o) {
  return o.maxDepth === undefined || o.maxDepth === null ? null : v.integer(o, 'maxDepth', null, 1, 2 ** 32 - 1);
}

function findArgs(dir, options) {
  const o = v.options(options);
  const type = v.string(o, 'type', 'any');
  if (!TYPES.has(type)) throw v.invalidArgValue('options.type', "must be 'file', 'dir', 'symlink' or 'any'", type);
  const pattern = o.pattern === undefined || o.pattern === null ? null : patternOf(o.pattern, 'options.pattern');
  return [o, [v.toPath(dir, 'dir'), pattern, v.string(o, 'glob', null), type, maxDepthOf(o), v.bool(o, 'followLinks', false)]];
}

const paths = (raw) => withErrors(raw.paths, raw);

function extOf(ext) {
  const e = v.requireString(ext, 'ext');
  if (e.replace(/^\.+/, '') === '') throw v.invalidArgValue('ext', 'must not be empty', ext);
  return e;
}

/** Milliseconds since the epoch for `hoursOrDate`: a number of hours ago, or a Date. */
function sinceOf(hoursOrDate) {
  if (hoursOrDate instanceof Date) {
    const t = hoursOrDate.getTime();
    if (Number.isNaN(t)) throw v.invalidArgValue('hoursOrDate', 'must be a valid Date', hoursOrDate);
    return t;
  }
  if (typeof hoursOrDate === 'number') {
    if (!Number.isFinite(hoursOrDate) || hoursOrDate < 0) throw v.outOfRange('hoursOrDate', 'a finite number >= 0', hoursOrDate);
    return Date.now() - hoursOrDate * 3600 * 1000;
  }
  throw v.invalidArgType('hoursOrDate', 'of type number or an instance of Date', hoursOrDate);
}

function grepArgs(dir, pattern, options) {
  const o = v.options(options);
  const maxResults = o.maxResults === undefined || o.maxResults === null ? null : v.integer(o, 'maxResults', null, 0);
  return [
    o,
    [
      v.toPath(dir, 'dir'),
      patternOf(pattern),
      v.bool(o, 'literal', false),
      v.bool(o, 'ignoreCase', false),
      maxResults,
      v.bool(o, 'gitignore', false),
      v.bool(o, 'followLinks', false),
    ],
  ];
}

function renameArgs(dir, pattern, replacement, options) {
  const o = v.options(options);
  return [o, [v.toPath(dir, 'dir'), patternOf(pattern), v.requireString(replacement, 'replacement'), v.bool(o, 'dryRun', false)]];
}

function syncArgs(src, dest, options) {
  const o = v.options(options);
  return [o, [v.toPath(src, 'src'), v.toPath(dest, 'dest'), v.bool(o, 'delete', false), v.bool(o, 'dryRun', false)]];
}

const usage = (raw) => withErrors({ path: raw.path, size: raw.size, file_count: raw.file_count, dir_count: raw.dir_count }, raw);
const groups = (raw) => withErrors(raw.groups, raw);
const matches = (raw) => withErrors(raw.matches, raw);
const changes = (raw) => withErrors(raw.changes, raw);
const mirrored = (raw) =>
  withErrors(
    { copied: raw.copied, created_dirs: raw.created_dirs, deleted: raw.deleted, unchanged: raw.unchanged, bytes: raw.bytes },
    raw,
  );

module.exports = {
  find: operation('find', findArgs, paths),
  findByExt: operation('findByExt', (dir, ext, options) => [v.options(options), [v.toPath(dir, 'dir'), extOf(ext)]], paths),
  modifiedSince: operation(
    'modifiedSince',
    (dir, since, options) => [v.options(options), [v.toPath(dir, 'dir'), sinceOf(since)]],
    paths,
  ),
  grep: operation('grep', grepArgs, matches),
  batchRename: operation('batchRename', renameArgs, changes),
  du: operation('du', (dir, options) => {
    const o = v.options(options);
    return [o, [v.toPath(dir, 'dir'), v.bool(o, 'followLinks', false)]];
  }, usage),
  dedupe: operation('dedupe', (dir, options) => [v.options(options), [v.toPath(dir, 'dir')]], groups),
  sync: operation('sync', syncArgs, mirrored),
};

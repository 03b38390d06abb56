'use strict';
// `fs` actions of the old tool, with its reply shapes and its bugs fixed (docs/compat.md).
const path = require('node:path');
const { watch, watchContent } = require('../watch.js');
const { long } = require('./long.js');

const text = (v) => (v === undefined || v === null ? '' : String(v));

/** The paths to watch, resolved against the root; none means the root itself. */
function targets(fs, paths) {
  const list = paths.filter((p) => p !== undefined && p !== null && p !== '');
  return list.length ? list.map((p) => path.resolve(fs.root, text(p))) : [fs.root];
}

/** Close a watcher after `seconds` (the old `--duration`, default 60; 0 means never). */
function closeAfter(watcher, seconds) {
  const s = seconds === undefined || seconds === null || seconds === '' ? 60 : Number(seconds);
  if (s > 0) {
    const timer = setTimeout(() => watcher.close(), s * 1000);
    timer.unref();
    watcher.once('close', () => clearTimeout(timer));
  }
  return watcher;
}

/** Each old-style action: (ctx, positional args, options) → what the old client returned. */
module.exports = {
  /** names; `stats` → [[name, FileStats]] (links reported as links); `recursive` → absolute paths of regular files. */
  ls({ fs }, [p = '.'], { stats, recursive }) {
    if (recursive) {
      const base = path.resolve(fs.root, text(p));
      return fs
        .lsSync(base, { recursive: true, stats: true })
        .filter(([, st]) => st.is_file)
        .map(([rel]) => path.join(base, rel));
    }
    return stats ? fs.lsSync(text(p), { stats: true }) : fs.lsSync(text(p));
  },

  /** The text (BOM stripped); `bytes` → the bytes as numbers, as the old tool sent them. */
  read({ fs }, [p], { bytes }) {
    if (bytes) return Array.from(fs.readSync(text(p), { encoding: null }));
    return fs.readSync(text(p));
  },

  /** Atomic replace (or append), creating parents. */
  write({ fs }, [p, data], { append }) {
    fs.writeSync(text(p), data === undefined ? '' : data, { append: Boolean(append) });
  },

  /** Like `cp -r`: a directory copied onto an existing directory goes inside it. */
  copy(ctx, [src, dest]) {
    const { fs } = ctx;
    let target = text(dest);
    const from = fs.statsSync(text(src), { follow: true });
    if (from.is_dir && fs.checkSync(target).exists && fs.statsSync(target, { follow: true }).is_dir) {
      target = path.join(target, path.basename(path.resolve(fs.root, text(src))));
    }
    return long(ctx, 'copy', [text(src), target], {}, () => undefined);
  },

  move({ fs }, [src, dest]) {
    fs.moveSync(text(src), text(dest));
  },

  /** Removes files and whole directories (as the old tool did); `force`: a missing path is fine. The root itself is refused. */
  rm({ fs }, [p], { force }) {
    fs.rmSync(text(p), { recursive: true, force: Boolean(force) });
  },

  /** Always with parents, and an existing directory is fine (the old tool ignored `parents`). */
  mkdir({ fs }, [p]) {
    fs.mkdirSync(text(p), { parents: true });
  },

  touch({ fs }, [p]) {
    fs.touchSync(text(p));
  },

  /** FileStats; a symbolic link is reported as one (the old tool followed it, so `is_symlink` was always false). */
  stats({ fs }, [p]) {
    return fs.statsSync(text(p));
  },

  hash(ctx, [p]) {
    return long(ctx, 'hash', [text(p)]);
  },

  /** `{valid}`; case-insensitive (the old tool compared case-sensitively). */
  verify({ fs }, [p, expected]) {
    const hex = text(expected).trim();
    if (!/^[0-9a-f]+$/i.test(hex)) return { valid: false };
    return { valid: fs.verifySync(text(p), hex) };
  },

  /** `{bytes, formatted}`, both always present. */
  size({ fs }, [p]) {
    return fs.sizeSync(text(p));
  },

  /** A link at `dest` pointing to `src`, stored as the resolved absolute path, as the old tool did. */
  link({ fs }, [src, dest]) {
    fs.linkSync(path.resolve(fs.root, text(src)), text(dest));
  },

  /** `{exists, readable, writable}` from access(2); never opens the path. */
  check({ fs }, [p]) {
    return fs.checkSync(text(p));
  },

  chmod({ fs }, [p, mode]) {
    fs.chmodSync(text(p), typeof mode === 'number' ? mode : text(mode));
  },

  /** `{ path, size, file_count, dir_count }`; hard links counted once. */
  du({ fs }, [p]) {
    return fs.duSync(text(p || '.'));
  },

  /** A real mirror: copies new and changed files, keeps mtimes (a second run copies nothing); `delete` removes extras. */
  sync(ctx, [src, dest], { delete: remove, dryRun }) {
    return long(ctx, 'sync', [text(src), text(dest)], { delete: Boolean(remove), dryRun: Boolean(dryRun) }, () => undefined);
  },

  /** `[{ hash, size, paths }]`: empty files are not duplicates; unreadable files are never grouped. */
  dedupe({ fs }, [p]) {
    return fs.dedupeSync(text(p || '.'));
  },

  /**
   * A Watcher (EventEmitter and async iterator) for the paths, resolved against the root (the
   * old tool took over the terminal for `duration` seconds and JS never saw an event). It
   * closes itself after `duration` seconds (default 60, as before); `close()` ends it earlier.
   */
  watch({ fs }, paths, { duration }) {
    return closeAfter(watch(targets(fs, paths), { persistent: true }), duration);
  },

  /** A content Watcher: `change` events with a line diff (`diff: false` for none). */
  'watch-content'({ fs }, paths, { duration, diff }) {
    return closeAfter(watchContent(targets(fs, paths), { diff: diff !== false }), duration);
  },

  /** A Readable of the file (the old tool printed chunks as JSON lines and blocked). */
  stream({ fs }, [p], { chunkSize, hex }) {
    const stream = fs.stream(text(p), chunkSize ? { chunkSize: Number(chunkSize) } : undefined);
    if (hex) stream.setEncoding('hex');
    return stream;
  },
};

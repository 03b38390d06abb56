'use strict';
// `FileSystem`: argument checks and result shaping around the native filesystem core.
// Every operation has a Promise form (work runs off the JS thread) and a `…Sync` twin.
const nodeFs = require('node:fs');
const path = require('node:path');
const { constants: bufferConstants } = require('node:buffer');
const { NativeFileSystem } = require('../binding.js');
const v = require('./validate.js');
const { statsAt, WIDTH } = require('./stats.js');
const search = require('./search.js');
const archive = require('./archive.js');
const { operation } = require('./jobs.js');

const statsScratch = new Float64Array(WIDTH);

function listing(raw, withStats) {
  if (!withStats) return raw.names;
  const { names, stats } = raw;
  const out = new Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = [names[i], statsAt(stats, i)];
  return out;
}

function encodingOf(opts) {
  if (opts.encoding === null || opts.encoding === 'buffer') return null;
  const enc = v.string(opts, 'encoding', 'utf8');
  if (!Buffer.isEncoding(enc)) throw v.invalidEncoding(enc);
  return enc;
}

function decode(buf, encoding) {
  if (encoding === null) return buf;
  if (encoding === 'utf8' || encoding === 'utf-8') {
    const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
    return buf.toString('utf8', bom ? 3 : 0);
  }
  return buf.toString(encoding);
}

function dataOf(data) {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) {
    return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw v.invalidArgType('data', 'of type string or an instance of Buffer, TypedArray or DataView', data);
}

function writeArgs(p, data, options) {
  const o = v.options(options);
  return [
    v.toPath(p),
    dataOf(data),
    v.bool(o, 'append', false),
    v.bool(o, 'atomic', true),
    v.bool(o, 'fsync', false),
    v.fileMode(o.mode, 'options.mode'),
  ];
}

function modeArg(mode) {
  if (typeof mode === 'number') {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw v.outOfRange('mode', '>= 0 and <= 0o7777', mode);
    }
    return mode;
  }
  if (typeof mode === 'string') return mode;
  throw v.invalidArgType('mode', 'of type number or string', mode);
}

function algorithmOf(options) {
  return v.string(v.options(options), 'algorithm', 'sha256');
}

/** The filesystem operations that take `signal` and `onProgress` (see lib/jobs.js). */
const steered = {
  copy: operation('copy', (src, dest, options) => {
    const o = v.options(options);
    return [o, [v.toPath(src, 'src'), v.toPath(dest, 'dest'), v.bool(o, 'overwrite', true), v.bool(o, 'preserveTimes', false)]];
  }, () => undefined),
  hash: operation('hash', (p, options) => [v.options(options), [v.toPath(p), algorithmOf(options)]], (digest) => digest),
};

/**
 * Filesystem operations relative to a root directory, optionally confined to it.
 * See index.d.ts for the documented API.
 */
class FileSystem {
  #native;

  constructor(options) {
    const o = v.options(options);
    const root = o.root === undefined || o.root === null ? null : path.resolve(v.toPath(o.root, 'options.root'));
    const confine = v.bool(o, 'confine', root !== null);
    if (confine && root === null) {
      throw v.invalidArgValue('options.confine', 'requires options.root', confine);
    }
    this.#native = new NativeFileSystem(root, confine);
  }

  /** The canonical root directory, or null for the process's current directory. */
  get root() {
    return this.#native.root;
  }

  get confined() {
    return this.#native.confined;
  }

  // --- listing and reading ---

  lsSync(p, options) {
    const o = v.options(options);
    const stats = v.bool(o, 'stats', false);
    return listing(this.#native.lsSync(v.toPath(p), stats, v.bool(o, 'recursive', false)), stats);
  }

  async ls(p, options) {
    const o = v.options(options);
    const stats = v.bool(o, 'stats', false);
    return listing(await this.#native.ls(v.toPath(p), stats, v.bool(o, 'recursive', false)), stats);
  }

  readSync(p, options) {
    const encoding = encodingOf(v.options(options));
    return decode(this.#native.readSync(v.toPath(p), bufferConstants.MAX_LENGTH), encoding);
  }

  async read(p, options) {
    const encoding = encodingOf(v.options(options));
    return decode(await this.#native.read(v.toPath(p), bufferConstants.MAX_LENGTH), encoding);
  }

  stream(p, options) {
    const o = v.options(options);
    const chunkSize = v.integer(o, 'chunkSize', 64 * 1024, 1, bufferConstants.MAX_LENGTH);
    const native = this.#native;
    // Node's ReadStream does the streaming; only the open goes through native code, so the
    // path is resolved (and confined) like every other path.
    const open = (file, _flags, _mode, cb) => native.openForStream(file).then((fd) => cb(null, fd), cb);
    return nodeFs.createReadStream(v.toPath(p), {
      highWaterMark: chunkSize,
      fs: { open, read: nodeFs.read, close: nodeFs.close },
    });
  }

  // --- writing and changing ---

  writeSync(p, data, options) {
    this.#native.writeSync(...writeArgs(p, data, options));
  }

  async write(p, data, options) {
    await this.#native.write(...writeArgs(p, data, options));
  }

  copySync(src, dest, options) {
    steered.copy.sync(this.#native, src, dest, options);
  }

  async copy(src, dest, options) {
    await steered.copy.promise(this.#native, src, dest, options);
  }

  moveSync(src, dest) {
    this.#native.moveSync(v.toPath(src, 'src'), v.toPath(dest, 'dest'));
  }

  async move(src, dest) {
    await this.#native.move(v.toPath(src, 'src'), v.toPath(dest, 'dest'));
  }

  rmSync(p, options) {
    const o = v.options(options);
    this.#native.rmSync(v.toPath(p), v.bool(o, 'recursive', false), v.bool(o, 'force', false));
  }

  async rm(p, options) {
    const o = v.options(options);
    await this.#native.rm(v.toPath(p), v.bool(o, 'recursive', false), v.bool(o, 'force', false));
  }

  mkdirSync(p, options) {
    this.#native.mkdirSync(v.toPath(p), v.bool(v.options(options), 'parents', false));
  }

  async mkdir(p, options) {
    await this.#native.mkdir(v.toPath(p), v.bool(v.options(options), 'parents', false));
  }

  touchSync(p) {
    this.#native.touchSync(v.toPath(p));
  }

  async touch(p) {
    await this.#native.touch(v.toPath(p));
  }

  chmodSync(p, mode) {
    this.#native.chmodSync(v.toPath(p), modeArg(mode));
  }

  async chmod(p, mode) {
    await this.#native.chmod(v.toPath(p), modeArg(mode));
  }

  linkSync(target, p) {
    this.#native.linkSync(v.toPath(target, 'target'), v.toPath(p));
  }

  async link(target, p) {
    await this.#native.link(v.toPath(target, 'target'), v.toPath(p));
  }

  // --- questions ---

  statsSync(p, options) {
    const follow = options === undefined ? false : v.bool(v.options(options), 'follow', false);
    this.#native.statsSync(v.toPath(p), follow, statsScratch);
    return statsAt(statsScratch);
  }

  async stats(p, options) {
    const follow = v.bool(v.options(options), 'follow', false);
    return statsAt(await this.#native.stats(v.toPath(p), follow));
  }

  hashSync(p, options) {
    return steered.hash.sync(this.#native, p, options);
  }

  hash(p, options) {
    return steered.hash.promise(this.#native, p, options);
  }

  verifySync(p, expected, options) {
    const algorithm = v.string(v.options(options), 'algorithm', null);
    return this.#native.verifySync(v.toPath(p), v.requireString(expected, 'hash'), algorithm);
  }

  async verify(p, expected, options) {
    const algorithm = v.string(v.options(options), 'algorithm', null);
    return this.#native.verify(v.toPath(p), v.requireString(expected, 'hash'), algorithm);
  }

  sizeSync(p) {
    return this.#native.sizeSync(v.toPath(p));
  }

  async size(p) {
    return this.#native.size(v.toPath(p));
  }

  checkSync(p) {
    return this.#native.checkSync(v.toPath(p));
  }

  async check(p) {
    return this.#native.check(v.toPath(p));
  }

  // --- search and whole-tree operations (lib/search.js); archives (lib/archive.js) ---

  find(dir, options) {
    return search.find.promise(this.#native, dir, options);
  }

  findSync(dir, options) {
    return search.find.sync(this.#native, dir, options);
  }

  findByExt(dir, ext, options) {
    return search.findByExt.promise(this.#native, dir, ext, options);
  }

  findByExtSync(dir, ext, options) {
    return search.findByExt.sync(this.#native, dir, ext, options);
  }

  modifiedSince(dir, hoursOrDate, options) {
    return search.modifiedSince.promise(this.#native, dir, hoursOrDate, options);
  }

  modifiedSinceSync(dir, hoursOrDate, options) {
    return search.modifiedSince.sync(this.#native, dir, hoursOrDate, options);
  }

  grep(dir, pattern, options) {
    return search.grep.promise(this.#native, dir, pattern, options);
  }

  grepSync(dir, pattern, options) {
    return search.grep.sync(this.#native, dir, pattern, options);
  }

  batchRename(dir, pattern, replacement, options) {
    return search.batchRename.promise(this.#native, dir, pattern, replacement, options);
  }

  batchRenameSync(dir, pattern, replacement, options) {
    return search.batchRename.sync(this.#native, dir, pattern, replacement, options);
  }

  du(dir, options) {
    return search.du.promise(this.#native, dir, options);
  }

  duSync(dir, options) {
    return search.du.sync(this.#native, dir, options);
  }

  dedupe(dir, options) {
    return search.dedupe.promise(this.#native, dir, options);
  }

  dedupeSync(dir, options) {
    return search.dedupe.sync(this.#native, dir, options);
  }

  sync(src, dest, options) {
    return search.sync.promise(this.#native, src, dest, options);
  }

  syncSync(src, dest, options) {
    return search.sync.sync(this.#native, src, dest, options);
  }

  gzip(src, dest, options) {
    return archive.gzip.promise(this.#native, src, dest, options);
  }

  gzipSync(src, dest, options) {
    return archive.gzip.sync(this.#native, src, dest, options);
  }

  gunzip(src, dest, options) {
    return archive.gunzip.promise(this.#native, src, dest, options);
  }

  gunzipSync(src, dest, options) {
    return archive.gunzip.sync(this.#native, src, dest, options);
  }

  tar(dir, out, options) {
    return archive.tar.promise(this.#native, dir, out, options);
  }

  tarSync(dir, out, options) {
    return archive.tar.sync(this.#native, dir, out, options);
  }

  untar(archivePath, dest, options) {
    return archive.untar.promise(this.#native, archivePath, dest, options);
  }

  untarSync(archivePath, dest, options) {
    return archive.untar.sync(this.#native, archivePath, dest, options);
  }
}

/** The default instance: the process's current directory, unconfined. */
const fs = new FileSystem();

module.exports = { FileSystem, fs };

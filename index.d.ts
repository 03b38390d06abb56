/// <reference types="node" />
/**
 * xypriss-sys: fast, typed, in-process filesystem, system information, file watching and
 * cluster supervision for Node.js, implemented in Rust (N-API).
 *
 * Every failure is an `Error` shaped like a `node:fs` error: `code` (`ENOENT`, `EACCES`, … or
 * `ERR_XSYS_*`), `errno`, `syscall`, `path` and, for two-path operations, `dest`. Wrong argument
 * types are `TypeError`s and out-of-range values `RangeError`s, with Node's `ERR_INVALID_ARG_*`
 * codes.
 */

import type { Readable } from 'node:stream';
import { EventEmitter } from 'node:events';

/** An error raised by xypriss-sys. */
export interface XsysError extends Error {
  /** `ENOENT`, `EACCES`, … or `ERR_XSYS_OUTSIDE_ROOT`, `ERR_XSYS_IS_ROOT`, `ERR_XSYS_PANIC`, … */
  code: string;
  /** Negative OS error number, as Node reports it (`-2` for ENOENT on Linux). */
  errno?: number;
  /** The system call that failed (`open`, `rename`, `scandir`, …). */
  syscall?: string;
  /** The path the operation failed on (absolute when the FileSystem has a root). */
  path?: string;
  /** The second path of two-path operations (`copy`, `move`, `link`). */
  dest?: string;
  /** What to do about it, when there is something to do (e.g. which limit to raise). */
  hint?: string;
}

/** A path: a string or a `file:` URL. */
export type PathLike = string | URL;

/** File metadata with XyPriss's field names and units. */
export interface FileStats {
  /** Size in bytes. */
  size: number;
  /** Birth time in unix seconds (fractional), or `null` where the filesystem records none. */
  created: number | null;
  /** Last modification, unix seconds (fractional). */
  modified: number;
  /** Last access, unix seconds (fractional). */
  accessed: number;
  is_dir: boolean;
  is_file: boolean;
  /** True for a symbolic link itself (only reported when `follow` is not set). */
  is_symlink: boolean;
  /** Permission bits only (`0o644` → 420), never the file-type bits. */
  permissions: number;
  /** No write bit set for anyone (the read-only attribute on Windows). */
  readonly: boolean;
}

/** Result of {@link FileSystem.size}. */
export interface SizeReport {
  bytes: number;
  /** `"0 B"`, `"13 B"`, `"1.50 KB"`, … (1024-based). */
  formatted: string;
}

/** Result of {@link FileSystem.check}, from access(2) for the calling user. */
export interface AccessReport {
  /** False for a missing path and for a dangling symbolic link. */
  exists: boolean;
  readable: boolean;
  writable: boolean;
}

export interface FileSystemOptions {
  /** Directory relative paths resolve against. Default: the process's current directory. */
  root?: PathLike;
  /**
   * Refuse every path that leads outside `root` (`..`, absolute paths, symbolic links met
   * anywhere along the way) with `ERR_XSYS_OUTSIDE_ROOT`. Enforced by the kernel against an open
   * handle of the root. Default: `true` when `root` is given.
   */
  confine?: boolean;
}

export interface ListOptions {
  /** Return `[name, stats]` pairs (stats of the entry itself, links not followed). */
  stats?: boolean;
  /** Every path below the directory, relative to it, directories included. */
  recursive?: boolean;
}

export interface ReadOptions {
  /** `'utf8'` (default; a byte-order mark is stripped), any Buffer encoding, or `null`/`'buffer'` for a Buffer. */
  encoding?: BufferEncoding | 'buffer' | null;
}

export interface WriteOptions {
  /** Append instead of replacing (in place; never atomic). */
  append?: boolean;
  /**
   * Write a temporary file beside the target and rename it over the target, so a crash leaves
   * the old or the new content, never a mix. Default `true`. A process killed mid-write may
   * leave a `.<name>.<pid>.<n>.xsys-tmp` file behind.
   */
  atomic?: boolean;
  /** Flush to the device before resolving (and the directory entry, for atomic writes). */
  fsync?: boolean;
  /** Permission bits (number or octal string). Default: an existing file keeps its own; a new one gets 0o666 minus the umask. */
  mode?: number | string;
}

export interface CopyOptions {
  /** Replace existing files at the destination. Default `true`; `false` makes an existing file an `EEXIST` error. */
  overwrite?: boolean;
  /** Give copies the source's access and modification times. Default `false`. */
  preserveTimes?: boolean;
}

export interface RemoveOptions {
  /** Remove directories and everything below them (symbolic links inside are removed, never followed). */
  recursive?: boolean;
  /** A missing path is not an error. */
  force?: boolean;
}

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5' | 'blake3';

/**
 * Filesystem operations relative to a root directory, optionally confined to it. Each
 * operation returns a Promise (the work runs off the JS thread, on a pool separate from libuv's)
 * and has a `…Sync` twin.
 *
 * @example
 * const { FileSystem } = require('xypriss-sys');
 * const project = new FileSystem({ root: '/srv/app' });
 * await project.write('data/config.json', JSON.stringify(cfg)); // atomic, creates data/
 * project.readSync('../etc/passwd'); // throws ERR_XSYS_OUTSIDE_ROOT
 */
export declare class FileSystem {
  constructor(options?: FileSystemOptions);
  /** The canonical root, or `null` for the process's current directory. */
  readonly root: string | null;
  /** Whether paths are confined to the root. */
  readonly confined: boolean;

  /** Names in a directory (directory order, like `fs.readdir`); names that are not UTF-8 are converted lossily and never fail the listing. */
  ls(path: PathLike, options?: ListOptions & { stats?: false }): Promise<string[]>;
  /** `[name, stats]` pairs. */
  ls(path: PathLike, options: ListOptions & { stats: true }): Promise<Array<[string, FileStats]>>;
  /** Synchronous {@link FileSystem.ls}. */
  lsSync(path: PathLike, options?: ListOptions & { stats?: false }): string[];
  lsSync(path: PathLike, options: ListOptions & { stats: true }): Array<[string, FileStats]>;

  /** A file's content: text by default (UTF-8, byte-order mark stripped), a Buffer with `encoding: null`. Files too large for a Buffer fail with `ERR_FS_FILE_TOO_LARGE`. */
  read(path: PathLike, options?: { encoding?: BufferEncoding }): Promise<string>;
  read(path: PathLike, options: { encoding: null | 'buffer' }): Promise<Buffer>;
  /** Synchronous {@link FileSystem.read}. */
  readSync(path: PathLike, options?: { encoding?: BufferEncoding }): string;
  readSync(path: PathLike, options: { encoding: null | 'buffer' }): Buffer;

  /** A Readable of the file's bytes in chunks of at most `chunkSize` (default 64 KiB). The open is resolved (and confined) like every other path. */
  stream(path: PathLike, options?: { chunkSize?: number }): Readable;

  /** Write a string or bytes, creating missing parent directories; atomic by default. A symbolic link is written through (the link stays). */
  write(path: PathLike, data: string | NodeJS.ArrayBufferView, options?: WriteOptions): Promise<void>;
  /** Synchronous {@link FileSystem.write}. */
  writeSync(path: PathLike, data: string | NodeJS.ArrayBufferView, options?: WriteOptions): void;

  /**
   * Copy a file, a symbolic link (as a link), or a whole tree (merged into an existing
   * destination directory, like `fs.cp`). Permission bits are kept; links inside the tree are
   * copied as links and never followed, so cycles are impossible. Parents of `dest` are created.
   */
  copy(src: PathLike, dest: PathLike, options?: CopyOptions): Promise<void>;
  /** Synchronous {@link FileSystem.copy}. */
  copySync(src: PathLike, dest: PathLike, options?: CopyOptions): void;

  /** Rename, creating dest's parents; across filesystems (EXDEV), copy (keeping times) then remove. */
  move(src: PathLike, dest: PathLike): Promise<void>;
  /** Synchronous {@link FileSystem.move}. */
  moveSync(src: PathLike, dest: PathLike): void;

  /** Remove a file, a link (never its target) or, with `recursive`, a tree. The root of the FileSystem and `/` are refused with `ERR_XSYS_IS_ROOT`; a directory without `recursive` is `EISDIR`. */
  rm(path: PathLike, options?: RemoveOptions): Promise<void>;
  /** Synchronous {@link FileSystem.rm}. */
  rmSync(path: PathLike, options?: RemoveOptions): void;

  /** Create a directory; with `parents`, missing parents too, and an existing directory is fine. */
  mkdir(path: PathLike, options?: { parents?: boolean }): Promise<void>;
  /** Synchronous {@link FileSystem.mkdir}. */
  mkdirSync(path: PathLike, options?: { parents?: boolean }): void;

  /** Set access and modification times to now (following a link), creating the file and its parents if missing. Never opens the file. */
  touch(path: PathLike): Promise<void>;
  /** Synchronous {@link FileSystem.touch}. */
  touchSync(path: PathLike): void;

  /** Change permission bits (following a link): a number, an octal string (`"755"`, `"0o644"`) or a symbolic mode (`"+x"`, `"u+rw,go-w"`, `"a=r"`). */
  chmod(path: PathLike, mode: number | string): Promise<void>;
  /** Synchronous {@link FileSystem.chmod}. */
  chmodSync(path: PathLike, mode: number | string): void;

  /**
   * Create a symbolic link at `path` pointing to `target`, stored as given (relative targets are
   * relative to the link's directory). When confined, targets leading outside the root are
   * refused and absolute targets inside it are stored relative to the link.
   */
  link(target: PathLike, path: PathLike): Promise<void>;
  /** Synchronous {@link FileSystem.link}. */
  linkSync(target: PathLike, path: PathLike): void;

  /** Metadata; a final symbolic link is reported as a link unless `follow` is set. */
  stats(path: PathLike, options?: { follow?: boolean }): Promise<FileStats>;
  /** Synchronous {@link FileSystem.stats}. */
  statsSync(path: PathLike, options?: { follow?: boolean }): FileStats;

  /** Streamed digest of a file, lowercase hex (default SHA-256). */
  hash(path: PathLike, options?: { algorithm?: HashAlgorithm }): Promise<string>;
  /** Synchronous {@link FileSystem.hash}. */
  hashSync(path: PathLike, options?: { algorithm?: HashAlgorithm }): string;

  /** Whether the file's digest equals `hash` (any case, surrounding space ignored). Without `algorithm`, it is chosen from the digest's length (64 hex digits = SHA-256). */
  verify(path: PathLike, hash: string, options?: { algorithm?: HashAlgorithm }): Promise<boolean>;
  /** Synchronous {@link FileSystem.verify}. */
  verifySync(path: PathLike, hash: string, options?: { algorithm?: HashAlgorithm }): boolean;

  /** Size of a file, or the total of the regular files below a directory (hard links counted once, links not followed). */
  size(path: PathLike): Promise<SizeReport>;
  /** Synchronous {@link FileSystem.size}. */
  sizeSync(path: PathLike): SizeReport;

  /** Existence and the caller's rights, via access(2): never opens the path, so a FIFO cannot block it. */
  check(path: PathLike): Promise<AccessReport>;
  /** Synchronous {@link FileSystem.check}. */
  checkSync(path: PathLike): AccessReport;
}

/** The default FileSystem: the process's current directory, unconfined. */
export declare const fs: FileSystem;

// ---------------------------------------------------------------------------------------------
// Watching (docs/watch.md)
// ---------------------------------------------------------------------------------------------

/** What happened to a path. Times are unix seconds with a fractional part, like {@link FileStats}. */
export interface ChangeEvent {
  type: 'created' | 'modified' | 'deleted';
  /** Absolute path. */
  path: string;
  /** Whether the entry is (or was, for `deleted`) a directory. */
  is_dir: boolean;
  /** When the change was observed, in unix seconds. */
  timestamp: number;
}

/** An entry renamed or moved within the watched paths, reported once with both paths. */
export interface RenameEvent {
  type: 'renamed';
  /** The new path (same as `to`). */
  path: string;
  from: string;
  to: string;
  is_dir: boolean;
  timestamp: number;
}

/** The initial scan is done: every change from now on is reported. */
export interface ReadyEvent {
  type: 'ready';
  timestamp: number;
}

/**
 * The kernel's event queue overflowed and events for `path` (a watched path) were dropped. The
 * watcher rescans it right away and reports what changed meanwhile as ordinary events: nothing
 * is lost, but renames during the gap show as deletions and creations.
 */
export interface OverflowEvent {
  type: 'overflow';
  path: string;
  is_dir: boolean;
  timestamp: number;
}

/** One line of a {@link ContentChangeEvent}'s diff. */
export interface LineChange {
  type: 'added' | 'removed';
  /** 1-based: in the new version for added lines, in the previous version for removed ones. */
  line_number: number;
  /** The line without its line ending. */
  line: string;
}

/** A watched file's content changed (see {@link watchContent}). */
export interface ContentChangeEvent {
  type: 'change';
  path: string;
  /** Size in bytes of the previous version (0 if the file did not exist). */
  previous_size: number;
  /** Size in bytes now (0 when deleted). */
  size: number;
  /** `false` when the file was deleted; its diff then removes every line. */
  exists: boolean;
  /**
   * Added and removed lines (unchanged lines omitted), or `null` when either version is binary
   * (a NUL byte or invalid UTF-8), larger than `maxBytes`, or `diff` is off.
   */
  diff: LineChange[] | null;
  timestamp: number;
}

/** Every event object a watcher emits (the `'all'` event and the async iterator). */
export type WatchEvent = ChangeEvent | RenameEvent | ReadyEvent | OverflowEvent | ContentChangeEvent;

export interface WatchOptions {
  /** Watch directories' whole trees; `false`: only their direct entries. Default `true`. */
  recursive?: boolean;
  /**
   * Patterns to ignore, in `.gitignore` syntax, relative to each watched directory: `node_modules`
   * and `*.log` match at any depth, `/dist` or `build/**` only from the root, `out/` directories
   * only, `!keep.log` re-includes. Ignored directories are neither scanned nor watched.
   */
  ignore?: string | string[];
  /** Also honour `.gitignore` files (nested ones, and those above the root up to the repository root); `.git` is then ignored too. Default `false`. */
  gitignore?: boolean;
  /**
   * Debounce window in ms: what happens to a path within it is reported as one event (created +
   * modified = created, created + deleted = nothing, an atomic save = one modified). The window
   * opens at a path's first event and is never extended. `0` reports each batch of kernel events
   * at once. Default 20 (50 for {@link watchContent}).
   */
  debounce?: number;
  /** Keep Node's event loop alive while open, like `fs.watch`. Default `true`. */
  persistent?: boolean;
  /** Descend into symbolic links to directories inside the tree (cycles are cut). The watched paths themselves are always followed. Default `false`. */
  followSymlinks?: boolean;
}

export interface WatchContentOptions extends WatchOptions {
  /** Compute line diffs. Default `true`. */
  diff?: boolean;
  /** Files larger than this are compared by size, inode and mtime and reported without a diff. Default 1 MiB. */
  maxBytes?: number;
}

/**
 * A running watch: an EventEmitter and an async iterator of {@link WatchEvent}s. Events:
 * `'created'`, `'modified'`, `'deleted'`, `'renamed'`, `'ready'`, `'overflow'` (and `'change'`
 * for content watchers) with the event object; `'all'` with every one of them; `'error'` with an
 * {@link XsysError} (a directory that could not be read or watched, an inotify limit hit); and
 * `'close'`. As with any EventEmitter, an `'error'` without a listener is thrown.
 *
 * @example
 * const w = watch('src', { ignore: ['*.tmp'] });
 * w.on('renamed', (e) => console.log(e.from, '→', e.to));
 * for await (const e of w) if (e.type === 'modified') rebuild(e.path);
 */
export declare class Watcher extends EventEmitter implements AsyncIterable<WatchEvent> {
  private constructor();
  /** Whether {@link Watcher.close} has been called (no event is emitted after that). */
  readonly closed: boolean;
  /** Stop watching. Resolves once every kernel watch and descriptor is released and the watcher's threads are ending; emits `'close'`. Idempotent. */
  close(): Promise<void>;
  /** Keep Node's event loop alive while open (the default unless `persistent: false`). */
  ref(): this;
  /** Do not keep Node's event loop alive for this watcher. */
  unref(): this;
  /** Every event until the watcher closes; leaving a `for await` loop closes it; an `'error'` is thrown. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent>;

  on(event: 'created' | 'modified' | 'deleted', listener: (event: ChangeEvent) => void): this;
  on(event: 'renamed', listener: (event: RenameEvent) => void): this;
  on(event: 'ready', listener: (event: ReadyEvent) => void): this;
  on(event: 'overflow', listener: (event: OverflowEvent) => void): this;
  on(event: 'change', listener: (event: ContentChangeEvent) => void): this;
  on(event: 'all', listener: (event: WatchEvent) => void): this;
  on(event: 'error', listener: (error: XsysError) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'created' | 'modified' | 'deleted', listener: (event: ChangeEvent) => void): this;
  once(event: 'renamed', listener: (event: RenameEvent) => void): this;
  once(event: 'ready', listener: (event: ReadyEvent) => void): this;
  once(event: 'overflow', listener: (event: OverflowEvent) => void): this;
  once(event: 'change', listener: (event: ContentChangeEvent) => void): this;
  once(event: 'all', listener: (event: WatchEvent) => void): this;
  once(event: 'error', listener: (error: XsysError) => void): this;
  once(event: 'close', listener: () => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Watch files and directory trees. One kernel watch per directory (never per file); a watched
 * file is watched through its directory, so it survives editors' atomic saves. Each path must
 * exist (`ENOENT` otherwise); a watched path that is later deleted is reported `deleted` and
 * watched again when it reappears. Paths in events are absolute.
 *
 * Hitting inotify's limits throws (or emits, for directories found later) `ENOSPC`/`EMFILE`
 * errors whose message names the sysctl (`fs.inotify.max_user_watches`,
 * `fs.inotify.max_user_instances`) and its current value.
 */
export declare function watch(paths: PathLike | PathLike[], options?: WatchOptions): Watcher;

/**
 * Watch files' contents: a `'change'` event with a line diff against the previous content each
 * time a file's content actually changes (touch and chmod are not reported). Survives atomic
 * saves and a file deleted and re-created. Every path must be a file (`EISDIR` otherwise).
 */
export declare function watchContent(paths: PathLike | PathLike[], options?: WatchContentOptions): Watcher;

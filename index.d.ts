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

// --- Cluster -----------------------------------------------------------------------------------

/** Options of {@link Cluster}. Durations are in milliseconds, sizes in bytes. */
export interface ClusterOptions {
  /** The worker script (resolved against the current directory). */
  entry: string | URL;
  /** The program that runs `entry`: Node's own executable by default (`process.execPath`). */
  exec?: string | URL;
  /** Arguments after the entry script (`process.argv.slice(2)` in the worker). */
  args?: string[];
  /** Runtime options before the entry script, e.g. `['--max-old-space-size=512', '--expose-gc']`. */
  execArgv?: string[];
  /** Variables added to (or overriding) the manager's environment. */
  env?: Record<string, string | number | boolean | undefined>;
  /** Working directory of the workers (default: the manager's). */
  cwd?: string | URL;
  /** How many workers: a number, or `'auto'` (default) for the CPUs this process may use, cgroup quota and affinity respected. */
  workers?: number | 'auto';
  /** Bind one listening socket and share it with every worker (`worker.listenHandle()`). */
  listen?: { port: number; host?: string; backlog?: number };
  /** Discard the workers' stdout and stderr instead of sharing the manager's (default false). */
  silent?: boolean;
  /** How often workers send heartbeats (default 1000). */
  heartbeatInterval?: number;
  /** A ready worker silent for this long is killed and replaced; 0 disables (default 10000). */
  heartbeatTimeout?: number;
  /** A worker not ready after this long is killed; 0 disables (default 30000). */
  readyTimeout?: number;
  /** Backoff base: the first crash is replaced at once, the next after this, then doubling (default 100). */
  restartDelay?: number;
  /** The backoff never exceeds this (default 10000). */
  maxRestartDelay?: number;
  /** Restarts allowed within `restartWindow`; one more crash marks the slot failed (default 10). */
  maxRestarts?: number;
  /** The window of the restart budget; older crashes are forgotten (default 60000). */
  restartWindow?: number;
  /** RSS above which a worker is replaced gracefully (default: no limit). */
  maxMemory?: number;
  /** Fraction of `maxMemory` above which workers get a `gc` hint, at most every 5 s; 0 disables (default 0.8). */
  gcRatio?: number;
  /** How often RSS and CPU are sampled, 10–1000 (default 1000). */
  sampleInterval?: number;
  /** Largest frame (message) accepted in either direction (default 16 MiB). */
  maxFrame?: number;
  /** Grace period for workers stopped by `stop()` (its default), reloads and memory restarts (default 5000). */
  stopTimeout?: number;
}

/** Where a worker slot stands. */
export type WorkerState = 'starting' | 'ready' | 'stopping' | 'backoff' | 'failed' | 'stopped';

/** Why a worker process ended. */
export type ExitReason = 'crash' | 'heartbeat' | 'ready-timeout' | 'channel' | 'memory' | 'reload' | 'stop';

/** One worker slot, as {@link Cluster.workers} reports it. */
export interface WorkerInfo {
  /** The slot number, 0 … workers-1, kept by replacements. */
  id: number;
  /** null while the slot has no process (backoff, failed, stopped). */
  pid: number | null;
  state: WorkerState;
  /** Processes started for this slot after the first (crashes, memory restarts, reloads). */
  restarts: number;
  /** Resident memory in bytes at the last sample. */
  rss: number;
  /** Share of the machine's CPU time over the last sample interval, 0–100. */
  cpu: number;
  /** Seconds since the process started. */
  uptime: number;
}

/** Which worker a message or event concerns. */
export interface WorkerRef {
  id: number;
  pid: number;
}

export interface WorkerExit extends WorkerRef {
  code: number | null;
  /** The signal that ended it, e.g. `'SIGKILL'`, or null. */
  signal: string | null;
  reason: ExitReason;
}

export interface WorkerRestart extends WorkerRef {
  /** Milliseconds until the replacement starts. */
  delay: number;
  /** The slot's restart count once the replacement runs. */
  restarts: number;
  reason: ExitReason;
}

export interface WorkerMemory extends WorkerRef {
  rss: number;
  limit: number;
  /** `'gc'`: a collection hint was sent; `'restart'`: a graceful replacement was started. */
  action: 'gc' | 'restart';
}

/** An error about one worker (a refused frame, a failed spawn). */
export interface ClusterError extends XsysError {
  id: number | null;
  pid: number | null;
}

/**
 * Spawns and supervises worker processes from native code and exchanges messages with them over
 * a private framed channel (a socketpair inherited as fd 4, no path on disk).
 *
 * - A crashed worker is replaced at once, then with exponential backoff; past the restart budget
 *   the slot is `failed`. Deaths are noticed immediately (pidfd), not by polling.
 * - A worker that misses its heartbeats is killed and replaced; one over `maxMemory` is replaced
 *   gracefully (the new one first).
 * - With `listen`, one listening socket is shared by all workers: restarts and `reload()` refuse
 *   no connection.
 * - If the manager dies, even by SIGKILL, its workers die with it.
 *
 * Linux only for now: elsewhere `start()` rejects with `ERR_XSYS_UNSUPPORTED`.
 *
 * @example
 * const cluster = new Cluster({ entry: 'server.js', workers: 'auto', listen: { port: 8080 } });
 * cluster.on('message', (msg, { id }) => cluster.send(id, { ack: true }));
 * await cluster.start();
 */
export declare class Cluster extends EventEmitter {
  constructor(options: ClusterOptions);

  /** The CPUs this process may use, which `workers: 'auto'` starts. */
  static availableParallelism(): number;

  /** Spawn the workers; resolves once every one called `worker.ready()`. Rejects (and stops everything) if a worker exits or fails before. */
  start(): Promise<void>;
  /** Ask every worker to shut down, SIGTERM after `timeout` (default `stopTimeout`), SIGKILL 2 s later; resolves when all have exited. */
  stop(options?: { timeout?: number }): Promise<void>;
  /** Replace the workers one at a time: start new, wait until ready, then stop old gracefully. */
  reload(): Promise<void>;
  /**
   * Send a message to worker `id`: Buffers and typed arrays as bytes, anything else as JSON.
   * Messages sent in one turn of the event loop leave in one write. Returns false when the
   * worker's queue is over 1 MiB: wait for `'drain'`. Throws `ERR_XSYS_NO_WORKER` if the worker
   * is not running.
   */
  send(id: number, message: unknown): boolean;
  /** Send a message to every running worker. */
  broadcast(message: unknown): boolean;
  /** One row per worker slot; empty when stopped. */
  workers(): WorkerInfo[];
  /** The shared port's address, like `server.address()`; null without `listen` or when stopped. */
  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } | null;

  on(event: 'message', listener: (message: any, worker: WorkerRef) => void): this;
  /** A worker process was spawned. */
  on(event: 'online' | 'ready', listener: (worker: WorkerRef) => void): this;
  on(event: 'exit', listener: (exit: WorkerExit) => void): this;
  /** A replacement for a crashed or hung worker is scheduled. */
  on(event: 'restart', listener: (restart: WorkerRestart) => void): this;
  /** The slot spent its restart budget and stays empty until `reload()`. */
  on(event: 'failed', listener: (slot: { id: number; restarts: number }) => void): this;
  on(event: 'memory', listener: (memory: WorkerMemory) => void): this;
  /** The worker's queue is below the high-water mark again. */
  on(event: 'drain', listener: (worker: { id: number }) => void): this;
  /** Without a listener, errors become process warnings: a worker cannot crash the manager. */
  on(event: 'error', listener: (error: ClusterError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

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

/** Options of {@link FileSystem.copy}; `signal` and `onProgress` (files, bytes copied so far) apply to the Promise form. */
export interface CopyOptions extends JobOptions {
  /** Replace existing files at the destination. Default `true`; `false` makes an existing file an `EEXIST` error. */
  overwrite?: boolean;
  /** Give copies the source's access and modification times. Default `false`. */
  preserveTimes?: boolean;
}

/** Options of {@link FileSystem.hash}; `onProgress` reports the bytes hashed so far. */
export interface HashOptions extends JobOptions {
  /** Digest algorithm. Default `'sha256'`. */
  algorithm?: HashAlgorithm;
}

export interface RemoveOptions {
  /** Remove directories and everything below them (symbolic links inside are removed, never followed). */
  recursive?: boolean;
  /** A missing path is not an error. */
  force?: boolean;
}

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5' | 'blake3';

/**
 * Options every tree walk and long operation accepts (Promise forms). `…Sync` forms only check
 * that `signal` is not already aborted and report no progress.
 */
export interface JobOptions {
  /** Abort the operation: it rejects with an `AbortError` (`code: 'ABORT_ERR'`, `cause`: the signal's reason). */
  signal?: AbortSignal;
  /**
   * Called at most every 100 ms while the operation runs, and once at the end, with the entries
   * walked so far that are not directories (`files`) and the bytes read or written (`bytes`;
   * for `du`, the sizes added up, since it reads no file; for `dedupe`, the bytes hashed).
   * The final report is always delivered before the Promise settles. If the callback throws,
   * the operation is cancelled and rejects with what it threw.
   */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  files: number;
  bytes: number;
}

/**
 * Problems met without stopping a tree walk (unreadable directories or files), as errors shaped
 * like `node:fs` errors. Non-enumerable, so results keep XyPriss's shapes for `deepEqual` and
 * `JSON.stringify`.
 */
export interface WalkProblems {
  /** The first 1,000 problems, in the order met. */
  readonly errors: XsysError[];
  /** How many more there were. */
  readonly errorsOmitted: number;
}

/**
 * Walks never follow symbolic links unless `followLinks` is set. Then each link is resolved the
 * way the FileSystem resolves any path (beneath the root when confined: a link leading outside
 * is reported in `errors` and not followed), a link to a directory is walked, a dangling link
 * is reported as a link, and a link back into a directory being walked is reported (`ELOOP`)
 * instead of looping.
 */
export interface FollowOptions {
  followLinks?: boolean;
}

export interface FindOptions extends JobOptions {
  /** Regular expression searched for in each entry's name (Rust `regex` syntax for strings; a RegExp's source and `i` flag). */
  pattern?: string | RegExp;
  /** Glob on names (`*.rs`), or on paths relative to the directory when it contains `/` (`src/*.rs`; `**` matches any number of directories). `*` never crosses `/`. */
  glob?: string;
  /** Which entries: `'file'` (regular files), `'dir'`, `'symlink'` or `'any'` (default). */
  type?: 'file' | 'dir' | 'symlink' | 'any';
  /** Do not descend deeper than this (1 = only the directory's own entries). */
  maxDepth?: number;
  /** Follow symbolic links (default `false`); `type` then applies to what a link leads to. See {@link FollowOptions}. */
  followLinks?: boolean;
}

/** A matching line: XyPriss's `SearchMatch`. */
export interface SearchMatch {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The line's text, without its line break (invalid UTF-8 replaced by U+FFFD). */
  content: string;
}

export interface GrepOptions extends JobOptions {
  /** The pattern is plain text, not a regular expression. */
  literal?: boolean;
  ignoreCase?: boolean;
  /** Stop after this many matching lines. */
  maxResults?: number;
  /** Skip what `.gitignore` files found in the searched tree exclude, and `.git` directories. Default `false`. */
  gitignore?: boolean;
  /** Follow symbolic links (default `false`); see {@link FollowOptions}. */
  followLinks?: boolean;
}

/** One rename of a batch: XyPriss's `BatchRenameChange`. */
export interface BatchRenameChange {
  /** Absolute path before. */
  old_path: string;
  /** Absolute path once the whole batch is done (renamed directories above it included). */
  new_path: string;
}

export interface DiskUsage {
  /** The directory, absolute. */
  path: string;
  /** Bytes (apparent sizes) of everything that is not a directory; a file with several hard links counts once. */
  size: number;
  /** Entries that are not directories: files, symbolic links (not followed), special files. */
  file_count: number;
  /** Directories below `path` (`path` itself not counted). */
  dir_count: number;
}

export interface DuplicateGroup {
  /** SHA-256 of the content, hex. */
  hash: string;
  size: number;
  /** Absolute paths, sorted (hard links to one file are all listed). */
  paths: string[];
}

export interface SyncOptions extends JobOptions {
  /** Remove what `dest` has and `src` does not. Default `false`. */
  delete?: boolean;
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
}

/** What `sync` did (or would do). Paths are relative to `src` and `dest`, sorted. */
export interface SyncReport {
  /** Files and links written (new or changed: size or modification time differ). */
  copied: string[];
  created_dirs: string[];
  /** Entries removed (with `delete`); a directory is listed once. */
  deleted: string[];
  /** Files and links already up to date. */
  unchanged: number;
  /** Bytes of the files copied. */
  bytes: number;
}

export interface GzipOptions extends JobOptions {
  /** 0 (store) to 9 (smallest). Default 6. */
  level?: number;
}

export interface TarOptions extends GzipOptions {
  /** Compress the archive with gzip (at `level`). Default `false`. */
  gzip?: boolean;
}

export interface TarSummary {
  /** Entries written (directories, files, links). */
  entries: number;
  /** Bytes of file content archived. */
  bytes: number;
}

/** What an archive may cost to extract. */
export interface UntarLimits {
  /** Total bytes of file content. Default 16 GiB. */
  maxBytes?: number;
  /** Entries of any kind. Default 1,000,000. */
  maxEntries?: number;
  /** Path components of a name. Default 1024. */
  maxDepth?: number;
  /** Decompressed bytes per byte of a gzip-compressed archive (at least 1 MiB is always allowed). Default 100. */
  maxRatio?: number;
}

export interface UntarOptions extends JobOptions {
  limits?: UntarLimits;
  /**
   * What to do with an unsafe entry (absolute name, `..`, link target leading outside, device
   * file, a name that collides with another after Unicode normalisation or case folding, a
   * path through a link extracted earlier): `'error'` (default) refuses the whole archive with
   * `ERR_XSYS_UNSAFE_ENTRY` and extracts nothing; `'skip'` leaves the entry out and lists it.
   */
  onUnsafe?: 'error' | 'skip';
}

export interface UntarReport {
  /** Entries extracted. */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Entries left out with `onUnsafe: 'skip'`, with why. */
  skipped: Array<{ path: string; reason: string }>;
}

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
  hash(path: PathLike, options?: HashOptions): Promise<string>;
  /** Synchronous {@link FileSystem.hash} (an already aborted `signal` throws; no progress). */
  hashSync(path: PathLike, options?: HashOptions): string;

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
  /**
   * Entries below `dir` (never `dir` itself) whose name matches `pattern` and/or `glob`, of the
   * given `type`: absolute paths, in walk order. Parallel walk; links are reported, never
   * followed. An invalid regex is a `SyntaxError` naming it.
   */
  find(dir: PathLike, options?: FindOptions): Promise<string[] & WalkProblems>;
  /** Synchronous {@link FileSystem.find}. */
  findSync(dir: PathLike, options?: FindOptions): string[] & WalkProblems;

  /** Regular files whose name ends with `.ext`; `ext` may have several parts (`'tar.gz'`) and a leading dot. Case-sensitive. */
  findByExt(dir: PathLike, ext: string, options?: JobOptions): Promise<string[] & WalkProblems>;
  /** Synchronous {@link FileSystem.findByExt}. */
  findByExtSync(dir: PathLike, ext: string, options?: JobOptions): string[] & WalkProblems;

  /** Regular files modified strictly after `hoursOrDate`: a number of hours ago (fractions allowed) or a Date. */
  modifiedSince(dir: PathLike, hoursOrDate: number | Date, options?: JobOptions): Promise<string[] & WalkProblems>;
  /** Synchronous {@link FileSystem.modifiedSince}. */
  modifiedSinceSync(dir: PathLike, hoursOrDate: number | Date, options?: JobOptions): string[] & WalkProblems;

  /**
   * Lines matching `pattern` in every file below `dir` (or in `dir` if it is a file), sorted by
   * file and line. Binary files (a NUL byte) are skipped; lines of any length are found; `^`
   * and `$` match at line boundaries and a match never spans lines. Files are read in parallel.
   */
  grep(dir: PathLike, pattern: string | RegExp, options?: GrepOptions): Promise<SearchMatch[] & WalkProblems>;
  /** Synchronous {@link FileSystem.grep}. */
  grepSync(dir: PathLike, pattern: string | RegExp, options?: GrepOptions): SearchMatch[] & WalkProblems;

  /**
   * Rename every entry below `dir` (never `dir` itself) whose name matches `pattern`: the first
   * match is replaced by `replacement` (`$1`, `${name}` for groups). The whole plan is checked
   * first: a new name that exists already or that two entries would get refuses the batch with
   * `EEXIST`. Renames run deepest first and never replace anything; if one fails, those done are
   * undone. Returns the plan (sorted by `old_path`); with `dryRun`, only the plan.
   */
  batchRename(dir: PathLike, pattern: string | RegExp, replacement: string, options?: JobOptions & { dryRun?: boolean }): Promise<BatchRenameChange[] & WalkProblems>;
  /** Synchronous {@link FileSystem.batchRename}. */
  batchRenameSync(dir: PathLike, pattern: string | RegExp, replacement: string, options?: JobOptions & { dryRun?: boolean }): BatchRenameChange[] & WalkProblems;

  /** Disk usage of a tree (parallel walk, hard links counted once; links not followed unless `followLinks`). */
  du(dir: PathLike, options?: JobOptions & FollowOptions): Promise<DiskUsage & WalkProblems>;
  /** Synchronous {@link FileSystem.du}. */
  duSync(dir: PathLike, options?: JobOptions & FollowOptions): DiskUsage & WalkProblems;

  /**
   * Groups of identical regular files below `dir`, largest first. Files are compared by size,
   * then by a hash of their first 16 KiB, then by a full SHA-256, in parallel. Empty files are
   * never duplicates; hard links to one file are one file; unreadable files are reported in
   * `errors`, never grouped.
   */
  dedupe(dir: PathLike, options?: JobOptions): Promise<DuplicateGroup[] & WalkProblems>;
  /** Synchronous {@link FileSystem.dedupe}. */
  dedupeSync(dir: PathLike, options?: JobOptions): DuplicateGroup[] & WalkProblems;

  /**
   * Make `dest` a mirror of `src` (a directory, or a single file or link): copy what is new or
   * changed (size or modification time), keeping times so a second run copies nothing; replace
   * entries of another kind; with `delete`, remove what `src` does not have (after copying).
   * Links are copied as links. `src` and `dest` may not contain each other.
   */
  sync(src: PathLike, dest: PathLike, options?: SyncOptions): Promise<SyncReport & WalkProblems>;
  /** Synchronous {@link FileSystem.sync}. */
  syncSync(src: PathLike, dest: PathLike, options?: SyncOptions): SyncReport & WalkProblems;

  /** Gzip-compress a file (streaming; zlib-rs). `dest` is written under a temporary name and renamed into place when complete. */
  gzip(src: PathLike, dest: PathLike, options?: GzipOptions): Promise<void>;
  /** Synchronous {@link FileSystem.gzip}. */
  gzipSync(src: PathLike, dest: PathLike, options?: GzipOptions): void;

  /** Decompress a gzip file, every member of it (multi-member files as written by pigz, bgzip or `cat`). Corrupt or truncated input is `ERR_XSYS_CORRUPT_ARCHIVE` and leaves no output. */
  gunzip(src: PathLike, dest: PathLike, options?: JobOptions): Promise<void>;
  /** Synchronous {@link FileSystem.gunzip}. */
  gunzipSync(src: PathLike, dest: PathLike, options?: JobOptions): void;

  /**
   * Archive the contents of `dir` (names relative to it) as a tar file (GNU format, readable by
   * GNU tar, bsdtar and node-tar), gzip-compressed with `gzip: true`. Symbolic links are stored
   * as links, hard links once; FIFOs, sockets and devices are left out and reported in
   * `errors`; the archive never contains itself.
   */
  tar(dir: PathLike, out: PathLike, options?: TarOptions): Promise<TarSummary & WalkProblems>;
  /** Synchronous {@link FileSystem.tar}. */
  tarSync(dir: PathLike, out: PathLike, options?: TarOptions): TarSummary & WalkProblems;

  /**
   * Extract a tar archive, plain or gzip-compressed (detected), into `dest` (created if
   * missing; existing files are replaced, directories merged). Entries are created in a staging
   * directory inside `dest`, relative to open directory handles without following links, and
   * moved into place only once the whole archive has been read: a corrupt or truncated archive
   * (`ERR_XSYS_CORRUPT_ARCHIVE`), an unsafe entry (`ERR_XSYS_UNSAFE_ENTRY`) or a limit
   * (`ERR_XSYS_ARCHIVE_LIMIT`) leaves `dest` as it was. Modes are kept without set-id bits;
   * ownership is not restored.
   */
  untar(archive: PathLike, dest: PathLike, options?: UntarOptions): Promise<UntarReport>;
  /** Synchronous {@link FileSystem.untar}. */
  untarSync(archive: PathLike, dest: PathLike, options?: UntarOptions): UntarReport;
}

/** The default FileSystem: the process's current directory, unconfined. */
export declare const fs: FileSystem;

// ---------------------------------------------------------------------------------------------
// sys: system information and live monitors
// ---------------------------------------------------------------------------------------------

/** 1-, 5- and 15-minute run-queue averages (not percentages); zeros on Windows. */
export interface LoadAverage {
  one: number;
  five: number;
  fifteen: number;
}

/** {@link Sys.info}: XyPriss's `SysInfo`. Bytes, seconds, unix seconds. */
export interface SysInfo {
  hostname: string;
  /** Distribution or OS name: `"Ubuntu"`, `"Debian GNU/Linux"`, `"Darwin"`, `"Windows"`. */
  os_name: string;
  os_version: string;
  /** Long form, e.g. `"Linux (Ubuntu 24.04)"`. */
  os_edition: string;
  kernel_version: string;
  /** The architecture the addon was built for: `"x86_64"`, `"aarch64"` (not Node's `"x64"`). */
  architecture: string;
  /** CPUs this process can use: the affinity mask, capped by the cgroup CPU quota (rounded down, at least 1). */
  cpu_count: number;
  cpu_brand: string;
  cpu_vendor: string;
  /** Current frequency of CPU 0 in MHz (0 when the system does not say), read at most once a second. */
  cpu_frequency: number;
  /** Memory as {@link Sys.memory} reports it: within the cgroup limit, if any. */
  total_memory: number;
  used_memory: number;
  available_memory: number;
  total_swap: number;
  used_swap: number;
  /** Seconds since boot. */
  uptime: number;
  /** Unix seconds. */
  boot_time: number;
  load_average: LoadAverage;
  /** Logical CPUs of the machine. */
  host_cpu_count: number;
  /** Physical cores of the machine, when the system says. */
  physical_core_count: number | null;
  /** The cgroup CPU quota in CPUs (`1.5` = one and a half), or `null` when there is none. */
  cpu_quota: number | null;
}

/** {@link Sys.cpu}: usage over the latest window, percent 0–100. */
export interface CpuUsage {
  /** The mean of `per_core`. */
  overall: number;
  per_core: number[];
  /** Unix seconds (whole). */
  timestamp: number;
}

/** {@link Sys.cpu} with `cores: true`: one entry per logical CPU. */
export interface CpuCore {
  /** `"CPU 0"`, `"CPU 1"`, … */
  name: string;
  vendor_id: string;
  brand: string;
  /** Current frequency, MHz. */
  frequency: number;
  /** Percent 0–100 over the latest window. */
  usage: number;
  /** Logical CPUs of the machine, repeated in every entry. */
  core_count: number;
}

/**
 * {@link Sys.memory}: bytes and percentages 0–100. Under a cgroup memory limit, `total` is the
 * limit and `available` the headroom left under it (limit minus the cgroup's working set); the
 * machine's values stay in `host_*`. `used` is always `total − available`. Swap is the host's.
 */
export interface MemoryInfo {
  total: number;
  available: number;
  used: number;
  free: number;
  usage_percent: number;
  swap_total: number;
  swap_used: number;
  swap_free: number;
  swap_percent: number;
  /** The cgroup memory limit in bytes, or `null` when none is set. */
  limit: number | null;
  host_total: number;
  host_available: number;
  host_used: number;
}

/** {@link Sys.disks}: one mounted filesystem. */
export interface DiskInfo {
  /** Device on Linux (`/dev/nvme0n1p2`), volume name on macOS and Windows. */
  name: string;
  mount_point: string;
  file_system: string;
  total_space: number;
  /** Bytes available to unprivileged users. */
  available_space: number;
  /** `total_space − available_space` (root-reserved blocks count as used, unlike `df`). */
  used_space: number;
  usage_percent: number;
  is_removable: boolean;
  is_read_only: boolean;
  /** `"SSD"`, `"HDD"` or `"Unknown(-1)"`. */
  disk_type: string;
}

/** One network interface. Byte, packet and error counters are totals since the interface came up. */
export interface NetworkInterface {
  name: string;
  received: number;
  transmitted: number;
  packets_received: number;
  packets_transmitted: number;
  errors_received: number;
  errors_transmitted: number;
  /** `xx:xx:xx:xx:xx:xx`; all zeros for loopback and tunnels. */
  mac_address: string;
  /** IPv4 and IPv6 addresses, without prefix length. */
  ip_addresses: string[];
  is_loopback: boolean;
  /** Bytes per second since the previous sample (over at least 200 ms; 0 before the first such window). */
  download_speed: number;
  upload_speed: number;
}

/** {@link Sys.network}: totals and speeds are summed over the non-loopback interfaces. */
export interface NetworkStats {
  total_received: number;
  total_transmitted: number;
  download_speed: number;
  upload_speed: number;
  /** Sorted by name. */
  interfaces: NetworkInterface[];
}

/** One process, XyPriss's `ProcessInfo`. */
export interface ProcessInfo {
  pid: number;
  name: string;
  /** `null` when it cannot be read (another user's process, without privileges). */
  exe: string | null;
  cmd: string[];
  /** Percent of one core over the latest window of at least 200 ms (lifetime average until then); can exceed 100. */
  cpu_usage: number;
  /** Resident set size, bytes. */
  memory: number;
  virtual_memory: number;
  /** `"Run"`, `"Sleep"`, `"Idle"`, `"Stop"`, `"Zombie"`, `"UninterruptibleDiskSleep"`, … */
  status: string;
  /** Unix seconds. */
  start_time: number;
  /** Seconds. */
  run_time: number;
  parent_pid: number | null;
  /** The numeric uid as a string (`"1000"`); the SID on Windows. */
  user_id: string | null;
  /** Bytes read and written since the process started (0 when not readable). */
  disk_read: number;
  disk_write: number;
}

export type ProcessField = keyof ProcessInfo;

/** {@link Sys.processes} without options. The buckets add up to `total_processes`. Threads are not counted. */
export interface ProcessStats {
  total_processes: number;
  running: number;
  sleeping: number;
  /** Idle kernel threads. */
  idle: number;
  /** Stopped or traced. */
  stopped: number;
  zombie: number;
  /** Uninterruptible disk sleep, dead, parked, … */
  other: number;
}

/**
 * Which processes, in priority order: `pid`, then `topCpu`, then `topMem`, then `all` (or
 * `fields` alone); nothing: the summary.
 */
export interface ProcessQueryOptions<F extends ProcessField = ProcessField> {
  /** One process (`null` if there is none, or if it is a thread id). */
  pid?: number;
  /** The N processes using the most CPU, busiest first. */
  topCpu?: number;
  /** The N processes using the most memory (RSS), largest first. */
  topMem?: number;
  /** Every process, by pid. */
  all?: boolean;
  /** Only these fields (in {@link ProcessInfo}'s order); less to read, e.g. leave out `disk_read`/`disk_write`. */
  fields?: F[];
}

/** {@link Sys.temp}: temperatures in °C; `null` where a sensor gives no reading. */
export interface ThermalStats {
  components: Array<{ label: string; current: number | null; critical: number | null; max: number | null }>;
  /** Mean of the real readings; `null` without any (virtual machines, containers). */
  average_temp: number | null;
  max_temp: number | null;
  /** Sensors at or above their critical temperature. */
  critical_count: number;
}

/** {@link Sys.battery}: the system battery. Without one, `is_present` is false and readings are `null`. */
export interface BatteryInfo {
  state: 'Charging' | 'Discharging' | 'Full' | 'Empty' | 'NotCharging' | 'Unknown';
  /** 0–100. */
  percentage: number | null;
  /** Seconds until full, while charging. */
  time_to_full: number | null;
  /** Seconds until empty, while discharging. */
  time_to_empty: number | null;
  /** Watts. */
  power_consumption: number | null;
  is_present: boolean;
  technology: string;
  vendor: string;
  model: string;
  serial: string;
}

/** {@link Sys.ports}: a listening TCP socket or an unconnected UDP socket, IPv4 or IPv6. */
export interface PortInfo {
  protocol: 'TCP' | 'UDP';
  local_address: string;
  local_port: number;
  remote_address: string;
  remote_port: number;
  /** `"LISTEN"` for TCP, `"CLOSE"` (the kernel's name) for an unconnected UDP socket. */
  state: string;
  /** The lowest pid holding the socket; `null` when it belongs to a process we may not inspect. */
  pid: number | null;
}

/** One check behind {@link Health}. */
export interface HealthCheck {
  /** A percentage, or for `load` the 1-minute load per usable CPU. */
  value: number;
  /** 0–100, higher is better. */
  score: number;
  /** Below the threshold: memory and CPU 90 %, swap 50 %, load 1 per CPU. */
  ok: boolean;
}

/** {@link Sys.health}. */
export interface Health {
  /** 0–100: the rounded mean of the memory, CPU and load scores (XyPriss's formula, without its overflow). */
  score: number;
  /** Every check passes. */
  healthy: boolean;
  checks: { memory: HealthCheck; cpu: HealthCheck; load: HealthCheck; swap: HealthCheck };
}

/** {@link Sys.paths}. */
export interface SysPaths {
  home: string | null;
  /** `$XDG_CONFIG_HOME` or `~/.config` (Linux), `~/Library/Application Support` (macOS), `%APPDATA%` (Windows). */
  config: string | null;
  /** `$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`. */
  cache: string | null;
  /** `$XDG_DATA_HOME` or `~/.local/share`, `~/Library/Application Support`, `%APPDATA%`. */
  data: string | null;
  /** Like `os.tmpdir()`. */
  temp: string;
  /** The entries of `PATH`, in order. */
  path: string[];
}

/** {@link Sys.user}: the effective user, from the password database (as `os.userInfo()`). */
export interface UserInfo {
  name: string | null;
  /** `null` on Windows. */
  uid: number | null;
  gid: number | null;
  home: string | null;
  shell: string | null;
}

/** {@link Sys.quick}: one object for a dashboard. */
export interface QuickSnapshot {
  hostname: string;
  /** `"<os_name> <os_version>"`. */
  os: string;
  cpu_brand: string;
  cpu_count: number;
  cpu_usage: number;
  memory_used: number;
  memory_total: number;
  memory_percent: number;
  uptime: number;
  load_average: LoadAverage;
  timestamp: number;
  /** The original's four lines: `OS: …`, `CPU: …`, `RAM: …`, `Uptime: …`. */
  text: string;
}

/** {@link Sys.hardware}: {@link MemoryInfo} fields, then {@link SysInfo} fields, XyPriss's `$hardware`. */
export type Hardware = MemoryInfo &
  Omit<SysInfo, 'total_memory' | 'used_memory' | 'available_memory' | 'total_swap' | 'used_swap' | 'architecture'> & {
    /** `SysInfo.architecture`. */
    arch: string;
  };

/** A system monitor tick, XyPriss's `SystemSnapshot`. */
export interface SystemSnapshot {
  /** Unix seconds (whole). */
  timestamp: number;
  /** Unix milliseconds. */
  timestamp_ms: number;
  /** Percent, all CPUs, over the latest window. */
  cpu_usage: number;
  memory_used: number;
  memory_total: number;
  /** Processes (threads not counted). */
  process_count: number;
}

/** A process monitor tick: {@link ProcessInfo} and when it was taken. */
export interface ProcessSnapshot extends ProcessInfo {
  timestamp: number;
  timestamp_ms: number;
}

export interface MonitorOptions {
  /** Milliseconds between snapshots, 10 to 2^31−1. Default 1000. The first snapshot comes one interval after the start. */
  interval?: number;
  /** Stop by itself after this many milliseconds. Default: run until `close()`. */
  duration?: number;
  /** Keep Node alive while running. Default `true`; `false` lets Node exit, like `unref()`. */
  persistent?: boolean;
}

/**
 * A live monitor, sampling on its own thread. Events: `snapshot` (every interval), `exit` (a
 * monitored process went away: `{pid, timestamp}`), `error` (sampling failed), and `close` once
 * it has stopped — after `close()`, at the end of `duration`, after `exit` or `error`. It is
 * also an async iterator of its snapshots, which ends at `close` and closes the monitor when a
 * `for await` loop is left early.
 */
export interface Monitor<S> extends NodeJS.EventEmitter, AsyncIterable<S> {
  on(event: 'snapshot', listener: (snapshot: S) => void): this;
  on(event: 'exit', listener: (info: { pid: number; timestamp: number }) => void): this;
  on(event: 'error', listener: (err: XsysError) => void): this;
  on(event: 'close', listener: () => void): this;
  once(event: 'snapshot', listener: (snapshot: S) => void): this;
  once(event: 'exit', listener: (info: { pid: number; timestamp: number }) => void): this;
  once(event: 'error', listener: (err: XsysError) => void): this;
  once(event: 'close', listener: () => void): this;
  /** Stop sampling and release the thread (at once, whatever the interval). Idempotent. */
  close(): void;
  /** True once stopped. */
  readonly closed: boolean;
  /** Keep Node alive while running. */
  ref(): this;
  /** Let Node exit while running. */
  unref(): this;
}

/**
 * System information, from one long-lived state inside the addon: each call reads only what it
 * needs, and rates (CPU usage, network speed, per-process CPU) are measured since the previous
 * sample, primed when the module loads, so nothing sleeps. Field names and units are XyPriss's:
 * snake_case, bytes, percent 0–100, unix seconds. Something that does not exist (a pid, an
 * interface, a mount, a variable) is `null`. No call starts a child process.
 *
 * Calls answered in microseconds are synchronous. Those that read a file per process, per
 * socket or per sensor return a Promise (the work runs off the JS thread) and have a `…Sync` twin.
 */
export interface Sys {
  /** Host, OS, CPU and memory in one object. */
  info(): SysInfo;
  /**
   * CPU usage since the previous sample (a new sample is taken at most every 200 ms; in the
   * first 200 ms after loading every value is 0). With `cores: true`, one entry per logical CPU.
   */
  cpu(options?: { cores?: false }): CpuUsage;
  cpu(options: { cores: true }): CpuCore[];
  /** RAM and swap, within the cgroup limit if one is set (limits are re-read at most once a second). */
  memory(): MemoryInfo;
  /** Mounted filesystems (tmpfs, network and pseudo filesystems left out), or the one mounted at `mount` (`null` if none). */
  disks(): Promise<DiskInfo[]>;
  disks(mount: string | { mount: string }): Promise<DiskInfo | null>;
  disksSync(): DiskInfo[];
  disksSync(mount: string | { mount: string }): DiskInfo | null;
  /** Every interface with its addresses, byte totals and speeds since the previous call; or one interface (`null` if none). */
  network(): NetworkStats;
  network(iface: string | { interface: string }): NetworkInterface | null;
  /** The summary, one process (`null` if none), the top N, or the full list. Threads are never listed. */
  processes(): Promise<ProcessStats>;
  processes<F extends ProcessField = ProcessField>(options: ProcessQueryOptions<F> & { pid: number }): Promise<Pick<ProcessInfo, F> | null>;
  processes<F extends ProcessField = ProcessField>(options: ProcessQueryOptions<F> & ({ topCpu: number } | { topMem: number } | { all: true } | { fields: F[] })): Promise<Array<Pick<ProcessInfo, F>>>;
  processes(options: ProcessQueryOptions): Promise<ProcessStats | ProcessInfo | ProcessInfo[] | null>;
  processesSync(): ProcessStats;
  processesSync<F extends ProcessField = ProcessField>(options: ProcessQueryOptions<F> & { pid: number }): Pick<ProcessInfo, F> | null;
  processesSync<F extends ProcessField = ProcessField>(options: ProcessQueryOptions<F> & ({ topCpu: number } | { topMem: number } | { all: true } | { fields: F[] })): Array<Pick<ProcessInfo, F>>;
  processesSync(options: ProcessQueryOptions): ProcessStats | ProcessInfo | ProcessInfo[] | null;
  /** Temperature sensors. */
  temp(): Promise<ThermalStats>;
  tempSync(): ThermalStats;
  /** The system battery (Linux; elsewhere reported as absent). */
  battery(): Promise<BatteryInfo>;
  batterySync(): BatteryInfo;
  /** Listening TCP and unconnected UDP sockets, IPv4 and IPv6, with their owning pid (Linux; `[]` elsewhere). */
  ports(): Promise<PortInfo[]>;
  portsSync(): PortInfo[];
  /** A 0–100 score and the checks behind it. */
  health(): Health;
  /** Environment variables as Node sees them (a copy), or one of them (`null` if unset). */
  env(): Record<string, string | undefined>;
  env(name: string): string | null;
  /** Home, config, cache, data and temp directories, and the `PATH` entries. */
  paths(): SysPaths;
  /** The user this process runs as. */
  user(): UserInfo;
  /**
   * Send a signal (default `'SIGTERM'`; a name from `os.constants.signals` or a number; `0`
   * only checks the process exists) to one process. Returns `true`. Throws `ESRCH` if there is
   * no such process and `EPERM` if we may not signal it (with `err.pid`); an unknown signal
   * name is a RangeError, a pid that is not an integer a TypeError, pids below 1 (process
   * groups) a RangeError.
   */
  kill(pid: number, signal?: NodeJS.Signals | number): true;
  /** One object for a dashboard, with the original's text lines. */
  quick(): QuickSnapshot;
  /** {@link Sys.memory} and {@link Sys.info} in one object, as XyPriss's `$hardware`. */
  hardware(): Hardware;
  /** Snapshots of CPU, memory and the process count. */
  monitor(options?: MonitorOptions): Monitor<SystemSnapshot>;
  /** Snapshots of one process; `exit` (then `close`) when it goes away, or at once if it does not exist. */
  monitorProcess(pid: number, options?: MonitorOptions): Monitor<ProcessSnapshot>;
}

/**
 * System information and live monitors.
 *
 * @example
 * const { sys } = require('xypriss-sys');
 * const { usage_percent } = sys.memory();
 * const top = await sys.processes({ topCpu: 5, fields: ['pid', 'name', 'cpu_usage'] });
 * for await (const s of sys.monitor({ interval: 1000, duration: 10_000 })) console.log(s.cpu_usage);
 */
export declare const sys: Sys;

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
  /**
   * Node processes kept booted and waiting (default 0). A slot that needs a new process (after
   * a crash, in a reload, for a memory restart) gets a waiting spare, which only has to run the
   * entry: in `npm run bench cluster` a crashed worker's replacement served after 17.6–31.8 ms
   * (p50) with a spare, 111–159 ms without. A spare costs one idle Node process (42 MiB of
   * resident memory there) and is started again once the cluster is settled. It runs the entry as the
   * main module with the same `process.argv`, `execArgv`, environment and directory as a worker
   * started cold. Not with `exec`.
   */
  spares?: number;
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
   * Messages sent in one turn of the event loop leave in one write (in 64 KiB writes when they
   * add up to more). Returns false when the worker's queue, this turn's sends included, is over
   * 1 MiB: wait for `'drain'`. Throws `ERR_XSYS_NO_WORKER` if the worker is not running.
   */
  send(id: number, message: unknown): boolean;
  /**
   * Send a message to every running worker. Returns false when any worker's queue is over 1 MiB;
   * each such worker emits `'drain'` once it has caught up (and `send` to it returns false until then).
   */
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

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
 * Options every tree walk and long operation accepts (Promise forms). `…Sync` forms only check
 * that `signal` is not already aborted and report no progress.
 */
export interface JobOptions {
  /** Abort the operation: it rejects with an `AbortError` (`code: 'ABORT_ERR'`, `cause`: the signal's reason). */
  signal?: AbortSignal;
  /**
   * Called at most every 100 ms while the operation runs, and once at the end, with the entries
   * walked so far that are not directories (`files`) and the bytes read or written (`bytes`).
   * The final report travels separately from the result and may arrive just after the Promise
   * settles. If it throws, the operation is cancelled and rejects with what it threw.
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

/**
 * `xypriss-sys/compat`: a drop-in replacement for XyPriss's process-per-call runner. The same
 * `runSync(module, action, args, options)` calls, dispatched to the addon in-process, returning
 * what the old client returned after unwrapping the reply (with the old tool's bugs fixed; see
 * docs/compat.md for every difference).
 *
 * @example
 * // XyPriss's src/sys/XyPrissRunner.ts, replaced by one line:
 * module.exports = require('xypriss-sys/compat');
 */

import type { FileSystem } from './index';

/** The old tool's command groups. */
export type RunnerModule = 'fs' | 'path' | 'search' | 'archive' | 'sys' | 'monitor';

export interface XyPrissRunnerOptions {
  /** Refuse paths outside the root (`ERR_XSYS_OUTSIDE_ROOT`). Default `false`, like the old tool. */
  confine?: boolean;
}

/** What a failed call throws: `[XyPriss Error] <module>.<action> failed: <details>`. */
export declare class XyPrissError extends Error {
  constructor(module: string, action: string, details: string, raw?: unknown);
  readonly name: 'XyPrissError';
  readonly module: string;
  readonly action: string;
  /** The underlying error's message: names the error code and the path. */
  readonly details: string;
  /** The underlying error (also `cause`). */
  readonly raw?: unknown;
  /** The underlying error's code (`ENOENT`, `ERR_XSYS_OUTSIDE_ROOT`, …), when it has one. */
  readonly code?: string;
}

/** Runs the old tool's calls in-process. */
export declare class XyPrissRunner {
  /** @param root directory relative paths resolve against (default: the current directory) */
  constructor(root?: string, options?: XyPrissRunnerOptions);
  /** The absolute root. */
  readonly root: string;
  /** The FileSystem the runner works through. */
  readonly fs: FileSystem;
  /** Kept for compatibility: nothing is spawned any more; this is the native addon's loader. */
  getBinaryPath(): string;
  /**
   * One call of the old tool, e.g. `runSync('fs', 'read', ['a.txt'])` or
   * `runSync('sys', 'processes', [], { topCpu: 5 })`. Throws {@link XyPrissError} on failure.
   * Actions that used to take over the terminal (`fs watch`, `fs watch-content`, `fs stream`,
   * `monitor system`, `monitor process`) return a handle (EventEmitter or Readable) to close.
   */
  runSync(module: RunnerModule | string, action: string, args?: unknown[], options?: Record<string, unknown>): any;
}

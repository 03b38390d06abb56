'use strict';
// `XyPrissRunner`: a drop-in for XyPriss's runner of the same name. The old one spawned the
// `xsys` binary once per call and parsed its JSON; this one dispatches the same
// (module, action, args, options) calls to the addon in-process and returns what the old
// client returned after unwrapping the reply, with the old tool's bugs fixed
// (docs/compat.md lists every difference).
const path = require('node:path');
const { FileSystem } = require('../fs.js');
const validate = require('../validate.js');

const modules = {
  fs: require('./fs.js'),
  path: require('./path.js'),
  search: require('./search.js'),
  archive: require('./archive.js'),
  sys: require('./sys.js'),
  monitor: require('./monitor.js'),
};

/** What the old runner threw: `[XyPriss Error] <module>.<action> failed: <details>`. */
class XyPrissError extends Error {
  constructor(module, action, details, raw) {
    super(`[XyPriss Error] ${module}.${action} failed: ${details}`, raw ? { cause: raw } : undefined);
    this.name = 'XyPrissError';
    this.module = module;
    this.action = action;
    this.details = details;
    this.raw = raw;
    if (raw && raw.code) this.code = raw.code;
  }
}

/** Option keys the old runner consumed itself instead of passing them on. */
const RUNNER_KEYS = new Set(['verbose', 'quiet', 'json', 'interactive']);

/** The CLI's entry point into a runner (see `XyPrissRunner#[RUN_WITH]`). */
const RUN_WITH = Symbol('xsys.runWith');


class XyPrissRunner {
  #fs;
  #root;

  /**
   * @param {string} [root] directory relative paths resolve against (default: the current directory)
   * @param {{ confine?: boolean }} [options] `confine: true` refuses paths outside the root
   *   (the old tool was unconfined, so that is the default here too)
   */
  constructor(root, options) {
    const o = validate.options(options);
    this.#root = path.resolve(root === undefined || root === null ? process.cwd() : validate.toPath(root, 'root'));
    this.#fs = new FileSystem({ root: this.#root, confine: validate.bool(o, 'confine', false) });
  }

  /** The root paths resolve against. */
  get root() {
    return this.#root;
  }

  /** The FileSystem the runner works through. */
  get fs() {
    return this.#fs;
  }

  /** There is no binary any more; kept so callers of the old API keep working. */
  getBinaryPath() {
    return require.resolve('../../binding.js');
  }

  /**
   * Run one old-style call in-process.
   * @param {string} module `fs`, `path`, `search`, `archive`, `sys` or `monitor`
   * @param {string} action e.g. `ls`, `read`, `resolve`
   * @param {unknown[]} [args] positional arguments, as XyPriss passes them
   * @param {Record<string, unknown>} [options] camelCase options, as XyPriss passes them
   */
  runSync(module, action, args = [], options = {}) {
    return this[RUN_WITH](module, action, args, options, {});
  }

  /**
   * For the CLI: like `runSync`, with `extras.onProgress` and `extras.signal` making long
   * actions (copy, hash, sync, archives) run in their Promise form, report progress and stop
   * cleanly when aborted. Not part of the old API.
   */
  [RUN_WITH](module, action, args = [], options = {}, extras = {}) {
    const group = Object.hasOwn(modules, module) ? modules[module] : undefined;
    const run = group && Object.hasOwn(group, action) ? group[action] : undefined;
    if (typeof run !== 'function') {
      throw new XyPrissError(module, action, `unknown command '${module} ${action}'`);
    }
    const opts = {};
    for (const [k, v] of Object.entries(options || {})) if (!RUNNER_KEYS.has(k)) opts[k] = v;
    const wrap = (err) => {
      if (err instanceof XyPrissError) return err;
      return new XyPrissError(module, action, err && err.message ? err.message : String(err), err);
    };
    let result;
    try {
      result = run({ fs: this.#fs, root: this.#root, onProgress: extras.onProgress, signal: extras.signal }, Array.isArray(args) ? args : [args], opts);
    } catch (err) {
      throw wrap(err);
    }
    return result instanceof Promise ? result.catch((err) => Promise.reject(wrap(err))) : result;
  }
}

module.exports = { XyPrissRunner, XyPrissError, modules, RUN_WITH };

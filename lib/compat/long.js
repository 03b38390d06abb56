'use strict';
// Long actions (copy, hash, sync, archives) run synchronously for `runSync`, as the old tool
// did, and in their Promise form with progress when the CLI draws a progress bar.

/**
 * Run `fs[method]` with `args`: the `…Sync` form, or — when the caller asked for progress —
 * the Promise form with `onProgress`. `shape` turns the result into the old reply.
 */
function long(ctx, method, args, options = {}, shape = (r) => r) {
  if (!ctx.onProgress) return shape(ctx.fs[`${method}Sync`](...args, options));
  return ctx.fs[method](...args, { ...options, onProgress: ctx.onProgress }).then(shape);
}

module.exports = { long };

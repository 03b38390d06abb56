'use strict';
// Long actions (copy, hash, sync, archives) run synchronously for `runSync`, as the old tool
// did, and in their Promise form with progress when the CLI draws a progress bar.

/**
 * Run `fs[method]` with `args`: the `…Sync` form, or — when the caller passes `onProgress` or
 * an AbortSignal (the CLI, so Ctrl-C cancels cleanly) — the Promise form with them. `shape`
 * turns the result into the old reply.
 */
function long(ctx, method, args, options = {}, shape = (r) => r) {
  if (!ctx.onProgress && !ctx.signal) return shape(ctx.fs[`${method}Sync`](...args, options));
  const steering = {};
  if (ctx.onProgress) steering.onProgress = ctx.onProgress;
  if (ctx.signal) steering.signal = ctx.signal;
  return ctx.fs[method](...args, { ...options, ...steering }).then(shape);
}

module.exports = { long };

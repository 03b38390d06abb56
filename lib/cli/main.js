'use strict';
// `xsys`: the old tool's command line, on the addon. Each command is parsed against the command
// table and run through the same dispatch as the compat runner, so the CLI and
// `require('xypriss-sys/compat')` cannot drift apart. Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted.
const { Readable } = require('node:stream');
const { XyPrissRunner, RUN_WITH } = require('../compat/runner.js');
const { groups } = require('./commands.js');
const { parse, UsageError, GLOBAL_FLAGS } = require('./parse.js');
const { human, inline } = require('./format.js');
const { ProgressBar, totalBytes } = require('./progress.js');

// The addon primes its CPU sample when it loads; usage needs a window of at least 200 ms.
const loadedAt = performance.now();
const FIRST_CPU_WINDOW_MS = 220;

function flagText(name, spec) {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'boolean' ? '' : ` <${spec.type}>`;
  return `${short}--${name}${value}`;
}

function usage(group) {
  const lines = [];
  if (!group) {
    lines.push('Usage: xsys [global flags] <group> <command> [arguments] [flags]', '', 'Groups:');
    for (const [name, g] of Object.entries(groups)) lines.push(`  ${name.padEnd(10)}${g.help}`);
    lines.push('', 'Global flags:');
    for (const [name, spec] of Object.entries(GLOBAL_FLAGS)) lines.push(`  ${flagText(name, spec)}`);
    lines.push('', "Run 'xsys <group> --help' for a group's commands. '--' ends the flags: later arguments are data.");
    return lines.join('\n');
  }
  lines.push(`Usage: xsys ${group} <command> [arguments] [flags]`, '', `${groups[group].help}`, '', 'Commands:');
  for (const [name, c] of Object.entries(groups[group].commands)) {
    const args = (c.args || []).map((a) => `<${a}>`).join(' ');
    lines.push(`  ${`${name} ${args}`.padEnd(34)}  ${c.help}`);
    for (const [flag, spec] of Object.entries(c.flags || {})) lines.push(`      ${flagText(flag, spec)}`);
  }
  return lines.join('\n');
}

function isEventSource(value) {
  return value && typeof value.on === 'function' && typeof value.close === 'function' && !(value instanceof Readable);
}

/** Print a source's `events` until `seconds` pass (forever when 0) or the user interrupts. */
async function follow(source, events, seconds, json, out) {
  await new Promise((resolve) => {
    for (const name of events) {
      source.on(name, (event) => {
        const shown = json ? JSON.stringify({ event: name, data: event }) : `[${name}] ${inline(event)}`;
        out.write(`${shown}\n`);
      });
    }
    source.on('error', (err) => out.write(`error: ${err.message}\n`));
    source.once('close', resolve);
    const stop = () => source.close();
    process.once('SIGINT', stop);
    if (seconds > 0) setTimeout(stop, seconds * 1000).unref();
  });
}

/**
 * Run `xsys` with the given arguments.
 * @returns {Promise<number>} the exit code
 */
async function main(argv, io = { stdout: process.stdout, stderr: process.stderr }) {
  let parsed;
  try {
    parsed = parse(argv, groups);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`xsys: ${err.message}\n\n${usage(err.group)}\n`);
    return 2;
  }
  const { globals, group, command, args, options } = parsed;
  if (globals.version) {
    io.stdout.write(`${require('../../package.json').version}\n`);
    return 0;
  }
  if (!group || globals.help) {
    io.stdout.write(`${usage(group)}\n`);
    return 0;
  }
  try {
    const spec = groups[group].commands[command];
    if (spec.run) {
      await spec.run(args, options, { json: globals.json, out: io.stdout });
      return 0;
    }
    if (spec.measuresCpu) {
      const wait = FIRST_CPU_WINDOW_MS - (performance.now() - loadedAt);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const runner = new XyPrissRunner(globals.root || process.env.XYPRISS_ROOT || process.cwd());
    let result;
    if (spec.bar) {
      // Long commands run off the JS thread, so Ctrl-C (or SIGTERM) cancels them cleanly: a
      // copy or archive stopped half-way leaves no partial output behind.
      const barShown = !globals.json && !globals.quiet && (options.progress || io.stderr.isTTY);
      const bar = barShown ? new ProgressBar(io.stderr, `${group} ${command}`, await totalBytes(runner.fs, spec.bar(args, options))) : null;
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let interrupted = false;
      try {
        const extras = { signal: controller.signal };
        if (bar) extras.onProgress = (p) => bar.update(p);
        result = await runner[RUN_WITH](group, command, args, options, extras);
      } catch (err) {
        interrupted = controller.signal.aborted && (err.raw || err).code === 'ABORT_ERR';
        if (!interrupted) throw err;
      } finally {
        bar?.done();
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
      if (interrupted) {
        io.stderr.write(`xsys: ${group} ${command} interrupted\n`);
        return 130;
      }
    } else {
      result = runner.runSync(group, command, args, options);
      if (result instanceof Promise) result = await result;
    }
    if (result instanceof Readable) {
      await new Promise((resolve, reject) => result.on('error', reject).on('end', resolve).pipe(io.stdout, { end: false }));
    } else if (isEventSource(result)) {
      const events = spec.events || ['all'];
      await follow(result, events, options.duration ?? 0, globals.json, io.stdout);
    } else if (globals.json) {
      io.stdout.write(`${JSON.stringify(result === undefined ? { status: 'ok' } : result, null, 2)}\n`);
    } else if (!globals.quiet) {
      const text = human(result);
      if (text) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    return 0;
  } catch (err) {
    const cause = err.raw || err;
    if (globals.json) {
      io.stderr.write(`${JSON.stringify({ status: 'error', code: cause.code, message: err.message })}\n`);
    } else {
      io.stderr.write(`xsys: ${err.details || err.message}\n`);
    }
    return 1;
  }
}

module.exports = { main, usage };

'use strict';
// argv → { globals, group, command, args, options }, driven by the command table. Usage
// errors throw a UsageError (exit code 2). Everything after `--` is positional, so data that
// starts with a dash is never taken for a flag.

class UsageError extends Error {
  constructor(message, group) {
    super(message);
    this.name = 'UsageError';
    this.group = group;
  }
}

const GLOBAL_FLAGS = {
  root: { type: 'string', short: 'r' },
  json: { type: 'boolean', short: 'j' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

function findFlag(flags, token) {
  if (token.startsWith('--')) {
    const name = token.slice(2).split('=')[0];
    return flags[name] ? [name, flags[name]] : undefined;
  }
  const short = token.slice(1);
  return Object.entries(flags).find(([, f]) => f.short === short);
}

/** Read a flag's value at argv[i]; returns the next index. */
function takeFlag(argv, i, name, spec, into, group) {
  const token = argv[i];
  const inline = token.startsWith('--') && token.includes('=') ? token.slice(token.indexOf('=') + 1) : undefined;
  if (spec.type === 'boolean') {
    if (inline !== undefined) throw new UsageError(`--${name} takes no value`, group);
    into[camel(name)] = true;
    return i + 1;
  }
  const raw = inline !== undefined ? inline : argv[i + 1];
  if (raw === undefined) throw new UsageError(`--${name} needs a value`, group);
  if (spec.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${raw}'`, group);
    into[camel(name)] = n;
  } else {
    into[camel(name)] = raw;
  }
  return inline !== undefined ? i + 1 : i + 2;
}

/**
 * Parse argv against the command table.
 * @returns {{globals: object, group?: string, command?: string, args: string[], options: object}}
 */
function parse(argv, groups) {
  const globals = {};
  let i = 0;
  // Global flags come first.
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    const found = findFlag(GLOBAL_FLAGS, argv[i]);
    if (!found) break;
    i = takeFlag(argv, i, found[0], found[1], globals);
  }
  const group = argv[i++];
  if (group === undefined) return { globals, args: [], options: {} };
  if (!Object.hasOwn(groups, group)) throw new UsageError(`unknown group '${group}'`);
  const commandName = argv[i++];
  if (commandName === undefined || commandName === '--help' || commandName === '-h') {
    return { globals: { ...globals, help: true }, group, args: [], options: {} };
  }
  const command = Object.hasOwn(groups[group].commands, commandName) ? groups[group].commands[commandName] : undefined;
  if (!command) throw new UsageError(`unknown command '${group} ${commandName}'`, group);

  const flags = { ...(command.flags || {}) };
  const args = [];
  const options = {};
  let positionalOnly = false;
  while (i < argv.length) {
    const token = argv[i];
    if (!positionalOnly && token === '--') {
      positionalOnly = true;
      i += 1;
    } else if (!positionalOnly && token.length > 1 && token.startsWith('-') && !/^-\d/.test(token)) {
      const found = findFlag(flags, token) || findFlag(GLOBAL_FLAGS, token);
      if (!found) throw new UsageError(`unknown flag '${token}' for '${group} ${commandName}'`, group);
      const target = flags[found[0]] ? options : globals;
      i = takeFlag(argv, i, found[0], found[1], target, group);
    } else {
      args.push(token);
      i += 1;
    }
  }
  if (!globals.help) checkArity(command, args, `${group} ${commandName}`, group);
  return { globals, group, command: commandName, args, options };
}

function checkArity(command, args, name, group) {
  const spec = command.args || [];
  const required = spec.filter((a) => !a.endsWith('?') && !a.endsWith('...')).length;
  const variadic = spec.some((a) => a.endsWith('...'));
  if (args.length < required) throw new UsageError(`'${name}' needs ${spec.join(' ')}`, group);
  if (!variadic && args.length > spec.length) throw new UsageError(`'${name}' takes at most ${spec.length} argument(s)`, group);
}

module.exports = { parse, UsageError, GLOBAL_FLAGS };

'use strict';
// Argument checks shared by every wrapper. They run before anything reaches native code, so a
// wrong type is a TypeError naming the argument, never a conversion failure deep inside.
const { fileURLToPath } = require('node:url');
const { invalidArgType, invalidArgValue, outOfRange } = require('./errors.js');

/** A path as a string: strings as they are, `file:` URLs converted. */
function toPath(value, name = 'path') {
  if (typeof value === 'string') {
    if (value.includes('\0')) throw invalidArgValue(name, 'must be a string without null bytes', value);
    return value;
  }
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw invalidArgValue(name, 'must be a file: URL', value.href);
    return fileURLToPath(value);
  }
  throw invalidArgType(name, 'of type string or an instance of URL', value);
}

/** `undefined`/`null` become `{}`; anything but a plain object is a TypeError. */
function options(value, name = 'options') {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgType(name, 'of type object', value);
  return value;
}

function bool(opts, key, fallback) {
  const v = opts[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalidArgType(`options.${key}`, 'of type boolean', v);
  return v;
}

function string(opts, key, fallback) {
  const v = opts[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw invalidArgType(`options.${key}`, 'of type string', v);
  return v;
}

function integer(opts, key, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const v = opts[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw invalidArgType(`options.${key}`, 'of type number', v);
  if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(`options.${key}`, `an integer >= ${min} and <= ${max}`, v);
  return v;
}

/** A permission mode: an integer up to 0o7777 or an octal string ("644", "0o755"). */
function fileMode(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0o7777) throw outOfRange(name, '>= 0 and <= 0o7777', value);
    return value;
  }
  if (typeof value === 'string') {
    const m = /^(?:0o)?([0-7]{1,4})$/i.exec(value.trim());
    if (!m) throw invalidArgValue(name, 'must be an octal string such as "644"', value);
    return parseInt(m[1], 8);
  }
  throw invalidArgType(name, 'of type number or string', value);
}

function requireString(value, name) {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  return value;
}

function invalidEncoding(enc) {
  return invalidArgValue('options.encoding', 'must be a Buffer encoding, "buffer" or null', enc);
}

module.exports = {
  toPath,
  options,
  bool,
  string,
  integer,
  fileMode,
  requireString,
  invalidEncoding,
  invalidArgType,
  invalidArgValue,
  outOfRange,
};

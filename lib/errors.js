'use strict';
// Argument errors in Node's own style: a TypeError or RangeError with a `code`.

function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor && value.constructor.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return `type ${typeof value} (${shown})`;
}

function withCode(err, code) {
  err.code = code;
  return err;
}

/** `The "path" argument must be of type string. Received type number (5)` */
function invalidArgType(name, expected, value) {
  const what = name.includes('.') ? `The "${name}" property` : `The "${name}" argument`;
  return withCode(new TypeError(`${what} must be ${expected}. Received ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
}

/** `The argument 'path' must be a string without null bytes. Received '...'` */
function invalidArgValue(name, reason, value) {
  return withCode(
    new TypeError(`The argument '${name}' ${reason}. Received ${describe(value)}`),
    'ERR_INVALID_ARG_VALUE',
  );
}

/** `The value of "options.chunkSize" is out of range. It must be >= 1. Received 0` */
function outOfRange(name, range, value) {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`),
    'ERR_OUT_OF_RANGE',
  );
}

module.exports = { invalidArgType, invalidArgValue, outOfRange };

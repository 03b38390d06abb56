// Wrong arguments are Node-style TypeErrors and RangeErrors, thrown before anything is watched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xsys, scratch } from './helpers.mjs';

const { watch, watchContent } = xsys;

test('paths must be a string, a file: URL, or a non-empty array of them', (t) => {
  const root = scratch(t);
  assert.throws(() => watch(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"paths" argument/ });
  assert.throws(() => watch(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => watch([]), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => watch([root, 1]), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"paths\[1\]"/ });
  assert.throws(() => watch('a\0b'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => watch(new URL('http://x/')), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
});

test('options are type-checked', (t) => {
  const root = scratch(t);
  assert.throws(() => watch(root, 'fast'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  for (const key of ['recursive', 'gitignore', 'persistent', 'followSymlinks']) {
    assert.throws(() => watch(root, { [key]: 1 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: new RegExp(`options.${key}`) });
  }
  assert.throws(() => watch(root, { debounce: '10' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => watch(root, { debounce: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => watch(root, { debounce: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => watchContent(root, { diff: 'yes' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => watchContent(root, { maxBytes: -5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});

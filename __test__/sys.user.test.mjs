// sys: who runs this process, where its files go, and its environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { xsys } from './helpers.mjs';

const { sys } = xsys;

test('user() is the effective user, as os.userInfo() reports it', { skip: process.platform === 'win32' && 'no uid on Windows' }, () => {
  const u = sys.user();
  const node = os.userInfo();
  assert.deepEqual(u, { name: node.username, uid: node.uid, gid: node.gid, home: node.homedir, shell: node.shell });
});

test('paths() gives home, config, cache, data and temp, and the PATH entries', () => {
  const p = sys.paths();
  assert.equal(p.home, os.homedir());
  assert.equal(p.temp, os.tmpdir());
  for (const key of ['config', 'cache', 'data']) {
    assert.equal(typeof p[key], 'string', key);
    assert.ok(path.isAbsolute(p[key]), key);
  }
  if (process.platform === 'linux') {
    assert.equal(p.config, process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'));
    assert.equal(p.cache, process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'));
  }
  assert.deepEqual(p.path, process.env.PATH.split(path.delimiter));
});

test('env(name) is the variable, or null when it is not set; env() is a copy of the environment', () => {
  process.env.XSYS_TEST_VAR = 'value 1';
  try {
    assert.equal(sys.env('XSYS_TEST_VAR'), 'value 1');
    const all = sys.env();
    assert.deepEqual(all, { ...process.env });
    all.XSYS_TEST_VAR = 'changed';
    assert.equal(process.env.XSYS_TEST_VAR, 'value 1');
  } finally {
    delete process.env.XSYS_TEST_VAR;
  }
  assert.equal(sys.env('XSYS_TEST_VAR'), null);
  assert.equal(sys.env(''), null);
});

test('env() with a name that is not a string is a TypeError', () => {
  assert.throws(() => sys.env(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.env(null), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

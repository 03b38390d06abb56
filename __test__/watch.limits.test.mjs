// Hitting inotify's per-user limits gives errors that name the sysctl and its current value.
// The limits are lowered inside a user namespace (`unshare -Ur`), which affects nothing outside
// it; where user namespaces are unavailable these tests are skipped (reported as skipped), and
// the message format is still covered by the Rust unit tests of limits_linux.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, require } from './helpers.mjs';

const entry = require.resolve('../index.js');
const probe = spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 7 > /proc/sys/user/max_inotify_watches'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `user namespaces are unavailable here (${(probe.stderr || probe.error?.message || '').trim()})`;
const sysctl = (name) => readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8').trim();

/** Run `script` (CommonJS) in a user namespace whose `user.<limit>` is `value`; returns its JSON output. */
function withLimit(limit, value, script) {
  const run = spawnSync('unshare', ['-Ur', 'sh', '-c', `echo ${value} > /proc/sys/user/${limit} && exec "$0" -e "$1"`, process.execPath, `
    const { watch } = require(${JSON.stringify(entry)});
    const out = (v) => console.log(JSON.stringify(v));
    const shape = (e) => ({ code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: e.message });
    ${script}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('running out of inotify watches at the root throws ENOSPC naming fs.inotify.max_user_watches', { skip }, (t) => {
  const root = scratch(t);
  const e = withLimit('max_inotify_watches', 0, `
    try { watch(${JSON.stringify(root)}); out('no error'); } catch (e) { out(shape(e)); }`);
  assert.equal(e.code, 'ENOSPC');
  assert.equal(e.errno, -28);
  assert.equal(e.syscall, 'inotify_add_watch');
  assert.equal(e.path, root);
  assert.match(e.message, /^ENOSPC: inotify watch limit reached, watch '/);
  assert.ok(e.message.includes(`fs.inotify.max_user_watches = ${sysctl('max_user_watches')}`), e.message);
  assert.ok(e.message.includes('user.max_inotify_watches = 0'), e.message);
});

test('running out of watches below the root is one ENOSPC error event; the watched part still works', { skip }, (t) => {
  const root = scratch(t);
  for (let i = 0; i < 10; i++) mkdirSync(join(root, `d${i}`));
  const got = withLimit('max_inotify_watches', 3, `
    const fs = require('fs');
    const w = watch(${JSON.stringify(root)}, { debounce: 0 });
    const errors = [];
    w.on('error', (e) => errors.push(shape(e)));
    w.on('ready', () => fs.writeFileSync(${JSON.stringify(join(root, 'top'))}, 'x'));
    w.on('created', () => w.close().then(() => out(errors)));`);
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.equal(got[0].code, 'ENOSPC');
  assert.ok(got[0].message.includes('fs.inotify.max_user_watches'), got[0].message);
});

test('running out of inotify instances throws EMFILE naming fs.inotify.max_user_instances', { skip }, (t) => {
  const root = scratch(t);
  const e = withLimit('max_inotify_instances', 2, `
    const open = [watch(${JSON.stringify(root)}), watch(${JSON.stringify(root)})];
    try { open.push(watch(${JSON.stringify(root)})); out('no error'); } catch (e) { out(shape(e)); }
    Promise.all(open.map((w) => w.close()));`);
  assert.equal(e.code, 'EMFILE');
  assert.equal(e.syscall, 'inotify_init1');
  assert.match(e.message, /^EMFILE: inotify instance limit reached/);
  assert.ok(e.message.includes(`fs.inotify.max_user_instances = ${sysctl('max_user_instances')}`), e.message);
  assert.ok(e.message.includes('user.max_inotify_instances = 2'), e.message);
});

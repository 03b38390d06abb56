// Bad input: every case gives the documented result or a clear Node-style error, never a
// crash, a hang or a half-written file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { constants as bufferConstants } from 'node:buffer';
import { xsys, native, scratch, isRoot, require } from './helpers.mjs';

const { FileSystem } = xsys;

function setup(t) {
  const root = scratch(t);
  nodeFs.writeFileSync(join(root, 'file.txt'), 'data');
  nodeFs.mkdirSync(join(root, 'dir'));
  return { root, fs: new FileSystem({ root }) };
}

test('a missing path is ENOENT with errno, syscall, path and a message naming the operation', async (t) => {
  const { root, fs } = setup(t);
  const expected = { code: 'ENOENT', errno: -2, path: join(root, 'nope') };
  for (const [op, call] of [
    ['stats', () => fs.statsSync('nope')],
    ['read', () => fs.readSync('nope')],
    ['ls', () => fs.lsSync('nope')],
    ['hash', () => fs.hashSync('nope')],
    ['rm', () => fs.rmSync('nope')],
    ['size', () => fs.sizeSync('nope')],
    ['chmod', () => fs.chmodSync('nope', 0o600)],
  ]) {
    assert.throws(call, (err) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, new RegExp(`^ENOENT: no such file or directory, ${op} '`));
      assert.equal(typeof err.syscall, 'string');
      return true;
    }, op);
    assert.throws(call, expected, op);
  }
  await assert.rejects(fs.read('nope'), expected);
  await assert.rejects(fs.copy('nope', 'x'), { code: 'ENOENT' });
  await assert.rejects(fs.move('nope', 'x'), { code: 'ENOENT' });
});

test('copy and move errors name both path and dest', (t) => {
  const { root, fs } = setup(t);
  assert.throws(() => fs.copySync('file.txt', 'dir', { overwrite: true }), (err) => {
    assert.equal(err.code, 'EISDIR');
    assert.equal(err.path, join(root, 'file.txt'));
    assert.equal(err.dest, join(root, 'dir'));
    return true;
  });
});

test('a file where a directory is expected, and the reverse', async (t) => {
  const { fs } = setup(t);
  assert.throws(() => fs.lsSync('file.txt'), { code: 'ENOTDIR' });
  assert.throws(() => fs.writeSync('file.txt/child', 'x'), { code: 'ENOTDIR' });
  assert.throws(() => fs.statsSync('file.txt/child'), { code: 'ENOTDIR' });
  assert.throws(() => fs.readSync('dir'), { code: 'EISDIR' });
  assert.throws(() => fs.hashSync('dir'), { code: 'EISDIR' });
  await assert.rejects(fs.write('dir', 'x'), { code: 'EISDIR' });
  assert.throws(() => fs.copySync('dir', 'file.txt'), { code: 'ENOTDIR' });
});

test('wrong argument types are TypeErrors naming the argument', async (t) => {
  const { fs } = setup(t);
  assert.throws(() => fs.statsSync(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"path" argument/ });
  assert.throws(() => fs.writeSync('a', 42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"data" argument/ });
  assert.throws(() => fs.lsSync('.', { recursive: 'yes' }), { name: 'TypeError', message: /options\.recursive/ });
  assert.throws(() => fs.lsSync('.', 'recursive'), { name: 'TypeError', message: /"options" argument/ });
  assert.throws(() => fs.stream('file.txt', { chunkSize: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => fs.writeSync('a', 'x', { mode: 'rwx' }), { name: 'TypeError' });
  assert.throws(() => new FileSystem({ confine: true }), { name: 'TypeError' });
  await assert.rejects(fs.stats(null), { name: 'TypeError' }, 'async forms reject instead of throwing');
});

test('a NUL byte in a path is refused before reaching the OS', async (t) => {
  const { fs } = setup(t);
  assert.throws(() => fs.statsSync('file.txt\0.jpg'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(fs.write('a\0b', 'x'), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => native.NativeFileSystem.prototype.statsSync.call(new native.NativeFileSystem(null, false), 'a\0b', false, new Float64Array(6)), { code: 'ERR_INVALID_ARG_VALUE' }, 'native layer refuses it too');
});

test('an empty path is ENOENT, as in node:fs', async (t) => {
  const { fs } = setup(t);
  assert.throws(() => fs.statsSync(''), { code: 'ENOENT' });
  await assert.rejects(fs.read(''), { code: 'ENOENT' });
});

test('names that are not UTF-8 never fail a listing', (t) => {
  const { root, fs } = setup(t);
  const bad = Buffer.concat([Buffer.from(`${root}/dir/`), Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74])]);
  nodeFs.writeFileSync(bad, 'x');
  const names = fs.lsSync('dir');
  assert.deepEqual(names, ['f\ufffd\ufffd.t']);
  assert.equal(fs.lsSync('dir', { stats: true })[0][1].size, 1);
  assert.deepEqual(fs.lsSync('.', { recursive: true }).sort(), ['dir', 'dir/f\ufffd\ufffd.t', 'file.txt']);
});

test('symbolic link loops give ELOOP, and listings and sizes still work', async (t) => {
  const { root, fs } = setup(t);
  nodeFs.symlinkSync('loop-b', join(root, 'loop-a'));
  nodeFs.symlinkSync('loop-a', join(root, 'loop-b'));
  assert.throws(() => fs.statsSync('loop-a', { follow: true }), { code: 'ELOOP' });
  assert.equal(fs.statsSync('loop-a').is_symlink, true);
  await assert.rejects(fs.read('loop-a'), { code: 'ELOOP' });
  assert.equal(fs.lsSync('.', { recursive: true }).length, 4);
  assert.equal(fs.checkSync('loop-a').exists, false);
  assert.deepEqual(fs.sizeSync('.').bytes, 4);
});

test('a FIFO does not block check or stats', (t) => {
  const { root, fs } = setup(t);
  const fifo = join(root, 'pipe');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) return t.skip('mkfifo is not available');
  const started = Date.now();
  assert.deepEqual(fs.checkSync('pipe'), { exists: true, readable: true, writable: true });
  const s = fs.statsSync('pipe');
  assert.equal(s.is_file, false);
  assert.equal(s.is_dir, false);
  assert.ok(Date.now() - started < 1000);
  assert.throws(() => fs.copySync('pipe', 'copy'), { code: 'EINVAL' });
});

test('very large files: sizes are exact, and reading one too big for a Buffer is a RangeError', async (t) => {
  const { root, fs } = setup(t);
  const big = join(root, 'sparse');
  const size = bufferConstants.MAX_LENGTH + 4096;
  nodeFs.closeSync(nodeFs.openSync(big, 'w'));
  nodeFs.truncateSync(big, size);
  assert.equal(fs.statsSync('sparse').size, size);
  assert.equal(fs.sizeSync('sparse').bytes, size);
  assert.throws(() => fs.readSync('sparse'), { name: 'RangeError', code: 'ERR_FS_FILE_TOO_LARGE' });
  await assert.rejects(fs.read('sparse', { encoding: null }), { code: 'ERR_FS_FILE_TOO_LARGE' });
});

test('permission denied is EACCES (run as an unprivileged user when the suite runs as root)', (t) => {
  const { root } = setup(t);
  nodeFs.chmodSync(root, 0o755);
  nodeFs.writeFileSync(join(root, 'locked'), 'secret');
  nodeFs.chmodSync(join(root, 'locked'), 0o600);
  nodeFs.mkdirSync(join(root, 'closed'), { mode: 0o700 });
  const script = `
    const { FileSystem } = require(${JSON.stringify(require.resolve('../index.js'))});
    const fs = new FileSystem({ root: ${JSON.stringify(root)} });
    const out = {};
    for (const [name, fn] of Object.entries({
      read: () => fs.readSync('locked'),
      hash: () => fs.hashSync('locked'),
      ls: () => fs.lsSync('closed'),
      write: () => fs.writeSync('closed/x', 'y'),
    })) { try { fn(); out[name] = 'ok'; } catch (e) { out[name] = e.code + ' ' + e.syscall; } }
    out.check = fs.checkSync('locked');
    console.log(JSON.stringify(out));`;
  const opts = isRoot ? { uid: 65534, gid: 65534 } : {};
  const run = spawnSync(process.execPath, ['-e', script], { ...opts, encoding: 'utf8' });
  if (run.status !== 0 && /EACCES|EPERM/.test(run.stderr) && /require/.test(run.stderr)) {
    return t.skip('the unprivileged user cannot read the package directory');
  }
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.read, 'EACCES open');
  assert.equal(out.hash, 'EACCES open');
  assert.equal(out.ls, 'EACCES scandir', 'node:fs reports readdir failures as scandir too');
  assert.match(out.write, /^EACCES/);
  assert.deepEqual(out.check, { exists: true, readable: false, writable: false });
});

test('panics in native code become ERR_XSYS_PANIC errors, sync and async, and Node carries on', async () => {
  assert.throws(() => native.__testPanicSync(), { code: 'ERR_XSYS_PANIC', message: /deliberate panic \(sync\)/ });
  await assert.rejects(native.__testPanicAsync(), { code: 'ERR_XSYS_PANIC', message: /deliberate panic \(async\)/ });
  assert.equal(xsys.fs.statsSync('package.json').is_file, true, 'the addon still works afterwards');
});

// What each FileSystem operation does when things go right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { xsys, scratch } from './helpers.mjs';

const { FileSystem } = xsys;

function tree(t) {
  const root = scratch(t);
  nodeFs.mkdirSync(join(root, 'a/b'), { recursive: true });
  nodeFs.writeFileSync(join(root, 'top.txt'), 'top');
  nodeFs.writeFileSync(join(root, 'a/one.txt'), 'one');
  nodeFs.writeFileSync(join(root, 'a/b/two.txt'), 'two');
  return { root, fs: new FileSystem({ root }) };
}

test('the default fs instance resolves relative paths against the current directory', () => {
  assert.equal(xsys.fs.root, null);
  assert.equal(xsys.fs.confined, false);
  assert.equal(xsys.fs.statsSync('package.json').is_file, true);
});

test('a root makes the FileSystem confined by default and reports the canonical root', (t) => {
  const { root, fs } = tree(t);
  assert.equal(fs.root, root);
  assert.equal(fs.confined, true);
  assert.equal(new FileSystem({ root, confine: false }).confined, false);
});

test('ls lists names, [name, stats] pairs, and recursive relative paths', async (t) => {
  const { fs } = tree(t);
  assert.deepEqual(fs.lsSync('.').sort(), ['a', 'top.txt']);
  const pairs = new Map(fs.lsSync('a', { stats: true }));
  assert.equal(pairs.get('b').is_dir, true);
  assert.equal(pairs.get('one.txt').size, 3);
  assert.deepEqual((await fs.ls('.', { recursive: true })).sort(), ['a', 'a/b', 'a/b/two.txt', 'a/one.txt', 'top.txt']);
  const deep = new Map(await fs.ls('.', { recursive: true, stats: true }));
  assert.equal(deep.get('a/b/two.txt').is_file, true);
});

test('ls matches fs.readdirSync recursive on the same tree', (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(fs.lsSync('.', { recursive: true }).sort(), nodeFs.readdirSync(root, { recursive: true }).sort());
});

test('read returns utf8 text with the BOM stripped, or a Buffer', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.writeFileSync(join(root, 'bom.txt'), Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]));
  assert.equal(fs.readSync('bom.txt'), 'hi');
  assert.equal(await fs.read('bom.txt'), 'hi');
  const buf = await fs.read('bom.txt', { encoding: null });
  assert.ok(Buffer.isBuffer(buf));
  assert.equal(buf.length, 5);
  assert.equal(fs.readSync('top.txt', { encoding: 'base64' }), Buffer.from('top').toString('base64'));
});

test('write creates parents, replaces atomically, and keeps an existing mode', async (t) => {
  const { root, fs } = tree(t);
  fs.writeSync('new/deep/file.txt', 'x');
  assert.equal(nodeFs.readFileSync(join(root, 'new/deep/file.txt'), 'utf8'), 'x');
  nodeFs.chmodSync(join(root, 'top.txt'), 0o640);
  await fs.write('top.txt', Buffer.from('replaced'));
  assert.equal(nodeFs.readFileSync(join(root, 'top.txt'), 'utf8'), 'replaced');
  assert.equal(nodeFs.statSync(join(root, 'top.txt')).mode & 0o777, 0o640);
  assert.deepEqual(nodeFs.readdirSync(root).filter((n) => n.includes('xsys-tmp')), [], 'no temp file left');
});

test('write honours append, mode, atomic: false and typed arrays', async (t) => {
  const { root, fs } = tree(t);
  fs.writeSync('log.txt', 'a\n');
  await fs.write('log.txt', 'b\n', { append: true });
  assert.equal(nodeFs.readFileSync(join(root, 'log.txt'), 'utf8'), 'a\nb\n');
  fs.writeSync('secret', 's', { mode: 0o600 });
  assert.equal(nodeFs.statSync(join(root, 'secret')).mode & 0o777, 0o600);
  fs.writeSync('secret2', 's', { mode: '640', fsync: true });
  assert.equal(nodeFs.statSync(join(root, 'secret2')).mode & 0o777, 0o640);
  fs.writeSync('plain.bin', new Uint16Array([0x4241]), { atomic: false });
  assert.equal(nodeFs.readFileSync(join(root, 'plain.bin'), 'latin1'), 'AB');
});

test('write goes through a symbolic link and keeps the link', (t) => {
  const { root, fs } = tree(t);
  nodeFs.symlinkSync('top.txt', join(root, 'alias'));
  fs.writeSync('alias', 'via link');
  assert.equal(nodeFs.lstatSync(join(root, 'alias')).isSymbolicLink(), true);
  assert.equal(nodeFs.readFileSync(join(root, 'top.txt'), 'utf8'), 'via link');
});

test('copy copies files and trees, keeps modes, copies links as links, merges into a directory', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.chmodSync(join(root, 'a/one.txt'), 0o751);
  nodeFs.symlinkSync('one.txt', join(root, 'a/link'));
  await fs.copy('a', 'copy');
  assert.equal(nodeFs.readFileSync(join(root, 'copy/b/two.txt'), 'utf8'), 'two');
  assert.equal(nodeFs.statSync(join(root, 'copy/one.txt')).mode & 0o777, 0o751);
  assert.equal(nodeFs.readlinkSync(join(root, 'copy/link')), 'one.txt');
  fs.copySync('top.txt', 'copy/top.txt');
  assert.equal(nodeFs.readFileSync(join(root, 'copy/top.txt'), 'utf8'), 'top');
  fs.copySync('a', 'copy'); // merge again: existing files replaced
  assert.deepEqual(nodeFs.readdirSync(join(root, 'copy')).sort(), ['b', 'link', 'one.txt', 'top.txt']);
});

test('copy with preserveTimes keeps mtimes; overwrite: false refuses existing files', (t) => {
  const { root, fs } = tree(t);
  const old = new Date('2020-01-02T03:04:05Z');
  nodeFs.utimesSync(join(root, 'a/one.txt'), old, old);
  fs.copySync('a', 'kept', { preserveTimes: true });
  assert.equal(nodeFs.statSync(join(root, 'kept/one.txt')).mtimeMs, old.getTime());
  assert.throws(() => fs.copySync('top.txt', 'a/one.txt', { overwrite: false }), { code: 'EEXIST' });
});

test('copy refuses to copy a directory into itself', (t) => {
  const { fs } = tree(t);
  assert.throws(() => fs.copySync('a', 'a/b/inside'), { code: 'EINVAL' });
});

test('move renames, creating parents', async (t) => {
  const { root, fs } = tree(t);
  await fs.move('a', 'moved/here');
  assert.equal(nodeFs.existsSync(join(root, 'a')), false);
  assert.equal(nodeFs.readFileSync(join(root, 'moved/here/b/two.txt'), 'utf8'), 'two');
});

test('move falls back to copy and remove across filesystems (EXDEV)', async (t) => {
  if (!nodeFs.existsSync('/dev/shm')) return t.skip('no /dev/shm on this machine');
  const { root } = tree(t);
  const shm = nodeFs.mkdtempSync('/dev/shm/xsys-');
  t.after(() => nodeFs.rmSync(shm, { recursive: true, force: true }));
  if (nodeFs.statSync(shm).dev === nodeFs.statSync(root).dev) return t.skip('/dev/shm is on the same filesystem');
  const fs = new FileSystem({ root: '/', confine: false });
  const old = new Date('2021-05-06T07:08:09Z');
  nodeFs.utimesSync(join(root, 'a/one.txt'), old, old);
  await fs.move(join(root, 'a'), join(shm, 'a'));
  assert.equal(nodeFs.existsSync(join(root, 'a')), false);
  assert.equal(nodeFs.readFileSync(join(shm, 'a/b/two.txt'), 'utf8'), 'two');
  assert.equal(nodeFs.statSync(join(shm, 'a/one.txt')).mtimeMs, old.getTime());
});

test('rm removes files, links (not their targets) and, with recursive, trees', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.symlinkSync(join(root, 'a'), join(root, 'dirlink'));
  fs.rmSync('dirlink');
  assert.equal(nodeFs.existsSync(join(root, 'a/one.txt')), true, 'target untouched');
  assert.throws(() => fs.rmSync('a'), { code: 'EISDIR' });
  await fs.rm('a', { recursive: true });
  assert.equal(nodeFs.existsSync(join(root, 'a')), false);
  fs.rmSync('top.txt');
  assert.throws(() => fs.rmSync('top.txt'), { code: 'ENOENT' });
  fs.rmSync('top.txt', { force: true });
});

test('rm refuses the root of a confined FileSystem however it is spelled', (t) => {
  const { root, fs } = tree(t);
  for (const spelling of ['.', 'a/..', root, `${root}/`]) {
    assert.throws(() => fs.rmSync(spelling, { recursive: true, force: true }), { code: 'ERR_XSYS_IS_ROOT' }, spelling);
  }
  assert.equal(nodeFs.existsSync(join(root, 'top.txt')), true);
});

test('mkdir creates one directory, or parents with parents: true', async (t) => {
  const { root, fs } = tree(t);
  fs.mkdirSync('one');
  assert.throws(() => fs.mkdirSync('one'), { code: 'EEXIST' });
  assert.throws(() => fs.mkdirSync('x/y/z'), { code: 'ENOENT' });
  await fs.mkdir('x/y/z', { parents: true });
  await fs.mkdir('x/y/z', { parents: true });
  assert.equal(nodeFs.statSync(join(root, 'x/y/z')).isDirectory(), true);
  assert.throws(() => fs.mkdirSync('top.txt/sub', { parents: true }), { code: 'ENOTDIR' });
});

test('touch creates a missing file and updates the times of an existing one', async (t) => {
  const { root, fs } = tree(t);
  await fs.touch('fresh/file');
  assert.equal(nodeFs.statSync(join(root, 'fresh/file')).size, 0);
  const old = new Date('2000-01-01T00:00:00Z');
  nodeFs.utimesSync(join(root, 'top.txt'), old, old);
  fs.touchSync('top.txt');
  assert.ok(nodeFs.statSync(join(root, 'top.txt')).mtimeMs > old.getTime() + 1e9);
  assert.equal(nodeFs.readFileSync(join(root, 'top.txt'), 'utf8'), 'top', 'content untouched');
});

test('chmod accepts numbers, octal strings and symbolic modes', async (t) => {
  const { root, fs } = tree(t);
  const mode = () => nodeFs.statSync(join(root, 'top.txt')).mode & 0o7777;
  fs.chmodSync('top.txt', 0o600);
  assert.equal(mode(), 0o600);
  await fs.chmod('top.txt', '755');
  assert.equal(mode(), 0o755);
  fs.chmodSync('top.txt', 'go-rx');
  assert.equal(mode(), 0o700);
  fs.chmodSync('top.txt', 'a+r,u-x');
  assert.equal(mode(), 0o644);
  assert.throws(() => fs.chmodSync('top.txt', 'z+q'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => fs.chmodSync('top.txt', 0o17777), { name: 'RangeError' });
});

test('link creates a symbolic link storing the target as given', async (t) => {
  const { root, fs } = tree(t);
  await fs.link('top.txt', 'links/to-top');
  assert.equal(nodeFs.readlinkSync(join(root, 'links/to-top')), 'top.txt');
  fs.linkSync(join(root, 'a'), 'to-a');
  assert.equal(nodeFs.readlinkSync(join(root, 'to-a')), 'a', 'absolute target inside a confined root is stored relative');
  assert.equal(nodeFs.readFileSync(join(root, 'to-a/one.txt'), 'utf8'), 'one');
});

test('stats reports symbolic links unless follow is set, with XyPriss field names', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.symlinkSync('top.txt', join(root, 'ln'));
  nodeFs.chmodSync(join(root, 'top.txt'), 0o444);
  const link = fs.statsSync('ln');
  assert.equal(link.is_symlink, true);
  assert.equal(link.is_file, false);
  const target = await fs.stats('ln', { follow: true });
  assert.deepEqual(Object.keys(target), ['size', 'created', 'modified', 'accessed', 'is_dir', 'is_file', 'is_symlink', 'permissions', 'readonly']);
  assert.equal(target.is_file, true);
  assert.equal(target.size, 3);
  assert.equal(target.permissions, 0o444);
  assert.equal(target.readonly, true);
  const node = nodeFs.statSync(join(root, 'top.txt'));
  assert.ok(Math.abs(target.modified - node.mtimeMs / 1000) < 1e-3);
  assert.ok(target.created === null || typeof target.created === 'number');
});

test('hash streams a digest and verify compares it case-insensitively', async (t) => {
  const { root, fs } = tree(t);
  const data = Buffer.alloc(3 * 1024 * 1024 + 7, 'xyz');
  nodeFs.writeFileSync(join(root, 'big'), data);
  const expected = createHash('sha256').update(data).digest('hex');
  assert.equal(await fs.hash('big'), expected);
  assert.equal(fs.hashSync('big', { algorithm: 'sha512' }), createHash('sha512').update(data).digest('hex'));
  assert.equal(fs.hashSync('big', { algorithm: 'md5' }), createHash('md5').update(data).digest('hex'));
  assert.equal(fs.verifySync('big', expected.toUpperCase()), true);
  assert.equal(await fs.verify('big', ` ${expected}\n`), true);
  assert.equal(await fs.verify('big', '0'.repeat(64)), false);
  assert.throws(() => fs.verifySync('big', 'not-hex'), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => fs.hashSync('big', { algorithm: 'crc32' }), { name: 'TypeError' });
});

test('size reports a file or a recursive total, counting hard links once', async (t) => {
  const { root, fs } = tree(t);
  nodeFs.linkSync(join(root, 'a/one.txt'), join(root, 'a/hard'));
  assert.deepEqual(fs.sizeSync('top.txt'), { bytes: 3, formatted: '3 B' });
  assert.deepEqual(await fs.size('.'), { bytes: 9, formatted: '9 B' });
});

test('check reports existence and access without opening', async (t) => {
  const { root, fs } = tree(t);
  assert.deepEqual(fs.checkSync('top.txt'), { exists: true, readable: true, writable: true });
  assert.deepEqual(await fs.check('missing'), { exists: false, readable: false, writable: false });
  nodeFs.symlinkSync('nowhere', join(root, 'dangling'));
  assert.equal(fs.checkSync('dangling').exists, false);
});

test('stream gives a Readable of the bytes in chunks of chunkSize', async (t) => {
  const { root, fs } = tree(t);
  const data = Buffer.alloc(100_000, 'q');
  nodeFs.writeFileSync(join(root, 'data'), data);
  const chunks = [];
  for await (const chunk of fs.stream('data', { chunkSize: 4096 })) chunks.push(chunk);
  assert.ok(chunks.every((c) => c.length <= 4096));
  assert.deepEqual(Buffer.concat(chunks), data);
});

test('every operation has a Promise form and a Sync twin', () => {
  const ops = ['ls', 'read', 'write', 'copy', 'move', 'rm', 'mkdir', 'touch', 'chmod', 'link', 'stats', 'hash', 'verify', 'size', 'check'];
  for (const op of ops) {
    assert.equal(typeof FileSystem.prototype[op], 'function', op);
    assert.equal(typeof FileSystem.prototype[`${op}Sync`], 'function', `${op}Sync`);
  }
});

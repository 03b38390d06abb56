// Confinement: with a root, no path can reach outside it. `..`, absolute paths and symbolic
// links (met anywhere along the way, or swapped in between calls) are all refused with
// ERR_XSYS_OUTSIDE_ROOT, and nothing outside is read, created or changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { xsys } from './helpers.mjs';

const { FileSystem } = xsys;
const OUTSIDE = { code: 'ERR_XSYS_OUTSIDE_ROOT' };

/** root/ (confined) and outside/ (a sibling holding a secret), plus a snapshot of outside. */
function world(t) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'xsys-confine-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  nodeFs.mkdirSync(join(root, 'inner'), { recursive: true });
  nodeFs.mkdirSync(join(outside, 'dir'), { recursive: true });
  nodeFs.writeFileSync(join(outside, 'secret'), 'top secret');
  nodeFs.writeFileSync(join(outside, 'dir/file'), 'outside file');
  nodeFs.writeFileSync(join(root, 'inner/mine'), 'mine');
  const snapshot = () => {
    const out = {};
    for (const rel of nodeFs.readdirSync(outside, { recursive: true }).sort()) {
      const st = nodeFs.lstatSync(join(outside, rel));
      out[rel] = { mode: st.mode, mtime: st.mtimeMs, data: st.isFile() ? nodeFs.readFileSync(join(outside, rel), 'utf8') : null };
    }
    return out;
  };
  const before = snapshot();
  t.after(() => {
    const after = snapshot();
    rmSync(base, { recursive: true, force: true });
    assert.deepEqual(after, before, 'nothing outside the root changed');
  });
  return { root, outside, fs: new FileSystem({ root }) };
}

/** Every operation that takes a path, as [name, sync call, async call]. */
function everyOperation(fs, p) {
  return [
    ['stats(follow)', () => fs.statsSync(p, { follow: true }), () => fs.stats(p, { follow: true })],
    ['read', () => fs.readSync(p), () => fs.read(p)],
    ['write', () => fs.writeSync(p, 'pwned'), () => fs.write(p, 'pwned')],
    ['append', () => fs.writeSync(p, 'pwned', { append: true }), () => fs.write(p, 'pwned', { append: true })],
    ['ls', () => fs.lsSync(p), () => fs.ls(p)],
    ['hash', () => fs.hashSync(p), () => fs.hash(p)],
    ['size', () => fs.sizeSync(p), () => fs.size(p)],
    ['check', () => fs.checkSync(p), () => fs.check(p)],
    ['chmod', () => fs.chmodSync(p, 0o777), () => fs.chmod(p, 0o777)],
    ['touch', () => fs.touchSync(p), () => fs.touch(p)],
    ['mkdir', () => fs.mkdirSync(`${p}/new`, { parents: true }), () => fs.mkdir(`${p}/new`, { parents: true })],
    ['copy from', () => fs.copySync(p, 'stolen'), () => fs.copy(p, 'stolen')],
    ['copy to', () => fs.copySync('inner/mine', `${p}/planted`), () => fs.copy('inner/mine', `${p}/planted`)],
    ['move from', () => fs.moveSync(p, 'stolen'), () => fs.move(p, 'stolen')],
    ['move to', () => fs.moveSync('inner/mine', `${p}/planted`), () => fs.move('inner/mine', `${p}/planted`)],
    ['link at', () => fs.linkSync('inner/mine', `${p}/planted`), () => fs.link('inner/mine', `${p}/planted`)],
    ['rm', () => fs.rmSync(`${p}/file`, { recursive: true }), () => fs.rm(`${p}/file`, { recursive: true })],
  ];
}

async function assertAllRefused(fs, p) {
  for (const [name, sync, promise] of everyOperation(fs, p)) {
    assert.throws(sync, OUTSIDE, `${name}Sync(${p})`);
    await assert.rejects(promise(), OUTSIDE, `${name}(${p})`);
  }
  await assert.rejects(
    new Promise((resolve, reject) => fs.stream(p).on('error', reject).on('data', resolve)),
    OUTSIDE,
    `stream(${p})`,
  );
}

for (const spelling of ['..', '../outside', '../outside/secret', 'inner/../../outside/dir', 'inner/../../../../../../etc']) {
  test(`'..' chains are refused: ${spelling}`, async (t) => {
    const { fs } = world(t);
    await assertAllRefused(fs, spelling);
  });
}

test('absolute paths outside the root are refused; inside it they work', async (t) => {
  const { root, outside, fs } = world(t);
  await assertAllRefused(fs, join(outside, 'dir'));
  await assertAllRefused(fs, '/etc');
  assert.equal(fs.readSync(join(root, 'inner/mine')), 'mine');
});

test('a symbolic link to an outside file is refused, absolute or relative', async (t) => {
  const { root, outside, fs } = world(t);
  nodeFs.symlinkSync(join(outside, 'secret'), join(root, 'abs-link'));
  nodeFs.symlinkSync('../outside/secret', join(root, 'rel-link'));
  for (const link of ['abs-link', 'rel-link']) {
    for (const [name, sync, promise] of everyOperation(fs, link).filter(([n]) => ['read', 'write', 'append', 'hash', 'stats(follow)', 'chmod', 'touch', 'check'].includes(n))) {
      assert.throws(sync, OUTSIDE, `${name}(${link})`);
      await assert.rejects(promise(), OUTSIDE, `${name}(${link})`);
    }
    assert.equal(fs.statsSync(link).is_symlink, true, 'the link itself can be inspected');
  }
  fs.rmSync('abs-link');
  assert.equal(nodeFs.existsSync(join(root, 'abs-link')), false, 'removing the link removes only the link');
});

test('a symbolic link to an outside directory, met along the way, is refused', async (t) => {
  const { root, outside, fs } = world(t);
  nodeFs.symlinkSync(join(outside, 'dir'), join(root, 'abs-dir'));
  nodeFs.symlinkSync('../../outside/dir', join(root, 'inner/rel-dir'));
  // Through the link: everything is refused. (The link itself may be copied, moved or removed
  // as a link: that reads nothing outside.)
  await assertAllRefused(fs, 'abs-dir/file');
  await assertAllRefused(fs, 'inner/rel-dir/file');
  assert.throws(() => fs.readSync('inner/rel-dir/file'), OUTSIDE);
  assert.throws(() => fs.writeSync('abs-dir/new-file', 'x'), OUTSIDE);
});

test('a symbolically linked root parent is fine: only links leading out are refused', (t) => {
  const { root, fs } = world(t);
  nodeFs.symlinkSync('inner', join(root, 'alias'));
  assert.equal(fs.readSync('alias/mine'), 'mine');
  fs.writeSync('alias/via-alias', 'ok');
  assert.equal(nodeFs.readFileSync(join(root, 'inner/via-alias'), 'utf8'), 'ok');
});

test('a directory swapped for a symbolic link between two calls is refused on the second', async (t) => {
  const { root, outside, fs } = world(t);
  fs.writeSync('inner/first', 'one');
  nodeFs.rmSync(join(root, 'inner'), { recursive: true });
  nodeFs.symlinkSync(join(outside, 'dir'), join(root, 'inner'));
  assert.throws(() => fs.writeSync('inner/first', 'two'), OUTSIDE);
  await assert.rejects(fs.read('inner/file'), OUTSIDE);
  await assert.rejects(fs.copy('inner/file', 'copied'), OUTSIDE);
  assert.throws(() => fs.lsSync('inner'), OUTSIDE);
});

test('tree operations never follow links out of the tree', async (t) => {
  const { root, outside, fs } = world(t);
  nodeFs.symlinkSync(join(outside, 'dir'), join(root, 'inner/escape'));
  nodeFs.symlinkSync('../../outside/secret', join(root, 'inner/secret-link'));
  await fs.copy('inner', 'copy');
  assert.equal(nodeFs.readlinkSync(join(root, 'copy/escape')), join(outside, 'dir'), 'copied as a link');
  assert.deepEqual((await fs.ls('inner', { recursive: true })).sort(), ['escape', 'mine', 'secret-link']);
  assert.equal(fs.sizeSync('inner').bytes, 4, 'links are not followed when sizing');
  await fs.rm('inner', { recursive: true });
  await fs.rm('copy', { recursive: true });
  assert.equal(nodeFs.readFileSync(join(outside, 'dir/file'), 'utf8'), 'outside file');
});

test('link refuses to create a link whose target leads outside the root', async (t) => {
  const { root, outside, fs } = world(t);
  assert.throws(() => fs.linkSync('../outside/secret', 'l1'), OUTSIDE);
  assert.throws(() => fs.linkSync(join(outside, 'secret'), 'l2'), OUTSIDE);
  await assert.rejects(fs.link('../../outside', 'inner/l3'), OUTSIDE);
  fs.linkSync('../inner/mine', 'inner/ok');
  assert.equal(nodeFs.readFileSync(join(root, 'inner/ok'), 'utf8'), 'mine');
});

test('an unconfined FileSystem with a root resolves relative paths against it but may leave it', (t) => {
  const { root, outside } = world(t);
  const fs = new FileSystem({ root, confine: false });
  assert.equal(fs.readSync('../outside/secret'), 'top secret');
  assert.equal(fs.readSync('inner/mine'), 'mine');
  assert.throws(() => fs.rmSync('.', { recursive: true }), { code: 'ERR_XSYS_IS_ROOT' }, 'still refuses to delete its root');
  assert.equal(nodeFs.existsSync(outside), true);
});

// Copy's guarantees around the destination: what is in the way, replacing, interruption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { xsys, scratch, isRoot, require } from './helpers.mjs';

const { FileSystem } = xsys;
const BIN = fileURLToPath(new URL('../bin/xsys.js', import.meta.url));
const leftovers = (dir) => nodeFs.readdirSync(dir).filter((n) => n.includes('xsys-tmp'));

test('a directory in the way is EISDIR and an existing file with overwrite: false is EEXIST, before any byte is copied', async (t) => {
  const root = scratch(t);
  const fs = new FileSystem({ root });
  nodeFs.writeFileSync(join(root, 'big'), '');
  nodeFs.truncateSync(join(root, 'big'), 64 * 2 ** 30); // sparse: copying it would take minutes
  nodeFs.mkdirSync(join(root, 'dir'));
  nodeFs.writeFileSync(join(root, 'file'), 'old');
  await assert.rejects(fs.copy('big', 'dir'), { code: 'EISDIR' });
  assert.throws(() => fs.copySync('big', 'dir'), { code: 'EISDIR' });
  await assert.rejects(fs.copy('big', 'file', { overwrite: false }), { code: 'EEXIST' });
  assert.equal(nodeFs.readFileSync(join(root, 'file'), 'utf8'), 'old');
  assert.deepEqual(leftovers(root), []);
});

test('a throw from onProgress on the last report still rejects the call', async (t) => {
  const root = scratch(t);
  const fs = new FileSystem({ root });
  nodeFs.writeFileSync(join(root, 'small'), 'x');
  const boom = new Error('late');
  await assert.rejects(fs.copy('small', 'copy', { onProgress: () => { throw boom; } }), (err) => err === boom);
  await assert.rejects(fs.hash('small', { onProgress: () => { throw boom; } }), (err) => err === boom);
});

test('replacing a file we may not write is EACCES, like fs.copyFile; a read-only directory falls back to rewriting in place (keeping its mode)', (t) => {
  const root = scratch(t);
  nodeFs.chmodSync(root, 0o777);
  nodeFs.writeFileSync(join(root, 'src'), 'new content');
  nodeFs.chmodSync(join(root, 'src'), 0o644);
  nodeFs.writeFileSync(join(root, 'locked'), 'old');
  nodeFs.chmodSync(join(root, 'locked'), 0o444);
  nodeFs.mkdirSync(join(root, 'ro'));
  nodeFs.writeFileSync(join(root, 'ro/open'), 'old');
  nodeFs.chmodSync(join(root, 'ro/open'), 0o666);
  nodeFs.chmodSync(join(root, 'ro'), 0o555);
  const script = `
    const { FileSystem } = require(${JSON.stringify(require.resolve('../index.js'))});
    const fs = new FileSystem({ root: ${JSON.stringify(root)} });
    const code = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
    console.log(JSON.stringify({ locked: code(() => fs.copySync('src', 'locked')), ro: code(() => fs.copySync('src', 'ro/open')) }));`;
  const run = spawnSync(process.execPath, ['-e', script], { ...(isRoot ? { uid: 65534, gid: 65534 } : {}), encoding: 'utf8' });
  nodeFs.chmodSync(join(root, 'ro'), 0o755); // so the scratch directory can be removed
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { locked: 'EACCES', ro: 'ok' });
  assert.equal(nodeFs.readFileSync(join(root, 'locked'), 'utf8'), 'old');
  assert.equal(nodeFs.readFileSync(join(root, 'ro/open'), 'utf8'), 'new content');
  assert.deepEqual([...leftovers(root), ...leftovers(join(root, 'ro'))], []);
});

test('Ctrl-C during `xsys fs copy` cancels it: exit 130, no partial file, no temporary file, the old file whole', async (t) => {
  const root = scratch(t);
  nodeFs.writeFileSync(join(root, 'big'), '');
  nodeFs.truncateSync(join(root, 'big'), 64 * 2 ** 30);
  nodeFs.writeFileSync(join(root, 'old'), 'keep me');
  for (const dest of ['new', 'old']) {
    const child = spawn(process.execPath, [BIN, '--root', root, 'fs', 'copy', 'big', dest, '--progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      err += d;
      if (!sent && err.includes('fs copy')) {
        sent = true; // once: a second Ctrl-C would end the process the hard way, as usual
        child.kill('SIGINT'); // the copy is under way
      }
    });
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, err);
    assert.match(err, /fs copy interrupted/);
  }
  assert.deepEqual(nodeFs.readdirSync(root).sort(), ['big', 'old']);
  assert.equal(nodeFs.readFileSync(join(root, 'old'), 'utf8'), 'keep me');
});

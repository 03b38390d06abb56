// What every walk shares: AbortSignal, onProgress, unreadable entries reported (not fatal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { xsys, scratch, isRoot, require } from './helpers.mjs';

const { FileSystem } = xsys;

function wide(t, dirs = 20, files = 100) {
  const root = scratch(t);
  for (let d = 0; d < dirs; d++) {
    nodeFs.mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < files; f++) nodeFs.writeFileSync(join(root, `d${d}`, `f${f}.txt`), `line ${f}\nneedle ${d}\n`);
  }
  return { root, fs: new FileSystem({ root }) };
}

const ABORT = { name: 'AbortError', code: 'ABORT_ERR' };

test('an already aborted signal rejects at once, sync forms throw', async (t) => {
  const { fs } = wide(t, 1, 1);
  const signal = AbortSignal.abort(new Error('stop'));
  for (const call of [
    () => fs.find('.', { signal }),
    () => fs.grep('.', 'x', { signal }),
    () => fs.du('.', { signal }),
    () => fs.dedupe('.', { signal }),
    () => fs.sync('d0', 'copy', { signal }),
    () => fs.tar('.', 'x.tar', { signal }),
    () => fs.gzip('d0/f0.txt', 'x.gz', { signal }),
    () => fs.copy('d0', 'copied', { signal }),
    () => fs.hash('d0/f0.txt', { signal }),
  ]) {
    await assert.rejects(call(), (err) => err.name === 'AbortError' && err.code === 'ABORT_ERR' && err.cause.message === 'stop');
  }
  assert.throws(() => fs.duSync('.', { signal }), ABORT);
  assert.throws(() => fs.copySync('d0', 'copied', { signal }), ABORT);
  assert.throws(() => fs.hashSync('d0/f0.txt', { signal }), ABORT);
  assert.equal(nodeFs.existsSync(join(fs.root, 'copy')), false);
  assert.equal(nodeFs.existsSync(join(fs.root, 'copied')), false);
});

test('aborting during a walk stops it with an AbortError', async (t) => {
  const { fs } = wide(t);
  for (const op of [
    (signal) => fs.grep('.', 'needle', { signal }),
    (signal) => fs.dedupe('.', { signal }),
    (signal) => fs.find('.', { signal }),
    (signal) => fs.tar('.', 'all.tar', { signal }),
  ]) {
    const controller = new AbortController();
    const pending = op(controller.signal);
    controller.abort();
    await assert.rejects(pending, ABORT);
  }
  assert.equal(nodeFs.existsSync(join(fs.root, 'all.tar')), false, 'an aborted tar leaves no archive');
});

test('onProgress reports growing file and byte counts, and the last report is the total', async (t) => {
  const { fs } = wide(t);
  const seen = [];
  const found = await fs.grep('.', 'needle', { onProgress: (p) => seen.push(p) });
  assert.equal(found.length, 20 * 100);
  // The final report is delivered before the Promise settles: no waiting here.
  assert.ok(seen.length >= 1);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].files >= seen[i - 1].files && seen[i].bytes >= seen[i - 1].bytes);
  const total = nodeFs.readdirSync(fs.root, { recursive: true }).filter((p) => p.endsWith('.txt'));
  const bytes = total.reduce((sum, p) => sum + nodeFs.statSync(join(fs.root, p)).size, 0);
  assert.deepEqual(seen.at(-1), { files: total.length, bytes });
});

test('copy and hash report progress: files, and bytes as a large file goes through', async (t) => {
  const { fs, root } = wide(t, 4, 25);
  const big = Buffer.alloc(40 << 20, 'b');
  nodeFs.writeFileSync(join(root, 'd0', 'big'), big);
  const treeBytes = nodeFs.readdirSync(join(root, 'd0')).reduce((sum, p) => sum + nodeFs.statSync(join(root, 'd0', p)).size, 0);

  const copied = [];
  await fs.copy('d0', 'copied', { onProgress: (p) => copied.push(p) });
  assert.deepEqual(copied.at(-1), { files: 25 + 1, bytes: treeBytes });
  assert.deepEqual(nodeFs.readFileSync(join(root, 'copied/big')), big);

  const one = [];
  await fs.copy('d0/big', 'big2', { onProgress: (p) => one.push(p) });
  assert.deepEqual(one.at(-1), { files: 1, bytes: big.length });

  const hashed = [];
  const digest = await fs.hash('d0/big', { onProgress: (p) => hashed.push(p) });
  assert.equal(digest, (await import('node:crypto')).createHash('sha256').update(big).digest('hex'));
  assert.deepEqual(hashed.at(-1), { files: 1, bytes: big.length });
});

test('aborting a copy or hash of a large file stops it part-way', async (t) => {
  const { fs, root } = wide(t, 1, 1);
  // A sparse 64 GiB file: no machine reads it in the 100 ms before the first progress report.
  const size = 64 * 2 ** 30;
  nodeFs.writeFileSync(join(root, 'big'), '');
  nodeFs.truncateSync(join(root, 'big'), size);
  for (const op of [(o) => fs.hash('big', o), (o) => fs.copy('big', 'big.copy', o)]) {
    const controller = new AbortController();
    let at = null;
    const onProgress = (p) => {
      if (at === null) {
        at = p.bytes;
        controller.abort();
      }
    };
    await assert.rejects(op({ signal: controller.signal, onProgress }), ABORT);
    assert.ok(at !== null && at < size, `aborted at ${at} of ${size} bytes`);
  }
  assert.deepEqual(nodeFs.readdirSync(root).sort(), ['big', 'd0'], 'the aborted copy left nothing behind');
  nodeFs.writeFileSync(join(root, 'old'), 'keep me');
  const controller = new AbortController();
  const replacing = fs.copy('big', 'old', { signal: controller.signal, onProgress: () => controller.abort() });
  await assert.rejects(replacing, ABORT);
  assert.equal(nodeFs.readFileSync(join(root, 'old'), 'utf8'), 'keep me', 'an aborted overwrite keeps the old file');
  assert.deepEqual(nodeFs.readdirSync(root).sort(), ['big', 'd0', 'old']);
});

test('an onProgress that throws cancels the work and rejects with what it threw', async (t) => {
  const { fs } = wide(t, 1, 1);
  nodeFs.writeFileSync(join(fs.root, 'big'), Buffer.alloc(96 << 20, 'a'));
  const boom = new Error('callback failed');
  await assert.rejects(fs.gzip('big', 'big.gz', { level: 9, onProgress: () => { throw boom; } }), (err) => err === boom);
  assert.equal(nodeFs.existsSync(join(fs.root, 'big.gz')), false, 'the output is not left behind');
});

test('unreadable directories and files are reported in errors, the walk goes on', (t) => {
  const { root } = wide(t, 2, 2);
  nodeFs.chmodSync(root, 0o755);
  nodeFs.mkdirSync(join(root, 'closed'));
  nodeFs.writeFileSync(join(root, 'closed/hidden'), 'needle');
  nodeFs.writeFileSync(join(root, 'locked'), 'needle');
  const reopen = () => {
    nodeFs.chmodSync(join(root, 'closed'), 0o755);
    nodeFs.chmodSync(join(root, 'locked'), 0o644);
  };
  for (const sub of ['d0', 'd1']) nodeFs.chmodSync(join(root, sub), 0o755);
  for (const f of nodeFs.readdirSync(root, { recursive: true })) if (f.startsWith('d')) nodeFs.chmodSync(join(root, f), f.includes('/') ? 0o644 : 0o755);
  const script = `
    const { FileSystem } = require(${JSON.stringify(require.resolve('../index.js'))});
    const fs = new FileSystem({ root: ${JSON.stringify(root)} });
    const shape = (r) => ({ n: r.length, errors: r.errors.map((e) => [e.code, e.syscall, e.path.slice(${root.length + 1})]).sort() });
    const du = fs.duSync('.');
    console.log(JSON.stringify({
      grep: shape(fs.grepSync('.', 'needle')),
      find: shape(fs.findSync('.', { type: 'file' })),
      du: { files: du.file_count, errors: du.errors.map((e) => e.code) },
    }));`;
  // Mode 000: unreadable for the unprivileged child, and for their owner when the suite does not
  // run as root (the child then is that owner).
  nodeFs.chmodSync(join(root, 'closed'), 0o000);
  nodeFs.chmodSync(join(root, 'locked'), 0o000);
  let run;
  try {
    run = spawnSync(process.execPath, ['-e', script], { ...(isRoot ? { uid: 65534, gid: 65534 } : {}), encoding: 'utf8' });
  } finally {
    reopen(); // so the scratch directory can be removed
  }
  if (run.status !== 0 && /EACCES|EPERM/.test(run.stderr) && /require/.test(run.stderr)) {
    return t.skip('the unprivileged user cannot read the package directory');
  }
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.deepEqual(out.grep, { n: 4, errors: [['EACCES', 'open', 'locked'], ['EACCES', 'scandir', 'closed']] });
  assert.deepEqual(out.find, { n: 5, errors: [['EACCES', 'scandir', 'closed']] });
  assert.deepEqual(out.du, { files: 5, errors: ['EACCES'] });
});

test('a call refused before its job starts still settles when onProgress is given', async (t) => {
  const { fs } = wide(t, 1, 1);
  const seen = [];
  await assert.rejects(fs.hash('d0/f0.txt', { algorithm: 'nope', onProgress: (p) => seen.push(p) }), /nope/);
  await assert.rejects(fs.copy('missing', 'x', { onProgress: (p) => seen.push(p) }), { code: 'ENOENT' });
  assert.deepEqual(seen, [{ files: 0, bytes: 0 }], 'the job that started (copy) reported once, at its end');
});

test('dedupe reports an unreadable file in errors and never groups it', (t) => {
  const root = scratch(t);
  nodeFs.chmodSync(root, 0o755);
  const big = Buffer.alloc(20_000, 'b'); // above the 16 KiB prefix: refused at the prefix hash
  for (const [name, data] of [['s1', 'same'], ['s2', 'same'], ['s3', 'same'], ['b1', big], ['b2', big], ['b3', big]]) {
    nodeFs.writeFileSync(join(root, name), data);
    nodeFs.chmodSync(join(root, name), 0o644);
  }
  nodeFs.chmodSync(join(root, 's3'), 0o000);
  nodeFs.chmodSync(join(root, 'b3'), 0o000);
  const script = `
    const { FileSystem } = require(${JSON.stringify(require.resolve('../index.js'))});
    const fs = new FileSystem({ root: ${JSON.stringify(root)} });
    const rel = (p) => require('node:path').relative(fs.root, p);
    const groups = fs.dedupeSync('.');
    console.log(JSON.stringify({
      groups: groups.map((g) => [g.size, g.paths.map(rel)]),
      errors: groups.errors.map((e) => [e.code, e.syscall, rel(e.path)]).sort(),
    }));`;
  const run = spawnSync(process.execPath, ['-e', script], { ...(isRoot ? { uid: 65534, gid: 65534 } : {}), encoding: 'utf8' });
  if (run.status !== 0 && /EACCES|EPERM/.test(run.stderr) && /require/.test(run.stderr)) {
    return t.skip('the unprivileged user cannot read the package directory');
  }
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    groups: [[20_000, ['b1', 'b2']], [4, ['s1', 's2']]],
    errors: [['EACCES', 'open', 'b3'], ['EACCES', 'open', 's3']],
  });
});

test('every walk reports progress: at least once, never decreasing, and the last report is the total', async (t) => {
  const root = scratch(t);
  const sizes = new Map();
  for (let d = 0; d < 3; d++) {
    for (let f = 0; f < 10; f++) {
      const rel = `tree/d${d}/f${f}.txt`;
      // Three files of each size with different content; one file has a size of its own.
      const data = `needle ${d} ${f}\n${'x'.repeat(f * 10)}${rel === 'tree/d2/f9.txt' ? 'unique' : ''}`;
      nodeFs.mkdirSync(join(root, rel, '..'), { recursive: true });
      nodeFs.writeFileSync(join(root, rel), data);
      sizes.set(rel, data.length);
    }
  }
  const fs = new FileSystem({ root });
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const count = (size) => [...sizes.values()].filter((s) => s === size).length;
  // dedupe reads only files whose size another file shares; all are below the 16 KiB prefix
  // and differ, so each of those is read once.
  const shared = [...sizes.values()].filter((s) => count(s) > 1).reduce((a, b) => a + b, 0);
  assert.ok(shared < total);

  // What the documentation says: `files` counts entries that are not directories (30 here),
  // `bytes` the bytes read or written. `null`: no documented total (see du).
  const ops = {
    find: [(o) => fs.find('tree', o), { files: 30, bytes: 0 }],
    grep: [(o) => fs.grep('tree', 'needle', o), { files: 30, bytes: total }],
    du: [(o) => fs.du('tree', o), null],
    dedupe: [(o) => fs.dedupe('tree', o), { files: 30, bytes: shared }],
    sync: [(o) => fs.sync('tree', 'mirror', o), { files: 30, bytes: total }],
    tar: [(o) => fs.tar('tree', 'tree.tar', o), { files: 30, bytes: total }],
    untar: [(o) => fs.untar('tree.tar', 'extracted', o), { files: 30, bytes: total }],
  };
  for (const [name, [op, expected]] of Object.entries(ops)) {
    const seen = [];
    await op({ onProgress: (p) => seen.push(p) });
    assert.ok(seen.length >= 1, `${name}: at least one report`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].files >= seen[i - 1].files && seen[i].bytes >= seen[i - 1].bytes, `${name}: ${JSON.stringify(seen)}`);
    }
    if (expected) assert.deepEqual(seen.at(-1), expected, name);
  }
  assert.equal(nodeFs.readFileSync(join(root, 'extracted/d2/f9.txt'), 'utf8'), nodeFs.readFileSync(join(root, 'tree/d2/f9.txt'), 'utf8'));
});

// Archives interoperate with the standard tools: our tar extracts byte-identical with GNU tar
// and GNU tar's with ours; our gzip decompresses with gzip(1) and gzip(1)'s with ours.
// These tests need tar(1) and gzip(1); where one is missing they are skipped, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { xsys, scratch } from './helpers.mjs';

const { FileSystem } = xsys;

function tool(name, versionArg = '--version') {
  const r = spawnSync(name, [versionArg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : null;
}
const gnuTar = (() => {
  const v = tool('tar');
  return v && v.includes('GNU tar') ? v : null;
})();
const gzipTool = tool('gzip');
const noTar = gnuTar ? false : 'GNU tar is not installed here';
const noGzip = gzipTool ? false : 'gzip(1) is not installed here';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'buffer', maxBuffer: 1 << 30, ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A tree with text, binary, empty and large files, a long name, non-ASCII names, links. */
function sample(root) {
  const src = join(root, 'src');
  const long = `${'long-directory-name-'.repeat(6)}/${'f'.repeat(120)}.txt`;
  const files = {
    'a.txt': 'alpha\n',
    'empty': '',
    'bin/random.bin': randomBytes(300_000),
    'deep/er/still/file': 'deep',
    'unicodé/名前.txt': 'names',
    [long]: 'long name',
  };
  for (const [name, data] of Object.entries(files)) {
    nodeFs.mkdirSync(join(src, name, '..'), { recursive: true });
    nodeFs.writeFileSync(join(src, name), data);
  }
  nodeFs.chmodSync(join(src, 'a.txt'), 0o640);
  nodeFs.symlinkSync('../a.txt', join(src, 'deep/link'));
  nodeFs.symlinkSync('missing-target', join(src, 'dangling'));
  nodeFs.linkSync(join(src, 'a.txt'), join(src, 'hard'));
  return src;
}

/** Every entry below `dir`: kind, mode, content or link target. */
function describe(dir) {
  const out = {};
  for (const rel of nodeFs.readdirSync(dir, { recursive: true }).sort()) {
    const p = join(dir, rel);
    const st = nodeFs.lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = { link: nodeFs.readlinkSync(p) };
    else if (st.isDirectory()) out[rel] = { dir: true };
    else out[rel] = { mode: st.mode & 0o777, sha: nodeFs.readFileSync(p).toString('base64').length + ':' + require_hash(p) };
  }
  return out;
}

function require_hash(p) {
  return xsys.fs.hashSync(p);
}

test('an archive we write extracts byte-identical with GNU tar (plain and gzip)', { skip: noTar }, async (t) => {
  const root = scratch(t);
  const src = sample(root);
  const fs = new FileSystem({ root });
  for (const [name, opts] of [['ours.tar', {}], ['ours.tgz', { gzip: true }]]) {
    const summary = await fs.tar('src', name, opts);
    assert.equal(summary.entries, Object.keys(describe(src)).length);
    const out = join(root, `gnu-${name}`);
    nodeFs.mkdirSync(out);
    run('tar', ['-xf', join(root, name), '-C', out]);
    assert.deepEqual(describe(out), describe(src), name);
    assert.equal(nodeFs.statSync(join(out, 'hard')).ino, nodeFs.statSync(join(out, 'a.txt')).ino, 'hard link kept');
  }
});

test('an archive GNU tar writes extracts byte-identical with ours (plain and gzip)', { skip: noTar }, async (t) => {
  const root = scratch(t);
  const src = sample(root);
  const fs = new FileSystem({ root });
  for (const [name, flags] of [['gnu.tar', '-cf'], ['gnu.tgz', '-czf'], ['gnu-posix.tar', '--format=posix -cf']]) {
    run('sh', ['-c', `tar ${flags} ${join(root, name)} -C ${src} .`]);
    const out = join(root, `ours-${name}`);
    const r = await fs.untar(name, out);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(describe(out), describe(src), name);
  }
});

test('our gzip output decompresses with gzip(1), and gzip(1) output with ours', { skip: noGzip }, async (t) => {
  const root = scratch(t);
  const fs = new FileSystem({ root });
  const data = Buffer.concat([randomBytes(1 << 20), Buffer.from('text '.repeat(200_000))]);
  nodeFs.writeFileSync(join(root, 'data'), data);
  await fs.gzip('data', 'ours.gz');
  assert.deepEqual(run('gzip', ['-dc', join(root, 'ours.gz')]), data);
  run('sh', ['-c', `gzip -c ${join(root, 'data')} > ${join(root, 'theirs.gz')}`]);
  await fs.gunzip('theirs.gz', 'back');
  assert.deepEqual(nodeFs.readFileSync(join(root, 'back')), data);
});

test('gunzip reads every member of a multi-member file (as gzip(1) does)', { skip: noGzip }, async (t) => {
  const root = scratch(t);
  const fs = new FileSystem({ root });
  nodeFs.writeFileSync(join(root, 'a'), 'first part\n');
  nodeFs.writeFileSync(join(root, 'b'), 'second part\n');
  run('sh', ['-c', `gzip -c ${join(root, 'a')} > ${join(root, 'ab.gz')} && gzip -c ${join(root, 'b')} >> ${join(root, 'ab.gz')}`]);
  fs.gunzipSync('ab.gz', 'ab');
  assert.equal(nodeFs.readFileSync(join(root, 'ab'), 'utf8'), 'first part\nsecond part\n');
  assert.equal(gunzipSync(nodeFs.readFileSync(join(root, 'ab.gz'))).toString(), 'first part\nsecond part\n');
});

// gzip/gunzip and tar/untar without external tools: levels, round trips, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { xsys, scratch } from './helpers.mjs';
import { archive, entry } from './fixtures/tar-builder.mjs';

const { FileSystem } = xsys;

function setup(t) {
  const root = scratch(t);
  return { root, fs: new FileSystem({ root }) };
}

const entries = (dir) => nodeFs.readdirSync(dir).sort();

test('gzip output is standard gzip at every level, and smaller at higher levels', async (t) => {
  const { root, fs } = setup(t);
  const data = Buffer.from('the quick brown fox '.repeat(50_000));
  nodeFs.writeFileSync(join(root, 'data'), data);
  const sizes = [];
  for (const level of [0, 1, 6, 9]) {
    await fs.gzip('data', `d${level}.gz`, { level });
    const gz = nodeFs.readFileSync(join(root, `d${level}.gz`));
    assert.deepEqual(gunzipSync(gz), data, `level ${level}`);
    sizes.push(gz.length);
  }
  assert.ok(sizes[0] > data.length && sizes[1] < sizes[0] && sizes[3] <= sizes[2], String(sizes));
  await assert.rejects(fs.gzip('data', 'x.gz', { level: 10 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('gunzip of node:zlib output gives the original bytes, sync and async', async (t) => {
  const { root, fs } = setup(t);
  const data = randomBytes(2 << 20);
  nodeFs.writeFileSync(join(root, 'x.gz'), gzipSync(data));
  await fs.gunzip('x.gz', 'x');
  assert.deepEqual(nodeFs.readFileSync(join(root, 'x')), data);
  fs.gunzipSync('x.gz', 'y');
  assert.deepEqual(nodeFs.readFileSync(join(root, 'y')), data);
});

test('gunzip of corrupt or truncated input fails clearly and leaves no output', async (t) => {
  const { root, fs } = setup(t);
  const gz = gzipSync(randomBytes(100_000));
  nodeFs.writeFileSync(join(root, 'cut.gz'), gz.subarray(0, gz.length - 100));
  const flipped = Buffer.from(gz);
  flipped[gz.length - 6] ^= 0xff; // the CRC
  nodeFs.writeFileSync(join(root, 'crc.gz'), flipped);
  nodeFs.writeFileSync(join(root, 'plain'), 'not gzip at all');
  nodeFs.writeFileSync(join(root, 'out'), 'previous content');
  for (const [name, message] of [['cut.gz', /truncated/], ['crc.gz', /corrupt/], ['plain', /not in gzip format/]]) {
    await assert.rejects(fs.gunzip(name, 'out'), { code: 'ERR_XSYS_CORRUPT_ARCHIVE', message }, name);
  }
  assert.equal(nodeFs.readFileSync(join(root, 'out'), 'utf8'), 'previous content', 'the old output is untouched');
  assert.deepEqual(entries(root), ['crc.gz', 'cut.gz', 'out', 'plain'], 'no temporary file left');
});

test('tar and untar round-trip a tree, plain and gzip; the archive never contains itself', async (t) => {
  const { root, fs } = setup(t);
  nodeFs.mkdirSync(join(root, 'src/sub'), { recursive: true });
  nodeFs.writeFileSync(join(root, 'src/a'), 'a');
  nodeFs.writeFileSync(join(root, 'src/sub/b'), randomBytes(70_000));
  for (const [name, gzip] of [['src/self.tar', false], ['src/self.tgz', true]]) {
    const s = await fs.tar('src', name, { gzip });
    assert.deepEqual(s, { entries: 3, bytes: 70_001 });
    const r = fs.untarSync(name, `out-${gzip}`);
    assert.deepEqual(r, { entries: 3, bytes: 70_001, skipped: [] });
    assert.deepEqual(entries(join(root, `out-${gzip}`)), ['a', 'sub']);
    assert.deepEqual(nodeFs.readFileSync(join(root, `out-${gzip}/sub/b`)), nodeFs.readFileSync(join(root, 'src/sub/b')));
    nodeFs.rmSync(join(root, name));
  }
});

test('untar merges into an existing destination, replacing files', async (t) => {
  const { root, fs } = setup(t);
  nodeFs.writeFileSync(join(root, 'a.tar'), archive(entry({ name: 'd/new', data: 'new' }), entry({ name: 'f', data: 'archive' })));
  nodeFs.mkdirSync(join(root, 'dest/d'), { recursive: true });
  nodeFs.writeFileSync(join(root, 'dest/d/kept'), 'kept');
  nodeFs.writeFileSync(join(root, 'dest/f'), 'before');
  await fs.untar('a.tar', 'dest');
  assert.deepEqual(nodeFs.readdirSync(join(root, 'dest'), { recursive: true }).sort(), ['d', 'd/kept', 'd/new', 'f']);
  assert.equal(nodeFs.readFileSync(join(root, 'dest/f'), 'utf8'), 'archive');
});

test('corrupt and truncated archives fail clearly and extract nothing', async (t) => {
  const { root, fs } = setup(t);
  const good = archive(entry({ name: 'a', data: 'x'.repeat(2000) }), entry({ name: 'b', data: 'y' }));
  const badSum = Buffer.from(good);
  badSum[2560 + 1] ^= 1; // b's header starts at 512 + 2048: flip a byte of its name
  const cases = {
    'header-cut.tar': good.subarray(0, 300),
    'data-cut.tar': good.subarray(0, 1024),
    'no-end.tar': good.subarray(0, good.length - 1024),
    'checksum.tar': badSum,
    'cut.tgz': gzipSync(good).subarray(0, 40),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    nodeFs.writeFileSync(join(root, name), bytes);
    await assert.rejects(fs.untar(name, 'dest'), { code: 'ERR_XSYS_CORRUPT_ARCHIVE' }, name);
    assert.deepEqual(entries(join(root, 'dest')), [], `${name}: nothing extracted, no staging directory left`);
  }
});

test('archive options are validated', async (t) => {
  const { fs } = setup(t);
  await assert.rejects(fs.untar('a.tar', 'd', { onUnsafe: 'ignore' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(fs.untar('a.tar', 'd', { limits: { maxDepth: 0 } }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(fs.untar('a.tar', 'd', { limits: { maxBytes: '1' } }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(fs.tar('.', 'x.tar', { gzip: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(fs.gunzip('missing.gz', 'x'), { code: 'ENOENT' });
});

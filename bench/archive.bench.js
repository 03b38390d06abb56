'use strict';
// Archives: gzip/gunzip against node:zlib, tar extraction and creation against node-tar.
const nodeFs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const tar = require('tar');
const { fs: xfs } = require('..');
const { compare } = require('./harness.js');
const fixtures = require('./fixtures.js');
const { textFile, corpus, freshDestinations } = require('./corpus.js');

const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** Entry names of a tar file, normalised (`./a/` → `a`), sorted. */
async function entriesOf(file) {
  const names = [];
  await tar.t({ file, onReadEntry: (e) => names.push(e.path.replace(/^\.\//, '').replace(/\/$/, '')) });
  return names.filter((n) => n !== '' && n !== '.').sort();
}

async function run() {
  const input = textFile();
  const size = nodeFs.statSync(input).size;
  const out = fixtures.dir('archive-out');
  const at = (name) => path.join(out, name);
  const original = sha(nodeFs.readFileSync(input));
  console.log(`\nInput: ${input}, ${(size / 2 ** 20).toFixed(1)} MiB of source-like text`);

  // Compare what comes back out, not the compressed bytes (encoders legitimately differ).
  const decompressed = (name) => () => sha(zlib.gunzipSync(nodeFs.readFileSync(at(name))));
  await compare({
    title: 'gzip level 6, file to file',
    bytes: size,
    time: 6000,
    iterations: 5,
    contenders: {
      'xypriss-sys gzip': async () => {
        await xfs.gzip(input, at('ours.gz'), { level: 6 });
        return decompressed('ours.gz');
      },
      'node:zlib createGzip stream': async () => {
        await pipeline(nodeFs.createReadStream(input), zlib.createGzip({ level: 6 }), nodeFs.createWriteStream(at('node.gz')));
        return decompressed('node.gz');
      },
    },
    answer: (check) => check(),
  });
  console.log(`Compressed sizes: xypriss-sys ${nodeFs.statSync(at('ours.gz')).size} B, node:zlib ${nodeFs.statSync(at('node.gz')).size} B`);

  const gz = at('node.gz');
  await compare({
    title: 'gunzip, file to file',
    bytes: size,
    time: 4000,
    iterations: 5,
    contenders: {
      'xypriss-sys gunzip': async () => {
        await xfs.gunzip(gz, at('ours.out'));
        return sha(nodeFs.readFileSync(at('ours.out')));
      },
      'node:zlib createGunzip stream': async () => {
        await pipeline(nodeFs.createReadStream(gz), zlib.createGunzip(), nodeFs.createWriteStream(at('node.out')));
        return sha(nodeFs.readFileSync(at('node.out')));
      },
    },
    answer: (digest) => {
      if (digest !== original) throw new Error('gunzip output differs from the input');
      return digest;
    },
  });

  const listing = (dir) => nodeFs.readdirSync(dir, { recursive: true }).sort();
  // Each extraction goes to a new directory.
  const { fresh, cleanup } = freshDestinations(path.join(out, 'untar'));
  for (const [label, source] of [['20,000 one-byte files', fixtures.tree()], ['64 MiB of text in 2,048 files', corpus()]]) {
    const archive = at(`${path.basename(source)}.tar`);
    await tar.c({ file: archive, cwd: source, portable: true }, ['.']);
    await compare({
      title: `untar ${label} (plain tar, into a new directory)`,
      time: 5000,
      iterations: 5,
      contenders: {
        'xypriss-sys untar': async () => {
          const to = fresh('x-ours');
          await xfs.untar(archive, to);
          return () => listing(to);
        },
        'node-tar x': async () => {
          const to = fresh('x-node');
          nodeFs.mkdirSync(to);
          await tar.x({ file: archive, cwd: to });
          return () => listing(to);
        },
      },
      answer: (list) => list(),
    });
    // Over an existing copy: every file is replaced (ours: journaled, each one exchanged
    // atomically with its new version; node-tar: each one unlinked and rewritten in place).
    const existing = { ours: at('over-ours'), node: at('over-node') };
    for (const dir of Object.values(existing)) {
      nodeFs.rmSync(dir, { recursive: true, force: true });
      nodeFs.mkdirSync(dir);
    }
    await xfs.untar(archive, existing.ours);
    await tar.x({ file: archive, cwd: existing.node });
    await compare({
      title: `untar ${label} (plain tar, over an existing copy of the tree)`,
      time: 5000,
      iterations: 5,
      contenders: {
        'xypriss-sys untar': async () => {
          await xfs.untar(archive, existing.ours);
          return () => listing(existing.ours);
        },
        'node-tar x': async () => {
          await tar.x({ file: archive, cwd: existing.node });
          return () => listing(existing.node);
        },
      },
      answer: (list) => list(),
    });
    for (const dir of Object.values(existing)) nodeFs.rmSync(dir, { recursive: true, force: true });
    await compare({
      title: `tar ${label} (plain tar)`,
      time: 5000,
      iterations: 5,
      contenders: {
        'xypriss-sys tar': async () => {
          await xfs.tar(source, at('c-ours.tar'));
          return entriesOf(at('c-ours.tar'));
        },
        'node-tar c': async () => {
          await tar.c({ file: at('c-node.tar'), cwd: source }, ['.']);
          return entriesOf(at('c-node.tar'));
        },
      },
    });
  }
  cleanup();
}

module.exports = { run };

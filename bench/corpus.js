'use strict';
// A deterministic source-like text corpus for the grep and gzip benchmarks: the same bytes on
// every machine (seeded generator), so runs compare.
const fs = require('node:fs');
const path = require('node:path');
const { base } = require('./fixtures.js');

const WORDS = (
  'fn let mut impl struct enum match return self const static pub use mod trait where for in if else while loop ' +
  'break continue async await move ref type unsafe extern crate super dyn Box Vec String Option Some None Result ' +
  'Ok Err usize u64 i32 bool true false len push iter map filter collect into clone unwrap expect error path file ' +
  'buffer reader writer handle entry walk search match_line count offset index value key node tree parent child'
).split(' ');

/** Mulberry32: small, fast, deterministic. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One file's text: indented lines of words; about one line in 20,000 holds `NEEDLE_<n>`. */
function text(rand, bytes) {
  const lines = [];
  let size = 0;
  while (size < bytes) {
    const indent = ' '.repeat(4 * Math.floor(rand() * 4));
    const n = 3 + Math.floor(rand() * 9);
    const words = [];
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
    if (rand() < 1 / 20000) words.splice(Math.floor(rand() * n), 0, `NEEDLE_${Math.floor(rand() * 1000)}`);
    const line = indent + words.join(' ') + (rand() < 0.5 ? ';' : ' {');
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** `files` files of about `fileBytes` each in 16 directories (default 2,048 × 32 KiB = 64 MiB). */
function corpus(name = 'corpus-64m', files = 2048, fileBytes = 32 * 1024) {
  const root = path.join(base, name);
  const done = path.join(root, '.complete');
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const rand = prng(42);
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `pkg${i % 16}`, `mod${i % 7}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `file${i}.rs`), text(rand, fileBytes));
  }
  fs.writeFileSync(done, '');
  return root;
}

/** One text file of about `bytes` (default 64 MiB), the same text generator. */
function textFile(name = 'text-64m.txt', bytes = 64 << 20) {
  const file = path.join(base, 'files', name);
  if (fs.existsSync(file) && fs.statSync(file).size >= bytes) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rand = prng(7);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < bytes; ) {
    const chunk = text(rand, 1 << 20);
    fs.writeSync(fd, chunk);
    written += Buffer.byteLength(chunk);
  }
  fs.closeSync(fd);
  return file;
}

/** Total bytes of the regular files below `dir`. */
function treeBytes(dir) {
  let total = 0;
  for (const rel of fs.readdirSync(dir, { recursive: true })) {
    const st = fs.lstatSync(path.join(dir, rel));
    if (st.isFile()) total += st.size;
  }
  return total;
}

/**
 * New, empty destinations under `dir`, one per call: `fresh(name)` renames the previous
 * `dir/name` into a trash directory (one rename, so timing it costs nothing) and returns the
 * path; `cleanup()` removes the trash.
 */
function freshDestinations(dir) {
  const trash = `${dir}-trash`;
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(trash, { recursive: true });
  let n = 0;
  return {
    fresh(name) {
      const target = path.join(dir, name);
      if (fs.existsSync(target)) fs.renameSync(target, path.join(trash, `${name}-${n++}`));
      return target;
    },
    cleanup: () => fs.rmSync(trash, { recursive: true, force: true }),
  };
}

module.exports = { corpus, textFile, treeBytes, freshDestinations };

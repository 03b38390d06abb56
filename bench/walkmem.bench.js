'use strict';
// Memory of whole-tree walks: `du` and `grep` over 10,000 and over 1,000,000 files, each run in a
// fresh process, against a plain Node walk doing the same job. A walk that keeps memory bounded
// grows the process by about as much on the big tree as on the small one; one that holds the
// tree (or its listing) grows with it. Each contender's answer is checked against the others'.
// The million-file tree (1,000 directories of 1,000 one-byte files) is made once, which takes a
// minute or two; XSYS_BENCH_SKIP_MILLION=1 leaves it out.
const { execFileSync } = require('node:child_process');
const fixtures = require('./fixtures.js');
const { results } = require('./harness.js');

const INDEX = require.resolve('..');

/** Runs `body` (which must return a JSON-able answer) in a fresh process: answer, ms, growth. */
function measure(body) {
  const script = `
    const nodeFs = require('node:fs');
    const path = require('node:path');
    const { fs: xfs } = require(${JSON.stringify(INDEX)});
    (async () => {
      if (global.gc) global.gc();
      const before = process.memoryUsage().rss;
      const t = process.hrtime.bigint();
      const answer = await (async () => { ${body} })();
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const peak = process.resourceUsage().maxRSS * 1024;
      console.log(JSON.stringify({ answer, ms, growth: peak - before }));
    })();`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

const contenders = {
  'xypriss-sys du': (root) => `const r = await xfs.du(${JSON.stringify(root)}); return [r.size, r.file_count];`,
  'plain Node du (readdir + lstat, recursive, sync)': (root) => `
    let size = 0, files = 0;
    const walk = (dir) => {
      for (const e of nodeFs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else { files++; size += nodeFs.lstatSync(p).size; }
      }
    };
    walk(${JSON.stringify(root)});
    return [size, files];`,
  'xypriss-sys grep (no match)': (root) => `return (await xfs.grep(${JSON.stringify(root)}, 'NEEDLE_NOT_THERE', { literal: true })).length;`,
  'plain Node grep (readdir + readFileSync + includes)': (root) => `
    let n = 0;
    const walk = (dir) => {
      for (const e of nodeFs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (nodeFs.readFileSync(p, 'utf8').includes('NEEDLE_NOT_THERE')) n++;
      }
    };
    walk(${JSON.stringify(root)});
    return n;`,
};

const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

async function run() {
  const trees = [['10,000 files', fixtures.tree('tree-10k', 10, 1000)]];
  if (process.env.XSYS_BENCH_SKIP_MILLION) console.log('\nThe million-file tree is skipped (XSYS_BENCH_SKIP_MILLION is set).');
  else trees.push(['1,000,000 files', fixtures.tree('tree-1m', 1000, 1000)]);
  const rows = [];
  for (const [name, make] of Object.entries(contenders)) {
    const row = { name };
    for (const [label, root] of trees) row[label] = measure(make(root));
    rows.push(row);
  }
  // Same answers: du pairs agree, grep pairs agree, per tree.
  for (const [label] of trees) {
    const du = rows.filter((r) => r.name.includes(' du')).map((r) => JSON.stringify(r[label].answer));
    const grep = rows.filter((r) => r.name.includes(' grep')).map((r) => JSON.stringify(r[label].answer));
    if (new Set(du).size !== 1 || new Set(grep).size !== 1) throw new Error(`answers differ on ${label}: du ${du}, grep ${grep}`);
  }
  console.log(`\n## Process growth (peak RSS − RSS before the call) and time of a walk, each in a fresh process`);
  const labels = trees.map(([l]) => l);
  console.log(`| contender | ${labels.map((l) => `${l}: growth | time`).join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---|---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.name} | ${labels.map((l) => `${mib(r[l].growth)} | ${(r[l].ms / 1000).toFixed(2)} s`).join(' | ')} |`);
  results.push({ title: 'walk memory (bytes of growth, ms)', rows });
}

module.exports = { run };

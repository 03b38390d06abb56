'use strict';
// The compat runner: what `runSync` adds over calling the addon directly, and what it saves
// over the process-per-call runner it replaces.
//
// The old runner spawned the `xsys` binary (Rust or Go) once per call with execFileSync and
// parsed its JSON. That binary is not redistributable, so the process-per-call contenders are
// (a) `stat(1)` — a tiny C program answering the same question, i.e. the floor of *any*
// process-per-call design (the old binary also initialised sysinfo and printed JSON, so it was
// slower than this), and (b) our own `xsys --json` command line, one Node process per call.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { sys } = require('..');
const { XyPrissRunner } = require('../compat.js');
const { compare } = require('./harness.js');
const fixtures = require('./fixtures.js');

const BIN = path.join(__dirname, '..', 'bin', 'xsys.js');
const OVERHEAD_TARGET_US = 5;
const SPEEDUP_TARGET = 500;

function line(title, rows, direct, viaRunner) {
  const d = rows.find((r) => r.name === direct).p50;
  const r = rows.find((x) => x.name === viaRunner).p50;
  const us = (r - d) * 1000;
  console.log(`\n${title}: runSync adds ${us.toFixed(2)} µs per call (target ≤ ${OVERHEAD_TARGET_US} µs: ${us <= OVERHEAD_TARGET_US ? 'met' : 'missed'})`);
}

async function run() {
  const root = fixtures.tree();
  const file = path.join('dir0', 'file0.txt');
  const runner = new XyPrissRunner(root);

  // 1. Overhead of the dispatch, on the cheapest calls there are.
  const stats = await compare({
    title: 'fs stats of one file: runSync vs the direct call',
    contenders: {
      'xypriss-sys runSync(fs, stats)': () => runner.runSync('fs', 'stats', [file]),
      'direct FileSystem.statsSync': () => runner.fs.statsSync(file),
    },
    answer: (v) => ({ size: v.size, is_file: v.is_file }),
  });
  line('fs stats', stats, 'direct FileSystem.statsSync', 'xypriss-sys runSync(fs, stats)');

  const join = await compare({
    title: 'path join: runSync vs node:path',
    contenders: {
      'xypriss-sys runSync(path, join)': () => runner.runSync('path', 'join', ['a', 'b', '../c']),
      'direct node:path join': () => path.join('a', 'b', '../c'),
    },
  });
  line('path join', join, 'direct node:path join', 'xypriss-sys runSync(path, join)');

  const memory = await compare({
    title: 'sys memory: runSync vs the direct call',
    contenders: {
      'xypriss-sys runSync(sys, memory)': () => runner.runSync('sys', 'memory'),
      'direct sys.memory': () => sys.memory(),
    },
    answer: (v) => v.total,
  });
  line('sys memory', memory, 'direct sys.memory', 'xypriss-sys runSync(sys, memory)');

  // 2. Against one process per call.
  const perCall = await compare({
    title: 'fs stats of one file: in-process runner vs one process per call',
    time: 3000,
    contenders: {
      'xypriss-sys runSync(fs, stats)': () => runner.runSync('fs', 'stats', [file]),
      'execFileSync(stat) per call (floor of any process-per-call runner)': () =>
        execFileSync('stat', ['-c', '%s', file], { cwd: root, encoding: 'utf8' }),
      'execFileSync(node xsys --json) per call': () =>
        execFileSync(process.execPath, [BIN, '--json', '--root', root, 'fs', 'stats', file], { encoding: 'utf8' }),
    },
    answer: (v, name) => {
      if (name.startsWith('execFileSync(stat)')) return Number(v.trim());
      if (name.startsWith('execFileSync')) return JSON.parse(v).size;
      return v.size;
    },
  });
  const ours = perCall.find((r) => r.name.startsWith('xypriss-sys')).p50;
  const floor = perCall.find((r) => r.name.startsWith('execFileSync(stat)')).p50;
  const ratio = floor / ours;
  console.log(`\nIn-process runSync is ${ratio.toFixed(0)}× faster than the cheapest process-per-call (target ≥ ${SPEEDUP_TARGET}×: ${ratio >= SPEEDUP_TARGET ? 'met' : 'missed'})`);
}

module.exports = { run };

'use strict';
// The benchmark harness: every contender's answer is checked equal to ours first, then all are
// timed side by side with tinybench and the medians and ratios printed.
const assert = require('node:assert/strict');
const os = require('node:os');
const { Bench } = require('tinybench');

const OURS = 'xypriss-sys';
const results = [];

function machine() {
  const cpu = os.cpus()[0];
  return `${os.type()} ${os.release()} ${os.arch()}, ${os.availableParallelism()} × ${cpu ? cpu.model.trim() : 'unknown CPU'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

function formatTime(ms) {
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(2)} µs`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Compare contenders on one job.
 * @param {object} spec
 * @param {string} spec.title what is measured
 * @param {Record<string, () => any>} spec.contenders name → function (sync or async); the one
 *   named `xypriss-sys` (or starting with it) is the reference
 * @param {(value: any, name: string) => any} [spec.answer] maps a result to the comparable answer
 * @param {Record<string, string>} [spec.unchecked] contenders whose answer is not comparable, with why
 * @param {number} [spec.time] ms of sampling per contender (default 1500)
 * @param {number} [spec.iterations] minimum samples (default 10)
 * @param {number} [spec.bytes] bytes processed per call, to print throughput
 */
async function compare(spec) {
  const { title, contenders, answer = (v) => v, unchecked = {}, time = 1500, iterations = 10, bytes } = spec;
  const names = Object.keys(contenders);
  const ours = names.find((n) => n.startsWith(OURS));
  if (!ours) throw new Error(`${title}: no ${OURS} contender`);

  // 1. Same answer from everyone.
  const expected = answer(await contenders[ours](), ours);
  for (const name of names) {
    if (name === ours || unchecked[name]) continue;
    assert.deepStrictEqual(answer(await contenders[name](), name), expected, `${title}: ${name} disagrees with ${ours}`);
  }

  // 2. Time them side by side.
  const bench = new Bench({ time, iterations, warmupTime: Math.min(300, time / 4), warmupIterations: 3 });
  for (const name of names) bench.add(name, contenders[name]);
  await bench.run();

  const rows = bench.tasks.map((t) => ({ name: t.name, p50: t.result.latency.p50, samples: t.result.latency.samplesCount }));
  const ref = rows.find((r) => r.name === ours).p50;
  console.log(`\n## ${title}`);
  console.log('| contender | median | ' + (bytes ? 'throughput | ' : '') + 'vs xypriss-sys | samples |');
  console.log('|---|---|' + (bytes ? '---|' : '') + '---|---|');
  for (const r of rows) {
    const ratio = r.name === ours ? '1.00×' : `${(r.p50 / ref).toFixed(2)}× ${r.p50 >= ref ? 'slower' : 'faster'}`;
    const thr = bytes ? `${(bytes / 2 ** 30 / (r.p50 / 1000)).toFixed(2)} GiB/s | ` : '';
    const note = unchecked[r.name] ? ` (answer not compared: ${unchecked[r.name]})` : '';
    console.log(`| ${r.name}${note} | ${formatTime(r.p50)} | ${thr}${ratio} | ${r.samples} |`);
  }
  results.push({ title, rows });
  return rows;
}

module.exports = { compare, machine, results, OURS };

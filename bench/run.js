'use strict';
// `npm run bench [-- name…]`: runs bench/*.bench.js (or only those whose file name contains one
// of the given words), each comparing xypriss-sys with the built-ins and npm packages a user
// would otherwise pick. Data goes to $XSYS_BENCH_DIR (default: the OS temp directory).
const fs = require('node:fs');
const path = require('node:path');
const { machine, results } = require('./harness.js');

/** The machine's CPU time counters (Linux /proc/stat, in ticks), or null elsewhere. */
function cpuTimes() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Share of all CPU time between two readings that was stolen by the hypervisor. */
function stealShare(a, b) {
  if (!a || !b || b.total === a.total) return null;
  return (b.steal - a.steal) / (b.total - a.total);
}

async function main() {
  const filters = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
    .sort();
  console.log(`# xypriss-sys benchmarks\n\nMachine: ${machine()}`);
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of files) {
    const suite = require(path.join(__dirname, file));
    results.length = 0;
    const before = cpuTimes();
    await suite.run();
    const steal = stealShare(before, cpuTimes());
    const out = path.join(outDir, file.replace('.bench.js', '.json'));
    fs.writeFileSync(out, JSON.stringify({ machine: machine(), date: new Date().toISOString(), steal, results }, null, 2) + '\n');
    // On a virtual machine, time the host gave to others: the noise under every figure above.
    if (steal !== null) console.log(`\nCPU steal during this file: ${(steal * 100).toFixed(1)} % of the machine's CPU time (from /proc/stat).`);
    console.log(`\nRaw results: ${path.relative(process.cwd(), out)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

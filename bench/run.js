'use strict';
// `npm run bench [-- name…]`: runs bench/*.bench.js (or only those whose file name contains one
// of the given words), each comparing xypriss-sys with the built-ins and npm packages a user
// would otherwise pick. Data goes to $XSYS_BENCH_DIR (default: the OS temp directory).
const fs = require('node:fs');
const path = require('node:path');
const { machine, results } = require('./harness.js');

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
    await suite.run();
    const out = path.join(outDir, file.replace('.bench.js', '.json'));
    fs.writeFileSync(out, JSON.stringify({ machine: machine(), date: new Date().toISOString(), results }, null, 2) + '\n');
    console.log(`\nRaw results: ${path.relative(process.cwd(), out)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

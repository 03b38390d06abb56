'use strict';
// Run in a fresh process: the manager's own memory and CPU with 16 idle workers, for one
// contender (argv[2]). Prints one JSON line.
const WORKERS = 16;
const SETTLE_MS = 2000;
const IDLE_MS = Number(process.argv[3] || 10_000);

function rss() {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(start, stop) {
  global.gc?.();
  const before = rss();
  await start();
  await sleep(SETTLE_MS);
  global.gc?.();
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  await sleep(IDLE_MS);
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const after = rss();
  await stop();
  return { rssAdded: after - before, cpuPercent: ((used.user + used.system) / 1000 / wall) * 100, wallMs: wall };
}

async function main() {
  let result;
  if (process.argv[2] === 'xypriss-sys') {
    const { Cluster } = require('xypriss-sys');
    const c = new Cluster({ entry: require.resolve('./idle-xsys.js'), workers: WORKERS });
    result = await measure(() => c.start(), () => c.stop());
    result.workers = c.workers().length || WORKERS;
  } else {
    const cluster = require('node:cluster');
    cluster.setupPrimary({ exec: require.resolve('./idle-node-cluster.js') });
    const online = [];
    result = await measure(
      () => Promise.all(Array.from({ length: WORKERS }, () => new Promise((resolve) => {
        const w = cluster.fork();
        online.push(w);
        w.once('online', resolve);
      }))),
      () => Promise.all(online.map((w) => new Promise((resolve) => {
        w.once('exit', resolve);
        w.kill();
      }))),
    );
    result.workers = online.length;
  }
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

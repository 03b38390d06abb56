'use strict';
// PM2 (cluster mode) in a fresh process with its own PM2_HOME, so its daemon is ours alone and
// is killed at the end: `node pm2.js crash <port> <crashes>` or `node pm2.js overhead <idle ms>`.
// Prints one JSON line.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

process.env.PM2_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'xsys-pm2-'));
const pm2 = require('pm2');
const call = (fn, ...args) => promisify(fn).call(pm2, ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function procStat(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100;
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / ticks };
}

function rssOf(pid) {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

async function crash(port, crashes) {
  const { measureCrashes } = require('./crash-probe.js');
  await call(pm2.start, {
    name: 'bench-http',
    script: path.join(__dirname, 'http-node-cluster.js'),
    exec_mode: 'cluster',
    instances: 1,
    env: { PORT: String(port) },
  });
  const r = await measureCrashes(port, crashes);
  const [proc] = await call(pm2.describe, 'bench-http');
  r.restarts = proc.pm2_env.restart_time;
  return r;
}

async function overhead(idleMs) {
  await call(pm2.start, { name: 'bench-idle', script: path.join(__dirname, 'idle-node-cluster.js'), exec_mode: 'cluster', instances: 16 });
  const list = await call(pm2.list);
  const online = list.filter((p) => p.pm2_env.status === 'online').length;
  const god = Number(fs.readFileSync(path.join(process.env.PM2_HOME, 'pm2.pid'), 'utf8'));
  await sleep(2000);
  const before = procStat(god).cpuSeconds;
  const t = process.hrtime.bigint();
  await sleep(idleMs);
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const cpu = procStat(god).cpuSeconds - before;
  return { workers: online, daemonRss: rssOf(god), cpuPercent: ((cpu * 1000) / wall) * 100, wallMs: wall };
}

const settle = (promise, ms) => Promise.race([promise.catch(() => {}), sleep(ms)]);

async function main() {
  const [mode, a, b] = process.argv.slice(2);
  await call(pm2.connect);
  const pidFile = path.join(process.env.PM2_HOME, 'pm2.pid');
  const god = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : null;
  let code = 0;
  try {
    const result = mode === 'crash' ? await crash(Number(a), Number(b)) : await overhead(Number(a));
    fs.writeSync(1, `${JSON.stringify(result)}\n`);
  } catch (err) {
    console.error(err);
    code = 1;
  } finally {
    // PM2's client keeps this process alive and killDaemon does not always answer: bound both,
    // then make sure the daemon (and so its workers) is gone.
    await settle(call(pm2.delete, 'all'), 5000);
    await settle(call(pm2.killDaemon), 5000);
    pm2.disconnect();
    try {
      if (god) process.kill(god, 'SIGKILL');
    } catch {
      // Already gone.
    }
    fs.rmSync(process.env.PM2_HOME, { recursive: true, force: true });
    process.exit(code);
  }
}

main();

'use strict';
// Crash → replacement serving, measured the same way for every contender: ask the serving
// worker to crash (GET /crash), then time until a new process answers on the port.
const http = require('node:http');

const GAP_MS = 1100;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid that answers GET / on `port`, retrying until one does. */
async function servingPid(port) {
  for (;;) {
    const pid = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(Number(body)));
      });
      req.setTimeout(1000, () => req.destroy());
      req.on('error', () => resolve(null));
    });
    if (pid) return pid;
    await sleep(10);
  }
}

/**
 * Time until a process other than `oldPid` answers on `port`: a new connection attempt every
 * 10 ms until one is answered by the replacement, so a refused attempt, or one that hangs
 * (node:cluster keeps a connection that arrives while it has no worker forever), costs nothing
 * but the 10 ms resolution.
 */
function servedByReplacement(port, oldPid, started) {
  return new Promise((resolve) => {
    const requests = new Set();
    let failed = 0;
    let done = false;
    const attempt = () => {
      const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          if (done || Number(body) === oldPid) return;
          done = true;
          clearInterval(timer);
          for (const r of requests) r.destroy();
          resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, failed });
        });
      });
      requests.add(req);
      req.on('error', () => {
        if (!done) failed += 1;
      });
      req.on('close', () => requests.delete(req));
    };
    const timer = setInterval(attempt, 10);
    attempt();
  });
}

/** `crashes` crashes, GAP_MS apart (so that no restart policy counts them as a crash loop). */
async function measureCrashes(port, crashes) {
  const samples = [];
  let failed = 0;
  for (let i = 0; i < crashes; i++) {
    const oldPid = await servingPid(port);
    await sleep(GAP_MS);
    const started = process.hrtime.bigint();
    http.get({ host: '127.0.0.1', port, path: '/crash', agent: false }).on('error', () => {});
    const r = await servedByReplacement(port, oldPid, started);
    samples.push(r.ms);
    failed += r.failed;
  }
  return { samples, failed };
}

module.exports = { measureCrashes };

'use strict';
// `xsys cluster start <entry>`: run a supervised cluster in the foreground, printing its
// lifecycle events. SIGHUP reloads it (one worker at a time, no dropped connections);
// SIGINT/SIGTERM stop it gracefully; a second signal stops it at once.
const { Cluster } = require('../cluster.js');
const { inline } = require('./format.js');

const EVENTS = ['online', 'ready', 'exit', 'restart', 'failed', 'memory', 'error'];

async function start([entry, ...args], options, { json, out }) {
  const cluster = new Cluster({
    entry,
    args,
    workers: options.workers === undefined ? 'auto' : options.workers === 'auto' ? 'auto' : Number(options.workers),
    listen: options.port === undefined ? undefined : { port: options.port, host: options.host },
    maxMemory: options.maxMemory,
    spares: options.spares,
    cwd: process.cwd(),
  });
  const print = (event, data) => {
    const payload = data instanceof Error ? { code: data.code, message: data.message, id: data.id } : data;
    out.write(`${json ? JSON.stringify({ event, data: payload }) : `[${event}] ${inline(payload)}`}\n`);
  };
  for (const name of EVENTS) cluster.on(name, (data) => print(name, data));
  await cluster.start();
  const address = cluster.address ? cluster.address() : null;
  print('started', { workers: cluster.workers().length, ...(address ? { port: address.port } : {}) });

  await new Promise((resolve, reject) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        cluster.stop({ timeout: 0 }).then(resolve, reject);
        return;
      }
      stopping = true;
      print('stopping', { graceful: true });
      cluster.stop().then(resolve, reject);
    };
    const reload = () => {
      print('reloading', { workers: cluster.workers().length });
      cluster.reload().then(() => print('reloaded', { workers: cluster.workers().length }), (err) => print('error', err));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', reload);
  });
  print('stopped', {});
}

module.exports = { start };

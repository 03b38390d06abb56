'use strict';
// xypriss-sys worker: floods the manager with 64-byte messages, or echoes.
const { once } = require('node:events');
const worker = require('xypriss-sys/worker');
const { message } = require('./payload.js');

worker.on('message', async (m) => {
  if (m.flood === undefined) return worker.send(m);
  for (let i = 0; i < m.flood; i++) {
    if (!worker.send(message(i))) await once(worker, 'drain');
  }
  worker.send({ done: m.flood });
});
worker.ready();

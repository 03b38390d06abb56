'use strict';
// node:cluster worker: the same flood and echo over Node's IPC channel. Flow control as Node's
// docs suggest: send callbacks, with at most two windows of messages in flight.
const { message } = require('./payload.js');

const WINDOW = 1000;
const sent = (msg) => new Promise((resolve) => process.send(msg, resolve));

process.on('message', async (m) => {
  if (m.flood === undefined) return process.send(m);
  let previous = Promise.resolve();
  for (let i = 0; i < m.flood; i++) {
    if ((i + 1) % WINDOW === 0) {
      await previous;
      previous = sent(message(i));
    } else {
      process.send(message(i));
    }
  }
  process.send({ done: m.flood });
});

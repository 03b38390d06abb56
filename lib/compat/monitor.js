'use strict';
// `monitor` actions: the old tool took over the terminal for `duration` seconds; here they return
// a Monitor (an EventEmitter and async iterator of `snapshot` events) that ends by itself after
// `duration` and can be closed earlier.
const { sys } = require('../sys.js');

const seconds = (v, fallback) => (v === undefined || v === null || v === '' ? fallback : Number(v)) * 1000;

module.exports = {
  /** Snapshots every `interval` seconds (default 1) for `duration` seconds (default 60). */
  system: (_, __, { duration, interval }) =>
    sys.monitor({ interval: seconds(interval, 1), duration: seconds(duration, 60) }),
  /** One process's snapshots; emits `exit` when it goes away. The pid may come positionally or as `--pid`. */
  process: (_, [positional], { pid, duration, interval }) =>
    sys.monitorProcess(Number(pid ?? positional), { interval: seconds(interval, 1), duration: seconds(duration, 60) }),
};

'use strict';
// `sys` actions of the old tool: the same reply shapes (api-sys.md §3), answered in-process
// from the addon's long-lived state instead of a process that scanned everything twice.
const { sys } = require('../sys.js');

const intOf = (v) => (v === undefined || v === null || v === '' ? undefined : Number(v));

module.exports = {
  info: () => sys.info(),
  /** `CpuUsage`, or one `CpuInfo` per logical CPU with `cores`. */
  cpu: (_, __, { cores }) => sys.cpu({ cores: Boolean(cores) }),
  /** `MemoryInfo`. The old `--watch` looped forever; here it answers once (use `monitor system`). */
  memory: () => sys.memory(),
  /** `DiskInfo[]`, or one `DiskInfo` (`null` when there is no such mount point, not a truthy text). */
  disks: (_, __, { mount }) => sys.disksSync(mount === undefined ? undefined : String(mount)),
  /** `NetworkStats`, or one interface (`null` when unknown) with its addresses filled in. */
  network: (_, __, { interface: name }) => sys.network(name === undefined ? undefined : String(name)),
  /** `ProcessStats`; `pid` → one `ProcessInfo` or `null`; `topCpu`/`topMem` → the n busiest. Threads are not processes. */
  processes: (_, __, { pid, topCpu, topMem }) =>
    sys.processesSync({ pid: intOf(pid), topCpu: intOf(topCpu), topMem: intOf(topMem) }),
  temp: () => sys.tempSync(),
  /** The score, 0–100, as the old tool answered (without its integer overflow). */
  health: () => sys.health().score,
  /** Every variable, or one value (`null` when unset). */
  env: (_, [name]) => (name === undefined ? sys.env() : sys.env(String(name))),
  /** The entries of PATH, as the old tool answered. */
  paths: () => sys.paths().path,
  /** The user name (`null` when there is none), now from the OS rather than only $USER. */
  user: () => sys.user().name ?? null,
  /** Kill with SIGKILL, as the old tool did; the pid may come positionally or as `--pid` (what XyPriss sends). */
  kill: (_, [positional], { pid, signal }) => {
    const target = intOf(pid ?? positional);
    sys.kill(target, signal === undefined ? 'SIGKILL' : String(signal));
    return { status: 'ok', message: `Process ${target} killed` };
  },
  /** The old four text lines. */
  quick: () => sys.quick().text.replace(/\n?$/, '\n'),
  /** Listening TCP and UDP sockets, IPv4 and IPv6, with their pid. */
  ports: () => sys.portsSync(),
  battery: () => sys.batterySync(),
};

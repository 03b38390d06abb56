/// <reference types="node" />
/**
 * `require('xypriss-sys/worker')`: the worker side of a xypriss-sys `Cluster`. Plain JavaScript
 * (the native addon is not loaded). In a process started by a Cluster it connects to the private
 * control channel, sends heartbeats, runs `global.gc()` on the manager's `gc` hint (when Node
 * was started with `--expose-gc`), shuts down gracefully when asked, and exits as soon as the
 * manager is gone. Anywhere else `isWorker` is false and nothing is set up.
 *
 * The variables the manager passes (`XYPRISS_WORKER_ID`, `XYPRISS_CHANNEL_FD`,
 * `XYPRISS_LISTEN_FD`, `XYPRISS_MAX_FRAME`, `XYPRISS_HEARTBEAT_INTERVAL`) are read once when this
 * module loads and removed from `process.env`, so a child process the worker spawns does not take
 * itself for a worker. Use `worker.id` for the slot number.
 */

import { EventEmitter } from 'node:events';

declare class Worker extends EventEmitter {
  /** Whether this process was started by a Cluster. */
  readonly isWorker: boolean;
  /** The worker's slot number (0 … workers-1), the same across restarts; null outside a cluster. `XYPRISS_WORKER_ID` is removed from `process.env`: this is the way to know it. */
  readonly id: number | null;

  /**
   * Send a message to the manager: Buffers and typed arrays as bytes, anything else as JSON.
   * Messages sent in one turn of the event loop leave in one write. Returns false when the
   * channel holds more than 1 MiB: wait for `'drain'`. Throws `ERR_XSYS_NOT_A_WORKER` outside a
   * cluster and `ERR_XSYS_FRAME_TOO_LARGE` above the cluster's `maxFrame`.
   */
  send(message: unknown): boolean;
  /** Tell the manager this worker is ready to serve; `cluster.start()` waits for it. Later calls, and calls outside a cluster, do nothing. */
  ready(): void;
  /** The shared listening socket: `server.listen(worker.listenHandle())`. Throws `ERR_XSYS_NO_SHARED_PORT` without `listen`, `ERR_XSYS_NOT_A_WORKER` outside a cluster. */
  listenHandle(): { fd: number };
  /** Close `server` during a graceful shutdown: stop accepting, let open requests finish, close idle keep-alive connections. Returns `server`. */
  closeOnShutdown<S extends { close(callback?: (err?: Error) => void): unknown; listening: boolean }>(server: S): S;
  /** Run `fn` during a graceful shutdown, after the servers have closed, before the process exits. */
  onShutdown(fn: () => unknown): void;
  /** Shut down gracefully now: close the servers, run the hooks, exit 0. The manager's `stop()` and `reload()` call this through the channel. */
  shutdown(): Promise<void>;

  on(event: 'message', listener: (message: any) => void): this;
  /** The manager asked for a garbage collection (and `global.gc` ran, if exposed). */
  on(event: 'gc' | 'shutdown' | 'drain', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

declare const worker: Worker;
export = worker;

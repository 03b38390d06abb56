'use strict';
// `require('xypriss-sys/worker')`: the worker side of a `Cluster`. Plain JS (the addon is not
// loaded here). In a process started by a Cluster it connects to the control channel the manager
// passed as an inherited fd, sends heartbeats, answers `gc` and `shutdown`, and exits as soon as
// the manager is gone. Anywhere else `isWorker` is false and nothing is set up.
//
// A spare (see the `spares` option) loads this before it knows its id: `lib/spare.js` runs it,
// waits for the manager's `activate` frame, and only then runs the entry script.
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const { TAG, DEFAULT_MAX_FRAME, FrameWriter, FrameReader } = require('./lib/frame.js');

// The variables the manager sets are read once and removed: a Node process this worker spawns
// inherits process.env and must not take itself for a worker (and open an fd it does not own).
const MANAGER_ENV = [
  'XYPRISS_WORKER_ID',
  'XYPRISS_SPARE',
  'XYPRISS_CHANNEL_FD',
  'XYPRISS_LISTEN_FD',
  'XYPRISS_MAX_FRAME',
  'XYPRISS_HEARTBEAT_INTERVAL',
];
const env = {};
for (const name of MANAGER_ENV) {
  env[name] = process.env[name];
  delete process.env[name];
}
const channelFd = Number.parseInt(env.XYPRISS_CHANNEL_FD, 10);
const listenFd = Number.parseInt(env.XYPRISS_LISTEN_FD, 10);
const workerId = Number.parseInt(env.XYPRISS_WORKER_ID, 10);
const isSpare = env.XYPRISS_SPARE === '1' && Number.isInteger(channelFd);
const isWorker = Number.isInteger(channelFd) && (Number.isInteger(workerId) || isSpare);
/** `lib/spare.js` registers what runs the entry once the manager activates the spare. */
const ON_ACTIVATE = Symbol.for('xypriss-sys.worker.onActivate');
const HIGH_WATER_MARK = 1024 * 1024;
const FLUSH_AT = 64 * 1024;
const READ_BUFFER = 64 * 1024;

function notAWorker(what) {
  const err = new Error(`${what}: this process was not started by a xypriss-sys Cluster`);
  err.code = 'ERR_XSYS_NOT_A_WORKER';
  return err;
}

class Worker extends EventEmitter {
  #socket = null;
  #writer;
  #maxFrame;
  #flushing = false;
  #servers = new Set();
  #hooks = [];
  #shuttingDown = false;
  #readySent = false;
  #full = false;
  /** A spare not yet given its id: it waits (its channel keeps it alive) and is not ready. */
  #waiting = isSpare;
  /** What runs the entry (`lib/spare.js`), once registered; null once it ran. */
  #onActivate = null;
  #started = false;
  /** A spare's messages sent before it had a slot (by a preload), sent once it has one. */
  #sentEarly = null;
  /**
   * Messages that came after this spare was handed a slot and before the entry listens for
   * them (its first 'message' listener, or `ready()`): a worker started cold leaves them in its
   * socket until then, and an ES module entry runs a few turns after the activation.
   */
  #held = null;

  constructor() {
    super();
    /** Whether this process is a Cluster worker. */
    this.isWorker = isWorker;
    /** The worker's slot number (0 … workers-1), kept across restarts; null outside a cluster. */
    this.id = isWorker && !isSpare ? workerId : null;
    if (!isWorker) return;
    const maxFrame = Number.parseInt(env.XYPRISS_MAX_FRAME, 10) || DEFAULT_MAX_FRAME;
    this.#maxFrame = maxFrame;
    this.#writer = new FrameWriter(maxFrame);
    const reader = new FrameReader(maxFrame, (tag, message) => this.#onFrame(tag, message));
    // Reads land in one reused buffer and go straight to the frame reader (`onread`): no
    // stream machinery and no allocation per read on the message path.
    const socket = new net.Socket({
      fd: channelFd,
      readable: true,
      writable: true,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n, buf) => {
          try {
            reader.push(buf.subarray(0, n), true);
          } catch (err) {
            process.emitWarning(`xypriss-sys worker: bad frame from the manager (${err.message})`);
            process.exit(1);
          }
        },
      },
    });
    this.#socket = socket;
    // The manager is gone (or dropped us): a worker never outlives it.
    socket.on('end', () => process.exit(0));
    socket.on('error', () => process.exit(0));
    socket.on('drain', () => this.#drained());
    // The channel keeps the process alive only while someone listens for messages, like
    // Node's own IPC channel.
    // A waiting spare is kept alive by its channel until it runs the entry.
    if (!this.#waiting) socket.unref();
    this.on('newListener', (name) => {
      if (name !== 'message') return;
      socket.ref();
      this.#release();
    });
    this.on('removeListener', (name) => name === 'message' && !this.#waiting && this.listenerCount('message') === 0 && socket.unref());
    const interval = Number.parseInt(env.XYPRISS_HEARTBEAT_INTERVAL, 10) || 1000;
    this.#control(TAG.HEARTBEAT);
    setInterval(() => this.#control(TAG.HEARTBEAT), interval).unref();
  }

  /**
   * Send a message to the manager: Buffers and typed arrays as bytes, anything else as JSON.
   * Returns false when the channel's buffer is full; wait for 'drain' before sending more.
   */
  send(message) {
    if (!this.#socket) throw notAWorker('send');
    if (this.#waiting) {
      // A spare without a slot yet (a preload sending): it goes out under the slot's id.
      (this.#sentEarly ??= new FrameWriter(this.#maxFrame)).push(message);
      return true;
    }
    this.#writer.push(message);
    if (this.#writer.length >= FLUSH_AT) this.#flush();
    else this.#scheduleFlush();
    const below = this.#socket.writableLength + this.#writer.length < HIGH_WATER_MARK;
    if (!below) this.#full = true;
    return below;
  }

  /** Tell the manager this worker is ready to serve (once; later calls do nothing). */
  ready() {
    if (!this.#socket || this.#readySent || this.#waiting) return;
    this.#readySent = true;
    this.#control(TAG.READY);
    this.#release();
  }

  /** The shared listening socket, for `server.listen(worker.listenHandle())`. */
  listenHandle() {
    if (!isWorker) throw notAWorker('listenHandle');
    if (!Number.isInteger(listenFd)) {
      const err = new Error('listenHandle: the cluster was started without a `listen` option');
      err.code = 'ERR_XSYS_NO_SHARED_PORT';
      throw err;
    }
    return { fd: listenFd };
  }

  /** Close `server` (stop accepting, let open requests finish) when the manager asks this worker to stop. */
  closeOnShutdown(server) {
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
    return server;
  }

  /** Run `fn` (it may return a Promise) during a graceful shutdown, after the servers closed. */
  onShutdown(fn) {
    if (typeof fn !== 'function') {
      const err = new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    this.#hooks.push(fn);
  }

  /** Graceful shutdown: close the servers, wait for their connections, run the hooks, exit. */
  async shutdown() {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.emit('shutdown');
    await Promise.all([...this.#servers].map(closeServer));
    for (const fn of this.#hooks) {
      try {
        await fn();
      } catch (err) {
        process.emitWarning(`xypriss-sys worker: a shutdown hook failed: ${err && err.message}`);
      }
    }
    process.exit(0);
  }

  #onFrame(tag, message) {
    if (tag === TAG.JSON || tag === TAG.BINARY) {
      if (this.#held) this.#held.push(message);
      else this.#deliver(message);
    } else if (tag === TAG.GC) {
      if (typeof global.gc === 'function') global.gc();
      this.emit('gc');
    } else if (tag === TAG.SHUTDOWN) this.shutdown();
    else if (tag === TAG.ACTIVATE && this.#waiting) this.#activate(message);
  }

  #deliver(message) {
    // A throwing listener is an uncaught exception of its own (as with Node's IPC), not a bad
    // frame, and the messages after it in the same read still arrive.
    try {
      this.emit('message', message);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }

  /** Hand the held messages over on the next tick (after the listener being added is in). */
  #release() {
    if (!this.#held) return;
    process.nextTick(() => {
      const held = this.#held;
      this.#held = null;
      for (const message of held ?? []) this.#deliver(message);
    });
  }

  /** For `lib/spare.js`: `fn()` runs the entry once this spare has been handed a slot. */
  [ON_ACTIVATE](fn) {
    if (!isSpare || this.#started) return;
    this.#onActivate = fn;
    // The activation may have come first (the worker module loaded by a preload).
    if (!this.#waiting) this.#start();
  }

  #activate(id) {
    this.id = id;
    this.#waiting = false;
    this.#held = [];
    if (this.#sentEarly) {
      this.#writer.pushFrames(this.#sentEarly.take(false));
      this.#sentEarly = null;
      this.#scheduleFlush();
    }
    if (this.#onActivate) this.#start();
  }

  #start() {
    const run = this.#onActivate;
    this.#onActivate = null;
    this.#started = true;
    if (this.listenerCount('message') === 0) this.#socket.unref();
    // Outside the frame reader: an exception thrown by the entry is the entry's own (an
    // uncaught exception, as in a worker started cold), not a bad frame.
    process.nextTick(run);
  }

  #control(tag) {
    this.#writer.pushControl(tag);
    this.#scheduleFlush();
  }

  // Frames sent in one turn of the event loop leave in one write.
  #scheduleFlush() {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      this.#flush();
    });
  }

  #flush() {
    if (this.#writer.length === 0 || this.#socket.destroyed) return;
    const socket = this.#socket;
    // Nothing queued in the stream: write now, straight to the socket (what a stream write
    // would end up doing, without its bookkeeping); only what the socket does not take goes
    // through the stream, which then keeps the order.
    if (socket.writableLength === 0) {
      const bytes = this.#writer.take(true);
      let written = 0;
      try {
        written = fs.writeSync(channelFd, bytes);
      } catch (err) {
        if (err.code !== 'EAGAIN') {
          socket.destroy(err);
          return;
        }
      }
      if (written === bytes.length) return this.#drained();
      if (socket.write(Buffer.from(bytes.subarray(written)))) this.#drained();
      return;
    }
    if (socket.write(this.#writer.take(false))) this.#drained();
  }

  #drained() {
    if (!this.#full || this.#socket.writableLength + this.#writer.length >= HIGH_WATER_MARK) return;
    this.#full = false;
    process.nextTick(() => this.emit('drain'));
  }
}

/** Stop accepting, then wait for open connections; idle keep-alive ones are closed as they idle. */
function closeServer(server) {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const idle = typeof server.closeIdleConnections === 'function'
      ? setInterval(() => server.closeIdleConnections(), 100)
      : null;
    server.close(() => {
      if (idle) clearInterval(idle);
      resolve();
    });
  });
}

// One worker per process, however many copies of this module get loaded (two installed copies
// of the package, a test runner resetting its module registry): the first one read and removed
// the manager's variables and owns the channel; every later copy hands out that same object.
const SHARED = Symbol.for('xypriss-sys.worker');
module.exports = globalThis[SHARED] ??= new Worker();

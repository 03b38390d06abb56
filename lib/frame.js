'use strict';
// The control channel's frames in JS, for both ends (see src/cluster/frame.rs): a 4-byte
// big-endian length, then a one-byte tag, then the body. User messages are JSON text or raw
// bytes; control frames are a bare tag, but for `activate`, which carries a worker id.
// Plain JS: the worker side must not need the addon.

const HEADER = 4;
const TAG = Object.freeze({ JSON: 0x01, BINARY: 0x02, READY: 0x10, HEARTBEAT: 0x11, GC: 0x20, SHUTDOWN: 0x21, ACTIVATE: 0x22 });
const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;
const SLAB = 64 * 1024;

function frameError(code, message) {
  const err = code === 'ERR_XSYS_FRAME_TOO_LARGE' ? new RangeError(message) : new Error(message);
  err.code = code;
  return err;
}

function tooLarge(len, max) {
  return frameError('ERR_XSYS_FRAME_TOO_LARGE', `frame of ${len} bytes exceeds the maximum of ${max} bytes`);
}

/**
 * Accumulates encoded frames in one buffer, so a burst of sends becomes one write.
 * `take()` hands out what was written; with `reuse` the memory is recycled (only when the
 * consumer copies it before the next push, as the native write does). Without it, a small
 * batch is copied out (into Node's buffer pool) and the slab is kept: a fresh 64 KiB slab per
 * message sent one at a time cost the worker more than the message itself (allocation, GC).
 */
class FrameWriter {
  #buf = Buffer.allocUnsafe(SLAB);
  #len = 0;
  #max;

  constructor(maxFrame = DEFAULT_MAX_FRAME) {
    this.#max = maxFrame;
  }

  get length() {
    return this.#len;
  }

  /** Encode a user message: Buffers and typed arrays as bytes, anything else as JSON. */
  push(message) {
    if (ArrayBuffer.isView(message)) {
      const bytes = message instanceof Uint8Array ? message : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      if (bytes.length + 1 > this.#max) throw tooLarge(bytes.length + 1, this.#max);
      this.#reserve(HEADER + 1 + bytes.length);
      this.#header(TAG.BINARY, bytes.length);
      this.#buf.set(bytes, this.#len + HEADER + 1);
      this.#len += HEADER + 1 + bytes.length;
      return;
    }
    const text = JSON.stringify(message);
    if (text === undefined) {
      const err = new TypeError(`The "message" argument must be serializable to JSON. Received ${typeof message}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    // Every UTF-16 unit is at least one UTF-8 byte, and at most three.
    if (text.length + 1 > this.#max) throw tooLarge(text.length + 1, this.#max);
    this.#reserve(HEADER + 1 + (text.length < 16384 ? text.length * 3 : Buffer.byteLength(text)));
    const n = this.#buf.write(text, this.#len + HEADER + 1, 'utf8');
    if (n + 1 > this.#max) throw tooLarge(n + 1, this.#max);
    this.#header(TAG.JSON, n);
    this.#len += HEADER + 1 + n;
  }

  /** Append frames another writer encoded (whole frames, as `take()` handed them out). */
  pushFrames(bytes) {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  pushControl(tag) {
    this.#reserve(HEADER + 1);
    this.#header(tag, 0);
    this.#len += HEADER + 1;
  }

  take(reuse) {
    let out;
    if (reuse || this.#len > SLAB / 4) {
      out = this.#buf.subarray(0, this.#len);
      if (!reuse) this.#buf = Buffer.allocUnsafe(SLAB);
    } else {
      out = Buffer.allocUnsafe(this.#len);
      this.#buf.copy(out, 0, 0, this.#len);
    }
    this.#len = 0;
    return out;
  }

  #header(tag, bodyLength) {
    this.#buf.writeUInt32BE(bodyLength + 1, this.#len);
    this.#buf[this.#len + HEADER] = tag;
  }

  #reserve(extra) {
    if (this.#len + extra <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + extra));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }
}

function decodeBody(tag, buf, start, end) {
  if (tag === TAG.JSON) return JSON.parse(buf.toString('utf8', start, end));
  return Buffer.from(buf.subarray(start, end));
}

/** Call `fn(message)` for each user message in a buffer of whole, already checked frames. */
function forEachMessage(buf, fn) {
  let off = 0;
  while (off < buf.length) {
    const end = off + HEADER + buf.readUInt32BE(off);
    fn(decodeBody(buf[off + HEADER], buf, off + HEADER + 1, end));
    off = end;
  }
}

/**
 * Splits a byte stream into frames: `push(chunk)` calls `onFrame(tag, message)` for each
 * complete frame (message undefined for control frames) and throws on a malformed one.
 * `push(chunk, true)` says the chunk's memory is reused once push returns (a socket's `onread`
 * buffer): what is left of it for a later frame is copied first. Messages never share memory
 * with the chunk (JSON is decoded, bytes are copied).
 */
class FrameReader {
  #chunks = [];
  #size = 0;
  #need = 0;
  #max;
  #onFrame;

  constructor(maxFrame, onFrame) {
    this.#max = maxFrame;
    this.#onFrame = onFrame;
  }

  push(chunk, reused = false) {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    try {
      this.#frames();
    } finally {
      // Only the last chunk can still be (a view of) the reused memory: earlier ones were kept
      // from earlier pushes, as copies, and #take's concatenations are new memory.
      const last = this.#chunks.length - 1;
      if (reused && last >= 0) this.#chunks[last] = Buffer.from(this.#chunks[last]);
    }
  }

  #frames() {
    for (;;) {
      if (this.#need === 0) {
        if (this.#size < HEADER) return;
        const len = this.#peekLength();
        if (len === 0) throw frameError('ERR_XSYS_FRAME_MALFORMED', 'empty frame');
        if (len > this.#max) throw tooLarge(len, this.#max);
        this.#need = HEADER + len;
      }
      if (this.#size < this.#need) return;
      const frame = this.#take(this.#need);
      this.#need = 0;
      const tag = frame[HEADER];
      if (tag === TAG.JSON || tag === TAG.BINARY) {
        this.#onFrame(tag, decodeBody(tag, frame, HEADER + 1, frame.length));
      } else if (tag === TAG.GC || tag === TAG.SHUTDOWN) {
        this.#onFrame(tag, undefined);
      } else if (tag === TAG.ACTIVATE && frame.length === HEADER + 5) {
        // Manager → spare: the worker id it becomes.
        this.#onFrame(tag, frame.readUInt32BE(HEADER + 1));
      } else {
        throw frameError('ERR_XSYS_FRAME_MALFORMED', `unknown frame type 0x${tag.toString(16)}`);
      }
    }
  }

  #peekLength() {
    const first = this.#chunks[0];
    if (first.length >= HEADER) return first.readUInt32BE(0);
    const head = Buffer.concat(this.#chunks, this.#size).subarray(0, HEADER);
    return head.readUInt32BE(0);
  }

  #take(n) {
    const first = this.#chunks[0];
    let out;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks, this.#size);
      out = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#size -= n;
    return out;
  }
}

module.exports = { TAG, HEADER, DEFAULT_MAX_FRAME, FrameWriter, FrameReader, forEachMessage };

'use strict';
// Progress bars for long `xsys` commands, drawn on stderr. On a terminal the bar redraws one
// line in place; elsewhere (`--progress` into a pipe or file) each report is one plain line.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const BAR_WIDTH = 24;
/** Off a terminal, at most one line per this many ms (plus the last). */
const PLAIN_EVERY_MS = 1000;

function bytes(n) {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[i]}`;
}

function seconds(s) {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

class ProgressBar {
  #out;
  #label;
  #total;
  #started = performance.now();
  #drawn = false;
  #lastPlain = -Infinity;
  #pending = null;

  /**
   * @param {import('node:stream').Writable & { isTTY?: boolean, columns?: number }} out
   * @param {string} label what is running, e.g. `copy`
   * @param {number | null} total bytes expected, when known (for the percentage and the bar)
   */
  constructor(out, label, total) {
    this.#out = out;
    this.#label = label;
    this.#total = typeof total === 'number' && total > 0 ? total : null;
  }

  /** The text drawn for one `{files, bytes}` report. */
  line({ files, bytes: done }) {
    const elapsed = (performance.now() - this.#started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const count = files > 0 ? `  ${files} file${files === 1 ? '' : 's'}` : '';
    const speed = `${bytes(Math.round(rate))}/s`;
    if (this.#total === null) return `${this.#label}  ${bytes(done)}${count}  ${speed}`;
    const ratio = Math.min(1, done / this.#total);
    const left = rate > 0 ? (this.#total - done) / rate : Infinity;
    const tail = `${(ratio * 100).toFixed(0).padStart(3)}%  ${bytes(done)} / ${bytes(this.#total)}${count}  ${speed}  eta ${seconds(left)}`;
    const width = BAR_WIDTH;
    const full = Math.floor(ratio * width);
    return `${this.#label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${tail}`;
  }

  /** Draw a report (an `onProgress` callback). */
  update(progress) {
    const text = this.line(progress);
    if (this.#out.isTTY) {
      this.#out.write(`\r\x1b[2K${text}`);
      this.#drawn = true;
    } else if (performance.now() - this.#lastPlain >= PLAIN_EVERY_MS) {
      this.#out.write(`${text}\n`);
      this.#lastPlain = performance.now();
      this.#pending = null;
    } else {
      this.#pending = text;
    }
  }

  /** Clear the bar so the command's own output starts on a clean line. */
  done() {
    if (this.#drawn) this.#out.write('\r\x1b[2K');
    if (this.#pending !== null) this.#out.write(`${this.#pending}\n`);
    this.#drawn = false;
    this.#pending = null;
  }
}

/**
 * The bytes a command will go through, for the percentage: the size of a file, or of everything
 * under a directory (one parallel `du`). `null` when it cannot be known in advance.
 */
async function totalBytes(fs, p) {
  if (typeof p !== 'string' || p === '') return null;
  try {
    const st = await fs.stats(p, { follow: true });
    if (!st.is_dir) return st.size;
    return (await fs.du(p)).size;
  } catch {
    return null;
  }
}

module.exports = { ProgressBar, totalBytes, bytes };

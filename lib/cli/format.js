'use strict';
// Human output for `xsys`: lists one per line, objects as aligned key/value lines, arrays of
// objects (and [name, object] pairs) as tables. `--json` output bypasses this entirely.

function cell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function table(rows) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);

/** Text for a command's result, or '' when there is nothing to print. */
function human(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value);
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    if (value.every((v) => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isPlainObject(v[1]))) {
      return table(value.map(([name, obj]) => ({ name, ...obj })));
    }
    if (value.every(isPlainObject)) return table(value);
    return value.map(cell).join('\n');
  }
  const keys = Object.keys(value);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(width)}  ${cell(value[k])}`).join('\n');
}

module.exports = { human, table };

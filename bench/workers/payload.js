'use strict';
// The message every contender sends: JSON of exactly 64 bytes, with a sequence number.
const SEQ_DIGITS = 8;
const base = JSON.stringify({ s: '0'.repeat(SEQ_DIGITS), p: '' }).length;
const pad = 'x'.repeat(64 - base);

function message(i) {
  return { s: String(i).padStart(SEQ_DIGITS, '0'), p: pad };
}

if (JSON.stringify(message(12345)).length !== 64) throw new Error('payload is not 64 bytes');

module.exports = { message };

// The shared event plumbing: native threads deliver events to JS in batches, losing nothing,
// and never keep Node alive by themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { spawnSync } from 'node:child_process';
import { native, require } from './helpers.mjs';

const { iterate, KeepAlive } = require('../lib/events.js');

function collect(count, { blockFirstMs = 0 } = {}) {
  // The native queue never keeps Node alive (that is tested below); a wrapper's KeepAlive does.
  const alive = new KeepAlive(true);
  return new Promise((resolve) => {
    const seen = [];
    let calls = 0;
    const source = native.__testEventSource(count, 0, (batch) => {
      calls += 1;
      seen.push(...batch);
      if (seen.length === count) {
        source.close();
        alive.release();
        resolve({ seen, calls });
      }
    });
    if (blockFirstMs) {
      const until = Date.now() + blockFirstMs;
      while (Date.now() < until); // the JS thread is busy: events must pile up, not get lost
    }
  });
}

test('every event arrives, in order', async () => {
  const { seen } = await collect(50_000);
  assert.equal(seen.length, 50_000);
  assert.ok(seen.every((v, i) => v === i));
});

test('events that arrive while JS is blocked are delivered as a few batches', async () => {
  const { seen, calls } = await collect(40_000, { blockFirstMs: 300 });
  assert.equal(seen.length, 40_000);
  assert.ok(calls < 100, `40,000 events took ${calls} callbacks`);
});

test('a native source never keeps Node alive by itself', () => {
  const script = `
    const b = require(${JSON.stringify(require.resolve('../binding.js'))});
    b.__testEventSource(4294967295, 1000, () => {});
    setTimeout(() => console.log('done'), 50);`;
  const started = Date.now();
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'done');
  assert.ok(Date.now() - started < 5000);
});

test('KeepAlive holds Node open until released, and not at all when not persistent', () => {
  const keep = require.resolve('../lib/events.js');
  const held = spawnSync(process.execPath, ['-e', `
    const { KeepAlive } = require(${JSON.stringify(keep)});
    const k = new KeepAlive(true);
    setTimeout(() => { console.log('released'); k.release(); }, 200);`], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(held.stdout.trim(), 'released');
  const free = spawnSync(process.execPath, ['-e', `
    const { KeepAlive } = require(${JSON.stringify(keep)});
    new KeepAlive(false);`], { encoding: 'utf8', timeout: 5_000 });
  assert.equal(free.status, 0);
});

test('iterate yields events until close, and leaving the loop closes the source', async () => {
  const source = new EventEmitter();
  let closed = 0;
  source.close = async () => {
    closed += 1;
    source.emit('close');
  };
  setImmediate(() => {
    source.emit('tick', 1);
    source.emit('tick', 2);
    source.emit('tick', 3);
  });
  const got = [];
  for await (const v of iterate(source, 'tick')) {
    got.push(v);
    if (v === 2) break;
  }
  assert.deepEqual(got, [1, 2]);
  assert.equal(closed, 1);
});

test('iterate ends at close and rethrows errors', async () => {
  const ends = new EventEmitter();
  setImmediate(() => {
    ends.emit('x', 'a');
    ends.emit('close');
  });
  const got = [];
  for await (const v of iterate(ends, 'x')) got.push(v);
  assert.deepEqual(got, ['a']);

  const fails = new EventEmitter();
  setImmediate(() => fails.emit('error', new Error('boom')));
  await assert.rejects(async () => {
    for await (const _ of iterate(fails, 'x'));
  }, /boom/);
});

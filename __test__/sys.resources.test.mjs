// sys: disks, network, ports, sensors and battery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { xsys } from './helpers.mjs';

const { sys } = xsys;
const linux = process.platform === 'linux';

test('disk totals agree with statvfs', async () => {
  const disks = await sys.disks();
  assert.ok(disks.length > 0, 'no disks listed');
  for (const d of disks) {
    const st = statfsSync(d.mount_point);
    assert.equal(d.total_space, st.blocks * st.bsize, d.mount_point);
    // Other processes write meanwhile: within 1% of the size.
    assert.ok(Math.abs(d.available_space - st.bavail * st.bsize) <= d.total_space / 100, d.mount_point);
    assert.equal(d.used_space, d.total_space - d.available_space);
    assert.ok(d.usage_percent >= 0 && d.usage_percent <= 100);
    assert.match(d.disk_type, /^(SSD|HDD|Unknown\(-?\d+\))$/);
  }
});

test('disks(mount) is that filesystem, and an unknown mount point is null', async () => {
  const all = await sys.disks();
  const first = all[0];
  assert.equal((await sys.disks(first.mount_point)).mount_point, first.mount_point);
  assert.equal(sys.disksSync({ mount: first.mount_point }).mount_point, first.mount_point);
  assert.equal(await sys.disks('/no/such/mount'), null);
  assert.equal(sys.disksSync('/no/such/mount'), null);
  assert.deepEqual(sys.disksSync().map((d) => d.mount_point), all.map((d) => d.mount_point));
});

test('disks() rejects a mount that is not a string', async () => {
  await assert.rejects(sys.disks({ mount: 5 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sys.disksSync(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('network() lists interfaces sorted by name, loopback with its addresses, totals without loopback', { skip: !linux && 'names lo' }, () => {
  const n = sys.network();
  const names = n.interfaces.map((i) => i.name);
  assert.deepEqual(names, [...names].sort());
  const lo = n.interfaces.find((i) => i.name === 'lo');
  assert.ok(lo.is_loopback);
  assert.ok(lo.ip_addresses.includes('127.0.0.1'));
  const external = n.interfaces.filter((i) => !i.is_loopback);
  assert.equal(n.total_received, external.reduce((s, i) => s + i.received, 0));
  assert.equal(n.total_transmitted, external.reduce((s, i) => s + i.transmitted, 0));
});

test('network() rates are the traffic since the previous call over the time elapsed', { skip: !linux && 'uses lo' }, async () => {
  const server = net.createServer((socket) => socket.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const before = sys.network('lo');
    const started = performance.now();
    const client = net.connect(server.address().port, '127.0.0.1');
    await once(client, 'connect');
    const payload = Buffer.alloc(4 << 20, 1);
    client.end(payload);
    await once(client, 'close');
    await sleep(250); // a rate needs a window of at least 200 ms
    const after = sys.network('lo');
    const seconds = (performance.now() - started) / 1000;
    assert.ok(after.received - before.received >= payload.length, 'loopback counted the 4 MiB');
    assert.ok(after.download_speed > 0, 'a rate was measured');
    // The window started at the previous call (or later) and ended now.
    assert.ok(after.download_speed >= (after.received - before.received) / (seconds + 1), `${after.download_speed} B/s`);
  } finally {
    server.close();
  }
});

test('network(name) of an unknown interface is null', () => {
  assert.equal(sys.network('no-such-interface0'), null);
  assert.equal(sys.network({ interface: 'no-such-interface0' }), null);
});

test('ports() lists this process\'s TCP servers (IPv4 and IPv6) and UDP sockets with its pid, and no connections', { skip: !linux && 'Linux only' }, async () => {
  const v4 = net.createServer().listen(0, '127.0.0.1');
  await once(v4, 'listening');
  const v6 = net.createServer();
  const hasV6 = await new Promise((resolve) => {
    v6.once('error', () => resolve(false));
    v6.listen(0, '::1', () => resolve(true));
  });
  const udp = dgram.createSocket('udp4');
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  const client = net.connect(v4.address().port, '127.0.0.1');
  await once(client, 'connect');
  try {
    const ports = await sys.ports();
    const find = (protocol, address, port) =>
      ports.find((p) => p.protocol === protocol && p.local_address === address && p.local_port === port);
    assert.deepEqual(find('TCP', '127.0.0.1', v4.address().port), {
      protocol: 'TCP',
      local_address: '127.0.0.1',
      local_port: v4.address().port,
      remote_address: '0.0.0.0',
      remote_port: 0,
      state: 'LISTEN',
      pid: process.pid,
    });
    if (hasV6) assert.equal(find('TCP', '::1', v6.address().port)?.pid, process.pid);
    assert.equal(find('UDP', '127.0.0.1', udp.address().port)?.pid, process.pid);
    assert.equal(find('UDP', '127.0.0.1', udp.address().port)?.state, 'CLOSE');
    assert.equal(ports.some((p) => p.local_port === client.localPort), false, 'the client connection is not listed');
    assert.ok(ports.every((p) => p.state === 'LISTEN' || p.protocol === 'UDP'));
    assert.deepEqual(sys.portsSync().filter((p) => p.pid === process.pid), ports.filter((p) => p.pid === process.pid));
  } finally {
    client.destroy();
    v4.close();
    v6.close();
    udp.close();
  }
});

test('temp() averages only real readings, and has none without sensors', async () => {
  const t = await sys.temp();
  const readings = t.components.map((c) => c.current).filter((c) => c !== null);
  if (readings.length === 0) {
    assert.equal(t.average_temp, null);
    assert.equal(t.max_temp, null);
  } else {
    assert.ok(Math.abs(t.average_temp - readings.reduce((a, b) => a + b, 0) / readings.length) < 1e-9);
    assert.equal(t.max_temp, Math.max(...readings));
  }
  assert.equal(t.critical_count, t.components.filter((c) => c.current !== null && c.critical !== null && c.current >= c.critical).length);
  assert.deepEqual(Object.keys(sys.tempSync()), ['components', 'average_temp', 'max_temp', 'critical_count']);
});

test('battery() reports a battery, or is_present false with null readings', async () => {
  const b = await sys.battery();
  assert.deepEqual(Object.keys(b), [
    'state', 'percentage', 'time_to_full', 'time_to_empty', 'power_consumption', 'is_present', 'technology', 'vendor', 'model', 'serial',
  ]);
  assert.match(b.state, /^(Charging|Discharging|Full|Empty|NotCharging|Unknown)$/);
  if (!b.is_present) {
    assert.deepEqual([b.percentage, b.time_to_full, b.time_to_empty, b.power_consumption], [null, null, null, null]);
  } else if (b.percentage !== null) {
    assert.ok(b.percentage >= 0 && b.percentage <= 100);
  }
  assert.deepEqual(sys.batterySync(), b);
});

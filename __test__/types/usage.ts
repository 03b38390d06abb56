// Compiled (not run) by types.test.mjs: the public typings must describe real usage.
import { FileSystem, fs, type FileStats, type XsysError } from '../../index';

async function usage(): Promise<void> {
  const project = new FileSystem({ root: '/srv/app', confine: true });
  const names: string[] = await project.ls('.');
  const pairs: Array<[string, FileStats]> = project.lsSync('.', { stats: true, recursive: true });
  const text: string = await project.read('a.txt');
  const bytes: Buffer = project.readSync('a.bin', { encoding: null });
  await project.write('b.txt', Buffer.from('x'), { atomic: true, mode: '644' });
  project.copySync('a', 'b', { overwrite: false, preserveTimes: true });
  const st: FileStats = fs.statsSync('package.json', { follow: true });
  const created: number | null = st.created;
  const digest: string = await fs.hash('x', { algorithm: 'blake3', onProgress: ({ bytes }) => void bytes });
  await project.copy('a', 'b', { signal: AbortSignal.timeout(1000), onProgress: ({ files, bytes }) => void (files + bytes) });
  const ok: boolean = fs.verifySync('x', digest);
  const { bytes: total, formatted } = await fs.size('.');
  const { exists } = fs.checkSync('x');
  project.stream('big.bin', { chunkSize: 4096 }).pipe(process.stdout);
  try {
    project.rmSync('.', { recursive: true });
  } catch (e) {
    const err = e as XsysError;
    const code: string = err.code;
    void code;
  }
  void [names, pairs, text, bytes, created, ok, total, formatted, exists];
}
void usage;

import { sys, type SystemSnapshot, type ProcessInfo, type MemoryInfo, type Monitor } from '../../index';

async function sysUsage(): Promise<void> {
  const memory: MemoryInfo = sys.memory();
  const limit: number | null = memory.limit;
  const overall: number = sys.cpu().overall;
  const coreNames: string[] = sys.cpu({ cores: true }).map((c) => c.name);
  const quota: number | null = sys.info().cpu_quota;
  const root = await sys.disks('/');
  const rootFree: number | undefined = root?.available_space;
  const lo = sys.network('lo');
  const loAddresses: string[] | undefined = lo?.ip_addresses;
  const summary: number = (await sys.processes()).total_processes;
  const self: ProcessInfo | null = await sys.processes({ pid: process.pid });
  const light = sys.processesSync({ topMem: 5, fields: ['pid', 'memory'] });
  const firstPid: number | undefined = light[0]?.pid;
  const everyone: Array<Pick<ProcessInfo, 'pid' | 'name'>> = await sys.processes({ fields: ['pid', 'name'] });
  const listening: Array<number | null> = (await sys.ports()).map((p) => p.pid);
  const score: number = sys.health().score;
  const home: string | null = sys.user().home;
  const temp: string = sys.paths().temp;
  const variable: string | null = sys.env('HOME');
  const sent: true = sys.kill(process.pid, 0);
  const arch: string = sys.hardware().arch;
  const text: string = sys.quick().text;
  const battery = await sys.battery();
  const charging: boolean = battery.state === 'Charging';
  const monitor: Monitor<SystemSnapshot> = sys.monitor({ interval: 500, duration: 2000, persistent: false });
  monitor.on('snapshot', (s) => void s.cpu_usage).on('close', () => undefined);
  for await (const s of sys.monitorProcess(process.pid, { interval: 100 })) {
    const rss: number = s.memory;
    const at: number = s.timestamp_ms;
    void [rss, at];
    break;
  }
  sys.monitorProcess(1).once('exit', ({ pid }) => void pid);
  monitor.close();
  void [limit, overall, coreNames, quota, rootFree, loAddresses, summary, self, firstPid, everyone, listening, score, home, temp, variable, sent, arch, text, charging];
}
void sysUsage;
// Search, whole-tree operations and archives.
async function searchUsage(project: FileSystem): Promise<void> {
  const controller = new AbortController();
  const onProgress = ({ files, bytes }: { files: number; bytes: number }): void => void [files, bytes];
  const found = await project.find('src', { glob: '*.ts', type: 'file', maxDepth: 3, signal: controller.signal });
  const names: string[] = found;
  const failures: number = found.errors.length + found.errorsOmitted;
  const byExt: string[] = project.findByExtSync('.', 'tar.gz');
  const recent: string[] = await project.modifiedSince('.', new Date(Date.now() - 3600_000));
  const matches = await project.grep('.', /todo/i, { gitignore: true, maxResults: 100, onProgress });
  const first: { file: string; line: number; content: string } | undefined = matches[0];
  const plan = project.batchRenameSync('.', '^(\\d+)-', '$1_', { dryRun: true });
  const renamed: string | undefined = plan[0]?.new_path;
  const { size, file_count, dir_count } = await project.du('.', { followLinks: true });
  const dups = await project.dedupe('.', { onProgress });
  const wasted: number = dups.reduce((n, g) => n + g.size * (g.paths.length - 1), 0);
  const mirror = await project.sync('src', 'backup', { delete: true, dryRun: false });
  const copied: string[] = mirror.copied;
  await project.gzip('log.txt', 'log.txt.gz', { level: 9 });
  project.gunzipSync('log.txt.gz', 'log.txt');
  const { entries } = await project.tar('src', 'src.tgz', { gzip: true });
  const report = await project.untar('src.tgz', 'out', { limits: { maxBytes: 1 << 30, maxRatio: 200 }, onUnsafe: 'skip' });
  const reasons: string[] = report.skipped.map((s) => s.reason);
  void [names, failures, byExt, recent, first, renamed, size, file_count, dir_count, wasted, copied, entries, reasons];
}
void searchUsage;

// --- Cluster and its worker side ---
import { Cluster, type ClusterError, type WorkerExit, type WorkerInfo } from '../../index';
import worker = require('../../worker');
import * as http from 'node:http';

async function clusterUsage(): Promise<void> {
  const cluster = new Cluster({ entry: 'server.js', workers: 'auto', listen: { port: 8080, host: '127.0.0.1' }, maxMemory: 512 * 2 ** 20 });
  cluster.on('message', (message, from) => cluster.send(from.id, { echo: message, pid: from.pid }));
  cluster.on('exit', (e: WorkerExit) => console.log(e.id, e.code, e.signal, e.reason));
  cluster.on('restart', ({ delay, restarts }) => console.log(delay, restarts));
  cluster.on('memory', ({ action, rss, limit }) => console.log(action, rss / limit));
  cluster.on('error', (err: ClusterError) => console.log(err.code, err.id));
  await cluster.start();
  const ok: boolean = cluster.broadcast(Buffer.from('hi'));
  const rows: WorkerInfo[] = cluster.workers();
  const port: number | undefined = cluster.address()?.port;
  await cluster.reload();
  await cluster.stop({ timeout: 1000 });
  const cores: number = Cluster.availableParallelism();
  void [ok, rows, port, cores];
}

function workerUsage(): void {
  if (!worker.isWorker) return;
  const id: number | null = worker.id;
  const server = worker.closeOnShutdown(http.createServer((req, res) => res.end(String(id))));
  server.listen(worker.listenHandle(), () => worker.ready());
  worker.on('message', (m) => worker.send({ got: m }));
  worker.onShutdown(async () => undefined);
}
void clusterUsage;
void workerUsage;
// The drop-in runner.
import { XyPrissRunner, XyPrissError } from '../../compat';

function compatUsage(): void {
  const runner = new XyPrissRunner('/srv/app', { confine: true });
  const names: string[] = runner.runSync('fs', 'ls', ['.']);
  const root: string = runner.root;
  const binary: string = runner.getBinaryPath();
  try {
    runner.runSync('fs', 'read', ['missing']);
  } catch (e) {
    if (e instanceof XyPrissError) {
      const where: string = `${e.module}.${e.action}: ${e.details} (${e.code ?? 'no code'})`;
      void where;
    }
  }
  void [names, root, binary, runner.fs.statsSync('.').is_dir];
}
void compatUsage;

import { watch, watchContent, Watcher, type WatchEvent, type ContentChangeEvent, type RenameEvent } from '../../index';

async function watching(): Promise<void> {
  const w: Watcher = watch(['src', new URL('file:///srv/app/config.json')], {
    recursive: true,
    ignore: ['node_modules', '*.log'],
    gitignore: true,
    debounce: 0,
    persistent: false,
    followSymlinks: false,
  });
  w.on('renamed', (e: RenameEvent) => console.log(e.from, e.to, e.is_dir));
  w.on('created', (e) => console.log(e.path, e.timestamp));
  w.on('overflow', (e) => console.log(e.path));
  w.on('error', (err) => console.log(err.code, err.hint));
  w.unref().ref();
  for await (const e of w) {
    const event: WatchEvent = e;
    if (event.type === 'ready') break;
    if (event.type === 'modified') console.log(event.is_dir);
  }
  await w.close();
  const closed: boolean = w.closed;

  const c = watchContent('app.conf', { diff: true, maxBytes: 1 << 20, debounce: 50 });
  c.on('change', (e: ContentChangeEvent) => {
    for (const line of e.diff ?? []) console.log(line.type, line.line_number, line.line);
    console.log(e.previous_size, e.size, e.exists);
  });
  void closed;
}
void watching;

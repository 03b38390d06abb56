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
  const digest: string = await fs.hash('x', { algorithm: 'blake3' });
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

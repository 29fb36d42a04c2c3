import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  appendFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Processes of a test environment, tracked on disk so that a run killed with SIGKILL (which gives Node no
 * chance to clean up) leaves nothing behind: the next run finds its state directory, sees that its owner is
 * dead, and kills the processes it recorded.
 */
export const stateRoot = join(process.env.TAGPILOT_TESTENV_STATE ?? tmpdir(), 'tagpilot-testenv');

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort for a normal exit without teardown (an uncaught error, Ctrl-C): kill synchronously.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Kills what earlier runs left behind. A directory whose owner is still alive belongs to a run in progress
 * (runs can be concurrent: every port is picked free) and is left alone. A recorded pid is killed only if
 * its command line still names the binary that was started, so a recycled pid is never hit.
 */
export function cleanupOrphans(log: (msg: string) => void = console.error): number {
  if (!existsSync(stateRoot)) return 0;
  let killed = 0;
  for (const entry of readdirSync(stateRoot)) {
    const dir = join(stateRoot, entry);
    const owner = Number(readFileSafe(join(dir, 'owner')));
    if (owner && owner !== process.pid && alive(owner)) continue;
    for (const line of readFileSafe(join(dir, 'pids')).split('\n')) {
      const [pidText, binary] = line.split('\t');
      const pid = Number(pidText);
      if (!pid || !binary || !alive(pid) || !cmdline(pid).includes(binary)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
        log(`[testenv] killed orphaned ${binary} (pid ${pid}) left by a dead run (owner pid ${owner})`);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return killed;
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A state directory for this run, owned by this process. */
export function createStateDir(name: string): string {
  const dir = join(stateRoot, `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'owner'), String(process.pid));
  return dir;
}

export function startProcess(
  stateDir: string,
  logDir: string,
  name: string,
  binary: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ManagedProcess {
  installExitHook();
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(binary, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  appendFileSync(join(stateDir, 'pids'), `${child.pid}\t${binary}\n`);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.on('error', () => resolve(null));
  });
  const pid = child.pid;
  return {
    name,
    pid,
    logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a process log, for error messages that explain why a component did not come up. */
export function logTail(logFile: string, lines = 15): string {
  return readFileSafe(logFile).trimEnd().split('\n').slice(-lines).join('\n');
}

/** Resident memory of a process in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSafe(`/proc/${pid}/status`));
  return m ? Number(m[1]) * 1024 : undefined;
}

/** User + system CPU seconds of a process (fields 14 and 15 of /proc/PID/stat, in 1/100 s ticks). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSafe(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples a process's RSS every `everyMs` until stop(); `peak` is the largest sample so far. */
export function watchRss(pid: number, everyMs = 200): { peak(): number; samples(): number; stop(): void } {
  let peak = 0;
  let samples = 0;
  const sample = () => {
    const rss = rssBytes(pid);
    if (rss === undefined) return;
    samples++;
    peak = Math.max(peak, rss);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return { peak: () => peak, samples: () => samples, stop: () => clearInterval(timer) };
}

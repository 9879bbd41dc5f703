/**
 * Runs a script in a child Node process that reports one JSON line per step, with a watchdog: if no line arrives
 * for `silenceMs`, the child is killed and the result names the last step it finished (a hang is a failure with a
 * name, not a stuck test run). A crash shows up as a non-zero exit code or a signal.
 */
import { spawn } from 'node:child_process';

export interface ChildRecord {
  type: string;
  [key: string]: unknown;
}

export interface ChildResult {
  records: ChildRecord[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Set when the watchdog killed the child: the last record seen before the silence. */
  hungAfter?: ChildRecord | 'start';
}

export function runChild(script: string, args: string[], options: { silenceMs: number; nodeArgs?: string[]; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const records: ChildRecord[] = [];
    let stderr = '';
    let pending = '';
    let hungAfter: ChildResult['hungAfter'];
    let watchdog: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hungAfter = records.at(-1) ?? 'start';
        child.kill('SIGKILL');
      }, options.silenceMs);
    };
    arm();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        try {
          records.push(JSON.parse(line) as ChildRecord);
        } catch {
          records.push({ type: 'stdout', line });
        }
        arm();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ records, code, signal, stderr, hungAfter });
    });
  });
}

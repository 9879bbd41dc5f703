/**
 * A one-line progress display on stderr: redrawn in place (throttled) on a terminal, printed as occasional
 * plain lines when stderr is a file or pipe, so logs stay readable.
 */
export interface ProgressBarOptions {
  stream?: NodeJS.WriteStream;
  /** Minimum ms between redraws on a terminal. */
  throttleMs?: number;
  /** Minimum ms between lines when not a terminal. */
  lineEveryMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private last = 0;
  private drawn = false;

  constructor(private readonly options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Shows `text` (prefixed with a bar for `fraction`); `force` draws even when throttled. */
  update(fraction: number, text: string, force = false): void {
    const now = Date.now();
    const every = this.tty ? (this.options.throttleMs ?? 200) : (this.options.lineEveryMs ?? 10_000);
    if (!force && now - this.last < every) return;
    this.last = now;
    const line = `${renderBar(fraction)} ${Math.floor(fraction * 100)
      .toString()
      .padStart(3)}% ${text}`;
    if (this.tty) {
      const cols = this.stream.columns || 120;
      this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Prints a message on its own line without garbling the bar. */
  log(message: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
    this.last = 0;
  }

  done(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

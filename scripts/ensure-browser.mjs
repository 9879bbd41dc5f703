#!/usr/bin/env node
// Makes sure a Chromium for the web SDK's end-to-end tests exists before `pnpm test` runs.
// Playwright's own browser download cannot work offline, so we use the system's Chromium:
// $CHROMIUM_PATH, else /usr/bin/chromium; if neither exists and we are root on Debian/Ubuntu, apt installs it.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
if (candidates.some((p) => existsSync(p))) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.error('[ensure-browser] Chromium not found; installing Debian\'s chromium with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  process.exit(0);
}
console.error('[ensure-browser] No Chromium found. Install one (e.g. `sudo apt-get install chromium`) or set CHROMIUM_PATH.');
process.exit(1);

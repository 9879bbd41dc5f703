/**
 * The training curve as a small, dependency-free SVG: training loss (left axis, with a moving average) and
 * validation accuracy (right axis) against steps.
 */
import type { Metric, TrainMetric, ValMetric } from './metrics-log.js';

const W = 720;
const H = 360;
const M = { left: 60, right: 60, top: 36, bottom: 44 };

function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Number(v.toPrecision(3)));
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function trainingCurveSvg(metrics: Metric[], title = 'Training curve'): string {
  const train = metrics.filter((m): m is TrainMetric => m.kind === 'train' && Number.isFinite(m.loss));
  const val = metrics.filter((m): m is ValMetric => m.kind === 'val');
  const maxStep = Math.max(1, ...metrics.map((m) => m.step));
  const losses = train.map((m) => m.loss);
  const lossHi = losses.length ? Math.max(...losses) * 1.05 : 1;
  const lossLo = losses.length ? Math.min(0, Math.min(...losses)) : 0;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (s: number): number => M.left + (s / maxStep) * pw;
  const yLoss = (v: number): number => M.top + ph - ((v - lossLo) / (lossHi - lossLo || 1)) * ph;
  const yAcc = (v: number): number => M.top + ph - v * ph;
  const path = (pts: [number, number][]): string => pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
  const window = Math.max(1, Math.round(train.length / 30));
  const smooth = train.map((m, i) => {
    const part = train.slice(Math.max(0, i - window + 1), i + 1);
    return [x(m.step), yLoss(part.reduce((s, p) => s + p.loss, 0) / part.length)] as [number, number];
  });
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(0, maxStep)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#999"/><text x="${x(t)}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(lossLo, lossHi)) {
    parts.push(`<line x1="${M.left - 4}" x2="${M.left}" y1="${yLoss(t)}" y2="${yLoss(t)}" stroke="#999"/><text x="${M.left - 6}" y="${yLoss(t) + 4}" text-anchor="end" fill="#1f77b4">${fmt(t)}</text>`);
  }
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(`<line x1="${M.left + pw}" x2="${M.left + pw + 4}" y1="${yAcc(t)}" y2="${yAcc(t)}" stroke="#999"/><text x="${M.left + pw + 6}" y="${yAcc(t) + 4}" fill="#d62728">${Math.round(t * 100)}%</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">step</text>`);
  parts.push(`<text x="14" y="${M.top + ph / 2}" transform="rotate(-90 14 ${M.top + ph / 2})" text-anchor="middle" fill="#1f77b4">training loss</text>`);
  parts.push(`<text x="${W - 10}" y="${M.top + ph / 2}" transform="rotate(90 ${W - 10} ${M.top + ph / 2})" text-anchor="middle" fill="#d62728">validation accuracy</text>`);
  if (train.length) {
    parts.push(`<path d="${path(train.map((m) => [x(m.step), yLoss(m.loss)]))}" fill="none" stroke="#1f77b4" stroke-opacity="0.3"/>`);
    parts.push(`<path d="${path(smooth)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  }
  if (val.length) {
    parts.push(`<path d="${path(val.map((m) => [x(m.step), yAcc(m.accuracy)]))}" fill="none" stroke="#d62728" stroke-width="2"/>`);
    for (const m of val) parts.push(`<circle cx="${x(m.step).toFixed(1)}" cy="${yAcc(m.accuracy).toFixed(1)}" r="3" fill="#d62728"><title>step ${m.step}: ${(100 * m.accuracy).toFixed(1)}% (${m.way}-way ${m.shot}-shot)</title></circle>`);
    const last = val[val.length - 1];
    parts.push(`<text x="${M.left + 8}" y="${M.top + 16}" fill="#d62728">validation ${last.way}-way ${last.shot}-shot, last ${(100 * last.accuracy).toFixed(1)}%, best ${(100 * Math.max(...val.map((v) => v.accuracy))).toFixed(1)}%</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

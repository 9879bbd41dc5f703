/** Renders a ranking: labels with scores and probabilities, the best highlighted, "unknown" below the threshold. */
import type { Ranking } from './ranker.js';

export function renderRanking(table: HTMLTableElement, verdict: HTMLElement, ranking: Ranking): void {
  const body = table.tBodies[0];
  body.replaceChildren(...ranking.matches.map((match, i) => {
    const row = document.createElement('tr');
    row.dataset.label = match.label;
    // Full precision for programs (the e2e tests compare them with the Node SDK); rounded text for people.
    row.dataset.score = String(match.score);
    row.dataset.probability = String(match.probability);
    row.dataset.distance = String(match.distance);
    if (i === 0) row.className = ranking.accepted ? 'best' : 'best unknown';
    const bar = `<span class="bar" style="width:${Math.round(match.probability * 60)}px"></span>`;
    row.innerHTML = `<td>${i + 1}</td><td></td><td class="num">${match.score.toFixed(4)}</td><td class="num">${bar}${(match.probability * 100).toFixed(1)}%</td><td class="num">${match.distance.toFixed(4)}</td>`;
    row.cells[1].textContent = match.label; // labels are user input: never through innerHTML
    return row;
  }));
  table.hidden = false;
  const best = ranking.matches[0];
  verdict.className = ranking.accepted ? 'accepted' : 'unknown';
  verdict.dataset.accepted = String(ranking.accepted);
  verdict.textContent = ranking.accepted
    ? `Best match: ${best.label} (probability ${(best.probability * 100).toFixed(1)}%)`
    : `Unknown: no label is close enough (best ${best.label}, distance ${best.distance.toFixed(3)} > threshold ${ranking.threshold.toFixed(3)})`;
}

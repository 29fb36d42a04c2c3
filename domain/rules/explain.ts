// Plain-text rendering of a Decision for people: `tagpilot resolve --explain`, and the controller's
// debug logs. The structure itself (Decision.explanation) is what programs should read.
import type { Decision } from './types.js';

export function formatDecision(d: Decision): string {
  const e = d.explanation;
  const lines = [`rule ${e.rule}, current ${e.current}, ${e.total} distinct tags`];
  for (const s of e.steps) {
    if (s.note) {
      lines.push(`  note: ${s.description}`);
      continue;
    }
    const removed = s.removed === 0 ? 'removed none' : `removed ${s.removed}`;
    const examples =
      s.examples.length > 0
        ? ` (e.g. ${s.examples.join(', ')}${s.removed > s.examples.length ? ', …' : ''})`
        : '';
    lines.push(`  keep ${s.description}: ${removed}${examples}`);
  }
  const more = e.candidates > e.top.length ? ', …' : '';
  lines.push(
    `candidates: ${e.candidates}${e.top.length > 0 ? ` (best first: ${e.top.join(', ')}${more})` : ''}`,
  );
  lines.push(`order: ${e.order}`);
  if (d.kind === 'change') {
    lines.push(`decision: change to ${d.tag}${d.digest ? ` (${d.digest})` : ''}: ${d.reason}`);
  } else {
    lines.push(`decision: no change: ${d.reason}`);
  }
  return lines.join('\n');
}

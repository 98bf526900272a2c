// Renders a post's collected metrics (a JSON file of passes per target) as the PNG that
// GET /v1/posts/{id}/metrics.png serves, so docs can show a chart drawn from real data.
// Usage: `npm run chart:metrics -- <input.json> <output.png>`; the input is a MetricsChartInput
// (charts/series.ts): { "title": "...", "targets": [{ "label": "...", "passes": [{ "at": ISO,
// "metrics": { "likes", "comments", "shares", "saves", "extra" } }] }] }.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMetricsChart, type MetricsChartInput } from '../charts/metrics-chart';

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error('usage: npm run chart:metrics -- <input.json> <output.png>');
  process.exit(2);
}
const input = JSON.parse(readFileSync(source, 'utf8')) as MetricsChartInput;
writeFileSync(target, renderMetricsChart(input));
console.log(`wrote ${target}`);

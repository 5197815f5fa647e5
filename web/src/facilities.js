// The facilities dashboard: de-identified aggregates of AnalyticsService for
// one day. Chart.js draws the bars; its matrix plugin the heat-map and the
// transitions matrix.

import { Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { call, Code } from './api.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend, MatrixController, MatrixElement);

const charts = {};

/** Loads the three aggregates of a day (local midnight to midnight), grouped by room, category or unit, and draws them. */
export async function showDay(day, groupBy = 'CATEGORY') {
  const from = new Date(`${day}T00:00:00`);
  const to = new Date(from.getTime() + 24 * 3600 * 1000);
  const scope = { from: from.toISOString(), to: to.toISOString(), group_by: groupBy };
  const status = document.getElementById('fac-status');
  status.textContent = 'loading…';
  const results = await Promise.allSettled([
    call('AnalyticsService', 'Dwell', { scope }),
    call('AnalyticsService', 'Occupancy', { scope }),
    call('AnalyticsService', 'Transitions', { scope }),
  ]);
  status.textContent = '';
  const [dwell, occupancy, transitions] = results;
  draw('dwell', dwell, dwellChart);
  draw('occupancy', occupancy, occupancyChart);
  draw('transitions', transitions, transitionsChart);
  document.getElementById('view-facilities').dataset.loaded = day;
}

function draw(name, result, build) {
  const note = document.getElementById(`${name}-note`);
  charts[name]?.destroy();
  delete charts[name];
  if (result.status === 'rejected') {
    const e = result.reason;
    note.textContent = e.code === Code.UNIMPLEMENTED ? 'Not available on this server.'
      : e.code === Code.PERMISSION_DENIED ? 'Not available for your role.' : `Could not load: ${e.message}`;
    return;
  }
  const rows = result.value.rows || [];
  const hidden = rows.filter((r) => r.suppressed).length;
  note.textContent = `${rows.length ? '' : 'No data for this day. '}${hidden ? `${hidden} cells suppressed (fewer than ${result.value.min_count} distinct tags).` : ''}`;
  charts[name] = build(document.getElementById(`chart-${name}`), rows.filter((r) => !r.suppressed));
}

function dwellChart(canvas, rows) {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.key),
      datasets: [
        { label: 'mean (min)', data: rows.map((r) => r.mean_s / 60), backgroundColor: '#2f6db5' },
        { label: 'p90 (min)', data: rows.map((r) => r.p90_s / 60), backgroundColor: '#9cc1ea' },
      ],
    },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'minutes' } } } },
  });
}

function occupancyChart(canvas, rows) {
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const hours = [...Array(24).keys()].map((h) => String(h).padStart(2, '0'));
  const max = Math.max(1, ...rows.map((r) => Number(r.distinct_tags)));
  return matrix(canvas, hours, keys, rows.map((r) => ({ x: String(new Date(r.hour).getHours()).padStart(2, '0'), y: r.key, v: Number(r.distinct_tags) })), max, 'tags');
}

function transitionsChart(canvas, rows) {
  const keys = [...new Set(rows.flatMap((r) => [r.from_key, r.to_key]))].sort();
  const max = Math.max(1, ...rows.map((r) => Number(r.count)));
  return matrix(canvas, keys, keys, rows.map((r) => ({ x: r.to_key, y: r.from_key, v: Number(r.count) })), max, 'moves');
}

function matrix(canvas, xs, ys, data, max, unit) {
  return new Chart(canvas, {
    type: 'matrix',
    data: {
      datasets: [{
        label: unit,
        data,
        backgroundColor: (c) => `rgba(47,109,181,${0.1 + 0.9 * ((c.raw?.v || 0) / max)})`,
        borderColor: '#fff',
        borderWidth: 1,
        width: ({ chart }) => (chart.chartArea || {}).width / xs.length - 1,
        height: ({ chart }) => (chart.chartArea || {}).height / ys.length - 1,
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: () => '', label: (c) => `${c.raw.y}, ${c.raw.x}: ${c.raw.v} ${unit}` } },
      },
      scales: {
        x: { type: 'category', labels: xs, offset: true, grid: { display: false } },
        y: { type: 'category', labels: ys, offset: true, grid: { display: false } },
      },
    },
  });
}

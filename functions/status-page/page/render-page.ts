import { spanText } from '../../core/alerts/text.js';
import { localTime } from '../../core/alerts/time-zone.js';
import { formatBytes } from '../../core/text/format-bytes.js';
import type { BackupView, ChartSlot, CheckView, DayBar, EntryView, IncidentView, PageModel, TargetView } from './build-model.js';
import { type PageSeverity, WORDS, type Words } from './words.js';

/**
 * The page as one HTML file: inline CSS, inline SVG, no script, no font or file from anywhere else, so it reads the
 * same from the bucket, a CDN or a laptop's disk, with a Content-Security-Policy of `default-src 'none'`. Built to be
 * small (500 checks stay well under 300 KB): one path per colour for a check's 90 bars (CSS dashes cut it into
 * days), one polyline per unbroken stretch of its 24-hour chart, short class names, optional closing tags left out.
 */

const SEVERITY_CLASS: Record<PageSeverity, string> = { ok: 's0', low: 's1', medium: 's2', high: 's3', critical: 's4', unknown: 's9' };

const CSS = [
  ':root{color-scheme:light;--ok:#2b8a3e;--lo:#e67700;--md:#d9480f;--hi:#c92a2a;--cr:#a61e4d;--un:#868e96}',
  '*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Hiragino Sans","Noto Sans JP",',
  'sans-serif;background:#f1f3f5;color:#212529}main{max-width:1100px;margin:0 auto;padding:0 10px 24px}',
  'header{padding:16px 12px;color:#fff;background:var(--ok)}header small{color:#fff}.h1,.h2{background:var(--lo)}',
  '.h3,.h4{background:var(--hi)}.h9{background:var(--un)}header h1{margin:0 auto;max-width:1080px;font-size:22px}',
  'header p{margin:2px auto;max-width:1080px}h2{font-size:17px;margin:0 0 8px}h3{font-size:15px;margin:12px 0 4px}',
  'section{background:#fff;border-radius:8px;margin:12px 0;padding:12px;box-shadow:0 1px 2px #0002}',
  'ul{margin:0;padding-left:18px}small,.m{color:#495057}.m{font-size:13px}',
  '.s0{color:var(--ok)}.s1{color:var(--lo)}.s2{color:var(--md)}.s3{color:var(--hi)}.s4{color:var(--cr)}.s9{color:var(--un)}',
  'b.s0,b.s1,b.s2,b.s3,b.s4,b.s9{white-space:nowrap}i.d{display:inline-block;width:10px;height:10px;border-radius:5px;',
  'margin-right:6px;background:currentColor}',
  'table{width:100%;border-collapse:collapse}td{padding:8px 14px 8px 0;border-top:1px solid #e9ecef;vertical-align:middle}',
  'tr.x td{border-top:0;padding-top:0}td.u{white-space:nowrap}td.u svg,td.u span{display:inline-block;vertical-align:middle}',
  'svg{display:block;width:270px;height:22px}',
  '.b path{stroke-width:22;stroke-dasharray:2 1;fill:none}.d9{stroke:#ced4da}.d1{stroke:#40c057}.d2{stroke:#94d82d}',
  '.d3{stroke:#fab005}.d4{stroke:#f03e3e}svg.ch{width:192px;height:34px;background:#f8f9fa;border-bottom:1px solid #ced4da}',
  '.ch polyline{fill:none;stroke:#1c7ed6;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;vector-effect:non-scaling-stroke}',
  '.ch path{stroke:#f03e3e;stroke-width:3;vector-effect:non-scaling-stroke}.u span{min-width:4.2em;text-align:right;font-weight:600}',
  'td.r{font-size:12px;color:#495057}.m b{font-size:15px}.p{border-left:4px solid var(--hi)}.k{display:flex;flex-wrap:wrap;gap:4px 12px;',
  'font-size:13px}.k i{display:inline-block;width:10px;height:10px;margin-right:4px}',
  '@media(max-width:760px){table,tbody,td{display:block}tr{display:grid;grid-template-columns:1fr 1fr;border-top:1px solid #e9ecef}',
  'td{border:0;padding:4px 8px 4px 0}td.u,td.r,tr.x td{grid-column:1/-1}.u span{min-width:0}}',
].join('');

const escapeMap: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapeMap[c]!);
}

/** `2026-12-04 09:12`, or `09:12` on the page's own day. */
function localStamp(at: Date, model: PageModel, full = false): string {
  const t = localTime(at, model.timeZone);
  const g = localTime(model.generatedAt, model.timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(t.hour)}:${pad(t.minute)}`;
  if (!full && t.year === g.year && t.month === g.month && t.day === g.day) return time;
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${time}`;
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `99.95%`: rounded down, so a day with one failure never reads 100%. */
export function formatUptime(uptime: number): string {
  if (uptime >= 1) return '100%';
  return `${(Math.floor(uptime * 10_000) / 100).toFixed(2)}%`;
}

function minutes(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function severityLabel(severity: PageSeverity, w: Words): string {
  return `<b class=${SEVERITY_CLASS[severity]}>${esc(w.severity[severity])}</b>`;
}

/** One path per colour; CSS dashes (2 on, 1 off) cut each run of same-coloured days into day bars 3 units apart. */
function barsSvg(check: CheckView, w: Words): string {
  const runs = new Map<number, string[]>();
  const titles = new Map<number, string[]>();
  let start = 0;
  const bars = check.bars;
  for (let i = 1; i <= bars.length; i++) {
    if (i < bars.length && bars[i]!.cls === bars[start]!.cls) continue;
    const cls = bars[start]!.cls;
    const list = runs.get(cls) ?? [];
    list.push(`M${start * 3} 11h${(i - start) * 3}`);
    runs.set(cls, list);
    start = i;
  }
  // The worst days, named in the tooltip of their colour (at most 5 each: the page stays small).
  for (const bar of [...bars].sort((a, b) => (a.uptime ?? 1) - (b.uptime ?? 1))) {
    if (bar.cls < 2 || bar.uptime === undefined) continue;
    const list = titles.get(bar.cls) ?? [];
    if (list.length < 5) list.push(`${bar.day} ${formatUptime(bar.uptime)} (${w.notOkMinutes(minutes(bar.notOkMinutes))})`);
    else if (list.length === 5) list.push('…');
    titles.set(bar.cls, list);
  }
  const paths = [...runs]
    .map(([cls, d]) => {
      const title = titles.get(cls);
      const name = cls === -1 ? 'd9' : `d${cls}`;
      return title
        ? `<path class=${name} d="${d.join('')}"><title>${esc(title.join('\n'))}</title></path>`
        : `<path class=${name} d="${d.join('')}"/>`;
    })
    .join('');
  // The percentage stands beside it as text; the legend says what the bars are.
  return `<svg class=b>${paths}</svg>`;
}

/** A round top for the chart: 1, 2 or 5 times a power of ten, at least the largest value. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The median response time of each of the last 24 hours as polylines (one per unbroken stretch), failed hours in red. */
function chartSvg(slots: readonly ChartSlot[], w: Words): string {
  const values = slots.flatMap((s) => (s.p50 === undefined ? [] : [s.p50]));
  const top = niceMax(Math.max(0, ...values));
  const lines: string[] = [];
  let current: string[] = [];
  slots.forEach((slot, i) => {
    if (slot.p50 === undefined) {
      if (current.length) lines.push(current.join(' '));
      current = [];
      return;
    }
    const x = i * 4 + 2;
    const y = Math.round(16 - (14 * slot.p50) / top);
    current.push(`${x},${y}`);
  });
  if (current.length) lines.push(current.join(' '));
  // A lone hour is drawn as a dot: a zero-length segment with round caps.
  const polylines = lines.map((points) => `<polyline points="${points.includes(' ') ? points : `${points} ${points}`}"/>`).join('');
  const failed = slots.flatMap((s, i) => (s.failures > 0 ? [`M${i * 4} 17h4`] : []));
  const marks = failed.length ? `<path d="${failed.join('')}"><title>${esc(w.failedHours(failed.length))}</title></path>` : '';
  // 96 x 17 units shown at 192 x 34 CSS pixels (the same shape, so no stretching to declare): 4 an hour, short
  // coordinates; the top of the chart is `top`, its label (the legend says the rest).
  return `<svg class=ch viewBox="0 0 96 17" aria-label="${esc(formatMs(top))}">${polylines}${marks}</svg>`;
}

function sinceText(at: Date | undefined, model: PageModel, w: Words): string {
  if (!at) return '';
  const span = spanText(model.generatedAt.getTime() - at.getTime(), model.language);
  return ` ${esc(w.since(localStamp(at, model), span))}`;
}

function checkRow(check: CheckView, model: PageModel, w: Words): string {
  const uptime = check.uptime === undefined ? w.noData : formatUptime(check.uptime);
  const response = check.p50 === undefined || check.p95 === undefined ? w.noResponse : w.response(formatMs(check.p50), formatMs(check.p95));
  // A table row with its optional end tags left out (500 rows make that 20 KB).
  return (
    `<tr><td><b>${esc(check.name)}</b> <small>${esc(check.kindLabel)}</small>` +
    `<td class=m>${severityLabel(check.severity, w)}${sinceText(check.since, model, w)}` +
    `<td class=u>${barsSvg(check, w)} <span>${esc(uptime)}</span>` +
    `<td class=r>${chartSvg(check.slots, w)}${esc(response)}` +
    // What the last run said, for a check that is not OK (an OK one's response time is in the chart).
    (check.summary && check.severity !== 'ok' ? `<tr class=x><td colspan=4 class=m>${esc(check.summary)}` : '')
  );
}

function entryLine(entry: EntryView, model: PageModel, w: Words, label?: string): string {
  const seen = entry.lastSeenAt ? ` <small>${esc(w.lastSeen(localStamp(entry.lastSeenAt, model)))}</small>` : '';
  return (
    `<li>${severityLabel(entry.severity, w)} ${esc(label ?? entry.check)} <small>${esc(entry.kind)}</small>` +
    `${entry.summary ? `: ${esc(entry.summary)}` : ''}${seen}`
  );
}

function backupLine(backup: BackupView, model: PageModel, w: Words): string {
  const newest = backup.newest
    ? w.newestBackup(
        localStamp(backup.newest.at, model, true),
        backup.newest.sizeBytes === undefined ? '' : formatBytes(backup.newest.sizeBytes),
        spanText(model.generatedAt.getTime() - backup.newest.at.getTime(), model.language),
      )
    : w.noBackup;
  const parts = [`<li><b>${esc(backup.database)}</b>: ${esc(newest)}`];
  const sub = [
    backup.freshness && entryLine(backup.freshness, model, w, w.freshness),
    backup.drill && entryLine(backup.drill, model, w, w.drill),
  ].filter(Boolean);
  if (sub.length) parts.push(`<ul>${sub.join('')}</ul>`);
  return parts.join('');
}

function targetSection(target: TargetView, model: PageModel, w: Words): string {
  const head = `<h2><i class="d ${SEVERITY_CLASS[target.worst]}"></i>${esc(target.name)}${
    target.description ? ` <small>${esc(target.description)}</small>` : ''
  }</h2>`;
  const checks = target.checks.length ? `<table>${target.checks.map((c) => checkRow(c, model, w)).join('')}</table>` : '';
  const backups = target.backups.length
    ? `<h3>${esc(w.backups)}</h3><ul>${target.backups.map((b) => backupLine(b, model, w)).join('')}</ul>`
    : '';
  const others = target.others.length
    ? `<h3>${esc(w.others)}</h3><ul>${target.others.map((e) => entryLine(e, model, w)).join('')}</ul>`
    : '';
  return `<section id="t-${esc(target.name)}">${head}${checks}${backups}${others}</section>`;
}

function incidentLine(incident: IncidentView, model: PageModel, w: Words): string {
  const age = w.openFor(spanText(model.generatedAt.getTime() - incident.openedAt.getTime(), model.language));
  const ack = incident.acknowledged
    ? w.acknowledged(incident.acknowledged.by, incident.acknowledged.at && localStamp(incident.acknowledged.at, model))
    : w.unacknowledged;
  return (
    `<li>${severityLabel(incident.severity, w)} ${esc(`${incident.target}/${incident.check}`)} <span class=m>· ` +
    `<time datetime="${incident.openedAt.toISOString()}">${esc(age)}</time> · ${esc(ack)}</span>` +
    (incident.summary ? `<br><small>${esc(incident.summary)}</small>` : '')
  );
}

function legend(model: PageModel, w: Words): string {
  const colours = ['#ced4da', '#40c057', '#94d82d', '#fab005', '#f03e3e'];
  return `<div class=k><b>${esc(w.legend(model.days.length))}</b>${w.legendClasses
    .map((label, i) => `<span><i style="background:${colours[i]}"></i>${esc(label)}</span>`)
    .join('')}</div><p class=m>${esc(w.chartLegend)}</p>`;
}

/** The page's HTML. */
export function renderPage(model: PageModel): string {
  const w = WORDS[model.language];
  const { checks, notOk, unknown } = model.counts;
  const overall = (checks === 0 || unknown === checks ? 's9' : notOk > 0 ? SEVERITY_CLASS[worstSeverity(model)] : 's0').replace('s', 'h');
  const headline = checks === 0 || unknown === checks ? w.noChecks : notOk > 0 ? w.notOk(notOk, checks) : w.allOk;
  const problems = model.problems.length
    ? model.variant === 'private'
      ? `<section class=p><h2>${esc(w.problems)}</h2><ul>${model.problems.map((p) => `<li>${esc(p)}`).join('')}</ul></section>`
      : `<section class=p><p>${esc(w.problemsPublic(model.problems.length))}</p></section>`
    : '';
  const incidents = `<section><h2>${esc(w.incidents(model.incidents.length))}</h2>${
    model.incidents.length ? `<ul>${model.incidents.map((i) => incidentLine(i, model, w)).join('')}</ul>` : `<p>${esc(w.noIncidents)}</p>`
  }</section>`;
  return [
    `<!doctype html><html lang=${model.language}><head><meta charset=utf-8>`,
    '<meta name=viewport content="width=device-width,initial-scale=1"><meta name=robots content="noindex,nofollow">',
    `<title>${esc(w.title)}</title><style>${CSS}</style></head><body>`,
    `<header class=${overall}><h1>${esc(w.title)}</h1><p>${esc(headline)}</p>`,
    `<p><small>${esc(w.generated(localStamp(model.generatedAt, model, true), model.timeZone))}</small></header><main>`,
    problems,
    incidents,
    model.targets.map((t) => targetSection(t, model, w)).join(''),
    `<section>${legend(model, w)}</section></main></body></html>\n`,
  ].join('');
}

function worstSeverity(model: PageModel): PageSeverity {
  let worst: PageSeverity = 'ok';
  const order: PageSeverity[] = ['ok', 'low', 'medium', 'high', 'critical'];
  for (const t of model.targets) for (const c of t.checks) if (order.indexOf(c.severity) > order.indexOf(worst)) worst = c.severity;
  return worst;
}

export type { DayBar };

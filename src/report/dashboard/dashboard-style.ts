// The dashboard's stylesheet, served as /dashboard.css (kept in a TypeScript module: tsc copies no other
// files into dist, and the user needs no build step).
export const DASHBOARD_CSS = `
:root {
  --bg: #f1f5f9; --card: #ffffff; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0;
  --head: #0f172a; --head-ink: #e2e8f0;
  --ok: #15803d; --ok-bg: #dcfce7; --warn: #b45309; --warn-bg: #fef3c7;
  --bad: #b91c1c; --bad-bg: #fee2e2; --info: #1d4ed8; --info-bg: #dbeafe;
  --maint: #6d28d9; --maint-bg: #ede9fe; --idle: #475569; --idle-bg: #e2e8f0;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header.topbar { background: var(--head); color: var(--head-ink); padding: 14px 28px;
  display: flex; align-items: center; gap: 18px; }
.brand { font-weight: 600; letter-spacing: .04em; color: #94a3b8; font-size: 13px; text-transform: uppercase; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; color: #f8fafc; }
.status { margin-left: auto; display: flex; align-items: center; gap: 12px; font-size: 13px; color: #cbd5e1; }
main { padding: 22px 28px 32px; max-width: 1400px; margin: 0 auto; }
main.dimmed { opacity: .55; transition: opacity .3s; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, .05); padding: 16px 18px; }
.card h2 { margin: 0 0 12px; font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.hero { display: grid; grid-template-columns: 2fr repeat(4, 1fr); gap: 14px; margin-bottom: 16px; }
.label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.writer-card { border-left: 5px solid var(--ok); }
.writer-card.none { border-left-color: var(--bad); }
.writer-name { font-size: 34px; font-weight: 700; margin: 4px 0 2px; word-break: break-all; }
.writer-card.none .writer-name { color: var(--bad); }
.stat-value { font-size: 26px; font-weight: 650; margin-top: 6px; }
.stat-sub { color: var(--muted); font-size: 12px; }
.muted { color: var(--muted); }
.mono { font-family: var(--mono); font-size: 12.5px; }
.section { margin-bottom: 16px; }
.grid2 { display: grid; grid-template-columns: 1fr 1.6fr; gap: 16px; align-items: start; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  font-weight: 600; padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
tr.is-writer td { background: #f0fdf4; }
td.node-name { font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { max-width: 360px; }
.reason-text { display: block; color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 340px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--idle-bg); color: var(--idle); white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.info { background: var(--info-bg); color: var(--info); }
.badge.maint { background: var(--maint-bg); color: var(--maint); }
.code { font-family: var(--mono); font-size: 11.5px; font-weight: 600; padding: 1px 6px; border-radius: 4px;
  background: var(--idle-bg); color: var(--ink); margin-right: 4px; white-space: nowrap; }
.pill { padding: 3px 10px; border-radius: 999px; font-weight: 700; font-size: 12px; letter-spacing: .04em; text-transform: uppercase; }
.pill.live { background: #166534; color: #dcfce7; }
.pill.stale { background: #92400e; color: #fef3c7; }
.pill.down { background: #991b1b; color: #fee2e2; }
.pill.wait { background: #334155; color: #e2e8f0; }
.pill.fence { text-transform: none; letter-spacing: 0; max-width: 60ch; white-space: normal; }
ul.findings, ol.history { list-style: none; margin: 0; padding: 0; }
ul.findings li { display: flex; gap: 10px; align-items: baseline; padding: 8px 0; border-bottom: 1px solid var(--line); }
ul.findings li:last-child, ol.history li:last-child { border-bottom: 0; }
.empty { color: var(--muted); font-style: italic; padding: 6px 0; }
ol.history li { padding: 10px 0; border-bottom: 1px solid var(--line); }
.entry-head { display: flex; gap: 10px; align-items: baseline; margin-bottom: 4px; }
.entry-time { font-family: var(--mono); font-size: 12.5px; font-weight: 600; }
.change { padding: 2px 0 2px 12px; border-left: 2px solid var(--line); margin: 3px 0; }
.change .msg { margin-right: 6px; }
.arrow { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 24px; max-width: 1400px; margin: 0 auto; }
@media (max-width: 1000px) { .hero { grid-template-columns: 1fr 1fr; } .grid2 { grid-template-columns: 1fr; } }
`;

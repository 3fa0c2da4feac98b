// The dashboard's HTML shell, served as /. Static: no data is written into it on the server, the script
// fills it from /api with textContent only, so a node name from the configuration can never become markup.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>galera-warden</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header class="topbar">
  <span class="brand">galera-warden</span>
  <h1 id="cluster-name">Galera cluster</h1>
  <div class="status">
    <span id="fencing" class="pill wait" hidden></span>
    <span id="traffic" class="pill wait" hidden></span>
    <span id="last-tick">waiting for the first tick</span>
    <span id="live" class="pill wait">connecting</span>
  </div>
</header>
<main id="main">
  <section class="hero">
    <div id="writer-card" class="card writer-card none">
      <div class="label">Active writer</div>
      <div id="writer" class="writer-name">none</div>
      <div id="writer-addr" class="muted mono"></div>
    </div>
    <div class="card"><div class="label">Writer epoch</div><div id="epoch" class="stat-value">-</div><div id="epoch-sub" class="stat-sub"></div></div>
    <div class="card"><div class="label">Readers</div><div id="readers" class="stat-value">-</div><div id="readers-sub" class="stat-sub"></div></div>
    <div class="card"><div class="label" id="primary-label">Primary component</div><div id="primary" class="stat-value">-</div><div id="primary-sub" class="stat-sub"></div></div>
    <div class="card"><div class="label">Client sessions</div><div id="sessions" class="stat-value">-</div><div id="sessions-sub" class="stat-sub"></div></div>
  </section>
  <section class="card section">
    <h2>Nodes</h2>
    <table>
      <thead><tr>
        <th>Node</th><th>Address</th><th>Writer</th><th>Reader</th><th id="state-head">wsrep state</th><th id="primary-head">Primary</th>
        <th>In service</th><th class="num">Sessions</th><th class="num">Latency</th><th>Reason</th>
      </tr></thead>
      <tbody id="nodes"></tbody>
    </table>
  </section>
  <div class="grid2">
    <section class="card"><h2>Findings</h2><ul id="findings" class="findings"></ul></section>
    <section class="card"><h2>Decision history</h2><ol id="history" class="history"></ol></section>
  </div>
</main>
<footer id="footer"></footer>
</body>
</html>
`;

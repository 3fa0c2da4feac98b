// The dashboard's browser script, served as /dashboard.js. Plain ES2020 in a string (no build step; the
// project's TypeScript has no DOM types). It polls /api every second, one poll at a time, and builds every
// node with createElement/textContent: nothing from the API is ever parsed as HTML. No backticks below.
export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var POLL_MS = 1000;
  var STALE_MS = 5000;
  var TIMEOUT_MS = 3000;
  var HISTORY = 25;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function setText(id, text) { $(id).textContent = text; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(ms) { var d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function age(ms) {
    if (ms < 1000) return ms + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    return Math.round(ms / 60000) + ' min';
  }
  function latency(ms) { return ms < 10 ? ms.toFixed(1) + ' ms' : Math.round(ms) + ' ms'; }

  var ROLE_TONE = { writer: 'ok', reader: 'ok', backup: '', offline_soft: 'warn', offline_hard: 'bad', maintenance: 'maint', none: '' };
  var SEVERITY_TONE = { critical: 'bad', error: 'bad', warning: 'warn', info: 'info' };

  function roleBadge(role) {
    if (role === 'none') return el('span', 'muted', '-');
    return el('span', 'badge ' + (ROLE_TONE[role] || ''), role.replace('_', ' '));
  }
  function codeTag(code) { return el('span', 'code', code); }
  function yesNo(ok, yes, no) { return el('span', 'badge ' + (ok ? 'ok' : 'bad'), ok ? yes : no); }
  function sessionsOf(n) {
    if (!n.proxy) return null;
    var w = n.proxy.writer ? n.proxy.writer.sessions : 0;
    var r = n.proxy.reader ? n.proxy.reader.sessions : 0;
    return { writer: w, reader: r, total: w + r };
  }

  function renderCluster(c, nodes) {
    document.title = c.name + ' - galera-warden';
    setText('cluster-name', c.name);
    var writer = c.writers.length > 0 ? c.writers[0] : null;
    var card = $('writer-card');
    card.className = 'card writer-card' + (writer ? '' : ' none');
    setText('writer', writer || 'no writer');
    var w = nodes.filter(function (n) { return n.name === writer; })[0];
    setText('writer-addr', w ? w.host + ':' + w.port + (c.writers.length > 1 ? '  (+' + (c.writers.length - 1) + ' more)' : '') : '');
    setText('epoch', c.epoch === null ? '-' : String(c.epoch));
    setText('epoch-sub', c.counters.failovers + ' writer change' + (c.counters.failovers === 1 ? '' : 's') + ' since start');
    setText('readers', String(c.readers.length));
    setText('readers-sub', c.readers.join(', ') || 'no readers');
    if (c.topology === 'replication') {
      // no Primary component here: the primary is the node that takes writes (Orchestrator's master when watched)
      setText('primary-label', 'Replication');
      setText('state-head', 'Replication');
      setText('primary-head', 'Replicates from');
      var replicas = nodes.filter(function (n) { return n.observation && n.observation.status && n.observation.status.replication && n.observation.status.replication.master; });
      setText('primary', writer || 'no primary');
      setText('primary-sub', replicas.length + ' replica' + (replicas.length === 1 ? '' : 's') + ' replicating');
    } else {
      setText('primary', c.primary ? c.primary.size + ' / ' + nodes.length : 'none');
      setText('primary-sub', c.primary ? 'view ' + c.primary.confId + ': ' + c.primary.nodes.join(', ') : 'no Primary component');
    }
    var total = 0;
    nodes.forEach(function (n) { var s = sessionsOf(n); if (s) total += s.total; });
    setText('sessions', c.proxy ? String(total) : '-');
    setText('sessions-sub', c.proxy ? (c.proxy.rejected + ' rejected') : 'no built-in proxy');
    setText('footer', 'started ' + new Date(c.startedAt).toLocaleString() + '  |  ' + c.counters.ticks + ' ticks  |  ' +
      c.counters.applyErrors + ' apply errors  |  ' + c.counters.overruns + ' overruns');
  }

  // a replication node's state: primary (read_only OFF) or replica with its threads and lag
  function replicationBadge(r) {
    if (!r.master) return el('span', 'badge ' + (r.readOnly ? 'warn' : 'ok'), r.readOnly ? 'not replicating, read_only' : 'primary, writable');
    var running = r.ioRunning === 'Yes' && r.sqlRunning === 'Yes';
    var lag = r.secondsBehindMaster === null ? 'lag ?' : 'lag ' + r.secondsBehindMaster + ' s';
    var b = el('span', 'badge ' + (running && r.readOnly ? 'ok' : 'warn'), running ? 'replica, ' + lag + (r.readOnly ? '' : ', read_only OFF') : 'IO ' + (r.ioRunning || '-') + ' / SQL ' + (r.sqlRunning || '-'));
    b.title = 'GTID ' + r.gtidPosition + (r.lastError ? '\n' + r.lastError : '');
    return b;
  }

  function renderNodes(c, nodes) {
    var body = $('nodes');
    var rows = nodes.map(function (n) {
      var tr = el('tr', c.writers.indexOf(n.name) >= 0 ? 'is-writer' : '');
      tr.setAttribute('data-node', n.name);
      var name = add(el('td', 'node-name'), el('span', null, n.name));
      if (n.maintenance) add(name, document.createTextNode(' '), el('span', 'badge maint', 'maint'));
      var o = n.observation;
      var repl = c.topology === 'replication' && o && o.status ? o.status.replication : null;
      var state = !o ? el('span', 'muted', 'not observed')
        : repl ? replicationBadge(repl)
        : o.status && c.topology === 'replication' ? el('span', 'badge bad', 'replication unknown')
        : o.status ? el('span', 'badge ' + (o.status.localState === 4 ? 'ok' : 'warn'), o.status.localStateComment || String(o.status.localState))
        : !o.error ? el('span', 'badge bad', 'unknown')
        // busy / shutting down: alive and answering, but turning connections away ("busy: too many connections")
        : o.error.kind === 'busy' || o.error.kind === 'shutdown' ? el('span', 'badge warn', o.error.label)
        : el('span', 'badge bad', 'probe ' + o.error.label);
      var primary = c.topology === 'replication' ? (repl ? el('span', 'mono', repl.master || '(none)') : el('span', 'muted', '-'))
        : o && o.status ? yesNo(o.status.clusterStatus === 'Primary', 'Primary', o.status.clusterStatus) : el('span', 'muted', '-');
      var s = sessionsOf(n);
      var sessions = el('td', 'num', s ? String(s.total) : '-');
      if (s) sessions.title = 'writer port ' + s.writer + ', reader port ' + s.reader;
      var reason = el('td', 'reason');
      if (n.reasons.length > 0) {
        add(reason, codeTag(n.reasons[0].code), el('span', 'reason-text', n.reasons[0].message));
        reason.title = n.reasons.map(function (r) { return r.code + ': ' + r.message; }).join('\n');
      } else add(reason, el('span', 'muted', '-'));
      return add(tr, name,
        el('td', 'mono', n.host + ':' + n.port),
        add(el('td'), roleBadge(n.writer)),
        add(el('td'), roleBadge(n.reader)),
        add(el('td'), state),
        add(el('td'), primary),
        add(el('td'), yesNo(n.inService, 'yes', 'no')),
        sessions,
        el('td', 'num', o ? latency(o.latencyMs) : '-'),
        reason);
    });
    if (rows.length === 0) rows = [add(el('tr'), add(el('td', 'empty', 'no tick recorded yet'), null))];
    body.replaceChildren.apply(body, rows);
  }

  function renderFindings(c) {
    var list = $('findings');
    var items = c.findings.map(function (f) {
      return add(el('li'), el('span', 'badge ' + (SEVERITY_TONE[f.severity] || ''), f.severity), add(el('div'), codeTag(f.code), el('span', null, f.message)));
    });
    c.applied.filter(function (a) { return !a.ok; }).forEach(function (a) {
      items.push(add(el('li'), el('span', 'badge bad', 'apply'), add(el('div'), codeTag(a.error ? a.error.code : 'E_APPLY'),
        el('span', null, a.router + ': ' + (a.error ? a.error.message : 'not verified')))));
    });
    if (items.length === 0) items = [el('li', 'empty', 'No findings: all is well.')];
    list.replaceChildren.apply(list, items);
  }

  function renderFencing(c) {
    var f = $('fencing');
    if (!c.fencing) { f.hidden = true; return; }
    f.hidden = false;
    var bad = c.fencing.operative === false;
    f.className = 'pill fence ' + (bad ? 'down' : c.fencing.operative ? 'live' : 'wait');
    f.textContent = bad ? 'fencing: inoperative (' + c.fencing.inoperativeReason + ')' : 'fencing: ' + c.fencing.mode + (c.fencing.operative ? '' : ' (grants not read yet)');
    f.title = c.fencing.evictions.length + ' eviction(s) since start';
  }

  function renderTraffic(c) {
    var t = $('traffic');
    if (!c.traffic) { t.hidden = true; return; }
    t.hidden = false;
    var on = c.traffic.trafficEnabled;
    t.className = 'pill ' + (on ? 'live' : 'down');
    t.textContent = on ? 'traffic: on' : 'traffic: OFF' + (c.traffic.message ? ' (' + c.traffic.message + ')' : '');
    t.title = (c.traffic.scope === 'record' ? 'shared by every instance (coordination record)' : 'this instance only') +
      (c.traffic.setAt ? '; set by ' + c.traffic.setBy + ' at ' + new Date(c.traffic.setAt).toString() : '');
  }

  function renderHistory(decisions) {
    var list = $('history');
    var items = decisions.map(function (d) {
      var li = el('li');
      li.setAttribute('data-seq', String(d.seq));
      var head = add(el('div', 'entry-head'), el('span', 'entry-time', clock(d.at)), el('span', 'badge info', 'epoch ' + d.epoch),
        el('span', 'muted', 'writer: ' + (d.writers.join(', ') || 'none')));
      head.title = new Date(d.at).toString() + ' (tick ' + d.seq + ')';
      add(li, head);
      d.changes.forEach(function (ch) {
        var line = add(el('div', 'change'), el('span', 'msg', ch.node + ' ' + ch.pool + ':'),
          el('span', 'arrow', (ch.from || 'new') + ' \u2192 '), el('strong', null, ch.to), document.createTextNode(' '));
        ch.reasons.forEach(function (r) { add(line, codeTag(r)); });
        add(li, line);
      });
      if (d.changes.length === 0 && d.findings.length > 0) {
        var f = add(el('div', 'change'), el('span', 'msg', 'findings:'));
        d.findings.forEach(function (x) { add(f, codeTag(x.code)); });
        add(li, f);
      }
      d.applyErrors.forEach(function (e) { add(li, add(el('div', 'change'), codeTag(e.code), el('span', null, e.router + ': ' + e.message))); });
      return li;
    });
    if (items.length === 0) items = [el('li', 'empty', 'No routing changes recorded yet.')];
    list.replaceChildren.apply(list, items);
  }

  function setLive(kind, text, tick) {
    var pill = $('live');
    pill.className = 'pill ' + kind;
    pill.textContent = text;
    if (tick !== undefined) setText('last-tick', tick);
    $('main').className = kind === 'down' ? 'dimmed' : '';
  }

  function getJson(path, signal) {
    // from location.origin: a page opened as user:secret@host (Basic auth in the address) has the credentials in its URL, and
    // Chromium refuses fetch() of a relative URL resolved against it ("URL that includes credentials")
    return fetch(location.origin + path, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' }, signal: signal })
      .then(function (res) {
        if (res.status === 401) throw new Error('unauthorized: reload the page to sign in');
        if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
        return res.json();
      });
  }

  function poll() {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, TIMEOUT_MS);
    Promise.all([getJson('/api/cluster', ctl.signal), getJson('/api/nodes', ctl.signal), getJson('/api/decisions?limit=' + HISTORY, ctl.signal)])
      .then(function (r) {
        var c = r[0];
        renderCluster(c, r[1]);
        renderNodes(c, r[1]);
        renderFindings(c);
        renderFencing(c);
        renderTraffic(c);
        renderHistory(r[2]);
        if (!c.lastTick) setLive('wait', 'waiting', 'no tick yet');
        else {
          var text = 'tick ' + c.lastTick.seq + ', ' + age(c.lastTick.ageMs) + ' ago, took ' + latency(c.lastTick.durationMs);
          if (c.lastTick.ageMs > STALE_MS) setLive('stale', 'stale', text);
          else setLive('live', 'live', text);
        }
      })
      .catch(function (err) {
        setLive('down', 'disconnected', err && err.name === 'AbortError' ? 'no answer within 3 s' : String(err && err.message || err));
      })
      .then(function () { clearTimeout(timer); setTimeout(poll, POLL_MS); });
  }

  poll();
})();
`;

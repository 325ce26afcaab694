/*
 * The gateway's web console: one page per hash (#lookup, #change, ...), every datum from the admin
 * API on this origin with the token the operator signed in with (kept in sessionStorage, so it
 * goes when the tab closes). All text from the API is set as text, never parsed as HTML.
 */
(function () {
  'use strict';

  const TOKEN_KEY = 'optoutgw.token';
  /** What GET /api said of the token: {api: 'admin'|'account', instance, token, account, role}. */
  const WHO_KEY = 'optoutgw.who';
  /** Pages that show every account's data: the global admin token only. */
  const GLOBAL_ONLY = {
    report: 'The opt-out report names every account\'s senders and their opt-out rates',
    status: 'The live status shows every account\'s binds and rates and the upstreams',
    'dead-letters': 'The dead letters hold every account\'s events',
  };
  const PAGES = ['lookup', 'change', 'import', 'export', 'report', 'status', 'dead-letters'];
  const $ = (id) => document.getElementById(id);
  let statusTimer = null;
  let lastStatus = null;
  const charts = {};
  let reportLoaded = false;

  // ---- API -------------------------------------------------------------------------------

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** The signed-in token's description, or null. */
  function who() {
    try {
      return JSON.parse(sessionStorage.getItem(WHO_KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  /** An account's token (not the global admin token). */
  function accountToken() {
    const w = who();
    return !!(w && w.api === 'account');
  }

  function remember(hello) {
    sessionStorage.setItem(WHO_KEY, JSON.stringify(hello || {}));
    showWho();
  }

  function showWho() {
    const w = who();
    say('instance', w && w.instance ? '· ' + w.instance : '');
    say('who', !w ? '' : w.api === 'account'
      ? 'Token ' + w.token + ': account ' + w.account + ', ' + w.role
      : 'Global admin token');
    document.body.classList.toggle('account-token', accountToken());
    // the scope of a change or import that names none: an account's token may use its own account's only
    ['change-scope', 'import-scope'].forEach((id) => {
      const input = $(id);
      if (accountToken() && (input.value === 'global' || input.value.startsWith('account:'))) {
        input.value = 'account:' + w.account;
      } else if (!accountToken() && input.value.startsWith('account:')) {
        input.value = 'global';
      }
    });
  }

  /** Calls the admin API; resolves to {status, body, response}; body is parsed JSON when the answer is JSON. */
  async function api(path, options) {
    const opts = Object.assign({}, options || {});
    opts.headers = Object.assign({ Authorization: 'Bearer ' + (opts.token || token()) }, opts.headers || {});
    delete opts.token;
    const response = await fetch(path, opts);
    if (response.status === 401 && !options?.token) {
      signOut('The gateway refused the token; sign in again.');
      throw new Error('signed out');
    }
    let body = null;
    const type = response.headers.get('Content-Type') || '';
    if (!opts.raw && type.includes('json')) {
      body = await response.json();
    }
    return { status: response.status, body: body, response: response };
  }

  function errorText(result) {
    if (result.body && result.body.error) {
      return result.body.error + ' (HTTP ' + result.status + ')';
    }
    return 'HTTP ' + result.status;
  }

  /** The API's message of a raw (unparsed) answer. */
  async function rawErrorText(r) {
    try {
      const b = await r.response.json();
      if (b && b.error) return b.error + ' (HTTP ' + r.status + ')';
    } catch (e) {
      // not JSON
    }
    return 'HTTP ' + r.status;
  }

  function numberPath(number) {
    return encodeURIComponent(number.trim());
  }

  function query(params) {
    const q = new URLSearchParams();
    Object.entries(params).forEach(([k, v]) => {
      if (v !== undefined && v !== null && String(v).trim() !== '') {
        q.set(k, String(v).trim());
      }
    });
    const s = q.toString();
    return s ? '?' + s : '';
  }

  // ---- DOM helpers -----------------------------------------------------------------------

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (cls) {
      e.className = cls;
    }
    return e;
  }

  function row(cells, header) {
    const tr = document.createElement('tr');
    cells.forEach((c, i) => {
      const td = el(i === 0 && header ? 'th' : 'td');
      if (i === 0 && header) {
        td.scope = 'row';
      }
      if (c instanceof Node) {
        td.appendChild(c);
      } else {
        td.textContent = c === undefined || c === null ? '' : String(c);
      }
      tr.appendChild(td);
    });
    return tr;
  }

  function fill(tbody, rows, emptyText, columns) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = el('td', emptyText, 'muted');
      td.colSpan = columns;
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    rows.forEach((r) => tbody.appendChild(r));
  }

  function say(id, text) {
    $(id).textContent = text || '';
  }

  function time(t) {
    return t ? String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
  }

  function download(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function busy(form, on) {
    form.querySelectorAll('button').forEach((b) => { b.disabled = on; });
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // ---- navigation ------------------------------------------------------------------------

  function show(page) {
    document.querySelectorAll('.page').forEach((p) => { p.hidden = p.id !== 'page-' + page; });
    document.querySelectorAll('#nav a').forEach((a) => {
      if (a.getAttribute('href') === '#' + page) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    });
    const title = document.querySelector('#page-' + page + ' h1');
    document.title = (title ? title.textContent + ' – ' : '') + 'Opt-out gateway console';
    if (statusTimer) {
      clearInterval(statusTimer);
      statusTimer = null;
    }
    if (GLOBAL_ONLY[page] && globalOnly(page)) {
      return;
    }
    if (page === 'status') {
      lastStatus = null;
      refreshStatus();
      statusTimer = setInterval(refreshStatus, 2000);
    } else if (page === 'dead-letters') {
      loadDeadLetters();
    } else if (page === 'report') {
      if (!reportLoaded) {
        loadReport();
      } else {
        Object.values(charts).forEach((c) => c.resize());
      }
    }
  }

  /**
   * On a page that needs the global admin token, signed in with an account's token: says so
   * (instead of the API's 403) and hides the page's controls. True when it did.
   */
  function globalOnly(page) {
    const section = $('page-' + page);
    const account = accountToken();
    section.querySelectorAll(':scope > :not(h1):not(.notice)').forEach((e) => {
      if (account) {
        e.dataset.hiddenForAccount = 'true';
        e.hidden = true;
      } else if (e.dataset.hiddenForAccount) {
        delete e.dataset.hiddenForAccount;
        e.hidden = e.id === 'report-result' ? !reportLoaded : false;
      }
    });
    let notice = section.querySelector('.notice');
    if (!account) {
      if (notice) notice.remove();
      return false;
    }
    if (!notice) {
      notice = el('p', null, 'notice');
      notice.id = page + '-notice';
      notice.setAttribute('role', 'status');
      section.querySelector('h1').after(notice);
    }
    const w = who();
    notice.textContent = 'This page needs the global admin token (http.adminToken). ' + GLOBAL_ONLY[page]
      + ', so the token ' + w.token + ' of account ' + w.account + ' may not see it. '
      + 'Your account\'s numbers are on the Look up, Add / remove, Import and Export pages.';
    return true;
  }

  function route() {
    if (!token()) {
      $('nav').hidden = true;
      show('signin');
      return;
    }
    $('nav').hidden = false;
    const page = location.hash.replace(/^#/, '');
    show(PAGES.includes(page) ? page : 'lookup');
    $('main').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WHO_KEY);
    showWho();
    reportLoaded = false;
    say('signin-error', message || '');
    location.hash = '';
    route();
  }

  // ---- sign in ---------------------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    const form = event.target;
    const given = $('signin-token').value.trim();
    say('signin-error', '');
    busy(form, true);
    try {
      const r = await api('/api', { token: given });
      if (r.status === 200) {
        sessionStorage.setItem(TOKEN_KEY, given);
        $('signin-token').value = '';
        remember(r.body);
        location.hash = '#lookup';
        route();
      } else {
        say('signin-error', 'Not signed in: ' + errorText(r));
        $('signin-token').focus();
      }
    } catch (e) {
      say('signin-error', 'Not signed in: ' + e.message);
    } finally {
      busy(form, false);
    }
  }

  // ---- look up ---------------------------------------------------------------------------

  let looked = null;

  async function lookup(event) {
    event.preventDefault();
    const form = event.target;
    const number = $('lookup-number').value;
    const region = $('lookup-region').value;
    say('lookup-error', '');
    busy(form, true);
    try {
      const q = query({ region: region });
      const [status, trace] = await Promise.all([
        api('/api/suppressions/' + numberPath(number) + q),
        api('/api/trace/' + numberPath(number) + q),
      ]);
      if (status.status !== 200) {
        $('lookup-result').hidden = true;
        say('lookup-error', errorText(status));
        return;
      }
      looked = { number: status.body.number, region: region };
      renderLookup(status.body, trace.status === 200 ? trace.body : null, trace);
    } catch (e) {
      say('lookup-error', e.message);
    } finally {
      busy(form, false);
    }
  }

  const LINE_TYPES = {
    opt_out: 'Opt-out', opt_in: 'Opt-in', admin_add: 'Added by an operator', admin_remove: 'Removed by an operator',
    narrowed: 'Narrowed', help: 'HELP', reason: 'Reason given', confirmation: 'Confirmation sent',
    confirmation_failed: 'Confirmation failed', confirmation_receipt: 'Confirmation receipt',
    refused: 'Message refused', relayed: 'Message relayed', relayed_unchecked: 'Relayed unchecked',
    rollup: 'Daily counts',
  };

  function lineDetails(l) {
    const parts = [];
    const add = (label, v) => { if (v !== undefined && v !== null && v !== '') parts.push(label + ' ' + v); };
    add('scope', l.scope);
    add('category', l.category);
    add('keyword', l.keyword);
    add('account', l.account);
    add('sender', l.sender);
    add('source', l.source);
    add('by', l.actor);
    add('reason', l.reason);
    add('command', l.command);
    add('status', l.status);
    add('message id', l.messageId);
    add('receipt', l.receipt);
    add(l.kind ? l.kind + ':' : 'count', l.count);
    if (l.violation) {
      parts.push('VIOLATION of ' + (l.violates || 'an opt-out in force'));
    }
    return parts.join(' · ');
  }

  function renderLookup(status, trace, traceResult) {
    $('lookup-result').hidden = false;
    say('lookup-heading', status.number);
    const w = who();
    const mine = accountToken() ? ' of account ' + w.account : '';
    say('lookup-summary', status.suppressed
      ? 'Suppressed: messages to this number are refused in at least one scope' + mine + '.'
      : (status.scopes.length ? 'Not suppressed in any scope' + mine + '.'
        : (accountToken() ? 'Not on account ' + w.account + '\'s list.' : 'Not on the list.')));
    say('lookup-scope-note', accountToken()
      ? 'Signed in with account ' + w.account + '\'s token: only its own scopes and its own events are shown; '
        + 'other accounts\' entries for this number, if any, are not.'
      : '');
    $('lookup-summary').className = status.suppressed ? 'badge bad' : 'badge good';
    fill($('lookup-scopes').tBodies[0], status.scopes.map((s) => row([
      s.scope, s.category, s.suppressed ? 'opted out' : 'opted in', time(s.since), s.source || '',
      s.fromPerson ? 'yes' : 'no',
    ], true)), 'No entry in any scope.', 6);
    const tbody = $('lookup-timeline').tBodies[0];
    if (!trace) {
      say('timeline-counts', '');
      fill(tbody, [], 'No timeline: ' + errorText(traceResult), 3);
      return;
    }
    say('timeline-counts', '(' + trace.lines.length + ' lines; ' + trace.refused + ' refused, '
      + trace.violations + ' violations' + (trace.truncated ? '; cut at the limit' : '') + ')');
    fill(tbody, trace.lines.map((l) => {
      const tr = row([time(l.time), LINE_TYPES[l.type] || l.type, lineDetails(l)]);
      if (l.violation) {
        tr.className = 'violation';
      }
      return tr;
    }), 'Nothing recorded for this number.', 3);
  }

  /** The evidence bundle, or the trace JSON where this gateway has no evidence endpoint (404). */
  async function downloadEvidence() {
    if (!looked) {
      return;
    }
    say('evidence-status', 'Preparing…');
    const digits = looked.number.replace(/^\+/, '');
    const q = query({ region: looked.region });
    try {
      let r = await api('/api/evidence/' + numberPath(looked.number) + q, { raw: true });
      let name = 'evidence-' + digits;
      let note = '';
      if (r.status === 404 || r.status === 403) {
        if (r.status === 403) {
          note = ' The evidence bundle needs the global admin token (its chain proof holds every account\'s events);'
            + ' this is the number\'s timeline as your token sees it.';
        }
        r = await api('/api/trace/' + numberPath(looked.number) + q, { raw: true });
        name = 'trace-' + digits + '.json';
      } else {
        const type = r.response.headers.get('Content-Type') || '';
        name += type.includes('zip') ? '.zip' : '.json';
      }
      if (r.status !== 200) {
        say('evidence-status', 'Download failed: ' + await rawErrorText(r));
        return;
      }
      const blob = await r.response.blob();
      download(blob, name);
      say('evidence-status', 'Downloaded ' + name + ' (' + blob.size + ' bytes).' + note);
    } catch (e) {
      say('evidence-status', 'Download failed: ' + e.message);
    }
  }

  // ---- add / remove ----------------------------------------------------------------------

  function changeAction() {
    return document.querySelector('input[name="action"]:checked').value;
  }

  function changeModeChanged() {
    const remove = changeAction() === 'remove';
    $('change-remove-only').hidden = !remove;
    $('change-submit').textContent = remove ? 'Remove' : 'Add';
  }

  async function change(event) {
    event.preventDefault();
    const form = event.target;
    say('change-error', '');
    say('change-result', '');
    const f = {
      number: $('change-number').value.trim(),
      scope: $('change-scope').value.trim() || (accountToken() ? '' : 'global'),
      category: $('change-category').value.trim(),
      reason: $('change-reason').value.trim(),
      actor: $('change-actor').value.trim(),
    };
    busy(form, true);
    try {
      let r;
      if (changeAction() === 'add') {
        const body = { number: f.number, reason: f.reason };
        if (f.scope) body.scope = f.scope;
        if (f.category) body.category = f.category;
        if (f.actor) body.actor = f.actor;
        r = await api('/api/suppressions', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
      } else {
        r = await api('/api/suppressions/' + numberPath(f.number) + query({
          scope: f.scope, category: f.category, reason: f.reason, actor: f.actor,
          evidence: $('change-evidence').value, override: $('change-override').checked ? 'true' : '',
        }), { method: 'DELETE' });
      }
      if (r.status === 200) {
        const b = r.body;
        say('change-result', (b.type === 'ADMIN_ADD' ? 'Added: ' : 'Removed: ') + b.number + ' in ' + b.scope
          + ' (category ' + b.category + ') is now ' + (b.suppressed ? 'suppressed' : 'not suppressed')
          + (b.resubscribe ? '; the person\'s own opt-out was lifted by ' + b.resubscribe : '')
          + '. Event ' + b.eventId + '.');
      } else if (r.status === 409) {
        say('change-error', 'Refused by the re-subscribe guard: ' + (r.body && r.body.error));
      } else {
        say('change-error', errorText(r));
      }
    } catch (e) {
      say('change-error', e.message);
    } finally {
      busy(form, false);
    }
  }

  // ---- import ----------------------------------------------------------------------------

  function importCsv(event) {
    event.preventDefault();
    const form = event.target;
    const file = $('import-file').files[0];
    if (!file) {
      say('import-error', 'Choose a CSV file first.');
      return;
    }
    say('import-error', '');
    $('import-result').hidden = true;
    $('import-progress-box').hidden = false;
    $('import-progress').value = 0;
    say('import-progress-text', 'Uploading ' + file.name + '…');
    busy(form, true);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/suppressions/import' + query({
      scope: $('import-scope').value, reason: $('import-reason').value, source: $('import-source').value,
    }));
    xhr.setRequestHeader('Authorization', 'Bearer ' + token());
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        const pct = Math.round(100 * e.loaded / e.total);
        $('import-progress').value = pct;
        say('import-progress-text', pct + '% of ' + file.size + ' bytes sent');
      }
    };
    xhr.upload.onload = () => say('import-progress-text', 'Sent; the gateway is recording the rows…');
    xhr.onload = () => {
      busy(form, false);
      $('import-progress').value = 100;
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status === 401) {
        signOut('The gateway refused the token; sign in again.');
        return;
      }
      if (!body || body.rows === undefined) {
        say('import-progress-text', '');
        say('import-error', 'Import refused: ' + ((body && body.error) || 'HTTP ' + xhr.status));
        return;
      }
      say('import-progress-text', 'Done in ' + body.millis + ' ms.');
      renderImport(body);
    };
    xhr.onerror = () => {
      busy(form, false);
      say('import-error', 'The upload failed (connection closed).');
    };
    xhr.send(file);
  }

  function renderImport(r) {
    $('import-result').hidden = false;
    const dl = $('import-summary');
    dl.replaceChildren();
    [['Rows read', r.rows], ['Imported', r.imported], ['Bad rows', r.bad], ['Failed (import again)', r.failed],
      ['Skipped', r.skipped]].forEach(([k, v]) => {
      dl.appendChild(el('dt', k));
      dl.appendChild(el('dd', v));
    });
    if (r.aborted) {
      dl.appendChild(el('dt', 'Stopped'));
      dl.appendChild(el('dd', r.aborted));
    }
    const rows = (r.errors || []).map((e) => row([e.line, e.error], true));
    fill($('import-errors').tBodies[0], rows, 'Every row was imported.', 2);
    $('import-errors').caption.textContent = 'Rows not imported' + (r.errorsTruncated ? ' (first ones only)' : '');
  }

  // ---- export ----------------------------------------------------------------------------

  async function exportCsv() {
    say('export-error', '');
    say('export-status', 'Exporting…');
    try {
      const r = await api('/api/suppressions/export', { raw: true });
      if (r.status !== 200) {
        say('export-status', '');
        say('export-error', 'Export failed: ' + await rawErrorText(r));
        return;
      }
      const blob = await r.response.blob();
      const name = 'suppressions-' + new Date().toISOString().slice(0, 10) + '.csv';
      download(blob, name);
      say('export-status', 'Downloaded ' + name + ' (' + blob.size + ' bytes).');
    } catch (e) {
      say('export-status', '');
      say('export-error', e.message);
    }
  }

  // ---- report ----------------------------------------------------------------------------

  function chart(id) {
    if (!window.echarts) {
      throw new Error('the charting library did not load');
    }
    if (!charts[id]) {
      charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    }
    return charts[id];
  }

  const BASE = { animation: false, aria: { enabled: true }, textStyle: { fontFamily: 'sans-serif' } };

  async function loadReport(event) {
    if (event) event.preventDefault();
    const form = $('report-form');
    say('report-error', '');
    busy(form, true);
    try {
      const r = await api('/api/report' + query({ days: $('report-days').value }));
      if (r.status !== 200) {
        say('report-error', errorText(r));
        return;
      }
      renderReport(r.body, $('report-days').selectedOptions[0].textContent);
      reportLoaded = true;
    } catch (e) {
      say('report-error', e.message);
    } finally {
      busy(form, false);
    }
  }

  function renderReport(rep, period) {
    $('report-result').hidden = false;
    const t = rep.totals;
    say('report-summary', period.charAt(0).toUpperCase() + period.slice(1) + ' (' + rep.from + ' to ' + rep.to
      + ', UTC): ' + t.optOuts + ' opt-outs, ' + t.optIns
      + ' opt-ins, ' + t.help + ' HELP, ' + t.reasons + ' reasons.');
    const days = rep.days.map((d) => d.day);
    chart('chart-days').setOption(Object.assign({}, BASE, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', minInterval: 1, name: 'opt-outs' },
      series: rep.keywords.map((k) => ({
        name: k, type: 'bar', stack: 'day', data: rep.days.map((d) => d.counts[k] || 0),
      })),
    }), true);
    const senders = rep.senders.filter((s) => s.rate !== null).slice(0, 10).reverse();
    chart('chart-senders').setOption(Object.assign({}, BASE, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 140, right: 60, top: 20, bottom: 30 },
      xAxis: { type: 'value', axisLabel: { formatter: (v) => (100 * v).toFixed(1) + '%' } },
      yAxis: { type: 'category', data: senders.map((s) => s.account + ' / ' + s.sender) },
      series: [{
        name: 'opt-out rate', type: 'bar', data: senders.map((s) => s.rate),
        label: { show: true, position: 'right', formatter: (p) => (100 * p.value).toFixed(2) + '%' },
      }],
      title: senders.length ? undefined : { text: 'No sender with relayed messages', left: 'center', top: 'middle',
        textStyle: { fontSize: 14, color: '#555' } },
    }), true);
    const reasons = rep.reasonCounts.slice().reverse();
    chart('chart-reasons').setOption(Object.assign({}, BASE, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 180, right: 40, top: 20, bottom: 30 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: reasons.map((r) => r.text.length > 28 ? r.text.slice(0, 27) + '…' : r.text) },
      series: [{ name: 'times given', type: 'bar', data: reasons.map((r) => r.count), label: { show: true, position: 'right' } }],
      title: reasons.length ? undefined : { text: 'No reason given in this period', left: 'center', top: 'middle',
        textStyle: { fontSize: 14, color: '#555' } },
    }), true);
    fill($('report-senders').tBodies[0], rep.senders.map((s) => row([
      s.account, s.sender, s.optOuts, s.relayed, s.rate === null ? 'n/a' : (100 * s.rate).toFixed(2) + '%',
    ], true)), 'No opt-out in this period.', 5);
    fill($('report-reasons').tBodies[0], rep.reasons.map((r) => row([
      time(r.time), r.number, (r.account || '') + ' / ' + (r.sender || ''), r.text,
    ], true)), 'No reason given in this period.', 4);
  }

  // ---- status ----------------------------------------------------------------------------

  function rate(now, before, account, key) {
    if (!before) return '…';
    const prev = before.accounts.find((a) => a.account === account.account);
    const seconds = (now.time - before.time) / 1000;
    if (!prev || seconds <= 0) return '…';
    return ((account.counters[key] - prev.counters[key]) / seconds).toFixed(1);
  }

  async function refreshStatus() {
    try {
      const r = await api('/api/status');
      if (r.status !== 200) {
        say('status-error', errorText(r));
        return;
      }
      say('status-error', '');
      const s = r.body;
      const ready = $('status-ready');
      ready.textContent = s.ready ? 'Ready' : 'Not ready: ' + s.notReadyReason;
      ready.className = 'badge ' + (s.ready ? 'good' : 'bad');
      say('status-meta', 'instance ' + s.instance + ', up ' + Math.floor(s.uptimeSeconds / 60) + ' min, as of '
        + new Date(s.time).toLocaleTimeString());
      fill($('status-upstreams').tBodies[0], s.upstreams.map((u) => row([
        u.name, u.host, u.bound + ' of ' + u.sessions, u.inFlight, u.window,
      ], true)), 'No upstream configured.', 5);
      fill($('status-accounts').tBodies[0], s.accounts.map((a) => row([
        a.account, a.binds, a.inFlight, rate(s, lastStatus, a, 'submitsChecked'), rate(s, lastStatus, a, 'submitsRefused'),
        rate(s, lastStatus, a, 'messagesRelayed'), rate(s, lastStatus, a, 'consentEvents'),
      ], true)), 'No account configured.', 7);
      lastStatus = s;
    } catch (e) {
      say('status-error', e.message);
    }
  }

  // ---- dead letters ----------------------------------------------------------------------

  async function loadDeadLetters(event) {
    if (event) event.preventDefault();
    say('dead-error', '');
    try {
      const r = await api('/api/events/dead-letter' + query({ webhook: $('dead-webhook').value, limit: 200 }));
      if (r.status !== 200) {
        say('dead-error', errorText(r));
        return;
      }
      renderDeadLetters(r.body.webhooks);
    } catch (e) {
      say('dead-error', e.message);
    }
  }

  function renderDeadLetters(webhooks) {
    const box = $('dead-result');
    box.replaceChildren();
    const names = Object.keys(webhooks);
    if (names.length === 0) {
      box.appendChild(el('p', 'No webhook is configured (webhooks[] in the gateway configuration).', 'muted'));
      return;
    }
    names.forEach((name) => {
      const letters = webhooks[name];
      const table = el('table');
      table.appendChild(el('caption', name + ': ' + letters.length + ' dead letter(s)'));
      const head = el('thead');
      head.appendChild(row(['Dead since (UTC)', 'Event', 'Number', 'Attempts', 'Last error']));
      head.querySelectorAll('td').forEach((td) => {
        const th = el('th', td.textContent);
        th.scope = 'col';
        td.replaceWith(th);
      });
      table.appendChild(head);
      const body = el('tbody');
      fill(body, letters.map((d) => {
        let event = {};
        try {
          event = typeof d.event === 'string' ? JSON.parse(d.event) : (d.event || {});
        } catch (e) {
          event = {};
        }
        return row([time(d.deadAt), (event.type || '') + ' ' + (d.eventId || ''), event.number ? '+' + event.number : '',
          d.attempts, d.error], true);
      }), 'None: every event reached this endpoint.', 5);
      table.appendChild(body);
      box.appendChild(table);
      if (letters.length) {
        const b = el('button', 'Send ' + name + '\'s dead letters again', 'secondary');
        b.type = 'button';
        b.addEventListener('click', () => replay(name));
        box.appendChild(b);
      }
    });
  }

  async function replay(name) {
    say('dead-status', 'Sending again…');
    try {
      const r = await api('/api/events/dead-letter/replay' + query({ webhook: name }), { method: 'POST' });
      if (r.status !== 200) {
        say('dead-status', '');
        say('dead-error', errorText(r));
        return;
      }
      const p = r.body.replays[0];
      say('dead-status', name + ': ' + p.delivered + ' delivered, ' + p.failed + ' still failing, ' + p.left + ' left.');
      loadDeadLetters();
    } catch (e) {
      say('dead-error', e.message);
    }
  }

  // ---- start -----------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut('Signed out.'));
    $('lookup-form').addEventListener('submit', lookup);
    $('lookup-evidence').addEventListener('click', downloadEvidence);
    $('change-form').addEventListener('submit', change);
    document.querySelectorAll('input[name="action"]').forEach((r) => r.addEventListener('change', changeModeChanged));
    $('import-form').addEventListener('submit', importCsv);
    $('export-button').addEventListener('click', exportCsv);
    $('report-form').addEventListener('submit', loadReport);
    $('dead-form').addEventListener('submit', loadDeadLetters);
    window.addEventListener('hashchange', route);
    window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
    showWho();
    if (token()) {
      api('/api').then((r) => {
        if (r.status === 200 && r.body) remember(r.body);
      }).catch(() => {});
    }
    route();
  });
})();

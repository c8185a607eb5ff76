// rcmock dashboard: reads the control API (spec/mock-control.yaml) with same-origin fetch and
// follows GET /_mock/events, a Server-Sent Events stream read with fetch so that the control
// token can travel as a header. Every value from the server reaches the page as text
// (textContent), never as markup: journal bodies are whatever clients sent.
'use strict';

(() => {
  const tokenKey = 'rcmock-control-token';
  const keep = 1000; // journal entries the page holds at most
  const state = {
    world: '',          // the selected world: '' is the default world, else a sandbox id
    token: sessionStorage.getItem(tokenKey) || '',
    entries: [],        // journal entries of the selected world, oldest first
    lastId: 0,          // the newest entry id seen
    stream: null,       // the AbortController of the open event stream
    overview: null,     // the selected world's GET /_mock/world answer
    worlds: null,       // the last GET /_mock/worlds answer's worlds
    refreshTimer: 0,
  };

  const $ = (id) => document.getElementById(id);

  // el builds an element; children are nodes or text.
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-') || k.startsWith('aria-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function setStatus(text) { $('status').textContent = text; }

  function say(text, isError) {
    const m = $('message');
    m.textContent = text;
    m.className = isError ? 'error' : '';
  }

  // withWorld adds the selected world (and params) to a control path.
  function withWorld(path, params) {
    const q = new URLSearchParams(params || {});
    if (state.world) q.set('sandbox', state.world);
    const s = q.toString();
    return s ? path + '?' + s : path;
  }

  function headers(json) {
    const h = {};
    if (state.token) h.Authorization = 'Bearer ' + state.token;
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }

  class ControlError extends Error {}

  // call performs a control call and returns its JSON answer; a refusal throws ControlError.
  async function call(method, path, body) {
    const res = await fetch(path, {
      method, headers: headers(body !== undefined), cache: 'no-store', credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) askToken();
    if (!res.ok) throw new ControlError((data && data.error) || ('HTTP ' + res.status));
    return data;
  }

  // act runs a control action from a button and reports it.
  async function act(what, fn) {
    say(what + '…');
    try {
      const done = await fn();
      say(typeof done === 'string' ? done : what + ': done');
      await refresh();
    } catch (e) {
      say(what + ': ' + e.message, true);
    }
  }

  function askToken() {
    const form = $('token-form');
    if (!form.hidden) return;
    form.hidden = false;
    setStatus('the control API needs its token');
    $('token').focus();
  }

  // Durations and times, worded as the mock's explanations word them.
  function span(ms) {
    const units = [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000]];
    const parts = [];
    let left = Math.abs(ms);
    for (const [name, size] of units) {
      if (left >= size || parts.length > 0) {
        const n = Math.floor(left / size);
        left -= n * size;
        if (n > 0) parts.push(n + ' ' + name);
        if (parts.length === 2 || (parts.length === 1 && n === 0)) break;
      }
    }
    return parts.length ? parts.join(' ') : Math.round(left) + ' ms';
  }

  function until(ms) {
    if (ms === 0) return 'now';
    return ms > 0 ? 'in ' + span(ms) : span(ms) + ' ago';
  }

  function shortTime(iso) {
    if (!iso) return 'never';
    return iso.replace(/:\d\d(\.\d+)?Z$/, (m) => (/^:00(\.0+)?Z$/.test(m) ? 'Z' : m.replace(/\.\d+/, '')));
  }

  const roomTypes = { c: 'public channel', p: 'private group', d: 'direct message', l: 'omnichannel' };

  // Worlds.

  async function refreshWorlds() {
    const data = await call('GET', '/_mock/worlds');
    const body = $('worlds').tBodies[0];
    body.replaceChildren();
    let selectedExists = false;
    state.worlds = data.worlds;
    for (const w of data.worlds) {
      const name = w.id || 'default';
      const selected = w.id === state.world;
      selectedExists = selectedExists || selected;
      const clock = shortTime(w.clock.now) + (w.clock.frozen ? ' · frozen' : ' · running') +
        (w.clock.offset !== '0s' ? ', offset ' + w.clock.offset : '');
      const actions = [el('button', { type: 'button', textContent: selected ? 'Selected' : 'Select',
        'aria-pressed': String(selected), 'aria-label': 'Select world ' + name, onclick: () => select(w.id) })];
      if (w.id) {
        actions.push(' ', el('button', { type: 'button', class: 'danger', textContent: 'Delete',
          'aria-label': 'Delete sandbox ' + w.id, onclick: () => deleteSandbox(w.id) }));
      }
      body.append(el('tr', { class: selected ? 'selected' : '', 'data-world': w.id },
        el('td', { class: 'mono' }, name), el('td', {}, w.emulate), el('td', {}, clock), el('td', {}, w.latency),
        el('td', {}, w.counts.users), el('td', {}, w.counts.rooms), el('td', {}, w.counts.invites),
        el('td', { class: 'requests' }, w.requests), el('td', {}, actions)));
    }
    if (!selectedExists && state.world) select('');
  }

  async function deleteSandbox(id) {
    await act('delete sandbox ' + id, () => call('DELETE', '/_mock/sandboxes/' + encodeURIComponent(id)));
    if (state.world === id) select('');
  }

  // The selected world.

  async function refreshWorld() {
    const o = await call('GET', withWorld('/_mock/world', { limit: '200' }));
    state.overview = o;
    $('world-title').textContent = 'World: ' + (o.id || 'default') + ' (Rocket.Chat ' + o.version + ')';
    const info = (state.worlds || []).find((w) => w.id === o.id);
    const how = info ? (info.clock.frozen ? ', frozen' : ', running') + (info.clock.offset !== '0s' ? ', offset ' + info.clock.offset : '') : '';
    $('world-clock').textContent = 'Clock: ' + shortTime(o.now) + how + '. Latency: ' + o.latency + '.';
    if (document.activeElement !== $('emulate')) $('emulate').value = o.version;
    if (document.activeElement !== $('latency')) $('latency').value = o.latency;
    renderInvites(o);
    renderRooms(o);
    renderUsers(o);
  }

  // more notes the entries a list leaves out.
  function more(body, shown, total) {
    if (total > shown) body.append(el('tr', {}, el('td', { colSpan: 7 }, (total - shown) + ' more not shown')));
  }

  function renderInvites(o) {
    const body = $('invites').tBodies[0];
    body.replaceChildren();
    for (const inv of o.invites) {
      const uses = inv.maxUses > 0 ? inv.uses + ' of ' + inv.maxUses : inv.uses + ' (unlimited)';
      const left = inv.expiresInMs === undefined ? 'never expires' : until(inv.expiresInMs);
      body.append(el('tr', { 'data-invite': inv._id },
        el('td', { class: 'mono' }, inv._id),
        el('td', {}, inv.state === 'room-gone' ? '(deleted) ' : (inv.roomName ? inv.roomName + ' ' : ''), el('span', { class: 'mono' }, '(' + inv.rid + ')')),
        el('td', {}, inv.creator), el('td', {}, uses), el('td', {}, shortTime(inv.expires)), el('td', {}, left),
        el('td', { class: 'state state-' + inv.state }, inv.state)));
    }
    more(body, o.invites.length, o.invitesTotal);
  }

  function renderRooms(o) {
    const body = $('rooms').tBodies[0];
    body.replaceChildren();
    for (const r of o.rooms) {
      const members = r.members.map((m) => m.username + (m.roles && m.roles.length ? ' (' + m.roles.join(', ') + ')' : ''));
      if (r.membersTotal > r.members.length) members.push((r.membersTotal - r.members.length) + ' more');
      const bans = r.bans.map((b) => b.username + ' — banned' + (b.bannedBy ? ' by ' + b.bannedBy : '') +
        (b.bannedAt ? ' at ' + shortTime(b.bannedAt) : '') + (b.bannedBy ? '' : ' (by whom is not known)'));
      body.append(el('tr', { 'data-room': r._id },
        el('td', {}, (r.fname || r.name || r._id) + ' ', el('span', { class: 'mono' }, '(' + r._id + ')'), r.archived ? ' archived' : ''),
        el('td', {}, roomTypes[r.t] || r.t),
        el('td', {}, members.join(', ') || 'none'),
        el('td', {}, bans.join('; ') || 'none')));
    }
    more(body, o.rooms.length, o.roomsTotal);
  }

  function renderUsers(o) {
    const body = $('users').tBodies[0];
    body.replaceChildren();
    for (const u of o.users) {
      body.append(el('tr', { 'data-user': u._id },
        el('td', {}, u.username + ' ', el('span', { class: 'mono' }, '(' + u._id + ')')),
        el('td', {}, u.name || ''), el('td', {}, u.roles.join(', ')),
        el('td', {}, u.active ? 'yes' : 'no (deactivated)'), el('td', {}, u.loginTokens)));
    }
    more(body, o.users.length, o.usersTotal);
  }

  // The journal.

  function filters() {
    return { path: $('f-path').value.trim(), status: $('f-status').value.trim(), user: $('f-user').value.trim() };
  }

  function matches(e, f) {
    return (!f.path || e.path.includes(f.path)) && (!f.status || String(e.status) === f.status) &&
      (!f.user || (e.user || '').includes(f.user));
  }

  function pretty(body) {
    if (body === undefined) return '(empty)';
    return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  }

  function entryNode(e) {
    const x = e.explain;
    const outcome = x ? x.outcome.replace(/^\d+ ?/, '') : '';
    const time = e.time.replace(/^.*T/, '').replace(/\.\d+Z$/, 'Z');
    const steps = x ? x.steps.map((s) => el('li', { 'data-check': s.check },
      el('span', { class: 'verdict verdict-' + s.verdict }, '[' + s.verdict + ']'), ' ', s.text)) : [];
    return el('li', { 'data-id': String(e.id), 'data-path': e.path },
      el('details', {},
        el('summary', {}, el('span', { class: 'mono' }, '#' + e.id), ' ', time, ' ', el('strong', {}, e.method), ' ',
          el('span', { class: 'mono' }, e.path + (e.query ? '?' + e.query : '')), ' → ',
          el('span', { class: 'status' }, String(e.status)), ' ', el('span', { class: 'outcome' }, outcome),
          e.user ? ' · ' + e.user : ''),
        el('h4', {}, 'Why'),
        x ? el('ol', { class: 'steps' }, steps) : el('p', {}, 'no explanation recorded'),
        x ? el('p', { class: 'answer' }, 'Answer: ' + x.outcome) : null,
        el('h4', {}, 'Request'), el('pre', {}, pretty(e.requestBody)),
        el('h4', {}, 'Answer'), el('pre', {}, pretty(e.responseBody)),
        e.truncated ? el('p', {}, 'A body was longer than 64 KiB and was cut.') : null));
  }

  function renderJournal() {
    const f = filters();
    const list = $('journal');
    const nodes = [];
    for (let i = state.entries.length - 1; i >= 0; i--) {
      if (matches(state.entries[i], f)) nodes.push(entryNode(state.entries[i]));
    }
    list.replaceChildren(...nodes);
  }

  function addEntry(e) {
    if (e.id <= state.lastId) return;
    state.lastId = e.id;
    state.entries.push(e);
    if (state.entries.length > keep) state.entries.shift();
    if (matches(e, filters())) $('journal').prepend(entryNode(e));
    const list = $('journal');
    while (list.children.length > keep) list.lastChild.remove();
  }

  async function loadJournal() {
    const data = await call('GET', withWorld('/_mock/requests', { limit: String(keep) }));
    state.entries = data.requests;
    state.lastId = data.requests.length ? data.requests[data.requests.length - 1].id : 0;
    $('journal-note').textContent = data.dropped > 0 ? data.dropped + ' older requests were pushed out of the journal.' : '';
    renderJournal();
  }

  // The event stream.

  function stopStream() {
    if (state.stream) state.stream.abort();
    state.stream = null;
  }

  function handleFrame(frame) {
    let event = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    const v = JSON.parse(data.join('\n'));
    switch (event) {
      case 'request':
        addEntry(v);
        scheduleRefresh();
        break;
      case 'cleared':
        state.entries = [];
        state.lastId = 0;
        renderJournal();
        break;
      case 'dropped':
        $('journal-note').textContent = v.missed + ' requests were pushed out of the journal before the page could show them.';
        break;
      case 'control':
        scheduleRefresh();
        break;
    }
  }

  async function follow(ctrl) {
    const res = await fetch(withWorld('/_mock/events', { after: String(state.lastId) }),
      { headers: headers(false), signal: ctrl.signal, cache: 'no-store', credentials: 'same-origin' });
    if (res.status === 401) {
      askToken();
      return false;
    }
    if (!res.ok || !res.body) return true;
    setStatus('live: following ' + (state.world || 'the default world'));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        handleFrame(frame);
      }
    }
  }

  // startStream follows the selected world's events, reconnecting after a second when the
  // stream ends, from the last entry seen.
  async function startStream() {
    stopStream();
    const ctrl = new AbortController();
    state.stream = ctrl;
    let again = true;
    try {
      again = await follow(ctrl);
    } catch (e) {
      if (ctrl.signal.aborted) return;
    }
    if (state.stream !== ctrl || !again) return;
    setStatus('reconnecting…');
    setTimeout(() => { if (state.stream === ctrl) startStream(); }, 1000);
  }

  // Refreshing the state views.

  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = 0;
      refresh().catch(() => {});
    }, 150);
  }

  async function refresh() {
    await refreshWorlds(); // first: the world's clock line reads its frozen and offset
    await refreshWorld();
  }

  async function select(id) {
    state.world = id;
    stopStream();
    $('journal').replaceChildren();
    try {
      await Promise.all([refresh(), loadJournal()]);
      startStream();
    } catch (e) {
      if ($('token-form').hidden) setStatus(e.message); // else it asks for the token
    }
  }

  // Controls.

  function wire() {
    $('advance').onclick = () => {
      const by = $('advance-by').value.trim();
      act('advance the clock by ' + by, () => call('PUT', withWorld('/_mock/clock'), { advance: by }));
    };
    $('advance-169h').onclick = () => act('advance the clock by 169h', () => call('PUT', withWorld('/_mock/clock'), { advance: '169h' }));
    $('freeze').onclick = () => {
      const at = $('freeze-at').value;
      if (!at) { say('freeze: choose a time (UTC) first', true); return; }
      const iso = at.length === 16 ? at + ':00Z' : at + 'Z';
      act('freeze the clock at ' + iso, () => call('PUT', withWorld('/_mock/clock'), { freeze: iso }));
    };
    $('resume').onclick = () => act('resume real time', () => call('PUT', withWorld('/_mock/clock'), { resume: true }));
    $('apply-settings').onclick = () => {
      const body = { emulate: $('emulate').value };
      const latency = $('latency').value.trim();
      if (latency) body.latency = latency;
      act('apply settings', () => call('PUT', withWorld('/_mock/settings'), body));
    };
    $('reset').onclick = () => act('reset the world', () => call('POST', withWorld('/_mock/reset')));
    $('create-sandbox').onsubmit = (ev) => {
      ev.preventDefault();
      const body = { fixtures: $('sb-fixtures').value };
      if ($('sb-emulate').value) body.emulate = $('sb-emulate').value;
      if ($('sb-latency').value.trim()) body.latency = $('sb-latency').value.trim();
      act('create a sandbox', async () => {
        const sb = await call('POST', '/_mock/sandboxes', body);
        return 'created sandbox ' + sb.id;
      });
    };
    $('filters').oninput = renderJournal;
    $('filters').onsubmit = (ev) => ev.preventDefault();
    $('token-form').onsubmit = (ev) => {
      ev.preventDefault();
      state.token = $('token').value;
      sessionStorage.setItem(tokenKey, state.token);
      $('token').value = '';
      $('token-form').hidden = true;
      select(state.world);
    };
    // The clock of a running world moves: refresh the state views while the page is seen.
    setInterval(() => { if (document.visibilityState === 'visible') refresh().catch(() => {}); }, 5000);
  }

  wire();
  select('');
})();

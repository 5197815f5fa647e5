// The rtlsd web app: live map with find, events with the PAR board, the
// facilities dashboard; views follow what the signed-in role may call (the
// server enforces it either way).

import 'leaflet/dist/leaflet.css';
import './style.css';
import { get, call, token, setToken, Code } from './api.js';
import { state, loadPlan, loadTags, followLocations, describe } from './state.js';
import { LiveMap, openRoom, findNearest } from './map.js';
import { followEvents, parBoard } from './events.js';

const VIEWS = ['map', 'events', 'facilities'];
let live = null;
let running = null; // AbortController of the streams of this session
const allowed = new Set();

/** Probes what the token may do: one cheap call per view. */
async function probe() {
  allowed.clear();
  const ok = async (p) => {
    try {
      await p;
      return true;
    } catch (e) {
      if (e.code === Code.UNAUTHENTICATED) throw e;
      // UNIMPLEMENTED keeps the view: it says what is not available.
      return e.code !== Code.PERMISSION_DENIED;
    }
  };
  const day = new Date();
  const scope = { from: new Date(day - 3600e3).toISOString(), to: day.toISOString() };
  const [map, events, fac] = await Promise.all([
    ok(get('/v1/locations', { page_size: 1 })),
    ok(get('/v1/events', { page_size: 1 })),
    ok(call('AnalyticsService', 'Dwell', { scope })),
  ]);
  if (map) allowed.add('map');
  if (events) allowed.add('events');
  if (fac) allowed.add('facilities');
}

function show(view) {
  if (!allowed.has(view)) view = VIEWS.find((v) => allowed.has(v)) || 'signin';
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== `view-${view}`;
  for (const a of document.querySelectorAll('#views a')) {
    const v = a.dataset.view;
    a.parentElement.hidden = !allowed.has(v);
    a.setAttribute('aria-selected', String(v === view));
  }
  document.body.dataset.view = view;
  document.getElementById('search').hidden = !allowed.has('map');
  if (view === 'map' && live) live.map.invalidateSize();
  if (view === 'events') parBoard();
  if (view === 'facilities') {
    const input = document.getElementById('fac-day');
    if (!input.value) {
      input.value = new Date().toISOString().slice(0, 10);
      import('./facilities.js').then((f) => f.showDay(input.value));
    }
  }
}

function levelTabs() {
  const box = document.getElementById('levels');
  box.replaceChildren(...state.plan.levels.map((l) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.role = 'tab';
    b.dataset.level = l.id;
    b.textContent = l.name || l.id;
    b.addEventListener('click', () => selectLevel(l.id));
    return b;
  }));
}

function selectLevel(id) {
  for (const b of document.querySelectorAll('#levels button')) b.setAttribute('aria-selected', String(b.dataset.level === id));
  live.showLevel(id);
}

function setupSearch() {
  const form = document.getElementById('search');
  const input = document.getElementById('search-q');
  const status = document.getElementById('search-status');
  const list = document.getElementById('search-list');
  input.addEventListener('focus', () => {
    list.replaceChildren(...[...state.locs.keys()].sort().map((id) => {
      const o = document.createElement('option');
      const d = describe(id);
      o.value = id;
      o.label = [d.name, d.serial].filter(Boolean).join(' · ');
      return o;
    }));
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim().toLowerCase();
    if (!q) return;
    if (!live) {
      status.textContent = 'the map is not available for your role';
      return;
    }
    const ids = [...new Set([...state.locs.keys(), ...state.tags.keys()])].sort();
    const hit = ids.find((id) => id.toLowerCase() === q) || ids.find((id) => {
      const d = describe(id);
      return [id, d.name, d.serial].some((s) => s && s.toLowerCase().includes(q));
    });
    if (!hit) {
      status.textContent = `no tag matches “${input.value}”`;
      return;
    }
    if (location.hash !== '#map') location.hash = '#map';
    status.textContent = live.focusTag(hit) ? `showing ${hit}` : `${hit} has no current location`;
  });
}

function setupSession() {
  const dlg = document.getElementById('signin');
  const box = document.getElementById('session');
  const render = () => {
    box.replaceChildren();
    const b = document.createElement('button');
    b.type = 'button';
    if (token()) {
      b.textContent = 'Sign out';
      b.addEventListener('click', () => {
        setToken('');
        start();
      });
    } else {
      b.textContent = 'Sign in';
      b.addEventListener('click', () => dlg.showModal());
    }
    box.append(b);
  };
  document.getElementById('signin-cancel').addEventListener('click', () => dlg.close());
  document.getElementById('signin-form').addEventListener('submit', () => {
    setToken(document.getElementById('signin-token').value.trim());
    document.getElementById('signin-token').value = '';
    start();
  });
  return render;
}

let renderSession = () => {};

/** (Re)starts the app for the current token. */
async function start() {
  running?.abort();
  running = new AbortController();
  renderSession();
  // The plan does not depend on the role: fetch it while probing.
  const plan = live ? null : loadPlan().catch((e) => e);
  try {
    await probe();
  } catch (e) {
    allowed.clear();
    show('signin');
    document.getElementById('signin').showModal();
    return;
  }
  const { signal } = running;
  const err = plan && await plan;
  if (err instanceof Error) {
    // Roles without locations (facilities) may not read the plan either.
    if (allowed.has('map')) document.getElementById('live').textContent = `cannot load the floorplan: ${err.message}`;
    allowed.delete('map');
  } else if (plan) {
    levelTabs();
    live = new LiveMap(document.getElementById('map'));
    live.onLevel = selectLevel;
    live.onRoom = (room) => {
      openRoom(live, room);
      live.selectedRoom = room.id;
    };
    live.legend();
    // For the browser tests and the curious: the map and the live state.
    window.rtls = { map: live.map, state };
    selectLevel(state.plan.levels[0].id);
  }
  await loadTags();
  nearestTypes();
  const liveStatus = document.getElementById('live');
  const labels = { live: 'live', reconnecting: 'reconnecting…', denied: 'locations not available for your role' };
  if (live) followLocations(signal, (s) => { liveStatus.textContent = labels[s]; liveStatus.dataset.state = s; });
  if (allowed.has('events')) followEvents(signal);
  show(location.hash.slice(1) || 'map');
}

function nearestTypes() {
  const sel = document.getElementById('nearest-type');
  const types = [...new Set([...state.tags.values()].filter((t) => t.class === 'ASSET' && t.type).map((t) => t.type))].sort();
  if (!types.length) types.push('infusion_pump');
  sel.replaceChildren(...types.map((t) => new Option(t.replaceAll('_', ' '), t)));
}

document.getElementById('nearest-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (live.selectedRoom) findNearest(live, live.selectedRoom, document.getElementById('nearest-type').value);
});
document.getElementById('fac-form').addEventListener('submit', (e) => {
  e.preventDefault();
  import('./facilities.js').then((f) => f.showDay(document.getElementById('fac-day').value, document.getElementById('fac-group').value));
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));
setInterval(() => { if (document.body.dataset.view === 'events') parBoard(); }, 3000);
renderSession = setupSession();
setupSearch();
start();

// The live map: Leaflet with CRS.Simple, one map unit = one site-local meter.

import L from 'leaflet';
import { call, get, Code } from './api.js';
import { state, onLocation, describe, roomName } from './state.js';

const STALE_MS = 60_000;

/** Fill colours by room category; the legend names each one. */
const CATEGORY = {
  patient_room: ['#cfe3f7', 'Patient room'],
  icu: ['#f7d4d4', 'ICU'],
  corridor: ['#eeeeee', 'Corridor'],
  nurse_station: ['#d8f0d2', 'Nurse station'],
  storage: ['#fbe7b5', 'Storage'],
  clean_utility: ['#d5f0ee', 'Clean utility'],
  soiled_utility: ['#e8d9c8', 'Soiled utility'],
  elevator: ['#ddd6f3', 'Elevator'],
  stairs: ['#e6e0f5', 'Stairs'],
  exit: ['#c9ecc0', 'Exit'],
};
const OTHER = ['#f4f4f4', 'Other'];

/** Marker letter and label by tag class. */
const CLASS = {
  STAFF: ['S', 'Staff'],
  ASSET: ['A', 'Asset'],
  PATIENT: ['P', 'Patient'],
  '': ['?', 'Unregistered'],
};

export class LiveMap {
  constructor(el) {
    this.el = el;
    this.level = '';
    this.markers = new Map(); // tag id -> L.Marker on the current level
    this.map = L.map(el, {
      crs: L.CRS.Simple,
      minZoom: -4,
      maxZoom: 5,
      zoomSnap: 0.25,
      attributionControl: false,
      keyboard: true,
    });
    this.rooms = L.layerGroup().addTo(this.map);
    this.fixtures = L.layerGroup().addTo(this.map);
    this.tagLayer = L.layerGroup().addTo(this.map);
    this.pathLayer = L.layerGroup().addTo(this.map);
    this.errorCircle = null;
    this.map.on('moveend', () => {
      const c = this.map.getCenter();
      el.dataset.center = `${c.lng.toFixed(2)},${c.lat.toFixed(2)}`;
    });
    onLocation((loc) => this.update(loc));
    setInterval(() => this.markStale(), 5000);
    this.onRoom = () => {};
    this.onLevel = (id) => this.showLevel(id);
  }

  /** Draws one level: its rooms, doors, readers and zones, and its tags. */
  showLevel(id) {
    if (this.level === id) return;
    this.level = id;
    this.rooms.clearLayers();
    this.fixtures.clearLayers();
    this.tagLayer.clearLayers();
    this.pathLayer.clearLayers();
    this.markers.clear();
    const plan = state.plan;
    const level = plan.levels.find((l) => l.id === id);
    for (const room of plan.rooms.values()) {
      if (room.level !== id) continue;
      const [fill] = CATEGORY[room.category] || OTHER;
      const layer = L.geoJSON(room.feature, {
        style: { color: '#555', weight: 1, fillColor: fill, fillOpacity: 1, className: `room cat-${room.category}` },
      });
      layer.bindTooltip(`${room.name || room.id} · ${(CATEGORY[room.category] || OTHER)[1]}`, { sticky: true });
      layer.on('click', () => this.onRoom(room));
      // Rooms are keyboard targets too: Tab to one, Enter for its census.
      layer.eachLayer((l) => l.on('add', () => {
        const el = l.getElement();
        if (!el) return;
        el.dataset.room = room.id;
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'button');
        el.setAttribute('aria-label', `${room.name || room.id}, ${(CATEGORY[room.category] || OTHER)[1]}`);
        el.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            this.onRoom(room);
          }
        });
      }));
      layer.addTo(this.rooms);
    }
    for (const d of plan.doors) {
      if (d.level !== id) continue;
      L.geoJSON(d.feature, { style: { color: '#fff', weight: 4, className: 'door' }, interactive: false }).addTo(this.fixtures);
    }
    for (const z of plan.zones) {
      if (z.level !== id) continue;
      L.geoJSON(z.feature, { style: { color: '#7a4bb3', weight: 2, dashArray: '6 4', fill: false, className: 'zone' }, interactive: false }).addTo(this.fixtures);
    }
    for (const r of plan.readers) {
      if (r.level !== id) continue;
      const [x, y] = r.feature.geometry.coordinates;
      L.circleMarker([y, x], { radius: 2, color: '#888', weight: 1, className: 'reader', interactive: false }).addTo(this.fixtures);
    }
    this.el.dataset.level = id;
    this.el.dataset.rooms = String([...plan.rooms.values()].filter((r) => r.level === id).length);
    if (level) this.map.fitBounds(L.geoJSON(level.feature).getBounds(), { padding: [10, 10] });
    for (const loc of state.locs.values()) this.update(loc);
    this.listTags();
    performance.mark('rtls:map-drawn');
  }

  /** Moves, adds or removes the marker of one tag. */
  update(loc) {
    const id = loc.tag_id;
    let m = this.markers.get(id);
    if (loc.level_id !== this.level) {
      if (m) {
        this.tagLayer.removeLayer(m);
        this.markers.delete(id);
        this.listTags();
      }
      return;
    }
    const ll = [loc.y, loc.x];
    if (!m) {
      const d = describe(id);
      const [letter] = CLASS[d.cls] || CLASS[''];
      m = L.marker(ll, {
        icon: L.divIcon({ className: `tag tag-${(d.cls || 'unknown').toLowerCase()}`, html: `<span>${letter}</span>`, iconSize: [22, 22] }),
        title: d.name ? `${id} ${d.name}` : id,
        alt: id,
        keyboard: true,
        riseOnHover: true,
      });
      m.bindTooltip(() => this.tooltip(id), { direction: 'top', offset: [0, -10] });
      m.on('mouseover focus', () => this.showError(id));
      m.on('mouseout blur', () => this.hideError());
      m.on('click', () => this.focusTag(id));
      m.addTo(this.tagLayer);
      m.getElement().dataset.tag = id;
      this.markers.set(id, m);
      this.listTags();
    } else {
      m.setLatLng(ll);
    }
    const el = m.getElement();
    el.dataset.x = loc.x.toFixed(2);
    el.dataset.y = loc.y.toFixed(2);
    el.classList.toggle('stale', isStale(loc));
    if (this.errorCircle && this.errorCircle.tag === id) this.showError(id);
  }

  tooltip(id) {
    const loc = state.locs.get(id);
    const d = describe(id);
    const p = Math.round((loc.room_probability || 0) * 100);
    const age = loc.updated_at ? new Date(loc.updated_at).toLocaleTimeString() : '';
    return `<strong>${esc(id)}</strong>${d.name ? ` · ${esc(d.name)}` : ''}<br>` +
      `${esc((CLASS[d.cls] || CLASS[''])[1])}${d.type ? ` · ${esc(d.type)}` : ''}${d.status ? ` · ${esc(d.status)}` : ''}<br>` +
      `${esc(roomName(loc.room_id))} (${p}% likely) · ±${loc.accuracy_m.toFixed(1)} m<br>` +
      `seen ${esc(age)}${isStale(loc) ? ' · <em>stale</em>' : ''}`;
  }

  showError(id) {
    const loc = state.locs.get(id);
    this.hideError();
    if (!loc) return;
    this.errorCircle = L.circle([loc.y, loc.x], { radius: loc.accuracy_m, color: '#1f5fa8', weight: 1, fillOpacity: 0.12, interactive: false, className: 'error-radius' }).addTo(this.map);
    this.errorCircle.tag = id;
  }

  hideError() {
    if (this.errorCircle) this.errorCircle.remove();
    this.errorCircle = null;
  }

  /** Centres the map on a tag, switching level if needed. */
  focusTag(id) {
    const loc = state.locs.get(id);
    if (!loc) return false;
    this.onLevel(loc.level_id);
    this.map.setView([loc.y, loc.x], Math.max(this.map.getZoom(), 2));
    this.el.dataset.focus = id;
    const m = this.markers.get(id);
    if (m) {
      m.openTooltip();
      this.showError(id);
    }
    return true;
  }

  markStale() {
    for (const [id, m] of this.markers) {
      const loc = state.locs.get(id);
      if (loc) m.getElement()?.classList.toggle('stale', isStale(loc));
    }
  }

  listTags() {
    const ul = document.getElementById('tag-list');
    const ids = [...this.markers.keys()].sort();
    document.getElementById('tag-count').textContent = `(${ids.length})`;
    ul.replaceChildren(...ids.map((id) => {
      const d = describe(id);
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `chip tag-${(d.cls || 'unknown').toLowerCase()}`;
      b.textContent = d.name ? `${id} · ${d.name}` : id;
      b.addEventListener('click', () => this.focusTag(id));
      const li = document.createElement('li');
      li.append(b);
      return li;
    }));
  }

  /**
   * Draws a walk through rooms as the router measures it: from the first
   * room's centre, door to door through the rooms between, to the last
   * room's centre; only the parts on the drawn level.
   */
  drawPath(roomIds, onLevel) {
    this.pathLayer.clearLayers();
    const plan = state.plan;
    const rooms = roomIds.map((id) => plan.rooms.get(id)).filter(Boolean);
    const pts = [];
    const at = (level, [x, y]) => { if (level === onLevel) pts.push([y, x]); };
    rooms.forEach((room, i) => {
      if (i === 0) at(room.level, room.centre);
      const next = rooms[i + 1];
      if (next && next.level === room.level) {
        const door = plan.doors.find((d) => d.connects.includes(room.id) && d.connects.includes(next.id));
        if (door) at(door.level, door.mid);
      }
      if (i === rooms.length - 1 && i > 0) at(room.level, room.centre);
    });
    if (pts.length > 1) L.polyline(pts, { color: '#c0392b', weight: 4, dashArray: '8 6', className: 'walk-path' }).addTo(this.pathLayer);
  }

  legend() {
    const el = document.getElementById('legend');
    const cats = new Set([...state.plan.rooms.values()].map((r) => r.category));
    const items = [...cats].sort().map((c) => {
      const [fill, label] = CATEGORY[c] || [OTHER[0], c];
      return `<li><span class="swatch" style="background:${fill}"></span>${esc(label)}</li>`;
    });
    const tags = Object.entries(CLASS).map(([k, [letter, label]]) =>
      `<li><span class="tag tag-${(k || 'unknown').toLowerCase()} legend-tag"><span>${letter}</span></span>${label}</li>`);
    el.innerHTML = `<h2>Legend</h2><ul class="legend">${items.join('')}</ul><ul class="legend">${tags.join('')}` +
      `<li><span class="tag stale legend-tag"><span>·</span></span>Not seen for a minute</li></ul>`;
  }
}

function isStale(loc) {
  return loc.updated_at && Date.now() - Date.parse(loc.updated_at) > STALE_MS;
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** The room panel: census and nearest available asset from this room. */
export async function openRoom(live, room) {
  const panel = document.getElementById('room-panel');
  panel.hidden = false;
  panel.dataset.room = room.id;
  document.getElementById('room-title').textContent = room.name || room.id;
  document.getElementById('room-meta').textContent = `${(CATEGORY[room.category] || [null, room.category])[1]} · ${room.id}${room.unit ? ` · unit ${room.unit}` : ''}`;
  document.getElementById('nearest-results').replaceChildren();
  document.getElementById('nearest-status').textContent = '';
  live.pathLayer.clearLayers();
  const census = document.getElementById('census');
  census.replaceChildren(li('loading…'));
  try {
    const r = await get('/v1/locations', { room_id: room.id, page_size: 1000 });
    const rows = (r.locations || []).map((l) => {
      const d = describe(l.tag_id);
      return li(`${(CLASS[d.cls] || CLASS[''])[1]}: ${d.name || l.tag_id}${d.type ? ` (${d.type})` : ''}`);
    });
    census.replaceChildren(...(rows.length ? rows : [li('nobody and nothing')]));
  } catch (e) {
    census.replaceChildren(li(e.code === Code.PERMISSION_DENIED ? 'not available for your role' : `could not load: ${e.message}`));
  }
}

export async function findNearest(live, roomId, type) {
  const status = document.getElementById('nearest-status');
  const out = document.getElementById('nearest-results');
  out.replaceChildren();
  status.textContent = 'searching…';
  try {
    const r = await call('AssetService', 'FindNearest', { from: { room_id: roomId }, asset_type: type, statuses: ['AVAILABLE'], limit: 3 });
    const results = r.results || [];
    status.textContent = results.length ? `${results.length} found, nearest first` : `no available ${type} reachable`;
    out.replaceChildren(...results.map((a, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'chip nearest-result';
      b.dataset.tag = a.tag_id;
      b.textContent = `${a.name || a.tag_id} · ${roomName(a.room_id)} · ${a.walking_distance_m.toFixed(0)} m walk`;
      b.addEventListener('click', () => {
        live.drawPath(a.path_room_ids || [], live.level);
        live.focusTag(a.tag_id);
      });
      const item = document.createElement('li');
      item.append(b);
      if (i === 0) live.drawPath(a.path_room_ids || [], live.level);
      return item;
    }));
  } catch (e) {
    status.textContent = e.code === Code.UNIMPLEMENTED ? 'Nearest search is not available on this server.'
      : e.code === Code.PERMISSION_DENIED ? 'Nearest search is not available for your role.' : `Search failed: ${e.message}`;
  }
}

function li(text) {
  const el = document.createElement('li');
  el.textContent = text;
  return el;
}

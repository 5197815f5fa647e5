// Live state shared by the views: the floorplan, the registry as far as the
// role may read it, and the newest location of each tag.

import { all, get, stream, retrying, Code } from './api.js';

export const state = {
  /** Floorplan: levels by ordinal, rooms by id, doors, readers, zones. */
  plan: null,
  /** Registry entries by tag id (empty when the role may not list tags). */
  tags: new Map(),
  /** Newest location by tag id. */
  locs: new Map(),
};

const listeners = new Set();

/** Calls fn(loc) for each location update; returns the unsubscribe function. */
export function onLocation(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function put(loc) {
  const old = state.locs.get(loc.tag_id);
  if (old && old.updated_at && loc.updated_at && old.updated_at > loc.updated_at) return;
  state.locs.set(loc.tag_id, loc);
  for (const fn of listeners) fn(loc);
}

export async function loadPlan() {
  const fc = await get('/v1/floorplan');
  const plan = { levels: [], rooms: new Map(), doors: [], readers: [], zones: [] };
  for (const f of fc.features || []) {
    const p = f.properties;
    switch (p.type) {
      case 'level': plan.levels.push({ ...p, feature: f }); break;
      case 'room': plan.rooms.set(p.id, { ...p, feature: f, centre: centroid(f.geometry.coordinates[0]) }); break;
      case 'door': plan.doors.push({ ...p, feature: f, mid: midpoint(f.geometry.coordinates) }); break;
      case 'reader': plan.readers.push({ ...p, feature: f }); break;
      case 'zone': plan.zones.push({ ...p, feature: f }); break;
    }
  }
  plan.levels.sort((a, b) => a.ordinal - b.ordinal);
  state.plan = plan;
  return plan;
}

/** Loads the registry the role may read; PERMISSION_DENIED leaves it empty. */
export async function loadTags() {
  try {
    for (const t of await all('/v1/tags', {}, 'tags')) state.tags.set(t.id, t);
  } catch (e) {
    if (e.code !== Code.PERMISSION_DENIED && e.code !== Code.UNIMPLEMENTED) throw e;
  }
}

/**
 * Follows WatchLocations: once the watch delivers (it is then established),
 * reads the full list so nothing before it is missed; reconnects on failure.
 */
export function followLocations(signal, onStatus) {
  return retrying(async () => {
    let listed = false;
    for await (const loc of stream('/v1/locations:watch', {}, signal)) {
      put(loc);
      if (!listed) {
        listed = true;
        onStatus('live');
        for (const l of await all('/v1/locations', {}, 'locations')) put(l);
      }
    }
  }, signal, (e) => {
    onStatus(e.code === Code.PERMISSION_DENIED ? 'denied' : 'reconnecting');
    return e.code !== Code.PERMISSION_DENIED && e.code !== Code.UNAUTHENTICATED;
  });
}

/** What a tag is, from its location (the server joins the registry) or the registry. */
export function describe(id) {
  const loc = state.locs.get(id) || {};
  const tag = state.tags.get(id) || {};
  return {
    id,
    cls: set(loc.class) || set(tag.class),
    type: loc.type || tag.type || '',
    name: loc.name || tag.name || '',
    serial: tag.serial || '',
    status: set(loc.status) || set(tag.status),
  };
}

// set is an enum value, or '' when it is unset (the *_UNSPECIFIED zero value).
function set(v) {
  return v && !String(v).endsWith('_UNSPECIFIED') ? v : '';
}

/** The display name of a room or plan zone id. */
export function roomName(id) {
  const plan = state.plan;
  const r = plan && (plan.rooms.get(id) || plan.zones.find((z) => z.id === id));
  return r ? r.name || r.id : id || 'no room';
}

// centroid of a ring (area-weighted), in [x, y].
function centroid(ring) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (Math.abs(a) < 1e-9) return ring[0];
  return [cx / (3 * a), cy / (3 * a)];
}

function midpoint(line) {
  const a = line[0], b = line[line.length - 1];
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

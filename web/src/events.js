// The events view: a live feed (alarms prominent) and the PAR board.

import { all, stream, retrying, Code } from './api.js';
import { state, describe, roomName } from './state.js';

const MAX_FEED = 300;
const HISTORY_MS = 60 * 60 * 1000;
/** Event types people must act on at once. */
const ALARM = new Set(['DURESS', 'RESTRICTED']);
/** Event types that need attention but are not alarms. */
const WARN = new Set(['BELOW_PAR', 'ABSENCE', 'LOW_BATTERY', 'DWELL']);

const LABEL = {
  ENTER: 'Enter', EXIT: 'Exit', DWELL: 'Dwell', ABSENCE: 'Missing', RESTRICTED: 'Restricted area',
  BELOW_PAR: 'Below PAR', PAR_RESTORED: 'PAR restored', DURESS: 'DURESS', LOW_BATTERY: 'Low battery',
  STATUS_CHANGED: 'Status changed',
};

/**
 * Follows the event stream: the last hour from ListEvents, then WatchEvents
 * from the last id seen (also after a reconnect, so nothing is missed).
 */
export function followEvents(signal) {
  const status = document.getElementById('events-status');
  let after = '';
  let primed = false;
  document.getElementById('feed').replaceChildren();
  return retrying(async () => {
    if (!primed) {
      const past = await all('/v1/events', { from: new Date(Date.now() - HISTORY_MS).toISOString() }, 'events', 5000);
      for (const ev of past.slice(-MAX_FEED)) show(ev, false);
      if (past.length) after = past[past.length - 1].id;
      primed = true;
    }
    status.textContent = '· live';
    for await (const ev of stream('/v1/events:watch', { after_id: after }, signal)) {
      after = ev.id;
      show(ev, true);
    }
  }, signal, (e) => {
    if (e.code === Code.PERMISSION_DENIED) {
      status.textContent = '· not available for your role';
      return false;
    }
    status.textContent = '· reconnecting…';
    return e.code !== Code.UNAUTHENTICATED;
  });
}

function show(ev, live) {
  const feed = document.getElementById('feed');
  const li = document.createElement('li');
  const type = ev.type || 'EVENT';
  li.className = `ev ev-${type.toLowerCase()}${ALARM.has(type) ? ' alarm' : WARN.has(type) ? ' warn' : ''}`;
  li.dataset.type = type;
  const who = ev.tag_id ? (describe(ev.tag_id).name || ev.tag_id) : ev.count !== undefined && (type === 'BELOW_PAR' || type === 'PAR_RESTORED') ? `${ev.count} tags` : '';
  const time = ev.time ? new Date(ev.time).toLocaleTimeString() : '';
  li.innerHTML = '<time></time> <span class="badge"></span> <span class="who"></span> <span class="where"></span>';
  li.querySelector('time').textContent = time;
  li.querySelector('.badge').textContent = LABEL[type] || type;
  li.querySelector('.who').textContent = who;
  li.querySelector('.where').textContent = `${roomName(ev.zone_id)}${ev.rule_id ? ` · rule ${ev.rule_id}` : ''}${ev.status && ev.status !== 'ASSET_STATUS_UNSPECIFIED' ? ` · ${ev.status}` : ''}`;
  feed.prepend(li);
  while (feed.children.length > MAX_FEED) feed.lastChild.remove();
  if (live && ALARM.has(type)) alarm(`${LABEL[type] || type}: ${who} in ${roomName(ev.zone_id)} at ${time}`);
}

function alarm(text) {
  const box = document.getElementById('alerts');
  const div = document.createElement('div');
  div.className = 'alarm-banner';
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'Dismiss';
  b.addEventListener('click', () => div.remove());
  const span = document.createElement('span');
  span.textContent = text;
  div.append(span, b);
  box.prepend(div);
}

/** The PAR board: each PAR rule's zone, its live count against the minimum. */
export async function parBoard() {
  const status = document.getElementById('par-status');
  const body = document.querySelector('#par tbody');
  let rules;
  try {
    rules = (await all('/v1/rules', {}, 'rules')).filter((r) => r.event_type === 'PAR' && r.enabled);
  } catch (e) {
    status.textContent = e.code === Code.PERMISSION_DENIED ? 'Not available for your role.' : `Could not load rules: ${e.message}`;
    return;
  }
  status.textContent = rules.length ? '' : 'No PAR rules are configured.';
  const rows = [];
  for (const r of rules) {
    const zones = r.zone_id ? [r.zone_id]
      : r.group?.category ? [...(state.plan?.rooms.values() || [])].filter((room) => room.category === r.group.category).map((room) => room.id)
        : r.group?.zone_ids || [];
    for (const zone of zones) rows.push(parRow(r, zone));
  }
  body.replaceChildren(...rows);
}

function parRow(rule, zone) {
  let count = 0;
  for (const loc of state.locs.values()) {
    if (loc.room_id !== zone) continue;
    const d = describe(loc.tag_id);
    if (rule.tag_class && rule.tag_class !== 'TAG_CLASS_UNSPECIFIED' && d.cls !== rule.tag_class) continue;
    if (rule.asset_type && d.type !== rule.asset_type) continue;
    count++;
  }
  const below = count < rule.min_count;
  const tr = document.createElement('tr');
  tr.className = below ? 'below' : 'ok';
  for (const text of [roomName(zone), rule.asset_type || rule.name || rule.tag_class, String(count), String(rule.min_count), below ? 'Below PAR' : 'OK']) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

// The JSON face of rtlsd (grpc-gateway): GET routes of gateway.yaml, POST
// /rtls.v1.<Service>/<Method> for every RPC, newline-delimited JSON streams.

const TOKEN_KEY = 'rtls.token';

/** gRPC status codes the app reacts to. */
export const Code = Object.freeze({
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
});

/** An error status from the server. */
export class APIError extends Error {
  constructor(code, message) {
    super(message || `status ${code}`);
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

function url(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function fail(resp) {
  let body = {};
  try {
    body = await resp.json();
  } catch {
    // not JSON: keep the HTTP status
  }
  const code = typeof body.code === 'number' ? body.code : resp.status === 401 ? Code.UNAUTHENTICATED : Code.UNAVAILABLE;
  return new APIError(code, body.message || resp.statusText);
}

/** GET a route of gateway.yaml. */
export async function get(path, params, signal) {
  const resp = await fetch(url(path, params), { headers: headers(), signal });
  if (!resp.ok) throw await fail(resp);
  return resp.json();
}

/** Call any RPC by its full name, e.g. call('AssetService', 'FindNearest', {...}). */
export async function call(service, method, body, signal) {
  const resp = await fetch(`/rtls.v1.${service}/${method}`, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body || {}),
    signal,
  });
  if (!resp.ok) throw await fail(resp);
  return resp.json();
}

/**
 * Reads a server stream: yields each message until the server ends it;
 * throws APIError for an error line or status. Abort with signal.
 */
export async function* stream(path, params, signal) {
  const resp = await fetch(url(path, params), { headers: headers(), signal });
  if (!resp.ok) throw await fail(resp);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.error) throw new APIError(msg.error.code, msg.error.message);
      yield msg.result;
    }
  }
}

/** Fetches every page of a list RPC, up to max items. */
export async function all(path, params, field, max = 10000) {
  const out = [];
  let page_token = '';
  do {
    const r = await get(path, { ...params, page_size: 1000, page_token });
    out.push(...(r[field] || []));
    page_token = r.next_page_token;
  } while (page_token && out.length < max);
  return out;
}

/** Runs fn again after failures, with a capped back-off, until signal aborts. */
export async function retrying(fn, signal, onError) {
  let wait = 500;
  while (!signal.aborted) {
    try {
      await fn();
      wait = 500;
    } catch (e) {
      if (signal.aborted) return;
      if (onError && onError(e) === false) return;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 10000);
    }
  }
}

// The sandbox: what the program may touch outside its memory. Nothing by
// default; the CLI's --dir and --net (and the API's `grants`) open it, like
// Deno's --allow-read/--allow-net. A refused call fails in the program with
// EACCES and never reaches the host's OS; the refusal is reported once, with
// the grant that would allow it.

export interface Grants {
  /** Host directories the program may read and write under (--dir). */
  dirs?: string[];
  /** Network: true for any (--net), or an allow-list of "host:port", "host", ":port" (--net=...). */
  net?: boolean | string[];
}

export interface Refusal { grant: '--net' | '--dir'; what: string; message: string }

interface NetRule { host: string | null; port: number | null }

function parseRule(spec: string): NetRule {
  let host: string | null = spec, port: number | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(spec);
  if (v6) { host = v6[1]; port = v6[2] && v6[2] !== '*' ? Number(v6[2]) : null; }
  else {
    const m = /^(.*):(\d+|\*)$/.exec(spec);
    if (m && !m[1].includes(':')) { host = m[1]; port = m[2] === '*' ? null : Number(m[2]); }
  }
  if (host === '' || host === '*') host = null;
  return { host: host?.toLowerCase() ?? null, port };
}

const LOCAL = new Set(['127.0.0.1', '::1', 'localhost']);
const norm = (h: string) => h.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

export class Sandbox {
  private readonly rules: NetRule[] | 'all' | 'none';
  private readonly reported = new Set<string>();
  constructor(readonly grants: Grants = {}, private readonly report: (r: Refusal) => void = () => {}) {
    const net = grants.net;
    this.rules = net === true ? 'all' : Array.isArray(net) && net.length ? net.map(parseRule) : 'none';
  }

  get netGranted(): boolean { return this.rules !== 'none'; }

  private hostMatches(rule: string | null, host: string): boolean {
    if (rule === null) return true;
    const h = norm(host);
    if (rule === h) return true;
    return rule === 'localhost' && LOCAL.has(h);
  }

  /** Whether `op` on host:port is granted; on refusal reports it and returns false. */
  allowNet(op: 'listen on' | 'connect to' | 'resolve', host: string, port: number | null): boolean {
    if (this.rules === 'all') return true;
    if (this.rules !== 'none' && this.rules.some((r) => this.hostMatches(r.host, host) && (r.port === null || port === null || r.port === port))) return true;
    const where = port === null ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const granted = this.rules === 'none' ? 'no network was granted' : `granted: ${(this.grants.net as string[]).join(', ')}`;
    this.refuse({ grant: '--net', what: `${op} ${where}`, message: `${op} ${where} refused (EACCES): ${granted}; run with --net=${where} (or --net for any address)` });
    return false;
  }

  refuse(r: Refusal): void {
    if (this.reported.has(r.what)) return;
    this.reported.add(r.what);
    this.report(r);
  }
}

// The sandbox: what the program may touch outside its memory. Nothing by
// default; the CLI's --dir and --net (and the API's `grants`) open it, like
// Deno's --allow-read/--allow-net. A refused call fails in the program with
// EACCES and never reaches the host's OS; the refusal is reported once, with
// the grant that would allow it.

import { parseV4, parseV6, canonicalHost } from '../common/ip-address.js';
import { KitsuneError } from '../../format/errors.js';
import { nodeBuiltin } from '../../format/platform.js';

const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
const pathm = nodeBuiltin<typeof import('node:path')>('node:path');

export interface Grants {
  /** Host directories the program may read and write under (--dir). */
  dirs?: string[];
  /** Network: true for any (--net), or an allow-list of "host:port", "host", ":port" (--net=...). */
  net?: boolean | string[];
  /**
   * Files the program may name as its next version (kitsune_set_next_version)
   * outside `dirs`: the CLI lists the versions on its command line.
   */
  versions?: string[];
}

export interface Refusal { grant: '--net' | '--dir'; what: string; message: string }

interface NetRule { host: string | null; port: number | null }

const NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/** HOST:PORT, [V6]:PORT, HOST alone or :PORT alone; `*` for either means any. */
function splitRule(spec: string): { host: string; port: string | null; bracketed: boolean } {
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(spec);
  if (v6) return { host: v6[1], port: v6[2] ?? null, bracketed: true };
  const colon = spec.lastIndexOf(':');
  // An IPv6 address without brackets has more than one colon and no port.
  if (colon < 0 || spec.indexOf(':') !== colon) return { host: spec, port: null, bracketed: false };
  return { host: spec.slice(0, colon), port: spec.slice(colon + 1), bracketed: false };
}

/** What is wrong with a --net entry, or null when it is a valid rule. */
export function netRuleProblem(spec: string): string | null {
  if (!spec) return 'is empty';
  const { host, port, bracketed } = splitRule(spec);
  if (port !== null && port !== '*' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return `has port "${port}": expected 1 to 65535 (or * for any)`;
  if (bracketed && !parseV6(host)) return `has "[${host}]", which is not an IPv6 address`;
  if (!bracketed && host.includes(':') && !parseV6(host)) return `is not an IPv6 address (write one with a port as [ADDRESS]:PORT)`;
  if (!bracketed && host && host !== '*' && !host.includes(':') && !parseV4(host) && (/^[\d.]+$/.test(host) || !NAME.test(host))) return `has "${host}", which is neither an address nor a host name`;
  if (!host && port === null) return 'names neither a host nor a port';
  return null;
}

function parseRule(spec: string): NetRule {
  const { host, port } = splitRule(spec);
  return { host: host === '' || host === '*' ? null : canonicalHost(host), port: port === null || port === '*' ? null : Number(port) };
}

const LOCAL = new Set(['127.0.0.1', '::1']);

export class Sandbox {
  private readonly rules: NetRule[] | 'all' | 'none';
  private readonly reported = new Set<string>();
  /** Address -> the granted names it was resolved from: a rule for a name covers the addresses it resolved to. */
  private readonly resolved = new Map<string, Set<string>>();
  constructor(readonly grants: Grants = {}, private readonly report: (r: Refusal) => void = () => {}) {
    const net = grants.net;
    this.rules = net === true ? 'all' : Array.isArray(net) && net.length ? net.map(parseRule) : 'none';
  }

  get netGranted(): boolean { return this.rules !== 'none'; }

  private hostMatches(rule: string | null, host: string): boolean {
    if (rule === null || rule === host) return true;
    if (rule === 'localhost' && LOCAL.has(host)) return true;
    return this.resolved.get(host)?.has(rule) ?? false;
  }

  /** Called with what a granted name resolved to, so that the connect that follows matches the name's rules. */
  noteResolved(name: string, addresses: string[]): void {
    if (!Array.isArray(this.rules)) return;
    const n = canonicalHost(name);
    if (!this.rules.some((r) => r.host === n)) return;
    for (const a of addresses) {
      const key = canonicalHost(a);
      const names = this.resolved.get(key) ?? new Set<string>();
      names.add(n);
      this.resolved.set(key, names);
    }
  }

  /** Whether `op` on host:port is granted; on refusal reports it and returns false. */
  allowNet(op: 'listen on' | 'connect to' | 'resolve', host: string, port: number | null): boolean {
    if (this.rules === 'all') return true;
    const h = canonicalHost(host);
    if (this.rules !== 'none' && this.rules.some((r) => this.hostMatches(r.host, h) && (r.port === null || port === null || r.port === port))) return true;
    const at = (x: string) => (port === null ? x : x.includes(':') ? `[${x}]:${port}` : `${x}:${port}`);
    const where = at(h);
    // An address a granted name resolved to: the rule to add is for the name.
    const from = this.resolved.get(h);
    const advise = from ? at([...from][0]) : where;
    const granted = this.rules === 'none' ? 'no network was granted' : `granted: ${(this.grants.net as string[]).join(', ')}`;
    const also = from ? ` (an address of ${[...from].join(', ')})` : '';
    this.refuse({ grant: '--net', what: `${op} ${where}`, message: `${op} ${where}${also} refused (EACCES): ${granted}; run with --net=${advise} (or --net for any address)` });
    return false;
  }

  /**
   * Where a next version the program named (kitsune_set_next_version) really
   * is, when it lies under a --dir grant or is one of the granted versions;
   * else a refusal (reported, and thrown) that says nothing of the file: not
   * whether it exists, not its size.
   */
  versionPath(p: string): string {
    const { dirs, files } = this.realGrants();
    const wanted = pathm!.resolve(p);
    let real: string | undefined;
    try { real = fs!.realpathSync(wanted); } catch { real = undefined; }
    if (real !== undefined && this.fileGranted(real)) return real;
    const granted = dirs.map((d) => `--dir ${d}`).join(', ') || 'no directory was granted';
    const message = `kitsune_set_next_version("${p}") refused (EACCES): a version the program names is read only from under its --dir grants (${granted})${files.length ? ' or from the versions the runner allows (those on its command line)' : ''}; grant its directory with --dir, or update from outside with \`kitsune update\``;
    this.refuse({ grant: '--dir', what: `next version ${p}`, message });
    // Inside a grant but missing: the program may know that much.
    if (real === undefined && dirs.some((d) => within(wanted, d))) throw new KitsuneError('E_READ', `${p}: no such file`);
    throw new KitsuneError('E_SANDBOX', message);
  }

  /** Whether the real path `real` is inside a --dir grant or is a granted version. */
  fileGranted(real: string): boolean {
    const { dirs, files } = this.realGrants();
    return dirs.some((d) => within(real, d)) || files.includes(real);
  }

  private grantsReal: { dirs: string[]; files: string[] } | undefined;
  private realGrants(): { dirs: string[]; files: string[] } {
    if (!fs || !pathm) throw new KitsuneError('E_NODE_ONLY', 'reading a version the program names needs Node.js');
    const real = (p: string) => { try { return fs.realpathSync(p); } catch { return pathm.resolve(p); } };
    return (this.grantsReal ??= { dirs: (this.grants.dirs ?? []).map(real), files: (this.grants.versions ?? []).map(real) });
  }

  refuse(r: Refusal): void {
    if (this.reported.has(r.what)) return;
    this.reported.add(r.what);
    this.report(r);
  }
}

function within(p: string, dir: string): boolean {
  const sep = pathm!.sep;
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

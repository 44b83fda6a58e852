import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../shared/errors.ts';

/**
 * SSRF guard for customer webhook URLs: loopback, private, link-local (cloud metadata at
 * 169.254.169.254 and fd00:ec2::254), CGNAT, multicast and reserved ranges are refused at
 * creation and again at every delivery, on the address the connection actually uses (the DNS
 * answer is checked inside the socket's own lookup, so a rebinding name cannot swap it after
 * the check). `allowPrivate` (WEBHOOK_ALLOW_PRIVATE_TARGETS) lifts it, and allows plain HTTP.
 */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, 'ipv6');
}

/** Why this IP literal may not be a webhook target, or undefined when it may. */
export function forbiddenAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return forbiddenAddress(mapped);
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a loopback, private, link-local or reserved address`
    : undefined;
}

const refused = (message: string) =>
  new AppError('validation_failed', 400, `Invalid body: url (${message})`, {
    details: [{ field: 'url', code: 'forbidden_target', message }],
  });

/** The URL's own shape: https (or http when allowed), no credentials in it, no forbidden IP literal. */
export function checkTargetShape(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('not a URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw refused('must be https');
  if (url.username || url.password) throw refused('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0) {
    const reason = forbiddenAddress(host);
    if (reason) throw refused(reason);
  }
  return url;
}

/** Creation-time check: the shape, then every address the name resolves to now. */
export async function checkTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = checkTargetShape(raw, allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(host) !== 0) return url;
  const addresses = await resolveAll(host).catch(() => {
    throw refused(`${host} does not resolve`);
  });
  for (const { address } of addresses) {
    const reason = forbiddenAddress(address);
    if (reason) throw refused(`${host} resolves to ${reason}`);
  }
  return url;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that resolves the name and fails the connection when an answer
 * is forbidden: the socket connects to exactly the address that was checked.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = allowPrivate ? undefined : addresses.map((a) => forbiddenAddress(a.address)).find(Boolean);
      if (bad) {
        const error: NodeJS.ErrnoException = new Error(`refused webhook target: ${hostname} resolves to ${bad}`);
        error.code = 'EFORBIDDENTARGET';
        return callback(error, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

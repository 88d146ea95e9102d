import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses an outbound request may reach outside demo mode. A webhook or Open311
 * endpoint is typed in by a council's staff (or an API client), so without this a request
 * could be aimed at the server's own admin ports, the cloud metadata service
 * (169.254.169.254) or the council's internal network.
 *
 * Only addresses that are globally reachable unicast pass: everything in the IANA
 * special-purpose registries that is not, plus multicast, is refused. IPv6 forms that
 * carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address.
 */

interface Range4 {
  base: number;
  bits: number;
  kind: string;
}

const ranges4: Range4[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
].map(([base, bits, kind]) => ({
  base: ipv4ToNumber(base as string)!,
  bits: bits as number,
  kind: kind as string,
}));

interface Range6 {
  base: bigint;
  bits: number;
  kind: string;
}

const ranges6: Range6[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignment'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
].map(([base, bits, kind]) => ({
  base: ipv6ToBigInt(base as string)!,
  bits: bits as number,
  kind: kind as string,
}));

/** Prefixes whose low 32 bits (or, for 6to4, bits 16..48) are an IPv4 address. */
const embedding: { base: bigint; bits: number; shift: bigint }[] = [
  { base: ipv6ToBigInt('::ffff:0:0')!, bits: 96, shift: 0n }, // IPv4-mapped
  { base: ipv6ToBigInt('::')!, bits: 96, shift: 0n }, // IPv4-compatible (deprecated)
  { base: ipv6ToBigInt('64:ff9b::')!, bits: 96, shift: 0n }, // NAT64
  { base: ipv6ToBigInt('2002::')!, bits: 16, shift: 80n }, // 6to4
];

export function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** An IPv6 address (with or without brackets, a zone, or a dotted IPv4 tail) as a 128-bit number. */
export function ipv6ToBigInt(address: string): bigint | undefined {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes two hexadecimal groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4ToNumber(tail[1]!);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, tail.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups =
    rest === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...restGroups];
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  return value;
}

function inRange6(value: bigint, base: bigint, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return value >> shift === base >> shift;
}

function classify4(value: number): string | undefined {
  for (const range of ranges4) {
    const shift = 32 - range.bits;
    if (Math.floor(value / 2 ** shift) === Math.floor(range.base / 2 ** shift)) return range.kind;
  }
  return undefined;
}

function classify6(value: bigint): string | undefined {
  for (const range of ranges6) {
    if (inRange6(value, range.base, range.bits)) return range.kind;
  }
  for (const { base, bits, shift } of embedding) {
    if (inRange6(value, base, bits)) {
      const v4 = Number((value >> shift) & 0xffffffffn);
      const kind = classify4(v4);
      return kind === undefined ? undefined : `${kind} (embedded in IPv6)`;
    }
  }
  return undefined;
}

/**
 * Why an address may not be reached ("loopback", "private", …), or undefined when it is a
 * globally reachable unicast address. Anything that is not an IP address is refused.
 */
export function blockedAddressKind(address: string): string | undefined {
  if (isIPv4(address)) return classify4(ipv4ToNumber(address)!);
  const v6 = ipv6ToBigInt(address);
  if (v6 === undefined) return 'not an IP address';
  return classify6(v6);
}

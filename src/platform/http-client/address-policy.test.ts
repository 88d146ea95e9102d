import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { blockedAddressKind, ipv6ToBigInt } from './address-policy.ts';

describe('outbound address policy', () => {
  test('refuses private, loopback, link-local, unique-local, CGNAT, unspecified and the like', () => {
    const blocked: [string, RegExp][] = [
      ['127.0.0.1', /loopback/],
      ['127.255.255.254', /loopback/],
      ['10.0.0.1', /private/],
      ['172.16.0.1', /private/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private/],
      ['169.254.169.254', /link-local/],
      ['100.64.0.1', /CGNAT/],
      ['100.127.255.255', /CGNAT/],
      ['0.0.0.0', /unspecified/],
      ['0.1.2.3', /unspecified/],
      ['192.0.2.10', /documentation/],
      ['198.18.0.1', /benchmarking/],
      ['224.0.0.1', /multicast/],
      ['255.255.255.255', /reserved/],
      ['::', /unspecified/],
      ['::1', /loopback/],
      ['[::1]', /loopback/],
      ['fe80::1', /link-local/],
      ['fe80::1%eth0', /link-local/],
      ['fc00::1', /unique-local/],
      ['fd12:3456:789a::1', /unique-local/],
      ['ff02::1', /multicast/],
      ['2001:db8::1', /documentation/],
      ['::ffff:127.0.0.1', /loopback \(embedded/],
      ['::ffff:7f00:1', /loopback \(embedded/],
      ['::ffff:10.1.2.3', /private \(embedded/],
      ['::ffff:169.254.169.254', /link-local \(embedded/],
      ['0:0:0:0:0:ffff:a9fe:a9fe', /link-local \(embedded/],
      ['::127.0.0.1', /loopback \(embedded/],
      ['64:ff9b::10.0.0.1', /private \(embedded/],
      ['2002:7f00:1::', /loopback \(embedded/],
      ['2002:c0a8:0101::1', /private \(embedded/],
      ['not-an-address', /not an IP/],
      ['256.0.0.1', /not an IP/],
    ];
    for (const [address, kind] of blocked) {
      assert.match(blockedAddressKind(address) ?? 'allowed', kind, address);
    }
  });

  test('allows public unicast addresses', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '192.169.0.1',
      '81.2.69.160',
      '2606:4700:4700::1111',
      '2a00:1450:4009:81f::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::8.8.8.8',
      '2002:0808:0808::1',
    ]) {
      assert.equal(blockedAddressKind(address), undefined, address);
    }
  });

  test('expands IPv6 the way the URL parser writes it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const compressed = new URL(`http://[${full}]/`).hostname;
        const expected = groups.reduce((value, g) => (value << 16n) | BigInt(g), 0n);
        return ipv6ToBigInt(full) === expected && ipv6ToBigInt(compressed) === expected;
      }),
    );
  });

  test('an IPv4-mapped address is judged like the IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const mapped = new URL(`http://[::ffff:${v4}]/`).hostname.slice(1, -1);
        const plain = blockedAddressKind(v4);
        const viaV6 = blockedAddressKind(mapped);
        return plain === undefined ? viaV6 === undefined : viaV6 === `${plain} (embedded in IPv6)`;
      }),
    );
  });
});

// Is an IP address on the public internet? For checks that contact a host a student named (the
// repository in q1.txt): they must never reach this machine, its network or a cloud's metadata
// service. The ranges are IANA's special-purpose address registries (RFC 6890 and updates): what is
// not a globally reachable unicast address is refused. node's own BlockList does the matching;
// node:net is loaded when first asked, not at every start-up.
type Net = typeof import('node:net');

const V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.31.196.0', 24],
  ['192.52.193.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['192.175.48.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
// IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are judged by the IPv4 address inside.
const V6 = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const;

/** The test, once node:net is loaded: `(await publicAddressTest())('8.8.8.8') === true`. */
export async function publicAddressTest(): Promise<(address: string) => boolean> {
  const net: Net = await import('node:net');
  const blocked = new net.BlockList();
  for (const [a, n] of V4) blocked.addSubnet(a, n, 'ipv4');
  for (const [a, n] of V6) blocked.addSubnet(a, n, 'ipv6');
  /** True for a globally reachable unicast address; false for loopback, private, link-local and the rest. */
  const isPublic = (address: string): boolean => {
    const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const family = net.isIP(a);
    if (family === 4) return !blocked.check(a, 'ipv4');
    if (family !== 6) return false;
    const inner = embeddedV4(a);
    if (inner) return isPublic(inner);
    return !blocked.check(a, 'ipv6');
  };
  return isPublic;
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped or NAT64), if it is one of those. */
function embeddedV4(v6: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(v6);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v6);
  if (!hex) return undefined;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

import { BlockList, isIP } from 'node:net';

/** A matcher for DLR_ALLOWED_IPS or REPLY_ALLOWED_IPS (addresses and CIDR ranges), or null when any address may push. */
export function allowList(entries: string[]): ((ip: string) => boolean) | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return (ip) => {
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    return v4 ? list.check(v4, 'ipv4') : list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  };
}

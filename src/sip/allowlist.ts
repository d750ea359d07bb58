/** Trunk source allowlist: IPv4/IPv6 addresses and CIDR blocks. Empty list allows everyone. */
import { BlockList, isIP } from 'node:net';

export class CidrAllowlist {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: string[]) {
    this.empty = entries.length === 0;
    for (const e of entries) {
      const [addr, bits] = e.split('/');
      const family = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr!, family);
      else this.list.addSubnet(addr!, Number(bits), family);
    }
  }

  allows(address: string): boolean {
    if (this.empty) return true;
    const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return this.list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  }
}

import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may send: the rules that keep the engine from being turned into a client of its
 * own network (server-side request forgery: a cloud's metadata service at 169.254.169.254, the
 * database, an admin page on localhost). A URL is https:// unless `WEBHOOK_ALLOW_HTTP`, and every
 * address its host names is public unless it lies in `WEBHOOK_ALLOWED_NETWORKS`. The check runs at
 * registration and again at each delivery, on the addresses the connection will use (a name that
 * resolved to a public address at registration may resolve to a private one later: DNS rebinding).
 */
export interface WebhookNetworkRules {
  allowHttp: boolean;
  allowedNetworks: string[];
}

/**
 * Addresses that are not public: IANA's special-purpose registries (RFC 6890 and its updates).
 * Node's BlockList matches an IPv4 rule against the IPv4-mapped IPv6 form too (`::ffff:127.0.0.1`).
 */
const NOT_PUBLIC_RANGES: ReadonlyArray<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'ipv4', 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'ipv4', 'shared address space (RFC 6598)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (RFC 3927; cloud metadata services)'],
  ['172.16.0.0', 12, 'ipv4', 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation (TEST-NET-1)'],
  ['192.168.0.0', 16, 'ipv4', 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking (RFC 2544)'],
  ['198.51.100.0', 24, 'ipv4', 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'ipv4', 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved (and broadcast)'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b::', 96, 'ipv6', 'IPv4/IPv6 translation (RFC 6052)'],
  ['64:ff9b:1::', 48, 'ipv6', 'local IPv4/IPv6 translation (RFC 8215)'],
  ['100::', 64, 'ipv6', 'discard-only (RFC 6666)'],
  ['2001::', 32, 'ipv6', 'Teredo (carries an IPv4 address)'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', '6to4 (carries an IPv4 address)'],
  ['fc00::', 7, 'ipv6', 'unique-local (RFC 4193)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local (deprecated)'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** Each range as a BlockList of its own, so a refusal can say which range the address is in. */
const NOT_PUBLIC = NOT_PUBLIC_RANGES.map(([network, prefix, type, what]) => {
  const range = new BlockList();
  range.addSubnet(network, prefix, type);
  return { range, what };
});

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** The webhook rules as code: is a URL acceptable, is an address reachable, and a DNS lookup that refuses the rest. */
export class WebhookDestinations {
  private readonly allowed = new BlockList();

  constructor(private readonly rules: WebhookNetworkRules) {
    for (const network of rules.allowedNetworks) {
      const [address, prefix] = network.split('/');
      if (prefix === undefined) this.allowed.addAddress(address, family(address));
      else this.allowed.addSubnet(address, Number(prefix), family(address));
    }
  }

  /** What is wrong with a webhook URL before any name is resolved (scheme, credentials, a literal address); none: undefined. */
  urlProblem(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'url is not a URL';
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.rules.allowHttp)) {
      return `url must be https:// (${parsed.protocol}// is allowed only with WEBHOOK_ALLOW_HTTP=true)`;
    }
    if (parsed.username || parsed.password) return 'url may not carry a user name or password';
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? this.addressProblem(host) : undefined;
  }

  /** Why an address may not be reached (it is not public and not in WEBHOOK_ALLOWED_NETWORKS); none: undefined. */
  addressProblem(address: string): string | undefined {
    if (this.allowed.check(address, family(address))) return undefined;
    for (const { range, what } of NOT_PUBLIC) {
      if (range.check(address, family(address))) {
        return `url leads to ${address}, a ${what} address; only public addresses are allowed unless WEBHOOK_ALLOWED_NETWORKS names it`;
      }
    }
    return undefined;
  }

  /** Every problem of a URL, its host's names resolved: what registration checks. */
  async problems(url: string): Promise<string[]> {
    const problem = this.urlProblem(url);
    if (problem) return [problem];
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return [];
    const addresses = await new Promise<LookupAddress[]>((resolve) => dnsLookup(host, { all: true }, (error, found) => resolve(error ? [] : found)));
    if (!addresses.length) return [`url names ${host}, which does not resolve to any address`];
    return addresses.map((a) => this.addressProblem(a.address)).filter((p): p is string => p !== undefined);
  }

  /**
   * A `lookup` for an HTTP request: resolves as Node would, and fails the connection when any
   * address is one the rules refuse, so the socket can only connect to an address checked here.
   */
  readonly lookup = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = addresses.map((a) => this.addressProblem(a.address)).find((p) => p !== undefined);
      if (refused) return callback(Object.assign(new Error(refused), { code: 'EWEBHOOKADDRESS' }), '');
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { addressWords, classifyAddress, classifyHost, netPolicy, refusalIn, UrlRefusal, type NetPolicy } from '../../src/main/core/net';

/** The simulator's address, as the client is configured while simulating. */
const SIM = 'http://127.0.0.1:47001/api/v1';
const policy = netPolicy({ apiBaseUrl: () => SIM, subject: "The video's link" });

function refusal(p: NetPolicy, url: string): UrlRefusal {
  try {
    p.check(url);
  } catch (error) {
    if (error instanceof UrlRefusal) return error;
    throw error;
  }
  throw new Error(`${url} was allowed`);
}

describe('the network policy, address by address', () => {
  // Every one of these reaches this computer or a private network; each must be refused over
  // https too (so the refusal is for the address, not for plain http).
  const refused: [string, string][] = [
    ['https://127.0.0.1/x.mp4', 'loopback'],
    ['https://127.000.000.001/x.mp4', 'loopback'],
    ['https://0X7F.0x0.0x0.0x1/x.mp4', 'loopback'],
    ['https://2130706433/x.mp4', 'loopback'],
    ['https://0177.0.0.1/x.mp4', 'loopback'],
    ['https://0x7f.1/x.mp4', 'loopback'],
    ['https://0x7f000001/x.mp4', 'loopback'],
    ['https://017700000001/x.mp4', 'loopback'],
    ['https://127.1/x.mp4', 'loopback'],
    ['https://127.0.0.1./x.mp4', 'loopback'],
    ['https://127。0。0。1/x.mp4', 'loopback'],
    ['https://%31%32%37.0.0.1/x.mp4', 'loopback'],
    ['https://localhost/x.mp4', 'loopback'],
    ['https://LOCALHOST./x.mp4', 'loopback'],
    ['https://cdn.localhost/x.mp4', 'loopback'],
    ['https://cdn.localhost./x.mp4', 'loopback'],
    ['https://[::1]/x.mp4', 'loopback'],
    ['https://[0:0:0:0:0:0:0:1]/x.mp4', 'loopback'],
    ['https://[::ffff:127.0.0.1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[::ffff:7f00:1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[0:0:0:0:0:ffff:7f00:1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[::127.0.0.1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[::ffff:0:7f00:1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[::ffff:10.0.0.1]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[::ffff:169.254.169.254]/x.mp4', 'ipv4-in-ipv6'],
    ['https://[64:ff9b::7f00:1]/x.mp4', 'loopback'],
    ['https://[2002:c0a8:101::1]/x.mp4', 'private'],
    ['https://0.0.0.0/x.mp4', 'unspecified'],
    ['https://0/x.mp4', 'unspecified'],
    ['https://[::]/x.mp4', 'unspecified'],
    ['https://10.1.2.3/x.mp4', 'private'],
    ['https://172.16.0.1/x.mp4', 'private'],
    ['https://172.31.255.255/x.mp4', 'private'],
    ['https://192.168.1.20/x.mp4', 'private'],
    ['https://0xc0.0xa8.1.20/x.mp4', 'private'],
    ['https://100.64.0.1/x.mp4', 'shared'],
    ['https://100.127.255.254/x.mp4', 'shared'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://[fe80::1]/x.mp4', 'link-local'],
    ['https://[febf::1]/x.mp4', 'link-local'],
    ['https://[fc00::1]/x.mp4', 'unique-local'],
    ['https://[fd12:3456:789a::1]/x.mp4', 'unique-local'],
    ['https://224.0.0.1/x.mp4', 'multicast'],
    ['https://[ff02::1]/x.mp4', 'multicast'],
    ['https://255.255.255.255/x.mp4', 'broadcast'],
    ['https://240.0.0.1/x.mp4', 'reserved']
  ];

  it.each(refused)('refuses %s (%s)', (url, kind) => {
    const error = refusal(policy, url);
    expect(error).toMatchObject({ reason: 'address', kind });
    expect(error.message).toMatch(
      /^The video's link points to an address on this computer or a private network \(.+: .+\); the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched\.$/
    );
  });

  it('says which address, and where it points, in words', () => {
    expect(refusal(policy, 'https://[::ffff:127.0.0.1]:47001/x.mp4').message).toBe(
      "The video's link points to an address on this computer or a private network ([::ffff:7f00:1]: 127.0.0.1 written as IPv6, which is this computer); " +
        'the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched.'
    );
    expect(refusal(policy, 'https://2130706433/x.mp4').message).toMatch(/\(127\.0\.0\.1: this computer\)/);
  });

  it('allows a public https address, without fetching it', () => {
    for (const url of [
      'https://tempfile.aiquickdraw.com/r/abc.mp4?sig=1',
      'https://8.8.8.8/x.mp4',
      'https://[2606:4700::1111]/x.mp4',
      'https://[64:ff9b::808:808]/x.mp4',
      'https://172.32.0.1/x.mp4',
      'https://100.128.0.1/x.mp4',
      'https://localhost.example.com/x.mp4'
    ]) {
      expect(policy.check(url).href, url).toBe(new URL(url).href);
    }
  });

  it('allows the configured API host and port, over http only while it is on this computer (the simulator)', () => {
    expect(policy.check('http://127.0.0.1:47001/files/t1.mp4?expires=1&sig=2').port).toBe('47001');
    expect(policy.check('https://127.0.0.1:47001/files/t1.mp4').port).toBe('47001');
    // The same address in another spelling is the same host and port.
    expect(policy.check('http://2130706433:47001/files/t1.mp4').hostname).toBe('127.0.0.1');
    // Another port, or another name for this computer, is not the API.
    expect(refusal(policy, 'http://127.0.0.1:47002/x.mp4').reason).toBe('address');
    expect(refusal(policy, 'https://127.0.0.1:47002/x.mp4').reason).toBe('address');
    expect(refusal(policy, 'https://localhost:47001/x.mp4').reason).toBe('address');
    expect(refusal(policy, 'https://[::ffff:7f00:1]:47001/x.mp4').reason).toBe('address');
    expect(refusal(policy, 'https://127.0.0.1/x.mp4').reason).toBe('address');

    const local = netPolicy({ apiBaseUrl: () => 'http://localhost:47001/api/v1' });
    expect(local.check('http://localhost:47001/files/t1.mp4').hostname).toBe('localhost');
    expect(refusal(local, 'http://127.0.0.1:47001/files/t1.mp4').reason).toBe('address');
  });

  it('refuses plain http to anything but the simulator, and what is no web address', () => {
    const apixo = netPolicy({ apiBaseUrl: () => 'https://api.apixo.ai/api/v1', subject: "The video's link" });
    expect(refusal(apixo, 'http://tempfile.aiquickdraw.com/r/abc.mp4').message).toBe(
      "The video's link points to http://tempfile.aiquickdraw.com/r/abc.mp4, which is not a secure (https) address; " +
        'the app fetches only over https (plain http only from the built-in simulator on this computer), so nothing was fetched.'
    );
    // An API on a private network is allowed by address, but not over plain http.
    const lan = netPolicy({ apiBaseUrl: () => 'http://192.168.1.5:8080/api/v1' });
    expect(refusal(lan, 'http://192.168.1.5:8080/x.mp4').reason).toBe('scheme');
    expect(lan.check('https://192.168.1.5:8080/x.mp4').hostname).toBe('192.168.1.5');
    for (const url of ['ftp://example.com/x.mp4', 'file:///etc/passwd', 'data:video/mp4;base64,AAAA', 'javascript:alert(1)']) {
      expect(refusal(apixo, url).reason, url).toBe('scheme');
    }
    expect(refusal(apixo, 'not a url').reason).toBe('malformed');
  });

  it('follows the client as it changes: the allowance is read at every check', () => {
    let base: string | undefined = SIM;
    const moving = netPolicy({ apiBaseUrl: () => base });
    expect(moving.check('http://127.0.0.1:47001/x.mp4').port).toBe('47001');
    base = 'https://api.apixo.ai/api/v1';
    expect(refusal(moving, 'http://127.0.0.1:47001/x.mp4').reason).toBe('address');
    base = undefined;
    expect(refusal(moving, 'https://127.0.0.1:47001/x.mp4').message).toMatch(/the app fetches only from the internet, so nothing was fetched\.$/);
  });
});

describe('classifying an address', () => {
  it('classifies raw addresses, as a resolver returns them', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('ipv4-in-ipv6');
    expect(classifyAddress('fe80::1%eth0')).toBe('link-local');
    expect(classifyAddress('93.184.215.14')).toBeUndefined();
    expect(classifyAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBeUndefined();
    expect(classifyAddress('example.com')).toBeUndefined();
  });

  it('classifies hosts in the spellings a person might type', () => {
    expect(classifyHost('0177.0.0.1')).toBe('loopback');
    expect(classifyHost('[::ffff:7f00:1]')).toBe('ipv4-in-ipv6');
    expect(classifyHost('::ffff:7f00:1')).toBe('ipv4-in-ipv6');
    expect(classifyHost('Localhost.')).toBe('loopback');
    expect(classifyHost('s3.amazonaws.com')).toBeUndefined();
  });

  it('says which IPv4 address an IPv4-in-IPv6 one is', () => {
    expect(addressWords('::ffff:7f00:1', 'ipv4-in-ipv6')).toBe('127.0.0.1 written as IPv6, which is this computer');
    expect(addressWords('[::ffff:a00:1]', 'ipv4-in-ipv6')).toBe('10.0.0.1 written as IPv6, which is a private network');
    expect(addressWords('::ffff:808:808', 'ipv4-in-ipv6')).toBe('8.8.8.8 written as IPv6');
    expect(addressWords('fe80::1', 'link-local')).toBe('the local network segment (link-local)');
  });
});

describe('names that resolve to refused addresses', () => {
  /** A resolver standing in for a hostile DNS: these names answer with these addresses. */
  function hostileDns(answers: Record<string, LookupAddress[]>): NonNullable<Parameters<typeof netPolicy>[0]>['resolve'] {
    return ((hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
      const found = answers[hostname];
      if (found) return void process.nextTick(callback, null, found);
      process.nextTick(callback, Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    }) as never;
  }

  function lookUp(p: NetPolicy, url: string, name: string, all = false): Promise<unknown> {
    const { dnsLookup } = p.gotOptions(url);
    return new Promise((resolve, reject) => {
      dnsLookup(name, { all } as never, (error: unknown, address: unknown) => (error ? reject(error) : resolve(address)));
    });
  }

  const resolve = hostileDns({
    'cdn.example.com': [{ address: '93.184.215.14', family: 4 }],
    'rebound.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '::1', family: 6 }
    ],
    'metadata.example.com': [{ address: '169.254.169.254', family: 4 }],
    'sim.example.test': [{ address: '127.0.0.1', family: 4 }],
    'mapped.example.com': [{ address: '::ffff:127.0.0.1', family: 6 }]
  });
  const guarded = netPolicy({ apiBaseUrl: () => 'https://sim.example.test:47001/api/v1', subject: "The video's link", resolve });

  it('passes a public name through, as one address or all of them', async () => {
    expect(await lookUp(guarded, 'https://cdn.example.com/x.mp4', 'cdn.example.com')).toBe('93.184.215.14');
    expect(await lookUp(guarded, 'https://cdn.example.com/x.mp4', 'cdn.example.com', true)).toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it('refuses a name when any of its addresses is refused, naming both', async () => {
    const error = await lookUp(guarded, 'https://rebound.example.com/x.mp4', 'rebound.example.com').catch((e: unknown) => e);
    expect(refusalIn(error)?.message).toBe(
      "The video's link points to an address on this computer or a private network (rebound.example.com, which resolves to ::1: this computer); " +
        'the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched.'
    );
    expect(refusalIn(await lookUp(guarded, 'https://metadata.example.com/', 'metadata.example.com').catch((e: unknown) => e))?.kind).toBe('link-local');
    expect(refusalIn(await lookUp(guarded, 'https://mapped.example.com/', 'mapped.example.com').catch((e: unknown) => e))?.message).toMatch(
      /\(mapped\.example\.com, which resolves to ::ffff:127\.0\.0\.1: 127\.0\.0\.1 written as IPv6, which is this computer\)/
    );
  });

  it('lets the configured API name resolve to this computer, on its own port only', async () => {
    expect(await lookUp(guarded, 'https://sim.example.test:47001/files/x.mp4', 'sim.example.test')).toBe('127.0.0.1');
    const error = await lookUp(guarded, 'https://sim.example.test:47002/files/x.mp4', 'sim.example.test').catch((e: unknown) => e);
    expect(refusalIn(error)?.kind).toBe('loopback');
  });

  it('passes a lookup failure on as it is', async () => {
    const error = await lookUp(guarded, 'https://nowhere.example.com/x.mp4', 'nowhere.example.com').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
    expect(refusalIn(error)).toBeUndefined();
  });
});

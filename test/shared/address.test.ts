/**
 * The one classification of addresses, shared by main's network policy and the Settings page:
 * pure, so it must agree with Node's own parser of IP addresses, and refuse private endpoints in
 * the spellings people type.
 */
import { isIP as nodeIsIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyHost, isIP, unreachableEndpoint } from '@shared/address';

describe('the shared address check', () => {
  it('tells IPv4 and IPv6 addresses from anything else exactly as Node does', () => {
    const samples = [
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.4 ',
      '',
      '::',
      '::1',
      '1::',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::10.0.0.1',
      '2001:db8::1',
      'fe80::1%eth0',
      'fe80::1%',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::',
      '1::2::3',
      ':1',
      '1:',
      '12345::1',
      'g::1',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3.4',
      'localhost',
      'example.com',
      '[::1]',
      '2130706433'
    ];
    for (const s of samples) expect([s, isIP(s)]).toEqual([s, nodeIsIP(s)]);
  });

  it('classifies hosts in the spellings a URL parser leaves', () => {
    expect(classifyHost('192.168.1.20')).toBe('private');
    expect(classifyHost('localhost')).toBe('loopback');
    expect(classifyHost('[::1]')).toBe('loopback');
    expect(classifyHost('10.0.0.5')).toBe('private');
    expect(classifyHost('0x7f.1')).toBe('loopback');
    expect(classifyHost('s3.eu-west-1.amazonaws.com')).toBeUndefined();
    expect(classifyHost('8.8.8.8')).toBeUndefined();
  });

  it('refuses a bucket endpoint on this computer or a private network, saying where it points', () => {
    expect(unreachableEndpoint('http://192.168.1.20:9000')).toBe(
      'The endpoint 192.168.1.20 is on a private network, which APIXO cannot reach from the internet: use a bucket endpoint that is publicly reachable.'
    );
    expect(unreachableEndpoint('http://localhost:9000')).toMatch(/^The endpoint localhost is on this computer,/);
    expect(unreachableEndpoint('https://10.0.0.5')).toMatch(/^The endpoint 10\.0\.0\.5 is on a private network,/);
    expect(unreachableEndpoint('http://[::ffff:127.0.0.1]:9000')).toMatch(/127\.0\.0\.1 written as IPv6, which is this computer/);
    expect(unreachableEndpoint('https://s3.eu-west-1.amazonaws.com')).toBeUndefined();
    // Not yet a web address: another check says so.
    expect(unreachableEndpoint('192.168.1.20')).toBeUndefined();
    expect(unreachableEndpoint('')).toBeUndefined();
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { clusterCidr, ipv4Address, logLevel, port } from './flag-values.ts';

const rejects = (parse: (v: string) => unknown, value: string, message: RegExp) =>
  assert.throws(
    () => parse(value),
    (err: Error) => err instanceof InvalidArgumentError && message.test(err.message),
    value,
  );

test('cluster CIDR: IPv4, /8 to /24', () => {
  assert.equal(clusterCidr('10.42.0.0/16'), '10.42.0.0/16');
  assert.equal(clusterCidr('10.42.7.0/24'), '10.42.7.0/24');
  for (const bad of ['10.0.0.0/40', '10.0.0.0/25', '10.0.0.0/7', '10.0.0.0', '10.0.0/16', 'fd00::/64', '10.0.0.0/16/1', '10.0.0.0/1x']) {
    rejects(clusterCidr, bad, /from \/8 to \/24/);
  }
});

test('cluster DNS address, log level and port', () => {
  assert.equal(ipv4Address('10.43.0.10'), '10.43.0.10');
  rejects(ipv4Address, '999.1.1.1', /IPv4 address/);
  rejects(ipv4Address, 'dns', /IPv4 address/);
  assert.equal(logLevel('debug'), 'debug');
  rejects(logLevel, 'loud', /one of trace, debug, info, warn, error, fatal, silent/);
  assert.equal(port('0'), 0);
  rejects(port, '70000', /port number/);
});

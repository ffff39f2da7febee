import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, InvalidArgumentError } from 'commander';
import { clusterCidr, ipv4Address, kubectlStyleFlagError, logLevel, podMaxPids, port, serverUrl } from './flag-values.ts';

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

test("--pod-max-pids: a whole number, -1 for no limit (the kubelet's default)", () => {
  assert.equal(podMaxPids('1024'), 1024);
  assert.equal(podMaxPids('-1'), -1);
  assert.equal(podMaxPids('0'), 0);
  for (const bad of ['-2', '1.5', 'many', '', '1e3']) rejects(podMaxPids, bad, /whole number of processes, or -1/);
});

test('--server: an http(s) URL with a host', () => {
  assert.equal(serverUrl('https://10.0.0.1:6443'), 'https://10.0.0.1:6443');
  assert.equal(serverUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  for (const bad of ['notaurl', '10.0.0.1:6443', 'ftp://x', 'https://', 'unix:/run/hale.sock']) rejects(serverUrl, bad, /API server URL/);
});

test("a refused flag value is reported as Kubernetes' commands do, naming the flag", () => {
  const errors: string[] = [];
  const agent = new Command('agent')
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), outputError: (message, write) => write(kubectlStyleFlagError(message)) })
    .requiredOption('--server <url>', 'the API server URL', serverUrl)
    .option('-p, --port <n>', 'a port', port);
  assert.throws(() => agent.parse(['--server', 'notaurl'], { from: 'user' }));
  assert.deepEqual(errors, [
    'error: invalid argument "notaurl" for "--server" flag: must be the API server URL, such as https://10.0.0.1:6443\n',
  ]);
  errors.length = 0;
  assert.throws(() => agent.parse(['--server', 'https://a', '-p', '99999'], { from: 'user' }));
  assert.deepEqual(errors, ['error: invalid argument "99999" for "--port" flag: must be a port number from 0 to 65535\n']);
  // Other errors pass unchanged.
  assert.equal(
    kubectlStyleFlagError("error: required option '--token <token>' not specified\n"),
    "error: required option '--token <token>' not specified\n",
  );
});

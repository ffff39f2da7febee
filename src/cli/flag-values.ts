// Parsers for the values of `hale server` and `hale agent` flags: a bad value stops the command
// before anything starts, with the line Kubernetes' commands print (pflag's):
// `error: invalid argument "y" for "--x" flag: …` (see kubectlStyleFlagError).
import { InvalidArgumentError } from 'commander';
import { NETWORK_MODES, type NetworkModeSetting } from '../agent/network/network-mode.ts';
import { parseIPv4 } from '../apiserver/service-allocation/ip-range.ts';
import { parseCidr } from '../controllers/nodeipam/cidr-set.ts';
import { PROXY_MODES, type ProxyMode } from '../proxy/proxy-mode.ts';

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

/** --pod-max-pids: a whole number; -1 (or 0) means no limit, as the kubelet's flag. */
export function podMaxPids(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < -1) {
    throw new InvalidArgumentError('must be a whole number of processes, or -1 for no limit');
  }
  return n;
}

export function proxyMode(value: string): ProxyMode {
  if (!(PROXY_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${PROXY_MODES.join(', ')}`);
  return value as ProxyMode;
}

export function networkMode(value: string): NetworkModeSetting {
  if (!(NETWORK_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${NETWORK_MODES.join(', ')}`);
  return value as NetworkModeSetting;
}

/** pino's levels. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function logLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

export function ipv4Address(value: string): string {
  if (parseIPv4(value) === undefined) throw new InvalidArgumentError('must be an IPv4 address such as 10.43.0.10');
  return value;
}

/** --cluster-cidr: every node gets a /24 of it, so /8 to /24. */
export function clusterCidr(value: string): string {
  let prefix: number;
  try {
    prefix = parseCidr(value).prefix;
  } catch {
    prefix = -1;
  }
  if (prefix < 8 || prefix > 24) {
    throw new InvalidArgumentError('must be an IPv4 CIDR from /8 to /24 such as 10.42.0.0/16 (each node gets a /24 of it)');
  }
  return value;
}

/** --server: the API server's URL; the agent cannot guess a scheme or a host. */
export function serverUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw new InvalidArgumentError('must be the API server URL, such as https://10.0.0.1:6443');
  }
  return value;
}

/**
 * commander's message for a flag value its parser refused, in the form kubectl and the other
 * Kubernetes commands print (pflag's), which names the flag the way it is typed:
 *   error: option '--server <url>' argument 'x' is invalid. must be …
 *   error: invalid argument "x" for "--server" flag: must be …
 * Any other message is returned unchanged.
 */
export function kubectlStyleFlagError(message: string): string {
  const m = /^error: option '(?:-\w, )?(--[\w-]+)[^']*' argument '([\s\S]*)' is invalid\. ([\s\S]*)$/.exec(message);
  return m ? `error: invalid argument ${JSON.stringify(m[2])} for "${m[1]}" flag: ${m[3]}` : message;
}

// Runs the `nft` and `ip` commands the kernel-side parts of the proxy need.
import { spawn } from 'node:child_process';

/** Runs a command with optional stdin; rejects with its stderr when it exits non-zero. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
    if (child.stdin) {
      // A command that exits without reading its input must not crash the proxy.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** Applies an nft script in one transaction. */
export const nftApply = (script: string): Promise<string> => run('nft', ['-f', '-'], script);

// Kubernetes' `$(VAR)` expansion, as used for env values, command/args and subPathExpr:
// `$(NAME)` becomes the variable's value, or stays as written when NAME is undefined; `$$`
// is an escaped `$` (so `$$(NAME)` yields the literal `$(NAME)`); any other `$x` is kept.
// The scanner follows the forked Go expansion package byte for byte, including its handling
// of an unterminated `$(` (kept literally, the rest still scanned).
import type { EnvVar } from '../pods/expand-vars.ts';

export type Mapping = (name: string) => string;

/** Looks a name up in each context in turn; an unknown name is written back as `$(name)`. */
export function mappingFor(...contexts: ReadonlyMap<string, string>[]): Mapping {
  return (name) => {
    for (const vars of contexts) {
      const value = vars.get(name);
      if (value !== undefined) return value;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const { text, isVar, advance } = readVariableName(input.slice(cursor + 1));
    out += isVar ? mapping(text) : text;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function readVariableName(rest: string): { text: string; isVar: boolean; advance: number } {
  if (rest[0] === '$') return { text: '$', isVar: false, advance: 1 };
  if (rest[0] === '(') {
    const close = rest.indexOf(')', 1);
    if (close >= 0) return { text: rest.slice(1, close), isVar: true, advance: close + 1 };
    // Unterminated reference: emit "$(" and keep scanning after it.
    return { text: '$(', isVar: false, advance: 1 };
  }
  return { text: `$${rest[0]}`, isVar: false, advance: 1 };
}

/** `$(VAR)` expansion of a container's command and args against its final environment (last definition wins). */
export function expandArgs(argv: string[], env: EnvVar[]): string[] {
  const values = new Map<string, string>();
  for (const e of env) values.set(e.name, e.value);
  const mapping = mappingFor(values);
  return argv.map((arg) => expand(arg, mapping));
}

// Kubernetes' $(VAR) expansion for command and args: $(NAME) becomes the variable's value when
// it is defined and stays as written otherwise; $$ is an escaped $. A small local version
// used until (and unless) the env module's expandArgs is wired in through AgentOptions.

export type EnvVar = { name: string; value: string };

export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

export function expandArgvLocal(argv: string[], env: EnvVar[]): string[] {
  const values = new Map(env.map((e) => [e.name, e.value]));
  return argv.map((arg) => expandVars(arg, (name) => values.get(name)));
}

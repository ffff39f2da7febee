// The process runtime's "image" is the machine itself: a user's primary group and home
// directory come from its /etc/passwd, as containerd takes them from an image's.
import { readFileSync } from 'node:fs';

export interface PasswdEntry {
  gid: number;
  home: string;
}

export function passwdEntry(uid: number, passwdPath = '/etc/passwd'): PasswdEntry | undefined {
  let text = '';
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 6 && fields[2] === String(uid) && /^\d+$/.test(fields[3]))
      return { gid: Number(fields[3]), home: fields[5] || '/' };
  }
  return undefined;
}

// metav1.Time on the wire: RFC 3339 in whole seconds ("2026-11-27T21:42:10Z"), as Go's
// encoding writes every timestamp of an API object.

/** A Date or epoch milliseconds (default now) as metav1.Time writes it. */
export function metaTime(at: Date | number = new Date()): string {
  return (typeof at === 'number' ? new Date(at) : at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The text the record accepts. What is stored must be exactly what was hashed, so two kinds of text
 * are refused before anything is hashed or written:
 *
 * - a NUL character (U+0000): PostgreSQL's text cannot hold it (the write fails), and no clinical
 *   text needs it;
 * - an unpaired UTF-16 surrogate (a lone U+D800–U+DFFF): it is not a Unicode character, has no UTF-8
 *   form, and the database driver stores U+FFFD in its place, so the stored text would no longer be
 *   the text the log entry's hash sealed.
 *
 * Text is not otherwise normalised (no NFC): the record keeps what the user sent, the databases keep
 * any valid UTF-8 byte for byte, and the identifiers the engine compares (subject, site, codes) are
 * ASCII by their own schemas.
 */

/** Objects and arrays a JSON body may nest inside one another. The deepest body the API takes (an event's data) nests 4. */
export const MAX_JSON_DEPTH = 32;

/** At most this many problems are named in one answer. */
const MAX_PROBLEMS = 20;

const LONE_SURROGATE = /\p{Cs}/u;
const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Why a text cannot go into the record as sent; undefined when it can. */
export function unfitText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which the record does not accept';
  if (LONE_SURROGATE.test(text)) return 'holds an unpaired surrogate (a lone U+D800–U+DFFF), which is not Unicode text';
  return undefined;
}

/**
 * Every string and key of a parsed JSON value that the record cannot keep (see unfitText), and a
 * nesting deeper than `maxDepth`, each as `<field>: <why>` (the field as zod names it: `data.labs.alt`).
 * Walks the value without recursion, so no depth can exhaust the stack.
 */
export function jsonTextProblems(value: unknown, root?: string, maxDepth = MAX_JSON_DEPTH): string[] {
  const problems: string[] = [];
  const pending: Array<{ value: unknown; path: string[]; depth: number }> = [{ value, path: root ? [root] : [], depth: 0 }];
  while (pending.length && problems.length < MAX_PROBLEMS) {
    const { value: node, path, depth } = pending.pop()!;
    if (typeof node === 'string') {
      const why = unfitText(node);
      if (why) problems.push(`${fieldName(path)}: ${why}`);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > maxDepth) {
      problems.push(`${fieldName(path.slice(0, 4))}${path.length > 4 ? '…' : ''}: nests objects and arrays more than ${maxDepth} levels deep`);
      continue;
    }
    const children: Array<readonly [string, unknown]> = Array.isArray(node) ? node.map((child, i) => [String(i), child] as const) : Object.entries(node);
    const fit: typeof pending = [];
    for (const [key, child] of children) {
      const why = Array.isArray(node) ? undefined : unfitText(key);
      if (why) problems.push(`${fieldName([...path, key])} (a key): ${why}`);
      else fit.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
    // Last in, first out: pushed in reverse, the children are walked in the body's own order.
    for (let i = fit.length - 1; i >= 0; i--) pending.push(fit[i]);
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** `data.labs.alt`, `attestations.0`, or `data["odd key"]` with the key JSON-escaped (a NUL shows as \u0000). */
export function fieldName(path: readonly string[]): string {
  return path.reduce((name, key) => (PLAIN_KEY.test(key) || /^\d+$/.test(key) ? (name ? `${name}.${key}` : key) : `${name}[${JSON.stringify(key)}]`), '') || 'body';
}

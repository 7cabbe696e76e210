/**
 * Lookups in plain-object tables by keys that may come from users: own properties only, so a
 * key like "constructor" or "__proto__" finds nothing instead of Object.prototype's members.
 */

export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined
}

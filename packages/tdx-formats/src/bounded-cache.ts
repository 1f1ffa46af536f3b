/**
 * A small insertion-ordered cache for values derived from untrusted bytes by
 * a pure function (parsed certificates, public keys): keyed by a digest or the
 * bytes' hex, bounded so hostile input cannot grow it.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The value for `key`, made once by `make` (a throw is not cached). */
  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, value);
    return value;
  }
}

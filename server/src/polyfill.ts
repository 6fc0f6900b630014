/**
 * Object.groupBy / Map.groupBy for Node 20 (Langium 4.4 → chevrotain 13 calls them; Node ≥ 21 has them).
 * The shipped server and CLI run on the editor's / the machine's Node, which may be 20.
 */
type GroupFn<T, K> = (item: T, index: number) => K;

const O = Object as unknown as { groupBy?: unknown };
if (typeof O.groupBy !== 'function') {
  O.groupBy = <T>(items: Iterable<T>, fn: GroupFn<T, PropertyKey>) => {
    const out = Object.create(null) as Record<PropertyKey, T[]>;
    let i = 0;
    for (const x of items) (out[fn(x, i++)] ??= []).push(x);
    return out;
  };
}
const M = Map as unknown as { groupBy?: unknown };
if (typeof M.groupBy !== 'function') {
  M.groupBy = <T, K>(items: Iterable<T>, fn: GroupFn<T, K>) => {
    const out = new Map<K, T[]>();
    let i = 0;
    for (const x of items) {
      const k = fn(x, i++);
      const list = out.get(k);
      if (list) list.push(x);
      else out.set(k, [x]);
    }
    return out;
  };
}
export {};

/** The unreviewed frames either side of the one open: the reviewer walks through them in id order. */
export function neighbours(ids: readonly number[], current: number): { previous: number | null; next: number | null } {
  let previous: number | null = null
  let next: number | null = null
  for (const id of ids) {
    if (id < current && (previous === null || id > previous)) previous = id
    if (id > current && (next === null || id < next)) next = id
  }
  return { previous, next }
}

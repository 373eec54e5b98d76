/** The video wall's layout: how many tiles, which cameras are on the page shown, and what the choice covers. */

export const LAYOUTS = [1, 4, 9, 16] as const
export type Layout = (typeof LAYOUTS)[number]

/** Columns of a square layout: 1, 2, 3, 4. */
export const columnsOf = (layout: Layout): number => Math.round(Math.sqrt(layout))

export const pageCount = (cameras: number, layout: Layout): number => Math.max(1, Math.ceil(cameras / layout))

/** The page number kept within 1..pages (after the layout or the choice changed). */
export const clampPage = (page: number, cameras: number, layout: Layout): number =>
  Math.min(Math.max(1, Math.floor(page) || 1), pageCount(cameras, layout))

/** The cameras of one page. */
export function pageOf<T>(cameras: readonly T[], layout: Layout, page: number): T[] {
  const p = clampPage(page, cameras.length, layout)
  return cameras.slice((p - 1) * layout, p * layout)
}

/** What the wall shows: everything in scope, a region's sites, one site, or one camera. */
export type WallChoice =
  | { kind: 'all' }
  | { kind: 'region'; siteIds: ReadonlySet<number> }
  | { kind: 'site'; siteId: number }
  | { kind: 'camera'; cameraId: number }

interface CameraRef {
  id: number
  site_id: number
}

export function chosenCameras<T extends CameraRef>(cameras: readonly T[], choice: WallChoice): T[] {
  switch (choice.kind) {
    case 'all':
      return [...cameras]
    case 'region':
      return cameras.filter((c) => choice.siteIds.has(c.site_id))
    case 'site':
      return cameras.filter((c) => c.site_id === choice.siteId)
    case 'camera':
      return cameras.filter((c) => c.id === choice.cameraId)
  }
}

/** Reads a layout from a query value; the default for anything else. */
export function parseLayout(value: unknown, fallback: Layout = 4): Layout {
  const n = Number(Array.isArray(value) ? value[0] : value)
  return (LAYOUTS as readonly number[]).includes(n) ? (n as Layout) : fallback
}

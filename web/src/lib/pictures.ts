/**
 * Cameras' latest pictures: which signed link to show. The API signs a fresh short-lived link (about 10 minutes)
 * on every read, and the pages read their cameras again every minute; a new link to the same picture would have the
 * browser download it again. So the link already shown is kept while it is the same picture and young enough to
 * still open (a lazy image may load it later), and replaced by the new one otherwise.
 */

export interface PictureFields {
  latest_picture_at?: string | null
  latest_picture_url?: string | null
}

export interface ShownPicture {
  url: string
  /** when the picture was taken (the server's `latest_picture_at`), null when it did not say */
  at: string | null
  /** when this page received the link (ms) */
  received: number
}

/** How long a received link is used: well inside its ~10 minute life, with a minute's refresh on top. */
export const KEEP_LINK_MS = 5 * 60_000

/** How often the pages read their cameras again while open. */
export const REFRESH_MS = 60_000

const sameInstant = (a: string | null, b: string | null): boolean =>
  a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b))

/** The link to show per camera (by `keyOf`) after a read; cameras without a picture have none. */
export function pictureLinks<T extends PictureFields, K>(
  previous: ReadonlyMap<K, ShownPicture>,
  cameras: readonly T[],
  keyOf: (camera: T, index: number) => K,
  now: number,
  keepFor = KEEP_LINK_MS,
): Map<K, ShownPicture> {
  const out = new Map<K, ShownPicture>()
  cameras.forEach((camera, index) => {
    const url = camera.latest_picture_url
    if (!url) return
    const at = camera.latest_picture_at ?? null
    const key = keyOf(camera, index)
    const shown = previous.get(key)
    const keep = shown !== undefined && sameInstant(shown.at, at) && now - shown.received < keepFor
    out.set(key, keep ? shown : { url, at, received: now })
  })
  return out
}

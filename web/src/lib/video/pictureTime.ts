/** The wall-clock time of the picture on screen, from the playlist's EXT-X-PROGRAM-DATE-TIME. */

/** Where the fragment on screen starts: its programme date (ms since epoch) and its start on the media timeline (s). */
export interface FragmentClock {
  programDateTime: number
  start: number
}

/**
 * The instant (ms since epoch) filmed at media position `position` (s), from the fragment that holds it; null while
 * there is no fragment with a programme date, or for a position that is not a number.
 */
export function pictureTimeMs(frag: FragmentClock | null, position: number): number | null {
  if (!frag || !Number.isFinite(frag.programDateTime) || !Number.isFinite(position)) return null
  return Math.round(frag.programDateTime + (position - frag.start) * 1000)
}

/** "10:32:05" in the reader's time zone (24 h). */
export function formatClock(ms: number | null, locale: string): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(
    new Date(ms),
  )
}

/** How far behind the present the picture is (s, never below 0), for a "delayed by" hint; null when unknown. */
export function latencySeconds(pictureMs: number | null, nowMs: number): number | null {
  if (pictureMs === null) return null
  return Math.max(0, Math.round((nowMs - pictureMs) / 1000))
}

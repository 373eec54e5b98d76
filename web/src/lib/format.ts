/** Display helpers: dates in the reader's time zone and language, rates as percentages. */

const pad = (n: number): string => String(n).padStart(2, '0')

/**
 * An instant as `YYYY-MM-DD HH:mm` in the reader's time zone: the one date format of every list and page, the same
 * in both languages (`locale` is kept for the callers; the digits do not change with it).
 */
export function formatDateTime(iso: string | null | undefined, _locale?: string): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A rate 0..1 as "87.5"; null when there is nothing to measure. */
export function percent(rate: number | null | undefined): string | null {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return null
  return (Math.round(rate * 1000) / 10).toFixed(1)
}

/** Local midnight of a yyyy-mm-dd day, as an ISO instant (for since/until filters). */
export function dayStartIso(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).toISOString()
}

export function nextDayIso(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1).toISOString()
}

/**
 * How long ago an instant was, in the reader's language: `justNow` under a minute (or a little in the future: the
 * browser's clock may be behind the server's), then "3分钟前" / "3 minutes ago", hours under a day, and older ones
 * as a date and time.
 */
export function timeAgo(iso: string | null | undefined, now: number, locale: string, justNow: string): string {
  if (!iso) return '—'
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return '—'
  const seconds = (now - at) / 1000
  if (seconds < 60) return justNow
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'always' })
  if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), 'minute')
  if (seconds < 86_400) return relative.format(-Math.floor(seconds / 3600), 'hour')
  return formatDateTime(iso, locale)
}

/** The playback timeline: a day (or any window) mapped onto a bar, what the edge holds on it, and the alerts. */

export interface Window {
  /** ms since epoch */
  since: number
  until: number
}

/** Local midnight to midnight of a yyyy-mm-dd day (the reader's time zone; 23 or 25 h on a clock change). */
export function dayWindow(day: string): Window {
  const [y, m, d] = day.split('-').map(Number)
  const since = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime()
  const until = new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1).getTime()
  return { since, until }
}

/** yyyy-mm-dd of an instant in the reader's time zone. */
export function localDay(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Where an instant lies on the bar, 0..1 (clamped). */
export function toFraction(ms: number, w: Window): number {
  const span = w.until - w.since
  if (span <= 0) return 0
  return Math.min(1, Math.max(0, (ms - w.since) / span))
}

/** The instant at a fraction 0..1 of the bar (clamped), rounded to the second. */
export function fromFraction(fraction: number, w: Window): number {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
  return Math.round((w.since + f * (w.until - w.since)) / 1000) * 1000
}

/** A stretch of the bar as CSS percentages; null when it lies wholly outside the window or is empty. */
export interface Band {
  left: number
  width: number
}

export function band(from: number | null, until: number | null, w: Window): Band | null {
  if (from === null || until === null || !Number.isFinite(from) || !Number.isFinite(until)) return null
  const a = Math.max(from, w.since)
  const b = Math.min(until, w.until)
  if (b <= a) return null
  const left = toFraction(a, w) * 100
  return { left, width: toFraction(b, w) * 100 - left }
}

/** Parses an ISO instant, null for none or garbage. */
export function parseMs(iso: string | null | undefined): number | null {
  if (!iso) return null
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : ms
}

/** Whether the edge holds the instant (a range with an unknown end is held up to now). */
export function isRecorded(ms: number, from: number | null, until: number | null): boolean {
  return from !== null && until !== null && ms >= from && ms <= until
}

export interface AlertLike {
  id: number
  code: string
  started_at: string
}

export interface AlertMark {
  id: number
  code: string
  at: number
  /** percent from the left of the bar */
  left: number
}

/** The alerts inside the window as marks on the bar, earliest first. */
export function alertMarks(alerts: readonly AlertLike[], w: Window): AlertMark[] {
  return alerts
    .map((a) => ({ id: a.id, code: a.code, at: parseMs(a.started_at) }))
    .filter((a): a is { id: number; code: string; at: number } => a.at !== null && a.at >= w.since && a.at <= w.until)
    .sort((x, y) => x.at - y.at)
    .map((a) => ({ ...a, left: toFraction(a.at, w) * 100 }))
}

// One colour per kind of violation: people's conduct, pests and hygiene, fire and safety, the camera itself.
const CODE_COLORS: Record<string, string> = {
  no_mask: '#e6a23c',
  no_chef_hat: '#e6a23c',
  no_uniform: '#e6a23c',
  shirtless: '#e6a23c',
  no_gloves: '#e6a23c',
  smoking: '#f56c6c',
  phone_use: '#e6a23c',
  rodent: '#9b59b6',
  bin_uncovered: '#9b59b6',
  floor_water: '#409eff',
  stove_unattended: '#f56c6c',
  fire_smoke: '#d03050',
  intrusion: '#f56c6c',
  camera_fault: '#909399',
  cold_chain_temperature: '#409eff',
  gas_leak: '#d03050',
}

export function codeColor(code: string): string {
  return CODE_COLORS[code] ?? '#606266'
}

/** Default length of one playback request, and the most the platform takes in one. */
export const CHUNK_MS = 10 * 60 * 1000
export const MAX_PLAYBACK_MS = 30 * 60 * 1000

/** The range to request from a chosen instant: `length` long, cut at `latest` (the end of what is held, or now). */
export function playbackRange(from: number, latest: number, length = CHUNK_MS): { start: number; end: number } | null {
  const end = Math.min(from + length, latest)
  if (end - from < 1000) return null
  return { start: from, end }
}

/** The range around an alert: a minute before it started to two minutes after. */
export function alertRange(startedAt: string): { start: number; end: number } | null {
  const at = parseMs(startedAt)
  if (at === null) return null
  return { start: at - 60_000, end: at + 120_000 }
}

/** Hour ticks for the bar: every `every` hours of the window, as percentages with their label. */
export function hourTicks(w: Window, every = 3): Array<{ left: number; label: string }> {
  const out: Array<{ left: number; label: string }> = []
  const first = new Date(w.since)
  first.setMinutes(0, 0, 0)
  if (first.getTime() < w.since) first.setHours(first.getHours() + 1)
  for (let d = first; d.getTime() <= w.until; d = new Date(d.getTime() + 3_600_000)) {
    if (d.getHours() % every !== 0) continue
    out.push({ left: toFraction(d.getTime(), w) * 100, label: `${String(d.getHours()).padStart(2, '0')}:00` })
  }
  return out
}

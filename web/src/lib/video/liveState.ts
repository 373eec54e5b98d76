/**
 * The live player's states and how they move, kept apart from hls.js and the DOM so they can be tested:
 * connecting (first picture on its way) → playing; a failure after a picture → reconnecting (with backoff); a refusal
 * the viewer cannot wait out (limit, hours, H.265, offline) → error; a hidden tile → idle (nothing streams).
 */

import { ApiError } from '@/api/errors'


export const LIVE_STATES = ['idle', 'connecting', 'playing', 'reconnecting', 'error'] as const
export type LiveState = (typeof LIVE_STATES)[number]

/** Why the picture cannot be shown; each has a text in `video.reason.*`. */
export const LIVE_REASONS = [
  'offline',
  'stream_limit',
  'h265',
  'outside_hours',
  'unsupported',
  'not_found',
  'forbidden',
] as const
export type LiveReason = (typeof LIVE_REASONS)[number]

export interface LiveStatus {
  state: LiveState
  reason: LiveReason | null
  /** a picture was shown since the viewer opened it: a new failure is a reconnection, not a first connection */
  played: boolean
  /** failures in a row, for the backoff */
  failures: number
}

export type LiveEvent =
  | { type: 'start' }
  | { type: 'playing' }
  | { type: 'failure' }
  | { type: 'refused'; reason: LiveReason }
  | { type: 'stop' }

export const INITIAL: LiveStatus = { state: 'idle', reason: null, played: false, failures: 0 }

export function step(s: LiveStatus, e: LiveEvent): LiveStatus {
  switch (e.type) {
    case 'start':
      return { ...s, state: s.played ? 'reconnecting' : 'connecting', reason: null }
    case 'playing':
      return { state: 'playing', reason: null, played: true, failures: 0 }
    case 'failure':
      return { ...s, state: s.played ? 'reconnecting' : 'connecting', reason: null, failures: s.failures + 1 }
    case 'refused':
      return { ...s, state: 'error', reason: e.reason }
    case 'stop':
      // Hidden: the next start is a fresh connection as far as the viewer is concerned, with no backoff owed.
      return { ...INITIAL }
  }
}

const BACKOFF_BASE_MS = 1000
const BACKOFF_MAX_MS = 30_000

/** The wait before retry number `failures` (1, 2, 4 … 30 s), so a broken stream is not hammered. */
export function backoffMs(failures: number): number {
  if (failures <= 0) return 0
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 10))
}

/**
 * When to ask for a fresh playlist link: a quarter of its life before it expires (at most a minute before, at least
 * a second from now), so the player never fetches an expired one.
 */
export function renewDelayMs(expiresAt: string, nowMs: number): number {
  const left = Date.parse(expiresAt) - nowMs
  if (!Number.isFinite(left)) return 60_000
  return Math.max(1000, left - Math.min(60_000, left / 4))
}

/** The refusal a failed request for a live link means, or null when it is worth retrying (network, server). */
export function refusalOf(err: unknown): LiveReason | null {
  if (!(err instanceof ApiError)) return null
  if (err.status === 429) return err.code === 'stream_limit' ? 'stream_limit' : null
  if (err.status === 403) return err.code === 'outside_public_hours' ? 'outside_hours' : 'forbidden'
  if (err.status === 401) return 'forbidden'
  if (err.status === 404) return 'not_found'
  return null
}

/** The part of a live link's answer that says whether the camera can play. */
export interface GrantHealth {
  status?: string | null
  message?: string | null
  live_error?: string | null
}

/**
 * The refusal a granted link carries: the edge reported a camera that cannot stream (H.265, offline). Null when it
 * may play, including a passing trouble (an upload being retried): the player tries and shows the message meanwhile.
 */
export function grantRefusal(grant: GrantHealth): LiveReason | null {
  if (grant.status !== 'unavailable') return null
  const code = grant.live_error ?? (/H\.?265|HEVC/i.test(grant.message ?? '') ? 'h265_unsupported' : null)
  if (code === 'h265_unsupported') return 'h265'
  if (code === 'camera_offline') return 'offline'
  return null
}

/** Stop asking the edge for a stream the viewer cannot see (off screen, hidden page, tab in the background). */
export function shouldStream(active: boolean, onScreen: boolean, pageVisible: boolean): boolean {
  return active && onScreen && pageVisible
}

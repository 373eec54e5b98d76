import { describe, expect, it } from 'vitest'

import { ApiError } from '@/api/errors'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  backoffMs,
  grantRefusal,
  INITIAL,
  LIVE_REASONS,
  LIVE_STATES,
  refusalOf,
  renewDelayMs,
  shouldStream,
  step,
  type LiveEvent,
  type LiveStatus,
} from '@/lib/video/liveState'
import { PLAYBACK_PHASES, playable, playbackPhase, settled } from '@/lib/video/playback'
import { formatClock, latencySeconds, pictureTimeMs } from '@/lib/video/pictureTime'
import {
  alertMarks,
  alertRange,
  band,
  codeColor,
  dayWindow,
  fromFraction,
  hourTicks,
  isRecorded,
  localDay,
  playbackRange,
  toFraction,
} from '@/lib/video/timeline'
import { chosenCameras, clampPage, columnsOf, pageCount, pageOf, parseLayout } from '@/lib/video/wall'

const MIN = 60_000
const HOUR = 60 * MIN

describe('picture time', () => {
  const pdt = Date.UTC(2026, 10, 29, 2, 32, 0)

  it('adds the position within the fragment to its programme date', () => {
    expect(pictureTimeMs({ programDateTime: pdt, start: 100 }, 100)).toBe(pdt)
    expect(pictureTimeMs({ programDateTime: pdt, start: 100 }, 105.4)).toBe(pdt + 5400)
    // A position just before the fragment (hls.js switches fragments a little early) reads slightly earlier.
    expect(pictureTimeMs({ programDateTime: pdt, start: 100 }, 99.5)).toBe(pdt - 500)
  })

  it('is unknown without a fragment with a programme date, or without a position', () => {
    expect(pictureTimeMs(null, 3)).toBeNull()
    expect(pictureTimeMs({ programDateTime: Number.NaN, start: 0 }, 3)).toBeNull()
    expect(pictureTimeMs({ programDateTime: pdt, start: 0 }, Number.NaN)).toBeNull()
  })

  it('shows hours, minutes and seconds on a 24 h clock', () => {
    const local = new Date(2026, 10, 29, 22, 32, 5).getTime()
    expect(formatClock(local, 'en')).toBe('22:32:05')
    expect(formatClock(local, 'zh-CN')).toBe('22:32:05')
    expect(formatClock(null, 'en')).toBe('—')
  })

  it('says how far behind the present the picture is', () => {
    expect(latencySeconds(pdt, pdt + 4400)).toBe(4)
    expect(latencySeconds(pdt + 2000, pdt)).toBe(0) // the browser's clock may lag the edge's
    expect(latencySeconds(null, pdt)).toBeNull()
  })
})

describe('live player states', () => {
  const run = (...events: LiveEvent[]): LiveStatus => events.reduce(step, INITIAL)

  it('connects, plays, and reconnects after a failure once it has played', () => {
    expect(run({ type: 'start' }).state).toBe('connecting')
    expect(run({ type: 'start' }, { type: 'failure' }).state).toBe('connecting') // no picture yet
    const played = run({ type: 'start' }, { type: 'playing' })
    expect(played.state).toBe('playing')
    const broken = step(played, { type: 'failure' })
    expect(broken).toMatchObject({ state: 'reconnecting', failures: 1, played: true })
    expect(step(broken, { type: 'start' }).state).toBe('reconnecting')
    expect(step(step(broken, { type: 'failure' }), { type: 'playing' })).toMatchObject({ state: 'playing', failures: 0 })
  })

  it('stops at a refusal with its reason, and forgets everything when hidden', () => {
    const refused = run({ type: 'start' }, { type: 'refused', reason: 'stream_limit' })
    expect(refused).toMatchObject({ state: 'error', reason: 'stream_limit' })
    expect(step(refused, { type: 'start' })).toMatchObject({ state: 'connecting', reason: null })
    const hidden = run({ type: 'start' }, { type: 'playing' }, { type: 'failure' }, { type: 'stop' })
    expect(hidden).toEqual(INITIAL)
  })

  it('backs off 1, 2, 4 … seconds up to half a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(backoffMs)).toEqual([0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })

  it('renews a link before it expires, never in the past', () => {
    const now = Date.UTC(2026, 0, 1)
    const iso = (ms: number): string => new Date(ms).toISOString()
    expect(renewDelayMs(iso(now + 10 * MIN), now)).toBe(9 * MIN) // a minute early
    expect(renewDelayMs(iso(now + 2 * MIN), now)).toBe(1.5 * MIN) // a quarter of a short life early
    expect(renewDelayMs(iso(now - MIN), now)).toBe(1000)
    expect(renewDelayMs('garbage', now)).toBe(60_000)
  })

  it('tells refusals from failures worth retrying', () => {
    const problem = (status: number, code?: string): ApiError => new ApiError({ status, title: 'x', code })
    expect(refusalOf(problem(429, 'stream_limit'))).toBe('stream_limit')
    expect(refusalOf(problem(429))).toBeNull() // a plain rate limit passes
    expect(refusalOf(problem(403, 'outside_public_hours'))).toBe('outside_hours')
    expect(refusalOf(problem(403))).toBe('forbidden')
    expect(refusalOf(problem(404))).toBe('not_found')
    expect(refusalOf(problem(503))).toBeNull()
    expect(refusalOf(problem(0))).toBeNull() // network
    expect(refusalOf(new Error('boom'))).toBeNull()
  })

  it('reads what the granted link says about the camera', () => {
    expect(grantRefusal({ status: 'streaming' })).toBeNull()
    expect(grantRefusal({ status: 'starting', message: 'H.265' })).toBeNull()
    expect(grantRefusal({ status: 'unavailable', live_error: 'h265_unsupported' })).toBe('h265')
    expect(grantRefusal({ status: 'unavailable', message: '该摄像头是 H.265 编码，浏览器无法直接播放' })).toBe('h265')
    expect(grantRefusal({ status: 'unavailable', live_error: 'camera_offline' })).toBe('offline')
    expect(grantRefusal({ status: 'unavailable', live_error: 'upload_failed' })).toBeNull() // passing: keep trying
  })

  it('streams only when wanted, on screen and in a visible tab', () => {
    expect(shouldStream(true, true, true)).toBe(true)
    expect(shouldStream(false, true, true)).toBe(false)
    expect(shouldStream(true, false, true)).toBe(false)
    expect(shouldStream(true, true, false)).toBe(false)
  })
})

describe('timeline', () => {
  const day = dayWindow('2026-11-28')

  it('spans a local day', () => {
    expect(new Date(day.since).getHours()).toBe(0)
    expect(localDay(day.since)).toBe('2026-11-28')
    expect(localDay(day.until)).toBe('2026-11-29')
    expect(localDay(day.since + 13 * HOUR)).toBe('2026-11-28')
  })

  it('maps instants to the bar and back', () => {
    const noon = day.since + 12 * HOUR
    expect(toFraction(day.since, day)).toBe(0)
    expect(toFraction(day.until, day)).toBe(1)
    expect(toFraction(noon, day)).toBeCloseTo(0.5, 2)
    expect(toFraction(day.since - HOUR, day)).toBe(0)
    expect(toFraction(day.until + HOUR, day)).toBe(1)
    expect(fromFraction(toFraction(noon + 1234, day), day)).toBe(noon + 1000) // to the second
    expect(fromFraction(-1, day)).toBe(day.since)
    expect(fromFraction(Number.NaN, day)).toBe(day.since)
  })

  it('draws what the edge holds, cut to the window', () => {
    const held = band(day.since - 5 * 24 * HOUR, day.since + 6 * HOUR, day)
    expect(held?.left).toBe(0)
    expect(held?.width).toBeCloseTo(25, 0)
    expect(band(day.until + HOUR, day.until + 2 * HOUR, day)).toBeNull()
    expect(band(null, day.until, day)).toBeNull()
    expect(isRecorded(day.since + HOUR, day.since, day.since + 2 * HOUR)).toBe(true)
    expect(isRecorded(day.since + 3 * HOUR, day.since, day.since + 2 * HOUR)).toBe(false)
    expect(isRecorded(day.since, null, null)).toBe(false)
  })

  it('places the alerts of the window in order, colour by code', () => {
    const at = (h: number): string => new Date(day.since + h * HOUR).toISOString()
    const marks = alertMarks(
      [
        { id: 2, code: 'rodent', started_at: at(18) },
        { id: 1, code: 'no_mask', started_at: at(6) },
        { id: 3, code: 'smoking', started_at: at(30) }, // the next day
        { id: 4, code: 'smoking', started_at: 'not a time' },
      ],
      day,
    )
    expect(marks.map((m) => m.id)).toEqual([1, 2])
    expect(marks[0]?.left).toBeCloseTo(25, 0)
    expect(codeColor('fire_smoke')).not.toBe(codeColor('no_mask'))
    expect(codeColor('unknown_code')).toMatch(/^#/)
  })

  it('asks for ten minutes from the chosen instant, cut at what is held', () => {
    const t0 = day.since + 10 * HOUR
    expect(playbackRange(t0, t0 + HOUR)).toEqual({ start: t0, end: t0 + 10 * MIN })
    expect(playbackRange(t0, t0 + 3 * MIN)).toEqual({ start: t0, end: t0 + 3 * MIN })
    expect(playbackRange(t0, t0)).toBeNull()
  })

  it('plays an alert from a minute before to two after', () => {
    const started = day.since + 9 * HOUR
    expect(alertRange(new Date(started).toISOString())).toEqual({ start: started - MIN, end: started + 2 * MIN })
    expect(alertRange('')).toBeNull()
  })

  it('labels the hours every three', () => {
    const ticks = hourTicks(day)
    expect(ticks.map((t) => t.label)).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00'])
    expect(ticks[0]?.left).toBe(0)
  })
})

describe('playback request', () => {
  it('reads how the upload stands', () => {
    expect(playbackPhase({ state: 'pending', segments: 0 })).toBe('waiting')
    expect(playbackPhase({ state: 'uploading', segments: 3 })).toBe('uploading')
    expect(playbackPhase({ state: 'done', segments: 60 })).toBe('ready')
    expect(playbackPhase({ state: 'done', segments: 0 })).toBe('no_recording')
    expect(playbackPhase({ state: 'failed', segments: 0, error: 'no_recording' })).toBe('no_recording')
    expect(playbackPhase({ state: 'failed', segments: 0, error: 'timeout' })).toBe('failed')
    expect(playbackPhase({ state: 'failed', segments: 7, error: 'timeout' })).toBe('partial')
  })

  it('opens the player once there is something, and stops asking once settled', () => {
    expect(playable('waiting')).toBe(false)
    expect(playable('uploading')).toBe(true)
    expect(playable('no_recording')).toBe(false)
    expect(settled({ state: 'uploading', segments: 1 })).toBe(false)
    expect(settled({ state: 'failed', segments: 0 })).toBe(true)
  })
})

describe('video wall', () => {
  const cams = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, site_id: i < 6 ? 100 : 200 }))

  it('lays out square grids and pages through the cameras', () => {
    expect([1, 4, 9, 16].map((n) => columnsOf(n as 1 | 4 | 9 | 16))).toEqual([1, 2, 3, 4])
    expect(pageCount(10, 4)).toBe(3)
    expect(pageCount(0, 4)).toBe(1)
    expect(pageOf(cams, 4, 3).map((c) => c.id)).toEqual([9, 10])
    expect(pageOf(cams, 9, 1)).toHaveLength(9)
    expect(pageOf(cams, 4, 99).map((c) => c.id)).toEqual([9, 10]) // past the end: the last page
    expect(clampPage(3, 10, 16)).toBe(1)
    expect(clampPage(0, 10, 1)).toBe(1)
  })

  it('chooses by region, site or camera', () => {
    expect(chosenCameras(cams, { kind: 'all' })).toHaveLength(10)
    expect(chosenCameras(cams, { kind: 'site', siteId: 200 }).map((c) => c.id)).toEqual([7, 8, 9, 10])
    expect(chosenCameras(cams, { kind: 'region', siteIds: new Set([100]) })).toHaveLength(6)
    expect(chosenCameras(cams, { kind: 'region', siteIds: new Set() })).toHaveLength(0)
    expect(chosenCameras(cams, { kind: 'camera', cameraId: 3 }).map((c) => c.id)).toEqual([3])
  })

  it('reads a layout from the address, else the default', () => {
    expect(parseLayout('9')).toBe(9)
    expect(parseLayout(['16'])).toBe(16)
    expect(parseLayout('5')).toBe(4)
    expect(parseLayout(undefined, 1)).toBe(1)
  })
})

describe('video texts', () => {
  it('name every player state, refusal and playback phase in both languages', () => {
    for (const messages of [zhCN, en]) {
      for (const s of LIVE_STATES) expect(messages.video.state[s], s).toBeTruthy()
      for (const r of LIVE_REASONS) expect(messages.video.reason[r], r).toBeTruthy()
      for (const p of PLAYBACK_PHASES) expect(messages.video.playback[p], p).toBeTruthy()
    }
    expect(zhCN.video.state.connecting).toBe('连接中')
    expect(zhCN.video.state.reconnecting).toBe('重新连接中')
    expect(zhCN.video.reason.outside_hours).toBe('不在公开时段')
  })
})

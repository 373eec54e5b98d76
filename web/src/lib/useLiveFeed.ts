/**
 * The live feed: one connection per tab to `GET /api/v1/feed/stream` (server-sent events), shared by every page that
 * listens. It is read with `fetch` and a stream reader, not `EventSource`, so the Bearer token goes in the header and
 * never in a URL. Reconnects with backoff and resumes by Last-Event-ID; while streaming fails it polls
 * `/feed/unread` every 30 s instead, so pages still learn of changes.
 */

import { onBeforeUnmount, onMounted, ref, shallowRef, watch } from 'vue'

import { http } from '@/api'
import type { components } from '@/api/schema'
import { API_BASE } from '@/api/http'
import { session } from '@/session'

export type Unread = components['schemas']['UnreadPublic']

/** The data of one `event: alert` (the platform's FeedEventPublic); `id` is the audit id, the stream's cursor. */
export interface FeedEvent {
  id: number
  alert_id: number
  site_id: number
  code: string
  state: string
  action: string
  at: string
  test: boolean
}

/** What a listener is told: the events since its last call, or `reset` when it should reload all it shows. */
export interface FeedChange {
  events: FeedEvent[]
  reset: boolean
}

export type FeedStatus = 'off' | 'connecting' | 'live' | 'polling'

export const POLL_MS = 30_000
const WATCHDOG_MS = 45_000 // the server sends a comment every 15 s; silence this long is a stuck proxy
const MAX_BACKOFF_MS = 30_000
const BUSY_RETRY_MS = 5 * 60_000 // too many streams open (429): poll, and try the stream again later
const QUIET_MS = 700
const QUIET_MAX_MS = 10_000

// ---- the wire format

export interface SseMessage {
  event: string
  data: string
  id: string | null
}

/** Text in, whole messages out (the WHATWG event-stream rules that matter here: fields, comments, blank line). */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | null = null
  private pendingCr = false

  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = []
    let text = chunk
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1) // a CRLF split across chunks
    this.pendingCr = text.endsWith('\r')
    this.buffer += text
    const lines = this.buffer.split(/\r\n|\r|\n/)
    this.buffer = lines.pop() ?? ''
    for (const line of lines) {
      if (line === '') {
        if (this.data.length || this.event) {
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id })
        }
        this.event = ''
        this.data = []
        this.id = null
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'event') this.event = value
      else if (field === 'data') this.data.push(value)
      else if (field === 'id' && !value.includes('\0')) this.id = value
    }
    return out
  }
}

// ---- the one connection of this tab

type Listener = (change: FeedChange) => void

const listeners = new Set<Listener>()
/** live: streaming; polling: the stream failed, `/feed/unread` is read every 30 s; off: nobody listens */
export const feedStatus = ref<FeedStatus>('off')
/** The bell's numbers, kept fresh by the feed (and by polling while streaming fails). */
export const unread = shallowRef<Unread | null>(null)

let lastId = 0
let generation = 0 // bumps on every stop: a loop of an older generation ends itself
let controller: AbortController | null = null
let pollTimer: ReturnType<typeof setInterval> | undefined
let stopTokenWatch: (() => void) | undefined

function emit(change: FeedChange): void {
  for (const listener of [...listeners]) listener(change)
}

/** Reads the bell's numbers; a new cursor while polling means something changed, so listeners reload. */
export async function refreshUnread(): Promise<Unread | null> {
  const mine = generation
  try {
    const fresh = await http.get<Unread>('/feed/unread')
    if (mine !== generation) return null
    const before = unread.value
    unread.value = fresh
    if (feedStatus.value === 'polling' && before && fresh.cursor !== before.cursor) emit({ events: [], reset: true })
    return fresh
  } catch {
    return null // a 401 is handled by the app (back to the login page); others: the next round tries again
  }
}

/** "Mark all read": up to the newest alert the bell has shown, so one born meanwhile still rings. */
export async function markAllRead(): Promise<void> {
  const upTo = unread.value?.latest_alert_id
  unread.value = await http.post<Unread>('/feed/read', upTo === undefined ? {} : { up_to: upTo })
}

function startPolling(): void {
  feedStatus.value = 'polling'
  if (pollTimer === undefined) pollTimer = setInterval(() => void refreshUnread(), POLL_MS)
}

function stopPolling(): void {
  clearInterval(pollTimer)
  pollTimer = undefined
}

type Outcome = 'ended' | 'retry' | 'unauthorized' | 'busy' | 'refused'

async function streamOnce(mine: number): Promise<Outcome> {
  controller = new AbortController()
  const abort = controller
  let watchdog: ReturnType<typeof setTimeout> | undefined
  const arm = (): void => {
    clearTimeout(watchdog)
    watchdog = setTimeout(() => abort.abort(), WATCHDOG_MS)
  }
  try {
    arm()
    const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token ?? ''}` }
    if (lastId) headers['Last-Event-ID'] = String(lastId)
    const res = await fetch(`${API_BASE}/feed/stream`, { headers, signal: abort.signal, cache: 'no-store' })
    if (res.status === 401) return 'unauthorized'
    if (res.status === 429) return 'busy'
    if (res.status === 403) return 'refused'
    if (!res.ok || !res.body) return 'retry'
    feedStatus.value = 'live'
    stopPolling()
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    const parser = new SseParser()
    for (;;) {
      const { value, done } = await reader.read()
      if (done || mine !== generation) return 'retry'
      arm()
      for (const msg of parser.push(value)) {
        const outcome = handle(msg)
        if (outcome) return outcome
      }
    }
  } catch {
    return 'retry' // network gone, server restarting, watchdog fired
  } finally {
    clearTimeout(watchdog)
    abort.abort()
  }
}

function handle(msg: SseMessage): Outcome | null {
  const id = msg.id !== null && /^\d+$/.test(msg.id) ? Number(msg.id) : null
  if (msg.event === 'alert') {
    try {
      const data = JSON.parse(msg.data) as Omit<FeedEvent, 'id'>
      if (id !== null) lastId = Math.max(lastId, id)
      emit({ events: [{ ...data, id: id ?? 0 }], reset: false })
    } catch {
      // not ours to understand: skip it
    }
  } else if (msg.event === 'reset') {
    if (id !== null) lastId = id
    emit({ events: [], reset: true })
  } else if (msg.event === 'bye') {
    return msg.data.includes('unauthorized') ? 'unauthorized' : 'ended'
  }
  return null
}

let wake: (() => void) | null = null

/** A wait that `stop()` cuts short. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      wake = null
      resolve()
    }
    const timer = setTimeout(done, ms)
    wake = done
  })
}

/**
 * Resolves once the page's own requests have settled (nothing finished loading for QUIET_MS), or after QUIET_MAX_MS.
 * The stream never ends, so opening it later keeps it from competing with the page's first data on a slow line,
 * and lets tools that wait for a quiet network (print, screenshots) see one. The cursor read before makes the
 * wait lose nothing.
 */
function whenQuiet(): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now()
    let last = started
    let observer: PerformanceObserver | undefined
    try {
      observer = new PerformanceObserver(() => (last = performance.now()))
      observer.observe({ type: 'resource' })
    } catch {
      // no Resource Timing: the fixed wait below still applies
    }
    const tick = (): void => {
      const now = performance.now()
      if ((document.readyState === 'complete' && now - last >= QUIET_MS) || now - started >= QUIET_MAX_MS) {
        observer?.disconnect()
        resolve()
      } else setTimeout(tick, 100)
    }
    setTimeout(tick, QUIET_MS)
  })
}

async function run(mine: number): Promise<void> {
  feedStatus.value = 'connecting'
  const first = await refreshUnread()
  if (mine !== generation) return
  if (first) lastId = first.cursor
  await whenQuiet()
  if (mine !== generation) return
  let failures = 0
  while (mine === generation) {
    const opened = Date.now()
    const outcome = await streamOnce(mine)
    if (mine !== generation) return
    if (outcome === 'unauthorized' || outcome === 'refused') {
      // Reading the bell again lets the app handle a 401 (sign in again); a 403 (a password to change first)
      // stops the feed until the session changes.
      startPolling()
      await refreshUnread()
      if (outcome === 'refused') return
      await sleep(POLL_MS)
      continue
    }
    if (outcome === 'ended') {
      failures = 0 // the server asked us to reconnect
      continue
    }
    if (Date.now() - opened > 30_000) failures = 0 // it was a good stream for a while: start the backoff again
    failures += 1
    if (failures >= 2 || outcome === 'busy') {
      startPolling()
      void refreshUnread()
    } else feedStatus.value = 'connecting'
    // Something may have changed while the stream was down; listeners reload when it comes back (replay, or reset).
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5)
    await sleep(outcome === 'busy' ? BUSY_RETRY_MS : backoff)
  }
}

function start(): void {
  stop()
  if (!session.token || session.user?.must_change_password) return
  lastId = 0
  void run(generation)
}

function stop(): void {
  generation += 1
  wake?.()
  controller?.abort()
  controller = null
  stopPolling()
  feedStatus.value = 'off'
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener)
  if (listeners.size === 1) {
    stopTokenWatch = watch(
      () => [session.token, session.user?.must_change_password] as const,
      () => {
        unread.value = null
        start()
      },
    )
    start()
  }
  return () => {
    listeners.delete(listener)
    if (!listeners.size) {
      stopTokenWatch?.()
      stop()
    }
  }
}

export interface LiveFeedOptions {
  /** only these events matter to the page (a reset always does) */
  filter?: (event: FeedEvent) => boolean
  /** changes within this many ms are answered with one call; default ~1 s */
  debounceMs?: number
}

/**
 * Calls `onChange` (debounced) while the component is mounted whenever alerts it may show change. Pages reload
 * quietly in it: the same page, filters, sort and scroll position, no loading spinner.
 */
export function useLiveFeed(onChange: (change: FeedChange) => unknown, options: LiveFeedOptions = {}): void {
  const wait = options.debounceMs ?? 1000
  let timer: ReturnType<typeof setTimeout> | undefined
  let pending: FeedChange = { events: [], reset: false }
  let unsubscribe: (() => void) | undefined

  function listener(change: FeedChange): void {
    const events = options.filter ? change.events.filter(options.filter) : change.events
    if (!events.length && !change.reset) return
    pending = { events: [...pending.events, ...events], reset: pending.reset || change.reset }
    clearTimeout(timer)
    timer = setTimeout(() => {
      const batch = pending
      pending = { events: [], reset: false }
      void onChange(batch)
    }, wait)
  }

  onMounted(() => {
    unsubscribe = subscribe(listener)
  })
  onBeforeUnmount(() => {
    clearTimeout(timer)
    unsubscribe?.()
  })
}

/** Every call the app makes, typed. Pages import `api` and never build URLs themselves. */

import { shrinkPhotos } from '@/lib/shrinkPhoto'
import { session } from '@/session'

import { ApiError } from './errors'
import { Http } from './http'
import type {
  AlertDetail,
  AlertPage,
  AlertQuery,
  BulkRectifyResult,
  BulkReviewResult,
  Camera,
  Acceptance,
  Bulletin,
  BulletinKind,
  BulletinSummary,
  Checklist,
  ConcernCreate,
  Download,
  Guide,
  GuideLang,
  ReportFormat,
  ReportPeriod,
  RolloutSite,
  RolloutStatus,
  StatusChange,
  TestRequest,
  Training,
  TrainingCreate,
  ConcernReceipt,
  AccessEntry,
  AccessKind,
  LiveGrant,
  PlaybackGrant,
  PlaybackStatus,
  Recordings,
  Overview,
  Page,
  PublicSite,
  Ranking,
  SiteStats,
  SiteStatsQuery,
  Region,
  Site,
  Token,
  User,
} from './types'

type Decision = 'approve' | 'reject'
let unauthorized: (err: ApiError) => void = () => undefined

/** The app decides what a 401 means (back to the login page); set once at start-up. */
export function onUnauthorized(handler: (err: ApiError) => void): void {
  unauthorized = handler
}

export const http = new Http({ token: () => session.token, onUnauthorized: (err) => unauthorized(err) })

export const api = {
  login: (username: string, password: string) =>
    http.post<Token>('/auth/login', { username, password }, { auth: false }),
  logout: () => http.post<void>('/auth/logout'),
  me: () => http.get<User>('/auth/me'),

  regions: (query: { page?: number; size?: number; kind?: string } = {}) => http.get<Page<Region>>('/regions', query),
  sites: (query: { page?: number; size?: number; q?: string; region_id?: number } = {}) =>
    http.get<Page<Site>>('/sites', query),
  site: (id: number) => http.get<Site>(`/sites/${id}`),
  cameras: (query: { page?: number; size?: number; site_id?: number; status?: string } = {}) =>
    http.get<Page<Camera>>('/cameras', query),

  alerts: (query: AlertQuery) => http.get<AlertPage>('/alerts', { ...query }),
  alert: (id: number) => http.get<AlertDetail>(`/alerts/${id}`),
  start: (id: number) => http.post<AlertDetail>(`/alerts/${id}/start`),
  /** One alert's rectification: 1–6 photos (the first as `photo`, the rest as `photos`) and a note. */
  rectify: async (id: number, picked: readonly File[], note: string) => {
    const photos = await shrinkPhotos(picked)
    const form = new FormData()
    photos.forEach((p, i) => form.append(i ? 'photos' : 'photo', p, p.name || 'photo.jpg'))
    form.append('note', note)
    return http.postForm<AlertDetail>(`/alerts/${id}/rectify`, form)
  },
  /** One note and one photo set for several alerts of one type; a result per id. */
  bulkRectify: async (ids: readonly number[], picked: readonly File[], note: string) => {
    const photos = await shrinkPhotos(picked)
    const form = new FormData()
    ids.forEach((id) => form.append('ids', String(id)))
    photos.forEach((p) => form.append('photos', p, p.name || 'photo.jpg'))
    form.append('note', note)
    return http.postForm<BulkRectifyResult>('/alerts/bulk-rectify', form)
  },
  review: (id: number, decision: Decision, reason: string) =>
    http.post<AlertDetail>(`/alerts/${id}/review`, { decision, reason }),
  falsePositive: (id: number, reason: string) => http.post<AlertDetail>(`/alerts/${id}/false-positive`, { reason }),
  bulkReview: (ids: number[], decision: Decision, reason: string) =>
    http.post<BulkReviewResult>('/alerts/bulk-review', { ids, decision, reason }),

  overview: (regionId?: number) => http.get<Overview>('/stats/overview', { region_id: regionId }),
  ranking: (query: { region_id?: number; days?: number } = {}) => http.get<Ranking>('/stats/ranking', query),
  siteStats: (query: SiteStatsQuery = {}) => http.get<Page<SiteStats>>('/stats/sites', query),

  rolloutSites: (query: { page?: number; size?: number; region_id?: number; status?: RolloutStatus } = {}) =>
    http.get<Page<RolloutSite>>('/rollout/sites', query),
  checklist: (siteId: number) => http.get<Checklist>(`/rollout/sites/${siteId}`),
  rolloutHistory: (siteId: number) => http.get<StatusChange[]>(`/rollout/sites/${siteId}/history`),
  testAlert: (siteId: number) => http.post<TestRequest>(`/rollout/sites/${siteId}/test-alert`),
  recordTraining: (siteId: number, body: TrainingCreate) =>
    http.post<Training>(`/rollout/sites/${siteId}/training`, body),
  signAcceptance: async (siteId: number, picked: File[], note: string) => {
    const form = new FormData()
    for (const photo of await shrinkPhotos(picked)) form.append('photos', photo, photo.name || 'photo.jpg')
    form.append('note', note)
    return http.postForm<Acceptance>(`/rollout/sites/${siteId}/acceptance`, form)
  },

  bulletins: (query: {
    page?: number
    size?: number
    region_id?: number
    kind?: BulletinKind
    since?: string
    until?: string
  } = {}) =>
    http.get<Page<BulletinSummary>>('/bulletins', query),
  bulletin: (id: number) => http.get<Bulletin>(`/bulletins/${id}`),
  /** 立即生成: today's bulletin so far (the caller's own region unless one is named). */
  generateBulletin: (regionId?: number) => http.post<Bulletin>('/bulletins', { region_id: regionId }),
  bulletinFile: (id: number, format: ReportFormat) =>
    http.get<Download>(`/bulletins/${id}/export`, { format }, { as: 'blob' }),

  /** A report file; it needs the bearer token, so it is fetched here and saved by the page. */
  report: (period: ReportPeriod, query: { region_id?: number; date?: string; format: ReportFormat }) =>
    http.get<Download>(`/reports/${period}`, query, { as: 'blob' }),

  help: (guide: string, lang: GuideLang) => http.get<Guide>(`/help/${encodeURIComponent(guide)}`, { lang }),

  /** A signed live playlist link for a camera (429 stream_limit when the site streams as many as it may). */
  live: (cameraId: number) => http.post<LiveGrant>(`/cameras/${cameraId}/live`),
  /** The same for a public camera, without signing in (403 outside_public_hours out of the site's hours). */
  publicLive: (code: string, cameraId: number) =>
    http.post<LiveGrant>(`/public/sites/${encodeURIComponent(code)}/cameras/${cameraId}/live`, undefined, {
      auth: false,
    }),
  /** Asks the edge for a recorded range (ISO instants with offset); the playlist grows as it uploads. */
  playback: (cameraId: number, start: string, end: string) =>
    http.post<PlaybackGrant>(`/cameras/${cameraId}/playback`, { start, end }),
  playbackStatus: (requestId: string) => http.get<PlaybackStatus>(`/video/playback/${encodeURIComponent(requestId)}`),
  recordings: (cameraId: number, query: { since?: string; until?: string } = {}) =>
    http.get<Recordings>(`/cameras/${cameraId}/recordings`, query),
  accessLog: (query: { page?: number; size?: number; site_id?: number; camera_id?: number; kind?: AccessKind } = {}) =>
    http.get<Page<AccessEntry>>('/video/access-log', query),

  publicSite: (code: string) => http.get<PublicSite>(`/public/sites/${encodeURIComponent(code)}`, {}, { auth: false }),
  reportConcern: (code: string, body: ConcernCreate) =>
    http.post<ConcernReceipt>(`/public/sites/${encodeURIComponent(code)}/concerns`, body, { auth: false }),
}

export { ApiError }

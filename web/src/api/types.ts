/** Types of the API's bodies. Generated ones (schema.d.ts, from openapi.json) wherever the platform has them. */

import type { components, paths } from './schema'

type S = components['schemas']

export type Role = S['Role']
export type User = S['UserPublic']
export type Token = S['TokenPublic']
export type Site = S['SitePublic']
export type SiteKind = S['SiteKind']
export type Camera = S['CameraPublic']
export type Region = S['RegionPublic']
export type PublicSite = S['PublicSite']
export type MonthRecord = S['MonthRecord']
export type Concern = S['ConcernPublic']
export type ConcernCreate = S['ConcernCreate']
export type ConcernReceipt = S['ConcernReceipt']

export interface Page<T> {
  items: T[]
  total: number
  page: number
  size: number
}

export const ALERT_STATES = ['new', 'pushed', 'rectifying', 'submitted', 'closed', 'false_positive'] as const
export type AlertState = (typeof ALERT_STATES)[number]

// ---- alerts and statistics

export type Alert = S['AlertPublic']
/** A page of the alert list: also a keyset cursor to the next page, and whether the total is an estimate. */
export type AlertPage = S['AlertPage']
export type AlertDetail = S['AlertDetailPublic']
export type Evidence = S['EvidencePublic']
export type AuditEntry = S['AuditPublic']
export type Rectification = S['RectificationPublic']
export type BulkReviewResult = S['BulkReviewPublic']
export type BulkRectifyResult = S['BulkRectifyPublic']
export type RectificationPhoto = S['RectificationPhotoPublic']
export type Overview = S['OverviewPublic']
export type TrendPoint = S['TrendPoint']
export type AttentionItem = S['AttentionItem']
export type Ranking = S['RankingPublic']
export type RankingItem = S['RankingItem']
export type UnmonitoredItem = S['UnmonitoredItem']
export type SiteStats = S['SiteStatsItem']
export type SiteOnlineFilter = S['OnlineFilter']
export type SiteStatsQuery = {
  page?: number
  size?: number
  sort?: string
  region_id?: number
  kind?: SiteKind
  q?: string
  online?: SiteOnlineFilter
  days?: number
}

/** One detection box as the edge sends it (protocol v1 `Box`), in pixels of the analysed frame. */
export interface AlertBox {
  label?: string
  score?: number
  x1: number
  y1: number
  x2: number
  y2: number
  track_id?: number | null
}

export type AlertQuery = NonNullable<paths['/api/v1/alerts']['get']['parameters']['query']>

// ---- roll-out (建设进度), bulletins, reports, help

export type RolloutStatus = S['RolloutStatus']
export const ROLLOUT_STATUSES: readonly RolloutStatus[] = ['not_started', 'in_progress', 'regressed', 'accepted']
export type RolloutSite = S['SiteStatusPublic']
export type Checklist = S['ChecklistPublic']
export type ChecklistItem = S['ItemPublic']
export type Training = S['TrainingPublic']
export type TrainingCreate = S['TrainingCreate']
export type Acceptance = S['AcceptancePublic']
export type TestRequest = S['AlertTestRequestPublic']
export type StatusChange = S['StatusChangePublic']
export type BulletinSummary = S['BulletinSummary']
export type Bulletin = S['BulletinPublic']
export type BulletinFigures = S['BulletinFigures']
export type BulletinCounts = S['Counts']
export type BulletinSiteRef = S['SiteRef']
export type BulletinKind = S['BulletinKind']
export type BulletinAlertCounts = S['AlertCounts']
export type StuckSite = S['StuckSite']
export type ReportPeriod = S['PeriodKind']
export type ReportFormat = S['ReportFormat']
export type Guide = S['GuidePublic']
export type GuideLang = S['Lang']

/** A file the API answered (reports): its bytes and the name the server gave it. */
export interface Download {
  blob: Blob
  filename: string
}

// ---- video: live, playback, the timeline and the viewing log

/** A live link; `live_error` is the edge's code (h265_unsupported, camera_offline, …) where the platform gives it. */
export type LiveGrant = S['LiveGrant'] & { live_error?: string | null }
export type PlaybackCreate = S['PlaybackCreate']
export type PlaybackGrant = S['PlaybackGrant']
export type PlaybackStatus = S['PlaybackStatus']
export type PlaybackState = PlaybackStatus['state']
export type Recordings = S['Recordings']
export type TimelineAlert = S['TimelineAlert']
export type AccessEntry = S['AccessEntry']
export type AccessKind = 'live' | 'playback'
/** A public camera (its id asks for its live view). */
export type PublicCameraInfo = PublicSite['cameras'][number]

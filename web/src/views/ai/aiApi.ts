/**
 * The calls of the model-loop pages: labelling (frames and their boxes), dataset versions, and the model registry
 * with its assignments and roll-out. Typed here by hand from the API's contract.
 */

import { http } from '@/api'
import type { Download, Page } from '@/api/types'

import type { RelBox } from './boxGeometry'

// ---- labelling

export const LABEL_STATUSES = ['unreviewed', 'confirmed', 'corrected', 'false_positive'] as const
export type LabelStatus = (typeof LABEL_STATUSES)[number]

export interface VocabularyLabel {
  label: string
  name_zh: string
  name_en: string
  /** the violation code the label raises, if any */
  code: string | null
}

export interface Vocabulary {
  task: string
  name_zh: string
  name_en: string
  labels: VocabularyLabel[]
}

export const LABEL_SOURCES = ['alert', 'picture', 'upload', 'import'] as const
export type LabelSource = (typeof LABEL_SOURCES)[number]

export interface LabelImage {
  id: number
  task: string
  source: LabelSource
  alert_id: number | null
  site_id: number
  site_name: string
  camera_id: number | null
  camera_name: string | null
  captured_at: string
  width: number
  height: number
  status: LabelStatus
  reviewed_by_name: string | null
  reviewed_at: string | null
  boxes: RelBox[]
  /** labels of the source's boxes the task's vocabulary has no place for */
  dropped_labels: string[]
  licence: string
  attribution: string
  /** the file's address; it needs the bearer token, so the page fetches it (`imageFile`) */
  image_url: string
  history_count: number
}

/** One review of a frame: who, when, the state and boxes before and after, and the note. */
export interface LabelReview {
  id: number
  at: string
  user_name: string
  previous_status: LabelStatus
  status: LabelStatus
  previous_boxes: RelBox[]
  boxes: RelBox[]
  note: string
}

export interface LabelQuery {
  task?: string
  status?: LabelStatus
  site_id?: number
  page?: number
  size?: number
  sort?: string
}

// ---- datasets

export interface DatasetSource {
  source: string
  licence: string
  attribution: string
  images: number
}

export interface Dataset {
  id: number
  name: string
  version: number
  task: string
  created_at: string
  created_by_name: string
  seed: number
  images: number
  boxes: number
  splits: { train: number; val: number; test: number }
  labels: Record<string, number>
  sources: DatasetSource[]
}

export type ExportFormat = 'yolo' | 'coco'

/** One download of a dataset version: who, when, which format, how many pictures. */
export interface DatasetExport {
  id: number
  user_name: string
  format: ExportFormat
  at: string
  images: number
}

export interface DatasetImport {
  file: File
  name: string
  task: string
  source: string
  licence: string
  attribution: string
  site_id: number
}

// ---- the model registry

export interface ModelCardDoc {
  name?: string
  version?: string
  layout?: string
  input_size?: number | [number, number]
  labels?: string[]
  violations?: Record<string, string>
  score_threshold?: number
  nms_iou?: number
  label_thresholds?: Record<string, number>
  description?: string
  metrics?: Record<string, unknown>
  [key: string]: unknown
}

export interface ModelVersion {
  id: number
  name: string
  version: string
  sha256: string
  size: number
  card: ModelCardDoc
  notes: string
  uploaded_by: number | null
  uploaded_by_name: string | null
  uploaded_at: string
  labels: string[]
  /** the violation codes the model can raise */
  codes: string[]
}

export type AssignmentScope = 'region' | 'site'

export interface Assignment {
  id: number
  model_id: number
  model_name: string
  model_version: string
  scope: AssignmentScope
  region_id: number | null
  region_name: string | null
  site_id: number | null
  site_name: string | null
  canary: boolean
  label_thresholds: Record<string, number>
  assigned_by: number | null
  assigned_at: string
}

export interface AssignmentPut {
  model_id: number
  scope: AssignmentScope
  region_id?: number
  site_id?: number
  canary?: boolean
  label_thresholds?: Record<string, number>
}

export type DeviceRolloutState = 'active' | 'pending' | 'other' | 'failed'

export interface ModelRollout {
  model_id: number
  name: string
  version: string
  sites: {
    site_id: number
    site_name: string
    canary: boolean
    devices: {
      device_id: number
      name: string
      reported_version: string | null
      last_seen_at: string | null
      state: DeviceRolloutState
      /** why this version could not be put to work ("version: why"), when the state is failed */
      error?: string | null
    }[]
  }[]
  counts: Record<DeviceRolloutState, number>
}

export interface ThresholdAdvice {
  site_id: number
  site_name: string
  label: string
  code: string
  alerts: number
  false_positives: number
  fp_rate: number
  current_threshold: number
  suggested_threshold: number
  reason: string
}

const put = <T>(path: string, json: unknown): Promise<T> => http.request<T>('PUT', path, { json })
const del = (path: string): Promise<void> => http.request<void>('DELETE', path)

export const ai = {
  vocabularies: () => http.get<Vocabulary[]>('/labelling/vocabularies'),
  images: (query: LabelQuery) => http.get<Page<LabelImage>>('/labelling/images', { ...query }),
  image: (id: number) => http.get<LabelImage>(`/labelling/images/${id}`),
  /** the frame's bytes (it needs the bearer token, so it is fetched here, not linked) */
  imageFile: (id: number) => http.get<Download>(`/labelling/images/${id}/file`, {}, { as: 'blob' }),
  /** an alert's frame for labelling: the one already made for it, or a new one */
  fromAlert: (alertId: number) => http.post<LabelImage>('/labelling/images', { alert_id: alertId }),
  /** a camera's latest picture for labelling */
  fromCamera: (cameraId: number, task: string) =>
    http.post<LabelImage>('/labelling/images', { camera_id: cameraId, task }),
  upload: (cameraId: number, task: string, image: Blob, capturedAt?: string) => {
    const form = new FormData()
    form.append('camera_id', String(cameraId))
    form.append('task', task)
    form.append('image', image, 'frame.jpg')
    if (capturedAt) form.append('captured_at', capturedAt)
    return http.postForm<LabelImage>('/labelling/images/upload', form)
  },
  saveBoxes: (id: number, boxes: readonly RelBox[], note?: string) =>
    put<LabelImage>(`/labelling/images/${id}/boxes`, { boxes, ...(note ? { note } : {}) }),
  falsePositive: (id: number, note?: string) =>
    http.post<LabelImage>(`/labelling/images/${id}/false-positive`, note ? { note } : {}),
  history: (id: number) => http.get<LabelReview[]>(`/labelling/images/${id}/history`),

  datasets: () => http.get<Dataset[]>('/datasets'),
  dataset: (id: number) => http.get<Dataset>(`/datasets/${id}`),
  createDataset: (name: string, task: string, seed?: number | null) =>
    http.post<Dataset>('/datasets', { name, task, ...(seed === null || seed === undefined ? {} : { seed }) }),
  exportDataset: (id: number, format: ExportFormat) =>
    http.get<Download>(`/datasets/${id}/export`, { format }, { as: 'blob' }),
  exports: (id: number) => http.get<DatasetExport[]>(`/datasets/${id}/exports`),
  importDataset: (body: DatasetImport) => {
    const form = new FormData()
    form.append('file', body.file, body.file.name)
    for (const key of ['name', 'task', 'source', 'licence', 'attribution'] as const) form.append(key, body[key])
    form.append('site_id', String(body.site_id))
    return http.postForm<Dataset>('/datasets/import', form)
  },

  models: () => http.get<ModelVersion[]>('/models'),
  uploadModel: (file: File, card: string, notes: string) => {
    const form = new FormData()
    form.append('file', file, file.name)
    form.append('card', card)
    if (notes) form.append('notes', notes)
    return http.postForm<ModelVersion>('/models', form)
  },
  deleteModel: (id: number) => del(`/models/${id}`),
  assignments: () => http.get<Assignment[]>('/model-assignments'),
  assign: (body: AssignmentPut) => put<Assignment>('/model-assignments', body),
  unassign: (id: number) => del(`/model-assignments/${id}`),
  promote: (modelId: number, regionId: number) =>
    http.post<Assignment>(`/models/${modelId}/promote`, { region_id: regionId }),
  rollout: (modelId: number) => http.get<ModelRollout>(`/models/${modelId}/rollout`),
  advice: (modelId: number) => http.get<ThresholdAdvice[]>(`/models/${modelId}/threshold-advice`),
}

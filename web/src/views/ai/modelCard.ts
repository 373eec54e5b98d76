/** What the model registry page shows of a model card, and the assignment "adopt the suggestion" sends. */

import type { Assignment, AssignmentPut, ModelCardDoc, ModelVersion, ThresholdAdvice } from './aiApi'

/** The first 12 hex digits: enough to tell versions apart at a glance. */
export const shortHash = (sha256: string): string => sha256.slice(0, 12)

/** A file size in the units a person reads (KB, MB). */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The card's input size as "640×640" (it may say one number or [width, height]). */
export function inputSize(card: ModelCardDoc): string {
  const s = card.input_size
  if (typeof s === 'number') return `${s}×${s}`
  if (Array.isArray(s) && s.length === 2) return `${s[0]}×${s[1]}`
  return '—'
}

/** Each label with the violation code its card says it raises (null: detected, but raises nothing by itself). */
export function labelCodes(model: Pick<ModelVersion, 'labels' | 'card'>): { label: string; code: string | null }[] {
  const labels = model.labels.length ? model.labels : (model.card.labels ?? [])
  const codes = model.card.violations ?? {}
  return labels.map((label) => ({ label, code: codes[label] ?? null }))
}

/** The score threshold per label: the card's own for the label, else its default. */
export function cardThresholds(card: ModelCardDoc): { default: number | null; labels: Record<string, number> } {
  return { default: typeof card.score_threshold === 'number' ? card.score_threshold : null, labels: { ...card.label_thresholds } }
}

/** The card's measured figures (`metrics`, written by training on the test split) as name/value pairs to show. */
export function metricRows(card: ModelCardDoc): { name: string; value: string }[] {
  const metrics = card.metrics
  if (!metrics || typeof metrics !== 'object') return []
  const out: { name: string; value: string }[] = []
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === 'number') out.push({ name: prefix, value: Number.isInteger(value) ? String(value) : value.toFixed(3) })
    else if (typeof value === 'string' || typeof value === 'boolean') out.push({ name: prefix, value: String(value) })
    else if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v)
  }
  walk('', metrics)
  return out
}

/**
 * The assignment that adopts one suggested threshold: the site's own assignment of the model with that label's
 * threshold changed (its canary flag and other thresholds kept); where the model reaches the site through its
 * region only, a new site assignment with just that threshold.
 */
export function adoptAdvice(advice: ThresholdAdvice, modelId: number, assignments: readonly Assignment[]): AssignmentPut {
  const own = assignments.find((a) => a.model_id === modelId && a.scope === 'site' && a.site_id === advice.site_id)
  return {
    model_id: modelId,
    scope: 'site',
    site_id: advice.site_id,
    canary: own?.canary ?? false,
    label_thresholds: { ...(own?.label_thresholds ?? {}), [advice.label]: advice.suggested_threshold },
  }
}

/** Reads a card typed or dropped in as JSON; YAML is passed through for the server to read. */
export function cardText(text: string): { text: string; doc: ModelCardDoc | null } {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return { text: trimmed, doc: null }
  try {
    const doc = JSON.parse(trimmed) as unknown
    return { text: trimmed, doc: doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as ModelCardDoc) : null }
  } catch {
    return { text: trimmed, doc: null }
  }
}

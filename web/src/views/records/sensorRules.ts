/** What a new sensor starts with, by kind (the server applies the same defaults), and how a reading reads. */

import { POWER_KINDS, type ReadingPoint, type SensorKind, type SensorRule } from './recordsApi'

export const DEFAULT_UNIT: Record<SensorKind, string> = {
  fridge: '°C',
  freezer: '°C',
  humidity: '%',
  gas: '%LEL',
  uv_lamp: 'W',
  disinfection_cabinet: 'W',
}

/** fridge above 8 °C and freezer above -12 °C for 30 minutes, gas above its threshold for 10 s; power kinds none. */
export function defaultRule(kind: SensorKind): SensorRule | null {
  if (kind === 'fridge') return { op: 'above', threshold: 8, duration_s: 1800 }
  if (kind === 'freezer') return { op: 'above', threshold: -12, duration_s: 1800 }
  if (kind === 'gas') return { op: 'above', threshold: 10, duration_s: 10 }
  if (kind === 'humidity') return { op: 'above', threshold: 80, duration_s: 1800 }
  return null
}

export const isPower = (kind: SensorKind): boolean => POWER_KINDS.includes(kind)
export const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** The chart's series: the bucket averages as a line, and the min–max band drawn as a stacked area under it. */
export function chartSeries(points: readonly ReadingPoint[]): { at: string[]; value: number[]; low: number[]; spread: number[] } {
  return {
    at: points.map((p) => p.at),
    value: points.map((p) => p.value),
    low: points.map((p) => p.min),
    spread: points.map((p) => Math.max(0, p.max - p.min)),
  }
}

/** Bucket width for a window: about 120 points on the chart. */
export const bucketFor = (hours: number): number => Math.max(60, Math.round((hours * 3600) / 120))

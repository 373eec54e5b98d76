/** How a playback request stands, as the viewer reads it, and when its playlist is worth opening. */

export interface PlaybackProgress {
  state: 'pending' | 'uploading' | 'done' | 'failed'
  segments: number
  segments_expected?: number | null
  error?: string | null
}

/**
 * waiting: the edge was asked and has sent nothing yet; uploading: segments are arriving (playable already);
 * ready: all of it is here; partial: it stopped early but what arrived plays; no_recording: the edge holds nothing
 * for that time; failed: anything else (timeout, unknown camera), with the server's message.
 */
export const PLAYBACK_PHASES = ['waiting', 'uploading', 'ready', 'partial', 'no_recording', 'failed'] as const
export type PlaybackPhase = (typeof PLAYBACK_PHASES)[number]

export function playbackPhase(p: PlaybackProgress): PlaybackPhase {
  if (p.state === 'done') return p.segments > 0 ? 'ready' : 'no_recording'
  if (p.state === 'failed') {
    if (p.segments > 0) return 'partial'
    return p.error === 'no_recording' ? 'no_recording' : 'failed'
  }
  return p.segments > 0 ? 'uploading' : 'waiting'
}

/** The playlist has something to play: open the player (it keeps following an EVENT playlist as it grows). */
export const playable = (phase: PlaybackPhase): boolean => phase === 'uploading' || phase === 'ready' || phase === 'partial'

/** Nothing more will change: stop asking how it stands. */
export const settled = (p: PlaybackProgress): boolean => p.state === 'done' || p.state === 'failed'

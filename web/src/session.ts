/** Who is signed in: token, user and expiry, kept in localStorage so a reload stays signed in. */

import { computed, reactive } from 'vue'

import type { Role, Token, User } from './api/types'
import { inGroup, REGION_ROLES } from './lib/roles'

const KEY = 'bk.session'

interface SessionState {
  token: string | null
  user: User | null
  expiresAt: string | null
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

function load(): SessionState {
  const empty: SessionState = { token: null, user: null, expiresAt: null }
  const raw = storage()?.getItem(KEY)
  if (!raw) return empty
  try {
    const parsed = JSON.parse(raw) as Partial<SessionState>
    if (typeof parsed.token !== 'string' || !parsed.user) return empty
    return { token: parsed.token, user: parsed.user, expiresAt: parsed.expiresAt ?? null }
  } catch {
    return empty
  }
}

export const session = reactive<SessionState>(load())

export function signIn(tok: Token): void {
  session.token = tok.access_token
  session.user = tok.user
  session.expiresAt = tok.expires_at
  storage()?.setItem(KEY, JSON.stringify(session))
}

/** The signed-in person's account changed (a new password clears `must_change_password`); keep the token. */
export function updateUser(user: User): void {
  session.user = user
  storage()?.setItem(KEY, JSON.stringify(session))
}

/** A password someone else chose (a reset, an import, a new account): the account page comes before any other. */
export const mustChangePassword = computed(() => session.user?.must_change_password === true)

export function signOut(): void {
  session.token = null
  session.user = null
  session.expiresAt = null
  storage()?.removeItem(KEY)
}

export function isExpired(now: number = Date.now()): boolean {
  return session.expiresAt !== null && Date.parse(session.expiresAt) <= now
}

/** Whether the signed-in person's role is in `group` (one of lib/roles' groups). */
export function hasRole(group: readonly Role[]): boolean {
  return inGroup(session.user?.role, group)
}

export const isRegion = computed(() => hasRole(REGION_ROLES))

/** The stable violation codes (DESIGN section 2, src/brightkitchen/protocol/codes.py). */

export const VIOLATION_CODES = [
  'no_mask',
  'no_chef_hat',
  'no_uniform',
  'shirtless',
  'no_gloves',
  'smoking',
  'phone_use',
  'rodent',
  'stove_unattended',
  'intrusion',
  'bin_uncovered',
  'floor_water',
  'fire_smoke',
  'camera_fault',
] as const

export type ViolationCode = (typeof VIOLATION_CODES)[number]

export const CAMERA_STATUSES = ['online', 'offline', 'no_frames', 'starting', 'unknown'] as const

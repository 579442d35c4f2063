/** @module The current language (from `?lang=`, else the browser's) and its strings. */

import { signal } from '@preact/signals'
import { en, type Strings, zh } from './strings.ts'

export type { Strings }

export const LANGUAGES = { en, zh } as const
export type Language = keyof typeof LANGUAGES
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', zh: '中文' }

function initialLanguage(): Language {
  const asked = new URLSearchParams(location.search).get('lang')
  if (asked === 'en' || asked === 'zh') return asked
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

export const language = signal<Language>(initialLanguage())

/** The strings of the current language; reading it inside a component re-renders on a switch. */
export function t(): Strings {
  return LANGUAGES[language.value]
}

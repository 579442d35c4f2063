/** @module "Use it for real": the last action as CLI, kafka-python and kafkajs code, with a copy button. */

import { useState } from 'preact/hooks'
import { t } from '../i18n.ts'
import { lastAction, type Snippets } from '../snippets.ts'

const KINDS: (keyof Snippets)[] = ['cli', 'python', 'js']

export function CodePanel() {
  const s = t()
  const [kind, setKind] = useState<keyof Snippets>('cli')
  const [copied, setCopied] = useState(false)
  const action = lastAction.value
  const code = action?.[kind] ?? ''
  return (
    <aside class="for-real" aria-labelledby="for-real-title">
      <h2 id="for-real-title">{s.forReal}</h2>
      <p class="muted">{s.forRealIntro}</p>
      <div class="tabs" role="tablist" aria-label={s.forReal}>
        {KINDS.map((k) => (
          <button
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-controls="code-view"
            aria-selected={kind === k}
            tabIndex={kind === k ? 0 : -1}
            onClick={() => {
              setKind(k)
              setCopied(false)
            }}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
              const next =
                KINDS[(KINDS.indexOf(k) + (e.key === 'ArrowRight' ? 1 : KINDS.length - 1)) % KINDS.length]!
              setKind(next)
              document.getElementById(`tab-${next}`)?.focus()
            }}
          >
            {s[k]}
          </button>
        ))}
      </div>
      <div id="code-view" role="tabpanel" aria-labelledby={`tab-${kind}`}>
        {action ? (
          <>
            <pre>
              <code data-testid="code">{code}</code>
            </pre>
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(code).then(() => setCopied(true))
              }}
            >
              {copied ? s.copied : s.copy}
            </button>
          </>
        ) : (
          <p class="muted">{s.nothingYet}</p>
        )}
      </div>
    </aside>
  )
}

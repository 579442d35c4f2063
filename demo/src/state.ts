/** @module State the lessons share: the topic on screen and the keys sent to it so far. */

import { signal } from '@preact/signals'
import type { Producer } from 'brook'
import { useEffect } from 'preact/hooks'
import { client } from './broker.ts'
import { type Lane, topicViews, watchTopic } from './topic-view.ts'

export const currentTopic = signal('orders')
/** Keys sent per topic, to show which move when partitions are added. */
export const sentKeys = new Map<string, Set<string>>()

export function showTopic(topic: string): void {
  currentTopic.value = topic
}

let shared: Producer | undefined

/** One producer for the page, as an app keeps one (each new producer gets a new producer id). */
export function producer(): Producer {
  shared ??= client().producer()
  return shared
}

/** Creates `topic` with 3 partitions unless it exists, and shows it. */
export async function ensureTopic(topic: string): Promise<void> {
  await client()
    .admin()
    .createTopics({ topics: [{ topic, numPartitions: 3 }] })
  showTopic(topic)
}

/** The lanes of `topic`, watched while the calling component is shown; null until it exists. */
export function useLanes(topic: string): Lane[] | null {
  useEffect(() => watchTopic(topic), [topic])
  return topicViews.value[topic] ?? null
}

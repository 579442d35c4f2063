/** @module The tab scenarios over a SharedWorker broker. */

import { describeTabScenarios, useBrowser } from './scenarios.ts'

useBrowser()
describeTabScenarios('SharedWorker', false)

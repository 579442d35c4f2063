/**
 * @module The tab scenarios with SharedWorker deleted before page scripts run: a dedicated Worker
 * per tab, one leader elected with Web Locks, the others forwarding over BroadcastChannel.
 */

import { describeTabScenarios, useBrowser } from './scenarios.ts'

useBrowser()
describeTabScenarios('the fallback (Worker per tab + Web Locks + BroadcastChannel)', true)

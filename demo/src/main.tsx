/** @module Entry: start the broker, draw the demo, show the topic of the first lesson. */

import { render } from 'preact'
import { App } from './app.tsx'
import { startBroker } from './broker.ts'
import './styles.css'

render(<App />, document.getElementById('app')!)
void startBroker()

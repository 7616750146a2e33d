/** Test-only: mounts one UI component with props so Playwright can check it in real Chromium. */
import { mount, unmount } from 'svelte'
import '../../../src/ui/app.css'
import ProgressBar from '../../../src/ui/components/ProgressBar.svelte'
import VerificationBadge from '../../../src/ui/components/VerificationBadge.svelte'
import ResultViewer from '../../../src/ui/components/ResultViewer.svelte'
import DivergencePanel from '../../../src/ui/components/DivergencePanel.svelte'
import Sparkline from '../../../src/ui/components/Sparkline.svelte'
import FlowView from '../../../src/ui/components/FlowView.svelte'

const components = { ProgressBar, VerificationBadge, ResultViewer, DivergencePanel, Sparkline, FlowView }
let current: ReturnType<typeof mount> | null = null

declare global {
  interface Window {
    mountComponent(name: keyof typeof components, props: Record<string, unknown>): void
    harnessReady: boolean
  }
}

window.mountComponent = (name, props) => {
  if (current) unmount(current)
  const target = document.getElementById('target')!
  target.replaceChildren()
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  current = mount(components[name] as any, { target, props })
}
window.harnessReady = true

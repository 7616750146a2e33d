/**
 * Counts, smoothed rates and ETA for one phase (fetch, verify, evaluate, check). Pure: the clock
 * is passed in. The rate is an exponentially weighted moving average over time windows, so a
 * burst (a page of 500 edges at once) does not spike it and a stall decays it.
 */
import type { Phase, PhaseProgress } from '../node/contract'

export interface MeterOptions {
  /** half-life of the rate average, ms (default 3 s) */
  halfLifeMs?: number
  /** shortest window a rate sample is taken over, ms (default 250) */
  minWindowMs?: number
}

export class ProgressMeter {
  private doneCount = 0
  private totalCount: number | null = null
  private rate = 0
  private windowStart: number
  private windowDone = 0
  private hasRate = false
  private readonly halfLifeMs: number
  private readonly minWindowMs: number

  constructor(readonly phase: Phase, start: number, opts: MeterOptions = {}) {
    this.windowStart = start
    this.halfLifeMs = opts.halfLifeMs ?? 3000
    this.minWindowMs = opts.minWindowMs ?? 250
  }

  get done(): number {
    return this.doneCount
  }

  /** Sets the absolute count (e.g. from the store's head on resume) without counting it as speed. */
  reset(done: number, now: number): void {
    this.doneCount = done
    this.windowStart = now
    this.windowDone = 0
  }

  setTotal(total: number | null): void {
    this.totalCount = total
  }

  add(n: number, now: number): void {
    this.doneCount += n
    this.windowDone += n
    this.sample(now)
  }

  private sample(now: number): void {
    const dt = now - this.windowStart
    if (dt < this.minWindowMs) return
    const instant = (this.windowDone * 1000) / dt
    if (!this.hasRate) {
      this.rate = instant
      this.hasRate = true
    } else {
      const keep = Math.pow(0.5, dt / this.halfLifeMs)
      this.rate = keep * this.rate + (1 - keep) * instant
    }
    this.windowStart = now
    this.windowDone = 0
  }

  snapshot(now: number): PhaseProgress {
    this.sample(now)
    const total = this.totalCount
    const remaining = total === null ? null : Math.max(0, total - this.doneCount)
    const etaSeconds = remaining === null ? null : remaining === 0 ? 0 : this.rate > 0 ? remaining / this.rate : null
    return { phase: this.phase, done: this.doneCount, total, ratePerSecond: this.rate, etaSeconds }
  }
}

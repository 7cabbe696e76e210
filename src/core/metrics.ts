/**
 * A small Prometheus metrics registry: counters and histograms with labels, rendered in the text
 * exposition format for GET /metrics. Deliberately tiny — increments are a Map lookup and an
 * add — because they run on every decision.
 */

type Labels = Readonly<Record<string, string>>

/** Label values joined: callers pass the same label names in the same order for a metric. */
const labelKey = (labels: Labels) => {
  let key = ''
  for (const k in labels) key += `${labels[k]}\u0000`
  return key
}
const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const render = (labels: Labels, extra?: [string, string]) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`)
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

/** One series of a counter: a caller on a hot path may keep it and add to `value` directly. */
export interface CounterSeries {
  readonly labels: Labels
  value: number
}

export class Counter {
  readonly name: string
  readonly help: string
  private readonly values = new Map<string, CounterSeries>()
  constructor(name: string, help: string) {
    this.name = name
    this.help = help
  }
  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).value += by
  }
  /** The series of `labels` (created at 0, and rendered from then on, on first use). */
  series(labels: Labels): CounterSeries {
    const key = labelKey(labels)
    let v = this.values.get(key)
    if (v === undefined) {
      v = { labels, value: 0 }
      this.values.set(key, v)
    }
    return v
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${render(labels)} ${value}`)
    return lines.join('\n')
  }
}

export class Gauge {
  readonly name: string
  readonly help: string
  private readonly read: () => number
  constructor(name: string, help: string, read: () => number) {
    this.name = name
    this.help = help
    this.read = read
  }
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.read()}`,
    ].join('\n')
  }
}

export class Histogram {
  readonly name: string
  readonly help: string
  readonly buckets: readonly number[]
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >()
  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name
    this.help = help
    this.buckets = buckets
  }
  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels)
    let s = this.series.get(key)
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++
    s.sum += value
    s.count++
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${render(s.labels, ['le', String(b)])} ${s.counts[i]}`)
      })
      lines.push(`${this.name}_bucket${render(s.labels, ['le', '+Inf'])} ${s.count}`)
      lines.push(
        `${this.name}_sum${render(s.labels)} ${s.sum}`,
        `${this.name}_count${render(s.labels)} ${s.count}`,
      )
    }
    return lines.join('\n')
  }
}

/** A gauge family whose series are computed elsewhere (e.g. read from storage), rendered as given. */
export function renderGauges(
  name: string,
  help: string,
  series: readonly { readonly labels: Labels; readonly value: number }[],
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`]
  for (const { labels, value } of series) lines.push(`${name}${render(labels)} ${value}`)
  return lines.join('\n')
}

export class Registry {
  private readonly metrics: (Counter | Gauge | Histogram)[] = []
  add<M extends Counter | Gauge | Histogram>(m: M): M {
    this.metrics.push(m)
    return m
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`
  }
}

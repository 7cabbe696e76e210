/**
 * Runs a pack's own tests (tests/*.yaml): each test gets a fresh in-memory engine and a clock
 * it controls; steps send events (optionally repeated, after advancing the clock) and check the
 * last decision against what the step expects. Used by `bulwark test` and by CI.
 */

import { ManualClock } from '../core/clock.ts'
import type { Decision } from '../core/domain.ts'
import { BulwarkError } from '../core/errors.ts'
import { LabelStore } from '../features/labels.ts'
import { ListRegistry } from '../features/lists.ts'
import { MemoryFeatureStore } from '../features/memory.ts'
import type { Pack, PackTest, PackTestStep } from '../policy/pack.ts'
import { Pseudonymiser } from '../privacy/pseudonymise.ts'
import { Engine } from './engine.ts'

export interface TestFailure {
  readonly test: string
  /** `tests/signup.yaml:14` */
  readonly location: string
  readonly problems: readonly string[]
}

export interface TestReport {
  readonly passed: number
  readonly failed: number
  readonly failures: readonly TestFailure[]
}

const TEST_KEY = 'bulwark-pack-tests-pseudonym-key'

/** An engine with nothing durable behind it, for tests, dry runs and offline replay. */
export function memoryEngine(
  pack: Pack,
  clock: ManualClock | { now(): number },
  options: { readonly recentDecisions?: number } = {},
): Engine {
  return new Engine({
    pack,
    features: new MemoryFeatureStore(),
    labels: new LabelStore(),
    lists: new ListRegistry(),
    pseudonymiser: new Pseudonymiser(TEST_KEY),
    clock,
    ...options,
  })
}

export async function runPackTests(pack: Pack, filter?: (test: PackTest) => boolean): Promise<TestReport> {
  const failures: TestFailure[] = []
  let passed = 0
  for (const test of pack.tests) {
    if (filter && !filter(test)) continue
    const problems = await runTest(pack, test)
    if (problems.length === 0) passed++
    else
      failures.push({
        test: test.name,
        location: problems[0]!.location,
        problems: problems.map((p) => `${p.location}: ${p.message}`),
      })
  }
  return { passed, failed: failures.length, failures }
}

async function runTest(pack: Pack, test: PackTest): Promise<{ location: string; message: string }[]> {
  const clock = new ManualClock(test.start)
  const engine = memoryEngine(pack, clock)
  const problems: { location: string; message: string }[] = []
  let n = 0
  for (const step of test.steps) {
    clock.advance(step.afterMs)
    let last: Decision | undefined
    for (let i = 0; i < step.repeat; i++) {
      n++
      const event = {
        ...step.event,
        time: step.event.time ?? new Date(clock.now()).toISOString(),
        id:
          step.event.id !== undefined
            ? step.repeat > 1
              ? `${step.event.id}-${i}`
              : step.event.id
            : `test-${n}`,
      }
      try {
        last = (await engine.decide(event)).decision
      } catch (e) {
        const detail =
          e instanceof BulwarkError && Array.isArray(e.details)
            ? (e.details as { path: string; message: string }[])
                .map((d) => `${d.path} ${d.message}`)
                .join('; ')
            : (e as Error).message
        problems.push({ location: step.location, message: `the event was rejected: ${detail}` })
        return problems
      }
    }
    if (step.expect && last)
      for (const message of check(pack, step, last)) problems.push({ location: step.location, message })
  }
  return problems
}

function check(pack: Pack, step: PackTestStep, d: Decision): string[] {
  const e = step.expect!
  const out: string[] = []
  const hitIds = d.hits.map((h) => h.rule)
  if (e.outcome !== undefined && d.outcome !== e.outcome)
    out.push(`expected outcome ${e.outcome}, got ${d.outcome} (hits: ${hitIds.join(', ') || 'none'})`)
  for (const r of e.hits ?? [])
    if (!hitIds.includes(r))
      out.push(`expected rule '${r}' to hit; hits: ${hitIds.join(', ') || 'none'}${errorsOf(d, r)}`)
  for (const r of e.not_hits ?? []) if (hitIds.includes(r)) out.push(`expected rule '${r}' not to hit`)
  if (e.score !== undefined && d.score !== e.score) out.push(`expected score ${e.score}, got ${d.score}`)
  for (const [name, want] of Object.entries(e.features ?? {})) {
    const got = d.features[name]
    if (JSON.stringify(got) !== JSON.stringify(want))
      out.push(
        `expected features.${name} = ${JSON.stringify(want)}, got ${JSON.stringify(got)}${notComputed(pack, d, name)}`,
      )
  }
  for (const err of d.errors) out.push(`rule '${err.rule}' failed to evaluate: ${err.code} ${err.message}`)
  return out
}

/** A note when a decision leaves a feature out because its event type neither updates nor reads it. */
function notComputed(pack: Pack, d: Decision, name: string): string {
  const plan = pack.plansByType.get(d.eventType)
  if (!plan || plan.features.some((f) => f.plan.name === name) || plan.derived.some((f) => f.name === name))
    return ''
  return ` (not computed for '${d.eventType}': its events do not update it and its rules do not read it)`
}

function errorsOf(d: Decision, rule: string): string {
  const err = d.errors.find((x) => x.rule === rule)
  return err ? ` ('${rule}' failed: ${err.message})` : ''
}

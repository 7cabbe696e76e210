/**
 * One simulation from parameters to files: builds the world, streams events and labels into
 * the output directory, writes the manifest and returns it. The entry point the CLI and tests use.
 */

import { Ids } from './ids.ts'
import { type SimParams, simulate } from './world.ts'
import { DirectorySink, type Manifest, manifestOf, writeManifest } from './write.ts'

export interface SimulateOptions extends SimParams {
  readonly out: string
}

export function runSimulation(options: SimulateOptions): Manifest {
  const { out, ...params } = options
  const sink = new DirectorySink(out, new Ids(params.seed ^ 0x2545f491), params.events)
  let result: ReturnType<typeof simulate>
  try {
    result = simulate(params, sink)
  } finally {
    sink.close()
  }
  const parameters = {
    seed: params.seed,
    start: new Date(params.start).toISOString(),
    ...(params.days !== undefined ? { days: params.days } : {}),
    ...(params.events !== undefined ? { events: params.events } : {}),
    users: params.users,
    evasion: params.evasion,
    intensity: params.intensity,
  }
  const last = sink.counts.last ?? ''
  const viral = result.benign.viral.all
    .map((s) => ({ start: new Date(s.start).toISOString(), content: s.content, author: s.creator.user.id }))
    .filter((s) => s.start <= last)
    .sort((a, b) => a.start.localeCompare(b.start))
  const users = params.users + result.benign.newcomers.count
  const manifest = manifestOf(parameters, sink.counts, result.campaigns, { users, viral })
  writeManifest(out, manifest)
  return manifest
}

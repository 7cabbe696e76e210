/**
 * Input shared by `bulwark eval` and `bulwark backtest`: strict flag parsing with a clear error,
 * and reading the events and labels files (each `-` for standard input) with a message naming the
 * file when it cannot be read.
 */

import { readFileSync } from 'node:fs'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { type ParsedEvents, parseEvents } from '../engine/replay.ts'
import { type Labels, parseLabels } from '../eval/labels.ts'
import type { Io } from './command.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses flags; on an unknown flag or a missing value prints the problem and usage, returns undefined. */
export function flags<O extends Options>(
  command: string,
  usage: string,
  args: string[],
  options: O,
  io: Io,
): ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'] | undefined {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (e) {
    io.err(`bulwark ${command}: ${(e as Error).message}\n\n${usage}`)
    return undefined
  }
}

/** A file's bytes (files can be larger than a string can hold), or standard input. */
async function read(path: string, io: Io): Promise<string | Uint8Array | undefined> {
  try {
    return path === '-' ? await io.stdin() : readFileSync(path)
  } catch (e) {
    io.err(`cannot read ${path}: ${(e as Error).message}`)
    return undefined
  }
}

export async function readEvents(path: string, io: Io): Promise<ParsedEvents | undefined> {
  const text = await read(path, io)
  return text === undefined ? undefined : parseEvents(text)
}

/** Reads labels; lines that do not parse are reported on standard error by number (not fatal). */
export async function readLabels(path: string, io: Io): Promise<Labels | undefined> {
  const text = await read(path, io)
  if (text === undefined) return undefined
  const labels = parseLabels(text)
  for (const p of labels.problems) io.err(`${path}:${p.line}: ${p.message}`)
  if (labels.rejected > labels.problems.length)
    io.err(`${path}: … and ${labels.rejected - labels.problems.length} more lines that do not parse`)
  return labels
}

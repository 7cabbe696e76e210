/**
 * Watches the real ONNX sessions onnxruntime creates in this process (a spy that calls through to
 * InferenceSession.create and to each session's release), so that a test can tell which sessions
 * an operation opened and whether they were released — where the code under test gives no handle
 * on them (a pack loaded inside a request and never served).
 */

import { InferenceSession, Tensor } from 'onnxruntime-node'
import { vi } from 'vitest'

export interface WatchedSession {
  readonly session: InferenceSession
  /** release() was called on it. */
  released: boolean
}

export interface SessionWatch {
  /** Every session created since the watch began, in creation order. */
  readonly sessions: readonly WatchedSession[]
  /** Stops watching (sessions already watched keep counting their release). */
  stop(): void
}

type Create = (...args: unknown[]) => Promise<InferenceSession>

export function watchOnnxSessions(): SessionWatch {
  const sessions: WatchedSession[] = []
  const create = (InferenceSession.create as unknown as Create).bind(InferenceSession)
  const spy = vi.spyOn(InferenceSession, 'create').mockImplementation((async (...args: unknown[]) => {
    const session = await create(...args)
    const watched: WatchedSession = { session, released: false }
    const release = session.release.bind(session)
    session.release = () => {
      watched.released = true
      return release()
    }
    sessions.push(watched)
    return session
  }) as unknown as typeof InferenceSession.create)
  return { sessions, stop: () => spy.mockRestore() }
}

/** Runs a session on a row of zeros for its first input (shaped [1, N]). */
export function runOnZeros(session: InferenceSession, width: number): Promise<unknown> {
  const name = session.inputNames[0]!
  return session.run({ [name]: new Tensor('float32', new Float32Array(width), [1, width]) })
}

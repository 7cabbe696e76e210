/**
 * The one HTTP call of the commands that talk to a running server (labels, actions, cases,
 * appeals, models): JSON in and out with the bearer key. A server that cannot be reached is a
 * ServerUnreachable error with a one-line message; any answer, error or not, is returned with
 * its parsed body (undefined when it is not JSON) for the command to present.
 */

export class ServerUnreachable extends Error {}

export interface ServerAnswer {
  readonly status: number
  readonly ok: boolean
  /** The parsed JSON body; undefined when the body is not JSON. */
  readonly body: any
  readonly text: string
}

export async function callServer(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ServerAnswer> {
  let res: Response
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause
    throw new ServerUnreachable(`cannot reach ${url}: ${cause?.message ?? (e as Error).message}`)
  }
  const text = await res.text()
  let parsed: any
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: res.status, ok: res.ok, body: parsed, text }
}

/** An error answer in one line: the server's `CODE: message`, else the status and the text. */
export function answerError(answer: ServerAnswer, where: string): string {
  const err = answer.body?.error
  return err
    ? `${err.code}: ${err.message}`
    : `${where} answered ${answer.status}: ${answer.text.slice(0, 200)}`
}

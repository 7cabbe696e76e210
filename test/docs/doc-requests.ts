/**
 * The HTTP requests a Markdown page documents, read from the page itself: every `curl` command
 * in its shell code blocks (and in inline code spans), with its method, path, body and what the
 * page shows it answers — the status (`HTTP/1.1 400`, a bare `204`), the error code, the
 * decision's outcome and score, the `stored` / `added` / `removed` counts. The answer is taken
 * from the lines after the command in its block (`# ` comment lines in the README's style), or
 * from the ```json block right after a block whose last command shows none.
 *
 * Commands are read with a small shell word splitter (single and double quotes, backslash
 * continuations, `'"'"'`), enough for the documentation's examples; `$URL`, `$KEY` and the
 * date substitution of the README's payout example are filled in by the caller.
 */

export interface DocExpectation {
  readonly status?: number
  readonly code?: string
  readonly outcome?: string
  readonly score?: number
  readonly counts?: Readonly<Record<string, number>>
}

export interface DocRequest {
  /** 1-based line of the command in the page. */
  readonly line: number
  /** The heading of the section it is under. */
  readonly section: string
  /** The command as written (continuations joined). */
  readonly command: string
  readonly method: string
  /** Path and query after `$URL`. */
  readonly path: string
  readonly body?: string
  readonly contentType?: string
  /** Whether the command sends the API key (`-H 'Authorization: Bearer …'`). */
  readonly authorized: boolean
  /** `tar -czf - -C DIR .` piped into the request: DIR. */
  readonly tarDir?: string
  /** Why the request cannot be sent as written (`…` elided, a file body, a command substitution). */
  readonly unsendable?: string
  readonly expect: DocExpectation
}

interface Block {
  readonly lang: string
  readonly start: number
  readonly lines: readonly string[]
  readonly section: string
}

function blocksOf(markdown: string): { blocks: Block[]; inline: DocRequestSource[] } {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  const inline: DocRequestSource[] = []
  let section = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const fence = /^```(\w*)\s*$/.exec(line)
    if (fence) {
      const start = i + 1
      const body: string[] = []
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
      blocks.push({ lang: fence[1]!, start: start + 1, lines: body, section })
      continue
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line)
    if (heading) section = heading[1]!
    for (const m of line.matchAll(/`(curl [^`]+)`/g))
      inline.push({ line: i + 1, section, command: m[1]!, output: '', order: blocks.length })
  }
  return { blocks, inline }
}

interface DocRequestSource {
  readonly line: number
  readonly section: string
  readonly command: string
  output: string
  /** Inline spans sort among the blocks by the number of blocks before them. */
  readonly order: number
}

const COMMAND_START = /^(\$ |curl |npx |tar |cp |sed |node |export |URL=|FEATURES=|head |for |BULWARK_)/

/** Shell commands of a block with the output lines that follow each. */
function commandsOf(block: Block): DocRequestSource[] {
  const out: DocRequestSource[] = []
  let current: DocRequestSource | undefined
  for (let i = 0; i < block.lines.length; i++) {
    const raw = block.lines[i]!
    if (COMMAND_START.test(raw)) {
      let command = raw.replace(/^\$ /, '')
      const line = block.start + i
      while ((/\\\s*$/.test(command) || unbalancedQuote(command)) && i + 1 < block.lines.length) {
        command = /\\\s*$/.test(command)
          ? `${command.replace(/\\\s*$/, '')} ${block.lines[++i]!.trim()}`
          : `${command}\n${block.lines[++i]!}`
      }
      current = { line, section: block.section, command, output: '', order: 0 }
      out.push(current)
    } else if (current) current.output += `${raw.replace(/^# ?/, '')}\n`
  }
  return out
}

function unbalancedQuote(text: string): boolean {
  let single = false
  let double = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\\' && !single) i++
    else if (c === "'" && !double) single = !single
    else if (c === '"' && !single) double = !double
  }
  return single || double
}

/** Shell words: quotes removed, `$NAME` in double quotes or bare replaced from `vars`. */
export function shellWords(command: string, vars: Readonly<Record<string, string>>): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  const expand = (s: string) => s.replace(/\$([A-Z_]+)/g, (_, n: string) => vars[n] ?? `$${n}`)
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (c === "'") {
      const end = command.indexOf("'", i + 1)
      word += command.slice(i + 1, end)
      i = end
      inWord = true
    } else if (c === '"') {
      let j = i + 1
      let text = ''
      for (; command[j] !== '"'; j++) text += command[j] === '\\' ? command[++j] : command[j]
      word += expand(text)
      i = j
      inWord = true
    } else if (c === '\\') {
      word += command[++i] ?? ''
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else if (c === '$') {
      const m = /^\$([A-Z_]+)/.exec(command.slice(i))
      if (m) {
        word += vars[m[1]!] ?? m[0]
        i += m[0].length - 1
      } else word += c
      inWord = true
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

function expectationOf(output: string): DocExpectation {
  const status = /HTTP\/1\.1 (\d{3})/.exec(output)?.[1] ?? /^(\d{3})\s*$/m.exec(output)?.[1]
  const code = /\{\s*"error"\s*:\s*\{\s*"code"\s*:\s*"([A-Z_]+)"/.exec(output)?.[1]
  // A decision's outcome and score: only of an answer that is a decision (not one that lists some).
  const decision = /^\s*\{\s*"eventId"/.test(output)
  const outcome = decision ? /"outcome"\s*:\s*"(\w+)"/.exec(output)?.[1] : undefined
  const score = outcome ? /"score"\s*:\s*(\d+)/.exec(output)?.[1] : undefined
  const counts: Record<string, number> = {}
  for (const m of output.matchAll(/^\{"(stored|added|removed)":(\d+)\}\s*$/gm)) counts[m[1]!] = Number(m[2])
  return {
    ...(status ? { status: Number(status) } : {}),
    ...(code ? { code } : {}),
    ...(outcome && !code ? { outcome } : {}),
    ...(score && !code ? { score: Number(score) } : {}),
    ...(Object.keys(counts).length ? { counts } : {}),
  }
}

function requestOf(source: DocRequestSource, vars: Readonly<Record<string, string>>): DocRequest | undefined {
  const curlAt = source.command.indexOf('curl ')
  if (curlAt < 0) return undefined
  const pipe = source.command.slice(0, curlAt)
  const tarDir = /tar -czf - -C (\S+) \. \|\s*$/.exec(pipe)?.[1]
  const curl = source.command.slice(curlAt)
  const words = shellWords(curl, vars)
  let method: string | undefined
  let path: string | undefined
  let body: string | undefined
  let contentType: string | undefined
  // `$URL/v1/backtests … -d '{…}'`: a lone `…` stands for the usual key and JSON headers.
  const usualHeaders = words.includes('…')
  let authorized = usualHeaders
  let hasData = false
  let unsendable: string | undefined
  if (curl.replace(/ … /g, ' ').includes('…')) unsendable = 'the command is elided (…)'
  else if (/\$\(/.test(curl)) unsendable = 'a command substitution'
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!
    if (w === '-X') method = words[++i]
    else if (w === '-H') {
      const h = words[++i]!
      const m = /^content-type:\s*(.*)$/i.exec(h)
      if (m) contentType = m[1]
      if (/^authorization:/i.test(h)) authorized = true
    } else if (w === '-d' || w === '--data-binary') {
      const d = words[++i]!
      hasData = true
      if (d.startsWith('@') && !(d === '@-' && tarDir)) unsendable ??= `a body read from a file (${d})`
      else if (d !== '@-') body = d
    } else if (w === '-o' || w === '-w') i++
    else if (w.startsWith(vars.URL ?? '$URL')) path = w.slice((vars.URL ?? '$URL').length)
  }
  if (path === undefined) return undefined
  return {
    line: source.line,
    section: source.section,
    command: source.command,
    method: method ?? (hasData ? 'POST' : 'GET'),
    path,
    ...(body !== undefined ? { body } : {}),
    ...(contentType || (usualHeaders && body !== undefined)
      ? { contentType: contentType ?? 'application/json' }
      : {}),
    authorized,
    ...(tarDir ? { tarDir } : {}),
    ...(unsendable ? { unsendable } : {}),
    expect: expectationOf(source.output),
  }
}

/** Every `curl` request of a page, in page order; `vars` fills `$URL`, `$KEY` and the like. */
export function docRequests(markdown: string, vars: Readonly<Record<string, string>>): DocRequest[] {
  const { blocks, inline } = blocksOf(markdown)
  const sources: DocRequestSource[] = []
  blocks.forEach((block, index) => {
    for (const s of inline.filter((x) => x.order === index)) sources.push(s)
    if (block.lang === 'json') {
      const last = sources.at(-1)
      if (last && last.output.trim() === '') last.output = block.lines.join('\n')
      return
    }
    sources.push(...commandsOf(block))
  })
  for (const s of inline.filter((x) => x.order === blocks.length)) sources.push(s)
  return sources.flatMap((s) => requestOf(s, vars) ?? [])
}

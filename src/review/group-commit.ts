/**
 * Group commit for the review store: writes submitted in the same turn of the event loop share
 * one transaction, so one fsync (the store runs synchronous=FULL) covers them all. The outbox
 * opens the cases of a burst of `review` actions at once; each used to be its own fsync on the
 * event loop that answers decisions.
 *
 * Each write runs in its own savepoint inside the shared transaction: one that throws undoes
 * only itself and rejects only its own promise. Every promise settles after the shared commit
 * and, when given, the `durable` step that puts it on stable storage (the review store commits
 * without waiting for the disk and syncs its write-ahead log off the event loop), so a resolved
 * write is durable.
 */

interface Pending {
  readonly write: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

export class GroupCommit {
  private pending: Pending[] = []
  /** Runs its body in one durable transaction. */
  private readonly transaction: (body: () => void) => void
  /** Runs a write in a savepoint of the transaction in progress. */
  private readonly savepoint: (write: () => unknown) => unknown
  /** Makes what was committed durable; none when the commit itself is. */
  private readonly durable: (() => Promise<void>) | undefined

  constructor(
    transaction: (body: () => void) => void,
    savepoint: (write: () => unknown) => unknown,
    durable?: () => Promise<void>,
  ) {
    this.transaction = transaction
    this.savepoint = savepoint
    this.durable = durable
  }

  /** Runs `write` in the next shared transaction; resolves with its result once committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject })
      if (this.pending.length === 1) setImmediate(() => this.flush())
    })
  }

  private flush(): void {
    const batch = this.pending
    this.pending = []
    const outcomes: { ok: boolean; value: unknown }[] = []
    try {
      this.transaction(() => {
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(p.write) })
          } catch (e) {
            outcomes.push({ ok: false, value: e })
          }
        }
      })
    } catch (e) {
      for (const p of batch) p.reject(e)
      return
    }
    const settle = () =>
      batch.forEach((p, i) => {
        const o = outcomes[i]!
        if (o.ok) p.resolve(o.value)
        else p.reject(o.value)
      })
    if (!this.durable) settle()
    else
      this.durable().then(settle, (e) => {
        for (const p of batch) p.reject(e)
      })
  }
}

/**
 * What the compiler produces for each expression node: an evaluation closure over the frame,
 * plus what parents need to specialise — the constant value when the node is constant, and the
 * variable slot and field chain when the node reads a path like `event.device.id`.
 */

/** The evaluation frame: declared variables in their slots, then comprehension variables. */
export type Frame = unknown[]

export type Eval = (frame: Frame) => unknown

export interface CompiledNode {
  readonly run: Eval
  /** Present when the node always evaluates to this value. */
  readonly constant?: { readonly value: unknown }
  /**
   * Present when the node reads `frame[slot]` then plain-object fields, in order. `bound` says
   * the slot is always set (comprehension variables); a declared variable may be missing.
   */
  readonly path?: { readonly slot: number; readonly fields: readonly string[]; readonly bound: boolean }
  /** Relative cost estimate (see FunctionDecl.cost). */
  readonly cost: number
  /**
   * For `&&`/`||` operands: `run`, but returning instead of throwing the errors it can tell
   * cheaply (a CelError as its value; others are still thrown). Only some nodes have one.
   */
  readonly errorAsValue?: Eval
}

export const constantNode = (value: unknown): CompiledNode => ({
  run: () => value,
  constant: { value },
  cost: 0,
})

/**
 * The error registry: every error Bulwark reports has a stable UPPER_SNAKE code, a message
 * template and the HTTP status the API answers with. Codes never change meaning once released;
 * docs/errors.md lists them. Nothing else in the code base invents an error code.
 */

export interface ErrorSpec {
  /** HTTP status the API uses for this error. */
  readonly status: number
  /** Message template; `{name}` placeholders are filled from the error's params. */
  readonly message: string
}

export const ERRORS = {
  // ── generic ────────────────────────────────────────────────────────────────
  INTERNAL: { status: 500, message: 'internal error: {detail}' },
  INVALID_ARGUMENT: { status: 400, message: '{detail}' },
  NOT_FOUND: { status: 404, message: '{what} not found' },
  UNAUTHORIZED: { status: 401, message: '{detail}' },
  INVALID_REQUEST: { status: 400, message: 'invalid request: {detail}' },
  INVALID_JSON: { status: 400, message: 'the body is not valid JSON: {detail}' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the body is too large: {detail}' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type: {detail}' },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large: {detail}' },
  REQUEST_TIMEOUT: { status: 408, message: 'request timeout: {detail}' },
  EXPECTATION_FAILED: { status: 417, message: 'unsupported Expect header: {detail} (only 100-continue is)' },
  UNAVAILABLE: { status: 503, message: '{detail}' },

  // ── storage ────────────────────────────────────────────────────────────────
  STORAGE_JOURNAL: { status: 500, message: 'the journal is damaged at {where}: {detail}' },
  STORAGE_INBOX: { status: 500, message: 'the inbox cannot be read at {where}: {detail}' },

  // ── rule language: compile time (parse and type-check) ─────────────────────
  CEL_SYNTAX: { status: 400, message: '{detail}' },
  CEL_LIMIT: { status: 400, message: 'expression exceeds the {limit} limit ({actual} > {max})' },
  CEL_INVALID_LITERAL: { status: 400, message: '{detail}' },
  CEL_UNDECLARED: { status: 400, message: "undeclared reference to '{name}'{hint}" },
  CEL_UNKNOWN_FIELD: { status: 400, message: "type '{type}' has no field '{field}'{hint}" },
  CEL_NO_OVERLOAD: {
    status: 400,
    message: "no matching overload for '{function}' applied to {args}{hint}",
  },
  CEL_TYPE_MISMATCH: { status: 400, message: '{detail}' },
  CEL_INVALID_MACRO: { status: 400, message: '{detail}' },

  // ── policy packs ───────────────────────────────────────────────────────────
  POLICY_YAML: { status: 400, message: 'invalid YAML: {detail}' },
  POLICY_SCHEMA: { status: 400, message: '{detail}' },
  POLICY_FILE: { status: 400, message: '{detail}' },
  POLICY_DUPLICATE: { status: 400, message: "{what} '{name}' is defined more than once{hint}" },
  POLICY_REFERENCE: { status: 400, message: "unknown {what} '{name}'{hint}" },
  POLICY_INVALID: { status: 400, message: '{detail}' },
  POLICY_BUNDLE: { status: 400, message: 'invalid policy bundle: {detail}' },
  POLICY_REJECTED: {
    status: 422,
    message: 'the policy pack has {count} problem(s); the serving pack is unchanged',
  },

  // ── backtests on stored events ─────────────────────────────────────────────
  BACKTEST_INVALID: { status: 400, message: 'invalid backtest request: {detail}' },
  BACKTEST_POLICY_REJECTED: {
    status: 400,
    message: 'the {which} policy pack has {count} problem(s); nothing was replayed',
  },
  BACKTEST_BUSY: {
    status: 429,
    message: 'a backtest is already running on this node; retry once it has finished',
  },

  // ── events and decisions ───────────────────────────────────────────────────
  EVENT_INVALID: { status: 400, message: 'invalid event ({count} problem(s)); first: {first}' },

  // ── ground-truth labels ─────────────────────────────────────────────────────
  LABELS_INVALID: {
    status: 400,
    message: 'invalid labels ({count} problem(s)); none was stored; first: {first}',
  },

  // ── human review: cases, claims, appeals ───────────────────────────────────
  CASE_NOT_FOUND: { status: 404, message: "review case '{id}' not found" },
  CASE_LOCKED: {
    status: 409,
    message: "case '{id}' is claimed by {holder} until {until}; it can be claimed once that claim expires",
  },
  CASE_NOT_CLAIMED: { status: 409, message: "case '{id}': {detail}" },
  CASE_CLOSED: { status: 409, message: "case '{id}' is closed ({verdict}); nothing more can be done on it" },
  CASE_REVIEWER_CONFLICT: {
    status: 409,
    message: "case '{id}' is a blind QA check of {reviewer}'s own decision; another reviewer must take it",
  },
  CASE_INVALID: { status: 400, message: 'invalid review request: {detail}' },
  REVIEW_REASON_INVALID: {
    status: 400,
    message: "reason '{reason}' is not a reason code of queue '{queue}' (allowed: {allowed})",
  },
  CASE_CANNOT_ESCALATE: {
    status: 409,
    message: "queue '{queue}' has no higher-level queue (escalate_to) to move case '{id}' to",
  },
  APPEAL_INVALID: { status: 400, message: 'invalid appeal: {detail}' },
  REVIEW_ENFORCEMENT_UNAVAILABLE: {
    status: 503,
    message: 'enforcement is not available on this node: {detail}',
  },

  // ── enforcement ──────────────────────────────────────────────────────────────
  ENFORCEMENT_CONFIG: { status: 400, message: 'invalid enforcement configuration at {where}: {detail}' },
  ACTION_NOT_REPLAYABLE: {
    status: 409,
    message:
      'action {id} is {status}; only dead, capped, dry_run, suppressed or skipped actions can be replayed',
  },

  // ── rule language: evaluation (become error values, never exceptions) ───────
  EVAL_DIVIDE_BY_ZERO: { status: 422, message: 'division by zero' },
  EVAL_MODULUS_BY_ZERO: { status: 422, message: 'modulus by zero' },
  EVAL_OVERFLOW: { status: 422, message: '{what} overflow' },
  EVAL_RANGE: { status: 422, message: '{detail}' },
  EVAL_NO_SUCH_FIELD: { status: 422, message: "no such field '{field}'" },
  EVAL_NO_SUCH_KEY: { status: 422, message: 'no such key: {key}' },
  EVAL_INDEX_OUT_OF_RANGE: { status: 422, message: 'index {index} out of range [0, {size})' },
  EVAL_NO_OVERLOAD: { status: 422, message: "no matching overload for '{function}' applied to ({args})" },
  EVAL_INVALID_ARGUMENT: { status: 422, message: '{detail}' },
  EVAL_UNBOUND: { status: 422, message: "no value for variable '{name}'" },
  EVAL_BUDGET: { status: 422, message: 'evaluation exceeded the budget of {max} comprehension steps' },
  EVAL_PSEUDONYMISED: {
    status: 422,
    message: "field '{field}' holds a pseudonym in stored events; its raw value cannot be re-evaluated",
  },

  // ── model files (formats and scoring) ──────────────────────────────────────
  MODEL_INVALID: { status: 400, message: 'invalid model {file}: {detail}' },
  MODEL_UNSUPPORTED: { status: 400, message: 'unsupported model {file}: {detail}' },
  MODEL_INPUT: { status: 400, message: '{detail}' },

  // ── model registry (versions, champion/challenger) ─────────────────────────
  MODEL_REGISTRY_INVALID: { status: 400, message: 'invalid model registration: {detail}' },
  MODEL_REGISTRY_CONFLICT: { status: 409, message: '{detail}' },
  MODEL_REJECTED: {
    status: 422,
    message: 'the serving pack does not load with this change ({count} problem(s)); nothing was changed',
  },

  // ── model training and training datasets ───────────────────────────────────
  TRAIN_DATA_INVALID: { status: 400, message: 'cannot train on this data: {detail}' },
  TRAIN_OPTIONS_INVALID: { status: 400, message: 'invalid training option: {detail}' },
  DATASET_INVALID: { status: 400, message: 'cannot build the dataset: {detail}' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export type ErrorParams = Readonly<Record<string, string | number>>

/** Fills a message template; unknown placeholders are left visible rather than hidden. */
export function formatMessage(code: ErrorCode, params: ErrorParams = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  )
}

export function httpStatus(code: ErrorCode): number {
  return ERRORS[code].status
}

/** The one exception type Bulwark throws across module boundaries. */
export class BulwarkError extends Error {
  readonly code: ErrorCode
  readonly details: unknown

  constructor(code: ErrorCode, params: ErrorParams = {}, details?: unknown) {
    super(formatMessage(code, params))
    this.name = 'BulwarkError'
    this.code = code
    this.details = details
  }

  get status(): number {
    return httpStatus(this.code)
  }
}

/**
 * Errors as values at the model's edge (docs/contributing.md §13): the errno a kernel function
 * would return, with a sentence saying why. Exceptions are only for programmer
 * mistakes and configuration errors.
 */

/** errno values as in include/uapi/asm-generic/errno-base.h / errno.h. */
export const ERRNO = {
  EPERM: 1,
  EIO: 5,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  ETIMEDOUT: 110,
} as const;

export type Errno = keyof typeof ERRNO;

/** A kernel-style failure: `code` is what the kernel function would return. */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  /** Positive errno number, e.g. 12 for ENOMEM. */
  readonly errno: number;
  constructor(
    /** The errno name, e.g. `ENOMEM`. */
    readonly code: Errno,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.errno = ERRNO[code];
  }
}

/** Result of an operation that can fail the way the kernel fails. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KernelError };

/** The one success without a value: results are read-only, so every ok() shares it (no allocation on hot paths). */
const OK_VOID: Result<undefined> = { ok: true, value: undefined };

/** Wrap a success value. */
export function ok(): Result<void>;
export function ok<T>(value: T): Result<T>;
export function ok<T>(value?: T): Result<T | undefined> {
  return value === undefined ? OK_VOID : { ok: true, value };
}

/** Build a failure value. */
export function fail<T = never>(code: Errno, message: string, cause?: unknown): Result<T> {
  return { ok: false, error: new KernelError(code, message, cause === undefined ? undefined : { cause }) };
}

/** Unwrap a result or throw its error (for tests and scripts, not for strategies). */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** What kind of configuration or loading mistake a ConfigError is. */
export type ConfigErrorCode =
  /** A configuration file or value is malformed (the message names the key). */
  | 'config'
  /** The platform cannot be booted as configured (`platform.<key>: …`). */
  | 'platform'
  /** No strategy package of that name is installed where the config can see it. */
  | 'strategy-not-found'
  /** The strategy module failed to import. */
  | 'strategy-import'
  /** The module does not default-export defineStrategy(…). */
  | 'not-a-strategy'
  /** The strategy's options do not validate (`options.<key>: …`). */
  | 'bad-options'
  /** The strategy's declared capabilities cannot serve what is asked (size, concurrency, device). */
  | 'capability';

/**
 * A configuration or loading mistake: thrown, with one sentence that says what
 * is wrong and where (`strategy.options.convert: …`), and a `code` callers
 * branch on instead of the message text.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  constructor(message: string, options?: { cause?: unknown; code?: ConfigErrorCode }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? (options?.cause instanceof ConfigError ? options.cause.code : 'config');
  }
}

/**
 * Boot got as far as the strategy (or the driver on top of it) and its
 * initialisation failed: `code` names the step, `error` is the kernel error
 * it returned. Not a configuration mistake: the same configuration may boot
 * under another seed or fault plan.
 */
export class BootError extends Error {
  override readonly name = 'BootError';
  constructor(
    /** `init`: the allocator's init(); `driver-init`: a driver's init on top of it (e.g. tdx_guest_init). */
    readonly code: 'init' | 'driver-init',
    readonly error: KernelError,
    message: string,
  ) {
    super(message, { cause: error });
  }
}

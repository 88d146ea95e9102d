/** A mistake in how a command was called or in the file it was given: told in one line, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A problem the person can fix or should know about, in plain words. Its message is shown to
 * them as it is; anything that is not a UserError is logged and answered with a generic apology.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

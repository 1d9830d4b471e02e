/** A mistake on the command line: reported on one line with exit code 125, as docker does. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An error the server sent, with its stable code (docs/protocol.md "Errors"). */
export class PlayheadClientError extends Error {
  override readonly name = 'PlayheadClientError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

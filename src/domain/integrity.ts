// Stored bytes that fail authentication (tampered with, cut short, or sealed with another key):
// raised by the storage layer's decryption, rendered as a server-side failure on every face.

export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * Maps any error to the DESIGN wire shape `{"error":{"code","message"}}`.
 * PlayheadErrors render themselves; Fastify's own 4xx errors get the code a
 * user can act on; anything else is logged and answered as `internal`.
 */
import { ERROR_CODES, PlayheadError, type ErrorCode } from '../core/errors.js';
import type { ErrorReply } from '../protocol/http-messages.js';

interface FastifyLikeError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validation?: unknown;
  readonly validationContext?: string;
  readonly message: string;
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_parameter',
  FST_ERR_VALIDATION: 'invalid_parameter',
};

export interface MappedError {
  readonly status: number;
  readonly body: ErrorReply;
  /** True when the error is a server fault that must be logged. */
  readonly internal: boolean;
}

export function mapError(error: unknown, limits: { readonly maxBodyBytes: number }): MappedError {
  if (error instanceof PlayheadError) return reply(error.code, error.message, error);
  const fastifyError = error as FastifyLikeError;
  const code = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (code === 'payload_too_large') {
    return reply(code, `body is over the limit of ${limits.maxBodyBytes} bytes: send smaller batches or raise --max-body-bytes`);
  }
  if (code === 'unsupported_media_type') {
    return reply(code, 'send the body as Content-Type: application/json (one event or an array) or application/x-ndjson');
  }
  if (code !== undefined) return reply(code, fastifyError.message);
  return { ...reply('internal', 'internal error: the server logged the details with this request id'), internal: true };
}

function reply(code: ErrorCode, message: string, detail?: PlayheadError): MappedError {
  const body: ErrorReply = {
    error: {
      code,
      message,
      ...(detail?.index === undefined ? {} : { index: detail.index }),
      ...(detail?.position === undefined ? {} : { position: detail.position }),
    },
  };
  return { status: ERROR_CODES[code].status, body, internal: false };
}

import { Type, type TSchema } from '@sinclair/typebox';

/** The one error shape of every API response. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code from the registry, e.g. DIALER_ERR_NOT_FOUND.' }),
      message: Type.String(),
      retryable: Type.Boolean(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error: a stable code, a message, whether a retry can succeed, and details (e.g. field errors).' },
);

/** Standard responses: the success schema plus the error shape for 4xx and 5xx. */
export function replies<S extends TSchema>(ok: S, status: 200 | 201 | 202 = 200) {
  return { [status]: ok, '4xx': ErrorBody, '5xx': ErrorBody } as { [K in typeof status]: S } & { '4xx': typeof ErrorBody; '5xx': typeof ErrorBody };
}

/** `204 No Content` plus errors. */
export const noContent = { 204: Type.Null({ description: 'Done; no body.' }), '4xx': ErrorBody, '5xx': ErrorBody };

/** `:id` path parameter (UUID text). */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** `:id` path parameter of a lead (integer). */
export const LeadIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent'), Type.Literal('developer')]);

/** Epoch milliseconds, or null. */
export const MsOrNull = Type.Union([Type.Integer(), Type.Null()]);
export const StrOrNull = Type.Union([Type.String(), Type.Null()]);
export const NumOrNull = Type.Union([Type.Number(), Type.Null()]);

/** A free-form JSON object (custom fields, settings). */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

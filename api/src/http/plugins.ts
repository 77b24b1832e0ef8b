import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiConfig } from '../services.js';
import { ErrorBody } from './schemas.js';

/**
 * Security headers, CORS, the CSV body type and the OpenAPI document
 * (collected from every route's TypeBox schema; served at /api/docs).
 */
export async function registerPlugins(app: FastifyInstance, config: ApiConfig): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        mediaSrc: ["'self'", 'blob:'],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
    // The console uses the microphone for the softphone.
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cors, {
    // Empty list: no CORS headers at all, so only the console's own origin can call from a browser.
    origin: config.corsOrigins.length > 0 ? config.corsOrigins.includes('*') ? true : config.corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'range'],
    exposedHeaders: ['x-request-id', 'content-range', 'retry-after'],
    maxAge: 600,
  });

  // CSV uploads stream to the importer: the route gets the raw request stream, with its own size limit.
  app.addContentTypeParser(['text/csv', 'text/plain', 'application/octet-stream'], (_req, payload, done) => done(null, payload));

  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'dialer API',
        version: '1',
        description:
          'REST API of the dialer call-center platform. Authenticate with `Authorization: Bearer <access token>` (from POST /api/v1/auth/login) or with an API key (`Authorization: Bearer dk_...` or `X-API-Key`). Errors always have the shape `{ "error": { "code", "message", "retryable", "details"? } }`. Lists use cursor pagination (`limit`, `cursor` → `nextCursor`).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Access token or API key.' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    hideUntagged: true,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });
}

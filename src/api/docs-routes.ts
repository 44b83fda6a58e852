import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../shared/errors.ts';
import { openApiDocument } from './openapi.ts';

/**
 * The API reference: Swagger UI from the swagger-ui-dist package (served by the API, no CDN) at
 * GET /docs, the OpenAPI document at GET /docs/openapi.json. GET /docs without `text/html` in
 * Accept still answers the JSON document, as it did before the page existed.
 */

const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const DOCS_ASSETS_PREFIX = '/docs/assets/';
/** /docs/assets/<name> → a file of swagger-ui-dist; only these. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
// The files change only with package-lock; a day of caching spares the 1.5 MB bundle per visit.
const ASSET_MAX_AGE_SECONDS = 86_400;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>callcast API reference</title>
  <link rel="icon" type="image/png" href="${DOCS_ASSETS_PREFIX}favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_ASSETS_PREFIX}swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" aria-label="callcast API reference"></main>
  <script src="${DOCS_ASSETS_PREFIX}swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// "Authorize" once with an API key; it is kept across reloads so "Try it out" can call /v1.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/** Public registrar: the page, its start-up script and assets, and the JSON document. */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/docs/openapi.json', async () => openApiDocument());
  app.get('/docs', async (request, reply) =>
    wantsHtml(request) ? reply.type('text/html; charset=utf-8').send(PAGE) : openApiDocument(),
  );
  app.get('/docs/init.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(INIT));
  app.get(`${DOCS_ASSETS_PREFIX}:file`, async (request, reply) => {
    const name = (request.params as { file: string }).file;
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw notFound('File', name);
    return reply
      .type(type)
      .header('cache-control', `public, max-age=${ASSET_MAX_AGE_SECONDS}`)
      .send(createReadStream(join(SWAGGER_DIR, name)));
  });
}

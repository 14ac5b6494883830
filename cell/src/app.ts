import { OpenAPIHono } from '@hono/zod-openapi';
import { CELL_HEADER } from '@quire/shared/edge-headers';
import { errorHandler, notFoundHandler } from '@quire/shared/error-handler';
import { PayloadTooLarge } from '@quire/shared/errors';
import { methodNotAllowed } from '@quire/shared/method-not-allowed';
import { declareStackResponses } from '@quire/shared/openapi';
import { requestId } from '@quire/shared/request-id';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, CellDeps } from './context.ts';
import { stackResponses } from './http/openapi.ts';
import { countCrossTenant, metricsResponse, recordRequests } from './metrics/http.ts';
import { requireMetricsCredential } from './middleware/auth.ts';
import { edgeAssertion } from './middleware/edge-assertion.ts';
import { activityRoutes } from './modules/activity/routes.ts';
import { auditRoutes } from './modules/audit/routes.ts';
import { browseRoutes } from './modules/browse/routes.ts';
import { bulkRoutes } from './modules/bulk/routes.ts';
import { commentRoutes } from './modules/comments/routes.ts';
import { consentRoutes } from './modules/consent/routes.ts';
import { heldDeletionResumers } from './modules/documents/held.ts';
import { documentRoutes } from './modules/documents/routes.ts';
import { erasureRoutes } from './modules/erasure/routes.ts';
import { folderRoutes } from './modules/folders/routes.ts';
import { setResumers } from './modules/holds/resume.ts';
import { holdRoutes } from './modules/holds/routes.ts';
import { directoryRoutes } from './modules/identity/admin-routes.ts';
import { lifecycleRoutes } from './modules/identity/lifecycle-routes.ts';
import { meRoutes } from './modules/identity/me-routes.ts';
import { identityRoutes } from './modules/identity/routes.ts';
import { notificationRoutes } from './modules/notifications/routes.ts';
import { offboardingRoutes } from './modules/offboarding/routes.ts';
import { portabilityRoutes } from './modules/portability/routes.ts';
import { presenceRoutes } from './modules/presence/routes.ts';
import { usageRoutes } from './modules/quotas/routes.ts';
import { retentionRoutes } from './modules/retention/routes.ts';
import { scimRoutes } from './modules/scim/routes.ts';
import { searchRoutes } from './modules/search/routes.ts';
import { linkRoutes } from './modules/sharing/links/routes.ts';
import { accessRequestRoutes } from './modules/sharing/requests/routes.ts';
import { sharingRoutes } from './modules/sharing/routes.ts';
import { ssoAdminRoutes } from './modules/sso/admin-routes.ts';
import { ssoRoutes } from './modules/sso/routes.ts';
import { tenancyRoutes } from './modules/tenancy/routes.ts';
import { uploadRoutes } from './modules/uploads/routes.ts';
import { webhookRoutes } from './modules/webhooks/routes.ts';

/** JSON bodies are small; only uploads stream large bodies (bounded by the plan, per request). */
const JSON_BODY_LIMIT = 1024 * 1024;

export function createApp(deps: CellDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', recordRequests(deps.metrics));
  app.use('*', requestId());
  app.use('*', secureHeaders());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.header(CELL_HEADER, deps.cellId);
    await next();
  });
  app.use('*', edgeAssertion(deps.edge));
  app.use('*', async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next(); // no body to bound
    const isUpload =
      (method === 'POST' && /^\/v1\/documents(\/[^/]+\/versions)?$/.test(c.req.path)) ||
      (method === 'PATCH' && /^\/v1\/uploads\/[^/]+$/.test(c.req.path)); // tus: bounded by Upload-Length
    if (isUpload) return next();
    return bodyLimit({
      maxSize: JSON_BODY_LIMIT,
      onError: () => {
        throw new PayloadTooLarge('request body is too large');
      },
    })(c, next);
  });

  app.get('/healthz', (c) => c.json({ ok: true, cell: deps.cellId }));
  // Not in the API document: for Prometheus, with the metrics credential (METRICS_TOKEN).
  app.get('/internal/metrics', requireMetricsCredential(), (c) => metricsResponse(c, deps.metrics));
  app.route('/', tenancyRoutes);
  app.route('/', offboardingRoutes);
  app.route('/', portabilityRoutes);
  app.route('/', identityRoutes);
  app.route('/', folderRoutes);
  app.route('/', browseRoutes);
  app.route('/', documentRoutes);
  app.route('/', uploadRoutes);
  app.route('/', sharingRoutes);
  app.route('/', directoryRoutes);
  app.route('/', meRoutes);
  app.route('/', lifecycleRoutes);
  app.route('/', ssoRoutes);
  app.route('/', ssoAdminRoutes);
  app.route('/', scimRoutes);
  app.route('/', auditRoutes);
  app.route('/', searchRoutes);
  app.route('/', commentRoutes);
  app.route('/', notificationRoutes);
  app.route('/', linkRoutes);
  app.route('/', accessRequestRoutes);
  app.route('/', activityRoutes);
  app.route('/', presenceRoutes);
  app.route('/', bulkRoutes);
  app.route('/', webhookRoutes);
  app.route('/', erasureRoutes);
  app.route('/', holdRoutes);
  app.route('/', retentionRoutes);
  app.route('/', consentRoutes);
  // What a released legal hold resumes: the deletions it queued, carried out by their owners.
  setResumers(heldDeletionResumers);
  app.route('/', usageRoutes);

  declareStackResponses(app.openAPIRegistry, stackResponses);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'internalAuth', {
    type: 'http',
    scheme: 'bearer',
  });
  app.doc31('/v1/openapi.json', { openapi: '3.1.0', info: { title: 'Quire cell API', version: '1.0.0' } });

  const onError = errorHandler(deps.log, { logStack: true });
  app.onError((err, c) => {
    countCrossTenant(deps.metrics, err);
    return onError(err, c);
  });
  // A known path with a method it does not serve: 405 with Allow (OPTIONS: 204 with Allow).
  app.notFound(methodNotAllowed(app, notFoundHandler));
  return app;
}

import { OpenAPIHono } from '@hono/zod-openapi';
import { errorHandler, notFoundHandler } from '@quire/shared/error-handler';
import { PayloadTooLarge } from '@quire/shared/errors';
import { methodNotAllowed } from '@quire/shared/method-not-allowed';
import { declareStackResponses } from '@quire/shared/openapi';
import { requestId } from '@quire/shared/request-id';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, CpDeps } from './context.ts';
import { adminUi } from './http/admin-ui.ts';
import { stackResponses } from './http/openapi.ts';
import { metricsEndpoint, recordRequests } from './metrics.ts';
import { accessLog } from './middleware/access-log.ts';
import { auditRoutes } from './modules/audit/routes.ts';
import { cellAdminRoutes } from './modules/cells/admin-routes.ts';
import { domainRoutes } from './modules/domains/routes.ts';
import { flagRoutes } from './modules/flags/routes.ts';
import { opsAuth } from './modules/ops-auth/middleware.ts';
import { opsTokenRoutes } from './modules/ops-auth/routes.ts';
import { planRoutes } from './modules/plans/routes.ts';
import { routesApi } from './modules/routes-api/routes.ts';
import { tenantFlagRoutes } from './modules/tenants/flag-routes.ts';
import { tenantRoutes } from './modules/tenants/routes.ts';

/** Every body here is small JSON. */
const BODY_LIMIT = 256 * 1024;

/** `adminUiDir`: the built sales-ops page (web/dist/ops), served under /admin/ when given. */
export function createApp(deps: CpDeps, o: { adminUiDir?: string | undefined } = {}) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', recordRequests(deps.metrics));
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', accessLog());
  app.use('*', secureHeaders());
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT,
      onError: () => {
        throw new PayloadTooLarge('request body is too large');
      },
    }),
  );
  app.use('/v1/admin/*', opsAuth());

  app.get('/healthz', (c) => c.json({ ok: true, service: 'control-plane' }));
  // Not in the API document: for Prometheus, with METRICS_TOKEN (off when unset).
  app.get('/internal/metrics', (c) => metricsEndpoint(c, deps.metrics, deps.metricsToken));
  if (o.adminUiDir) app.route('/', adminUi(o.adminUiDir));
  app.route('/', routesApi);
  app.route('/', cellAdminRoutes);
  app.route('/', tenantRoutes);
  app.route('/', tenantFlagRoutes);
  app.route('/', domainRoutes);
  app.route('/', flagRoutes);
  app.route('/', planRoutes);
  app.route('/', opsTokenRoutes);
  app.route('/', auditRoutes);

  declareStackResponses(app.openAPIRegistry, stackResponses);
  app.openAPIRegistry.registerComponent('securitySchemes', 'opsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An ops token (support: read-only, sales-ops or platform-admin) or OPS_BOOTSTRAP_TOKEN',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cellCredential', {
    type: 'http',
    scheme: 'bearer',
    description: 'The credential issued when the cell slot was created',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'edgeToken', { type: 'http', scheme: 'bearer' });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Quire control plane API',
      version: '1.0.0',
      description: 'Cells, tenants, plans, flags and routing. Never users, emails, names or documents.',
    },
  });

  app.onError(errorHandler(deps.log));
  // A known path with a method it does not serve: 405 with Allow (OPTIONS: 204 with Allow).
  app.notFound(methodNotAllowed(app, notFoundHandler));
  return app;
}

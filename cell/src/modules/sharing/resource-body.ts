import { z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';

/**
 * A request body naming a folder or a document, with more fields beside: one strict object per
 * resource type (a union), so the id's kind must match the type and the OpenAPI document says
 * exactly what the check accepts (a refine beside the schema is invisible to clients and fuzzers).
 */
export function onResource<S extends z.ZodRawShape>(shape: S) {
  const on = <R extends 'folder' | 'document'>(resource: R) =>
    z
      .object({
        resourceType: z.literal(resource),
        resourceId: idSchema(resource, `The ${resource}`),
        ...shape,
      })
      .strict();
  return z.union([on('folder'), on('document')]);
}

import { z } from 'zod';
import { WEBHOOK_EVENTS } from './post-events';

const events = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}.` }))
  .min(1, 'name at least one event.')
  .max(WEBHOOK_EVENTS.length);

/** `POST /v1/webhooks`. */
export const createWebhookSchema = z.object({
  url: z.url({ error: 'must be an absolute URL.' }).max(2048),
  events,
});

/** `PATCH /v1/webhooks/{id}`. */
export const updateWebhookSchema = z.object({
  url: z.url({ error: 'must be an absolute URL.' }).max(2048).optional(),
  events: events.optional(),
  is_active: z.boolean().optional(),
});

import { accessOf, type Access } from '@demo-kafka/app-kit';
import type { ConsumerSettings } from '../settings.js';
import { STREAM_PATH } from './messages-stream-route.js';

/** Who may read the stream, which origins may read it from a browser, and the start-up log's account of it. */
export type ReadAccess = Access;

/** From the settings: access tokens (AUTH_*) or anyone; with tokens, only listed origins. */
export function readAccessOf(settings: ConsumerSettings): ReadAccess {
  return accessOf(
    settings,
    { name: 'AUTH_READ_SCOPE', value: settings.AUTH_READ_SCOPE },
    `GET ${STREAM_PATH}`,
  );
}

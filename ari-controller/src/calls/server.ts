import type { Clock, Logger } from '@dialer/core';
import type { AriClient } from '../ari/generated/client.js';
import type { AriConnection } from '../transport/connection.js';
import { EventRouter } from './router.js';

/** One Asterisk server as the call flows see it: its client, its connection and its event router. */
export class AriServer {
  readonly router: EventRouter;

  constructor(
    readonly conn: AriConnection,
    log: Logger,
    clock: Clock,
  ) {
    this.router = new EventRouter(log.child({ server: conn.id }), clock);
    conn.on('event', (e) => this.router.dispatch(e));
    conn.on('disconnected', (reason) => this.router.failWaiters(reason));
  }

  get id(): string {
    return this.conn.id;
  }

  get client(): AriClient {
    return this.conn.client;
  }

  get connected(): boolean {
    return this.conn.connected;
  }
}

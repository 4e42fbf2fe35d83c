import type { Notification } from '../domain/report.js';

/** Delivers one grouped alert message: SNS when deployed, the terminal in --local runs. */
export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

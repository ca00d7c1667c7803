/**
 * The fan-out floor of our stack, run as its own process: an express 5 app whose
 * `GET /messages` opens one better-sse session per client, with its default options, and
 * nothing else. `POST /messages` pushes the body to every session.
 */
import { createSession, type Session } from 'better-sse';
import express from 'express';

const sessions = new Set<Session>();
let id = 0;
const app = express();
app.get('/messages', async (req, res) => {
  const session = await createSession(req, res, { serializer: String });
  sessions.add(session);
  session.once('disconnected', () => sessions.delete(session));
});
app.get('/ready', (_req, res) => {
  res.end();
});
app.post('/messages', express.text({ type: '*/*' }), (req, res) => {
  const eventId = String(++id);
  for (const session of sessions) session.push(String(req.body), 'message', eventId);
  res.end('ok');
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  process.exit(0);
});

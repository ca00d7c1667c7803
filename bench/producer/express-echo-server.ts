/**
 * The ceiling of an express app, run as its own process: express 5 with its defaults and
 * `express.raw`, answering `POST /messages` with the body and nothing else.
 */
import express from 'express';

const app = express();
app.post('/messages', express.raw({ type: () => true }), (req, res) => {
  res.send(req.body);
});
app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

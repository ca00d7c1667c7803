import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { launchChromium } from './support/chromium.js';
import { listen, type Listening } from './support/listen.js';
import { startOidcIssuer, tokenSettings, type OidcIssuer } from './support/oidc-issuer.js';
import { produce } from './support/produce.js';

const kafka = inject('kafka');

describe('the live page in headless Chromium', () => {
  const TOPIC = `page-${randomUUID()}`;
  let producer: TestProducer;
  let producerServer: Listening;
  let consumer: TestConsumer;
  let browser: Browser;

  beforeAll(async () => {
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    producerServer = await listen(producer.app);
    const producerUrl = producerServer.url;
    // The page is served by the consumer and posts to the producer: two origins, as on the cluster.
    consumer = await buildConsumer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      PRODUCER_URL: producerUrl,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
  });

  it('connects, shows a message posted through its form, and shows multi-line values intact', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${consumer.url}/`);
    await expect.poll(() => page.textContent('#status')).toBe('connected');

    const message = `from the page ${randomUUID()}`;
    await page.fill('#message', message);
    await page.click('#post-form button');
    await expect
      .poll(() => page.textContent('#post-result'))
      .toMatch(/written to .* partition \d+ offset \d+/);
    await expect.poll(() => page.locator('#messages li').first().textContent()).toContain(message);

    await produce(kafka.bindingDir, TOPIC, ['first line\nsecond line']);
    // EventSource joins the data lines back with "\n"; the list item shows it with pre-wrap.
    await expect
      .poll(() =>
        page
          .locator('#messages li')
          .first()
          .evaluate((li) => li.firstChild?.textContent),
      )
      .toBe('first line\nsecond line');
    expect(await page.textContent('#count')).toBe('2');
    await page.screenshot({ path: 'test/page.kafka.test.png' }).catch(() => {});
    expect(errors).toEqual([]);
  });

  it('with a key, shows only the messages of that key and sends with it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${consumer.url}/`);
    const key = `key-${randomUUID()}`;
    await page.fill('#key', key);
    await page.click('#key-form button');
    await expect.poll(() => page.textContent('#stream-path')).toBe(`GET /messages?key=${key}`);
    await expect.poll(() => page.textContent('#status')).toBe('connected');

    // `keyed`: each value is its own key.
    await produce(kafka.bindingDir, TOPIC, [`another-${key}`], { keyed: true });
    const message = `keyed from the page ${randomUUID()}`;
    await page.fill('#message', message);
    await page.click('#post-form button');
    await expect.poll(() => page.locator('#messages li').first().textContent()).toContain(message);
    await produce(kafka.bindingDir, TOPIC, [key], { keyed: true });
    await expect
      .poll(() =>
        page
          .locator('#messages li')
          .first()
          .evaluate((li) => li.firstChild?.textContent),
      )
      .toBe(key);
    // Nothing but its key's two (the replay of the earlier unkeyed messages included).
    expect(await page.locator('#messages li').allTextContents()).toHaveLength(2);
    expect(new URL(page.url()).searchParams.get('key')).toBe(key);
    expect(errors).toEqual([]);
  });

  it("shows a message's key and headers on demand", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${consumer.url}/`);
    await expect.poll(() => page.textContent('#status')).toBe('connected');
    const value = `with headers ${randomUUID()}`;
    const posted = await request(producer.app)
      .post('/messages?key=order-9')
      .type('text')
      .set('Kafka-Header-Tenant', 't1')
      .set('Kafka-Header-Note', '<b>not html</b>')
      .send(value);
    expect(posted.status).toBe(200);
    await expect.poll(() => page.locator('#messages li').first().textContent()).toContain(value);
    // Off by default: the value alone, as ever.
    expect(await page.locator('#messages li dl').count()).toBe(0);

    await page.check('#show-meta');
    await expect.poll(() => page.textContent('#stream-path')).toBe('GET /messages?format=json');
    await expect
      .poll(() =>
        page
          .locator('#messages li')
          .first()
          .evaluate((li) => li.firstChild?.textContent),
      )
      .toBe(value);
    const meta = page.locator('#messages li').first().locator('dl.record-meta');
    expect(await meta.locator('dt').allTextContents()).toEqual([
      'key',
      'content-type',
      'tenant',
      'note',
    ]);
    expect(await meta.locator('dd').allTextContents()).toEqual([
      'order-9',
      'text/plain',
      't1',
      '<b>not html</b>',
    ]);
    expect(new URL(page.url()).searchParams.get('meta')).toBe('1');
    expect(errors).toEqual([]);
  });
});

/** The values the page lists, newest first (each item's own text, without its id line). */
function shownValues(page: Page): Promise<string[]> {
  return page
    .locator('#messages li')
    .evaluateAll((items) => items.map((li) => li.firstChild?.textContent ?? ''));
}

describe('the live page in headless Chromium, with access tokens on', () => {
  const TOPIC = `page-auth-${randomUUID()}`;
  const BOTH_SCOPES = 'messages:read messages:write';
  let issuer: OidcIssuer;
  let producer: TestProducer | undefined;
  let producerServer: Listening;
  let consumer: TestConsumer;
  let browser: Browser;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, ...tokenSettings(issuer) };
    // The consumer needs the producer's URL (PRODUCER_URL) and the producer the page's origin
    // (CORS_ORIGINS; with tokens on, `*` allows none): the producer's port is taken first.
    let producerApp: Express | undefined;
    producerServer = await listen((req, res) => {
      if (producerApp) producerApp(req, res);
      else res.writeHead(503).end();
    });
    consumer = await buildConsumer({ ...env, PRODUCER_URL: producerServer.url });
    producer = await buildProducer({ ...env, CORS_ORIGINS: consumer.url });
    producerApp = producer.app;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
    await issuer?.close();
  });

  it('asks for a token, streams and posts with it, and keeps it out of the URL and the console', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const logged: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => logged.push(message.text()));
    try {
      await page.goto(`${consumer.url}/`);
      await expect.poll(() => page.textContent('#status')).toBe('token needed');
      expect(await page.isVisible('#token')).toBe(true);
      expect(await page.getAttribute('#token', 'type')).toBe('password');
      expect(await page.textContent('#token-message')).toContain('needs an access token');

      const token = await issuer.token(BOTH_SCOPES);
      await page.fill('#token', token);
      await page.click('#token-form button');
      await expect.poll(() => page.textContent('#status')).toBe('connected');
      expect(await page.isVisible('#token-message')).toBe(false);

      // Posted cross-origin to the producer, with the token.
      const message = `from the page with a token ${randomUUID()}`;
      await page.fill('#message', message);
      await page.click('#post-form button');
      await expect
        .poll(() => page.textContent('#post-result'))
        .toMatch(/written to .* partition \d+ offset \d+/);
      await expect.poll(() => shownValues(page)).toEqual([message]);

      // The page's own parser joins the data lines back with "\n", as an EventSource does.
      await produce(kafka.bindingDir, TOPIC, ['first line\nsecond line']);
      await expect.poll(() => shownValues(page)).toEqual(['first line\nsecond line', message]);
      expect(await page.textContent('#count')).toBe('2');

      // Kept in the tab's sessionStorage only (expressions: the tests have no DOM types).
      expect(await page.evaluate("sessionStorage.getItem('demo-kafka.access-token')")).toBe(token);
      expect(await page.evaluate('localStorage.length')).toBe(0);
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(page.url()).not.toContain(token);
      expect(await page.inputValue('#token')).toBe('');
      expect(logged.join('\n')).not.toContain(token);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reads the stream as an EventSource would, resumes from the last id, and stops on a 401', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The stream answered here, byte for byte: every kind of line, CR, LF and CRLF.
    const bodies = [
      ':ok\r\nretry: 100\r\n\r\nid: 0:1\r\ndata: one\r\ndata:two\r\n\r\n' +
        'event: gap\ndata: 3 records are no longer kept\n\n' +
        'id: 0:2\rdata:  three\r\revent: unknown\ndata: not shown\n\n' +
        'id: 0:3\ndata: cut off before its end',
      `event: token-expiring\ndata: ${new Date(Date.now() + 5000).toISOString()}\n\nid: 0:4\ndata: four\n\n`,
    ];
    const asked: Record<string, string>[] = [];
    await page.route(
      (url) => url.href === `${consumer.url}/messages`,
      (route) => {
        asked.push(route.request().headers());
        const body = bodies.shift();
        return body === undefined
          ? route.fulfill({
              status: 401,
              contentType: 'application/problem+json',
              body: JSON.stringify({ title: 'Unauthorized', detail: 'the token has expired' }),
            })
          : route.fulfill({ status: 200, contentType: 'text/event-stream', body });
      },
    );
    try {
      await page.goto(`${consumer.url}/`);
      await expect.poll(() => page.textContent('#status')).toBe('token needed');
      await page.fill('#token', 'Bearer first-token');
      await page.click('#token-form button');
      // The first answer ends without a notice: the page resumes after 100 ms (its retry:);
      // the second one's notice makes its end a stop.
      await expect.poll(() => page.textContent('#status')).toBe('token expired');
      expect(await shownValues(page)).toEqual([
        'four',
        ' three',
        '(3 records are no longer kept)',
        'one\ntwo',
      ]);
      expect(asked).toHaveLength(2);
      expect(asked[0]).toMatchObject({
        authorization: 'Bearer first-token',
        accept: 'text/event-stream',
      });
      expect(asked[0]?.['last-event-id']).toBeUndefined();
      expect(asked[1]).toMatchObject({
        authorization: 'Bearer first-token',
        'last-event-id': '0:2',
      });

      await page.fill('#token', 'second-token');
      await page.click('#token-form button');
      await expect
        .poll(() => page.textContent('#token-message'))
        .toContain('the token has expired');
      expect(await page.textContent('#status')).toBe('token needed');
      expect(asked[2]).toMatchObject({
        authorization: 'Bearer second-token',
        'last-event-id': '0:4',
      });
      // Stopped: no more tries until a new token.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(asked).toHaveLength(3);
      expect(await page.textContent('#count')).toBe('4');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('asks for a new token when its token expires, then shows what was written meanwhile, once', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${consumer.url}/`);
      await expect.poll(() => page.textContent('#status')).toBe('token needed');
      const short = await issuer.token(BOTH_SCOPES, { ttlSeconds: 4 });
      await page.fill('#token', short);
      await page.click('#token-form button');
      await expect.poll(() => page.textContent('#status')).toBe('connected');
      // The replay: the first test's two messages.
      await expect.poll(async () => (await shownValues(page)).length).toBe(2);
      const before = [`before-${randomUUID()}`];
      await produce(kafka.bindingDir, TOPIC, before);

      // token-expiring is a hint to ask for a new token, then the stream ends with the token.
      await expect
        .poll(() => page.textContent('#token-message'), { timeout: 10_000 })
        .toMatch(/expires|has expired/);
      await expect
        .poll(() => page.textContent('#status'), { timeout: 15_000 })
        .toBe('token expired');
      expect(await page.textContent('#token-message')).toContain('has expired');
      // Written while the page has no stream: the resume must bring them, once.
      const meanwhile = [`meanwhile-${randomUUID()}`, `meanwhile-${randomUUID()}`];
      await produce(kafka.bindingDir, TOPIC, meanwhile);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await shownValues(page)).not.toContain(meanwhile[0]);

      await page.fill('#token', await issuer.token(BOTH_SCOPES));
      await page.click('#token-form button');
      await expect.poll(() => page.textContent('#status')).toBe('connected');
      await expect
        .poll(async () => (await shownValues(page)).slice(0, 2))
        .toEqual([meanwhile[1], meanwhile[0]]);
      // And live again after it.
      const after = `after-${randomUUID()}`;
      await page.fill('#message', after);
      await page.click('#post-form button');
      await expect.poll(async () => (await shownValues(page))[0]).toBe(after);

      const values = await shownValues(page);
      expect(values).toHaveLength(6);
      expect(new Set(values).size).toBe(values.length);
      expect(values.slice(0, 4)).toEqual([after, meanwhile[1], meanwhile[0], before[0]]);
      // The token-expiring event is not a message.
      expect(values.some((value) => /^\d{4}-\d\d-\d\dT/.test(value))).toBe(false);
      expect(await page.textContent('#count')).toBe('6');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

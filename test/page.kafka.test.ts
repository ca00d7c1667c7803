import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { launchChromium } from './support/chromium.js';
import { listen, type Listening } from './support/listen.js';
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

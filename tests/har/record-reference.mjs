// Records tests/fixtures/har/reference.har: a real browser (Debian's Chromium, driven by
// playwright-core) using the reference platform's API from inside a page, as a web client
// of `stampede serve` would. `stampede profile from-har` is tested on the recording.
//
//   (cd tests/har && npm ci)          # once: playwright-core, pinned by package-lock.json
//   node tests/har/record-reference.mjs [OUT.har]
//
// STAMPEDE_BIN picks the binary (default target/release/stampede). The server runs on
// 127.0.0.1 with a temporary database, and the page is opened on its origin (`/health`), so
// the API calls are same-origin: no CORS preflights.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'tests/fixtures/har/reference.har'));
const bin = process.env.STAMPEDE_BIN ?? path.join(root, 'target/release/stampede');

const server = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--hash-cost', 'low'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const firstLine = await new Promise((resolve, reject) => {
  server.on('exit', (code) => reject(new Error(`stampede serve exited with ${code}`)));
  createInterface({ input: server.stdout }).once('line', resolve);
});
const base = firstLine.replace(/^listening on /, '').trim();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ recordHar: { path: out, content: 'embed' } });
  const page = await context.newPage();
  await page.goto(`${base}/health`);
  const journey = await page.evaluate(async () => {
    const call = async (method, url, { json, body, type, token } = {}) => {
      const headers = {};
      if (json !== undefined) headers['content-type'] = 'application/json';
      if (type) headers['content-type'] = type;
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(url, {
        method, headers, body: json !== undefined ? JSON.stringify(json) : body,
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status}`);
      return response.json();
    };
    // A friend who is already there, then the newcomer (whose journey is recorded).
    const friend = await call('POST', '/api/signup',
      { json: { handle: 'mei_friend', email: 'mei@example.test', password: 'friend-pass-1234' } });
    const me = await call('POST', '/api/signup',
      { json: { handle: 'rin_newcomer', email: 'rin@example.test', password: 'newcomer-pass-5678' } });
    const token = me.token;
    // A 1×1 PNG, the cat photo.
    const png = Uint8Array.from(atob(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
    (c) => c.charCodeAt(0));
    const media = await call('POST', '/api/media', { body: png, type: 'image/png', token });
    const post = await call('POST', '/api/posts',
      { json: { text: 'hello from the new app, my cat says hi', media_ids: [media.id] }, token });
    await call('GET', `/api/posts/${post.id}`, { token });
    await call('POST', `/api/users/${friend.id}/follow`, { token });
    await call('GET', `/api/users/${friend.id}`, { token });
    await call('POST', `/api/posts/${post.id}/comments`, { json: { text: 'first comment on my own post' }, token });
    await call('POST', `/api/posts/${post.id}/like`, { token });
    await call('GET', '/api/timeline?limit=20', { token });
    await call('GET', '/api/search?q=cat&limit=10', { token });
    // Back later: a login, then the feed again with the new session's token.
    const again = await call('POST', '/api/login', { json: { handle: 'rin_newcomer', password: 'newcomer-pass-5678' } });
    await call('GET', '/api/timeline?limit=20', { token: again.token });
    return { friend: friend.id, me: me.id, post: post.id };
  });
  await context.close();
  console.log(`recorded ${out} (${JSON.stringify(journey)})`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}

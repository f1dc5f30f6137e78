// Records tests/fixtures/har/spirit.har: headless Chromium drives the Spirit forum's web UI
// the way a person would, and Playwright writes every request and response into a HAR,
// the input of `stampede profile from-har`.
//
// usage: node tests/spirit/record-har.mjs BASE_URL ACCOUNTS.csv OUT.har
//   BASE_URL: a Spirit started by tests/spirit/start.sh (loopback); ACCOUNTS.csv: two
//   accounts from `tests/spirit/manage.sh accounts 2 FILE` (handle,password rows).
// The journey: A logs in, opens the topic list, publishes a topic, opens it, comments on
// it, searches, logs out; B logs in, opens A's topic, likes A's comment (a comment cannot
// be liked by its own author) and subscribes to the topic's notifications. (Spirit has no
// follow between users, and its topic favourites have no button in the UI.)
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [base, csvPath, out] = process.argv.slice(2);
if (!base || !csvPath || !out || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error('usage: record-har.mjs http://127.0.0.1:PORT ACCOUNTS.csv OUT.har');
  process.exit(2);
}
const accounts = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((line) => {
  const [handle, password] = line.split(',');
  return { handle, password };
});
if (accounts.length < 2) {
  console.error(`${csvPath}: two accounts needed, found ${accounts.length}`);
  process.exit(2);
}

// The flags this machine needs (no sandbox as root, no background connections to Google).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  // The forum's pages and answers, not its static files (scripts, styles, fonts: ~5 MB
  // that no profile replays).
  recordHar: { path: out, content: 'embed', urlFilter: new RegExp(`^${base.replaceAll('.', '\\.')}/(?!static/)`) },
});
const page = await context.newPage();
page.setDefaultTimeout(20_000);

async function login({ handle, password }) {
  await page.goto(`${base}/user/login/`);
  await page.fill('#id_username', handle);
  await page.fill('#id_password', password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), page.click('input[name=post]')]);
}

async function logout() {
  await page.goto(`${base}/user/logout/`);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/logout')),
    page.click('input[name=post][value="Log out"]')]);
}

const [author, reader] = accounts;
await login(author);
await page.goto(`${base}/`);                                   // the topic list
await page.goto(`${base}/topic/publish/`);
await page.fill('#id_title', 'Cat tax: meet Mochi');
await page.selectOption('#id_category', { label: 'Uncategorized' });
await page.fill('#id_comment', 'Hello from a TikTok refugee! This is Mochi, my cat.');
await Promise.all([page.waitForURL(/\/topic\/\d+\/[\w-]+\/$/), page.click('form.js-reply [type=submit]')]);
const topicUrl = page.url();                                   // the publish redirected here
await page.fill('form.js-reply #id_comment', 'Mochi says thanks for all the welcomes.');
await Promise.all([page.waitForURL(/\/topic\/\d+\/[\w-]+\/.*#c\d+$/), page.click('form.js-reply [type=submit]')]);
await page.goto(`${base}/search/?q=mochi`);
await logout();

await login(reader);
await page.goto(topicUrl);
// The like link is taken over by Spirit's script: it POSTs with XMLHttpRequest and
// updates the count in place.
const liked = page.waitForResponse((r) => r.url().includes('/comment/like/') && r.request().method() === 'POST');
await page.locator('a.js-like').first().click();
await liked;
await page.goto(topicUrl);
await page.click('form[action*="/topic/notification/"] [type=submit]');   // notify me
await page.waitForLoadState();
await page.goto(`${base}/`);
await page.waitForLoadState('networkidle');                    // the page's own requests end

await context.close();                                         // writes the HAR
await browser.close();
console.log(`recorded ${out}`);

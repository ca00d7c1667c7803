// Runs inside an app image (as root, read-only): what the image holds that the hygiene checks judge.
// Plain CommonJS for the image's own Node; prints one JSON object.
const fs = require('node:fs');
const path = require('node:path');
const [uid, gid] = process.argv.slice(2).map(Number);
const walk = (dir, visit) => {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    visit(full, entry);
    if (entry.isDirectory()) walk(full, visit);
  }
};
const writableByApp = (st) => (st.uid === uid && (st.mode & 0o200) !== 0) || (st.gid === gid && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0;
const notRootOwned = [];
const writable = [];
const sources = [];
const keys = [];
let files = 0;
walk('/app', (full, entry) => {
  const st = fs.lstatSync(full);
  files++;
  if (st.uid !== 0) notRootOwned.push(full);
  if (!entry.isSymbolicLink() && writableByApp(st)) writable.push(full);
  if (/\.(ts|mts|cts)$/.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name) && !full.includes('/node_modules/')) sources.push(full);
});
for (const dir of ['/app', '/root', '/home', '/etc', '/usr/local/etc']) {
  walk(dir, (full, entry) => {
    if (!entry.isFile() || full.startsWith('/etc/ssl/certs/')) return;
    if (/(^id_[a-z0-9]+$|\.key$|^\.npmrc$|^\.netrc$|^\.git-credentials$)/.test(entry.name)) keys.push(full);
    else if (fs.statSync(full).size < 1_000_000 && /-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}/.test(fs.readFileSync(full, 'latin1'))) keys.push(full);
  });
}
const exists = (p) => fs.existsSync(p);
const topModules = fs.readdirSync('/app/node_modules').flatMap((n) => (n.startsWith('@') ? fs.readdirSync(`/app/node_modules/${n}`).map((m) => `${n}/${m}`) : [n]));
console.log(JSON.stringify({
  files, notRootOwned, writable, sources, keys, topModules,
  leftovers: ['/root/.npm', '/tmp/node-compile-cache', '/app/.npm', '/home/node/.npm'].filter(exists),
  buildTools: ['gcc', 'cc', 'g++', 'make', 'python3', 'git', 'tsc'].filter((t) => ['/usr/bin', '/usr/local/bin', '/bin'].some((d) => exists(`${d}/${t}`))),
  tmpEntries: fs.readdirSync('/tmp'),
}));

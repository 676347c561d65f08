// The Socket.IO scenario of bench/bench.sh: the stock socket.io-client opens --sockets WebSocket-only
// connections to MindSwarm's /mindswarm/socket.io/ (spread over the accounts whose tokens bench.sh's
// fixture step wrote, each following one author), reads the server's RSS with them all open, then has
// the author post --broadcasts times and measures, for every socket, the time from the POST being sent
// to that socket's `post-created` (same machine clock), after one warm-up broadcast that is not counted.
//
//   node driver.js --url http://127.0.0.1:PORT --tokens tokens.json [--sockets 10000] [--wave 500]
//                  [--broadcasts 5] [--processes 2] [--server-pid PID] [--wait 15]
//
// The sockets are split over --processes node processes (one event loop reading 10,000 frames would
// itself add hundreds of milliseconds). Prints, for bench.sh:
//   RESULT sockets-connected <connections/s> <server RSS MB>MB - <failed connections>
//   RESULT sockets-broadcast - <p50>ms <p99>ms <missed receipts>
// and progress on stderr.
"use strict";
const { fork } = require("child_process");
const fs = require("fs");
const { performance } = require("perf_hooks");

const now = () => performance.timeOrigin + performance.now();
const progress = (message) => process.stderr.write(`[${new Date().toTimeString().slice(0, 8)}] ${message}\n`);

if (process.env.SOCKETS_WORKER) {
  worker();
} else {
  main().catch((error) => {
    progress(`sockets: ${error.stack || error}`);
    process.exit(1);
  });
}

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

async function main() {
  const url = option("--url");
  const tokens = JSON.parse(fs.readFileSync(option("--tokens"), "utf8"));
  const sockets = Number(option("--sockets", "10000"));
  const wave = Number(option("--wave", "500"));
  const broadcasts = Number(option("--broadcasts", "5"));
  const processes = Math.max(1, Number(option("--processes", "2")));
  const serverPid = option("--server-pid");
  const waitSeconds = Number(option("--wait", "15"));
  const run = Math.random().toString(36).slice(2, 8);

  const rssMb = () => {
    if (!serverPid) return NaN;
    const line = fs.readFileSync(`/proc/${serverPid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return Number(line.split(/\s+/)[1]) / 1024;
  };
  // The server's user and system CPU so far, in ms (utime and stime, clock ticks of 10 ms).
  const cpuSplit = () => {
    if (!serverPid) return [NaN, NaN];
    const stat = fs.readFileSync(`/proc/${serverPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [Number(fields[11]) * 10, Number(fields[12]) * 10];
  };
  const cpuMs = () => cpuSplit()[0] + cpuSplit()[1];

  // Each worker takes a contiguous share of the sockets; socket i signs in as follower i mod followers.
  const workers = [];
  const rssBefore = rssMb();
  const cpuBefore = cpuMs();
  const opened = now();
  for (let w = 0; w < processes; w++) {
    const from = Math.floor((sockets * w) / processes);
    const to = Math.floor((sockets * (w + 1)) / processes);
    const child = fork(__filename, [], { env: { ...process.env, SOCKETS_WORKER: "1" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const state = { child, count: to - from, connected: 0, failed: 0, waiters: [] };
    child.on("message", (m) => {
      for (const waiter of state.waiters.splice(0)) waiter(m);
    });
    child.send({ cmd: "connect", url, run, tokens: tokens.followers, from, to, wave: Math.max(1, Math.floor(wave / processes)) });
    workers.push(state);
  }
  const next = (state, kind) => new Promise((resolve) => {
    const listen = (m) => (m.kind === kind ? resolve(m) : state.waiters.push(listen));
    state.waiters.push(listen);
  });
  const ready = await Promise.all(workers.map((w) => next(w, "connected")));
  const openSeconds = (now() - opened) / 1000;
  const connected = ready.reduce((n, r) => n + r.connected, 0);
  const failed = ready.reduce((n, r) => n + r.failed, 0);
  for (const r of ready) if (r.error) progress(`sockets: a connection failed: ${r.error}`);
  // Settle a moment (the last handshakes' garbage, the first heartbeats), then read the RSS.
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMb();
  progress(`sockets: ${connected} connected (${failed} failed) in ${openSeconds.toFixed(1)} s; server RSS ${rssBefore.toFixed(0)} MB before, ` +
    `${rss.toFixed(0)} MB with them open (${(((rss - rssBefore) * 1024) / Math.max(connected, 1)).toFixed(1)} KB each); ` +
    `server CPU ${((cpuMs() - cpuBefore) / Math.max(connected, 1)).toFixed(2)} ms per connection`);

  const latencies = [];
  let missed = 0;
  // Broadcast 0 warms up (the post path's first run JIT-compiles it): printed, not counted.
  for (let b = 0; b <= broadcasts; b++) {
    const waits = workers.map((w) => next(w, "receipts"));
    for (const w of workers) w.child.send({ cmd: "expect", b, seconds: waitSeconds });
    await new Promise((r) => setTimeout(r, 200)); // the workers have taken the expectation
    const [user, system] = cpuSplit();
    const sent = now();
    const response = await fetch(`${url}/mindswarm/api/posts`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${tokens.author}` },
      body: JSON.stringify({ content: `socket bench ${run} #${b}: one post, every follower's socket` }),
    });
    const answered = now() - sent;
    if (!response.ok) progress(`sockets: the post answered ${response.status}: ${await response.text()}`);
    const receipts = await Promise.all(waits);
    const [userAfter, systemAfter] = cpuSplit();
    const clientMs = receipts.reduce((n, r) => n + r.cpuMs, 0);
    let got = 0;
    const these = [];
    for (const r of receipts) {
      got += r.times.length;
      for (const t of r.times) these.push(t - sent);
    }
    these.sort((x, y) => x - y);
    if (b > 0) {
      latencies.push(...these);
      missed += connected - got;
    }
    const live = receipts.reduce((n, r) => n + r.live, 0);
    progress(`sockets: ${b === 0 ? "warm-up broadcast" : `broadcast ${b}/${broadcasts}`}: ${got}/${connected} received (${live} still connected), POST answered in ` +
      `${answered.toFixed(0)} ms, first ${(these[0] ?? NaN).toFixed(0)} ms, p50 ${pct(these, 0.5).toFixed(0)} ms, p99 ${pct(these, 0.99).toFixed(0)} ms, ` +
      `last ${(these[these.length - 1] ?? NaN).toFixed(0)} ms; server CPU ${userAfter + systemAfter - user - system} ms ` +
      `(user ${userAfter - user}, system ${systemAfter - system}), clients' CPU ${clientMs.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
  latencies.sort((x, y) => x - y);
  console.log(`RESULT sockets-connected ${(connected / openSeconds).toFixed(1)} ${rss.toFixed(0)}MB - ${failed + (sockets - connected - failed)}`);
  console.log(`RESULT sockets-broadcast - ${pct(latencies, 0.5).toFixed(1)}ms ${pct(latencies, 0.99).toFixed(1)}ms ${missed}`);
  for (const w of workers) w.child.send({ cmd: "exit" });
  await Promise.all(workers.map((w) => new Promise((r) => w.child.once("exit", r))));
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function worker() {
  const { io } = require("socket.io-client");
  const open = [];
  let expecting = null; // { b, times, timer, done }
  let live = 0;

  const finish = () => {
    if (!expecting || expecting.done) return;
    expecting.done = true;
    clearTimeout(expecting.timer);
    const cpu = process.cpuUsage(expecting.cpu);
    process.send({ kind: "receipts", b: expecting.b, times: expecting.times, live, cpuMs: (cpu.user + cpu.system) / 1000 });
  };

  process.on("message", async (m) => {
    if (m.cmd === "connect") {
      let connected = 0;
      let failed = 0;
      let error = null;
      for (let start = m.from; start < m.to; start += m.wave) {
        const end = Math.min(m.to, start + m.wave);
        const wave = [];
        for (let i = start; i < end; i++) {
          wave.push(new Promise((resolve) => {
            const socket = io(m.url, {
              path: "/mindswarm/socket.io",
              auth: { token: m.tokens[i % m.tokens.length] },
              transports: ["websocket"],
              reconnection: false,
              forceNew: true,
              timeout: 60000,
            });
            socket.on("post-created", (data) => {
              const at = now();
              const marker = / #(\d+):/.exec((data && data.content) || "");
              if (!expecting || !marker || Number(marker[1]) !== expecting.b) return;
              expecting.times.push(at);
              if (expecting.times.length >= live) finish();
            });
            socket.once("connect", () => {
              live++;
              socket.once("disconnect", () => live--);
              open.push(socket);
              resolve(true);
            });
            socket.once("connect_error", (err) => {
              error = error || `${err.message} ${JSON.stringify(err.data || null)}`;
              socket.close();
              resolve(false);
            });
          }));
        }
        for (const ok of await Promise.all(wave)) ok ? connected++ : failed++;
      }
      process.send({ kind: "connected", connected, failed, error });
    } else if (m.cmd === "expect") {
      expecting = { b: m.b, times: [], done: false, cpu: process.cpuUsage(), timer: setTimeout(finish, m.seconds * 1000) };
      if (live === 0) finish();
    } else if (m.cmd === "exit") {
      for (const socket of open) socket.close();
      process.exit(0);
    }
  });
}

// Drives the stock socket.io-client for the .NET realtime tests.
//
//   node socketio-driver.js '{"url":"http://127.0.0.1:5000","path":"/x/socket.io","token":"…",
//                             "transports":["websocket"],"upgrade":true,"namespace":"/admin",
//                             "query":{"token":"…"}}'
//
// Prints one JSON line per happening on stdout:
//   {"kind":"connect","id","transport"}      {"kind":"upgrade","transport"}   {"kind":"ping","transport"}
//   {"kind":"event","name","args"}           {"kind":"ack","ref","args"}
//   {"kind":"connect_error","message","data"} {"kind":"disconnect","reason"}
// and reads JSON commands, one a line, on stdin:
//   {"cmd":"emit","event":"echo","args":[…],"ref":"a1"}   (with "ref": the emit asks for an ack)
//   {"cmd":"transport"}                                    (prints {"kind":"transport","name"})
//   {"cmd":"disconnect"}
// It exits when stdin closes.
"use strict";
const readline = require("readline");
const { io } = require("socket.io-client");

const options = JSON.parse(process.argv[2]);
const out = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const socket = io(options.url + (options.namespace || ""), {
  path: options.path,
  auth: options.token == null ? undefined : { token: options.token },
  query: options.query || undefined,
  transports: options.transports || ["polling", "websocket"],
  upgrade: options.upgrade !== false,
  reconnection: false,
  forceNew: true,
  timeout: 20000,
});

socket.io.on("open", () => {
  const engine = socket.io.engine;
  engine.on("upgrade", (transport) => out({ kind: "upgrade", transport: transport.name }));
  engine.on("ping", () => out({ kind: "ping", transport: engine.transport.name }));
});
socket.on("connect", () => out({ kind: "connect", id: socket.id, transport: socket.io.engine.transport.name }));
socket.on("connect_error", (err) => out({ kind: "connect_error", message: err.message, data: err.data || null }));
socket.on("disconnect", (reason) => out({ kind: "disconnect", reason }));
socket.onAny((name, ...args) => out({ kind: "event", name, args }));

const commands = readline.createInterface({ input: process.stdin });
commands.on("line", (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  switch (command.cmd) {
    case "emit":
      if (command.ref) {
        socket.emit(command.event, ...(command.args || []), (...args) => out({ kind: "ack", ref: command.ref, args }));
      } else {
        socket.emit(command.event, ...(command.args || []));
      }
      break;
    case "transport":
      out({ kind: "transport", name: socket.io.engine ? socket.io.engine.transport.name : null });
      break;
    case "disconnect":
      socket.disconnect();
      break;
  }
});
commands.on("close", () => {
  socket.close();
  process.exit(0);
});

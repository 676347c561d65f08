// An S3-compatible store on loopback for the .NET media tests (s3rver keeps objects in a folder).
//
//   node s3rver-driver.js <directory>
//
// Prints {"port": N} once it listens on 127.0.0.1, and stops when stdin closes. Its credentials
// are s3rver's fixed S3RVER / S3RVER.
"use strict";
const S3rver = require("s3rver");

const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.argv[2] });
server.run().then(
  (address) => {
    process.stdout.write(JSON.stringify({ port: address.port }) + "\n");
    process.stdin.resume();
    process.stdin.on("end", () => server.close(() => process.exit(0)));
  },
  (error) => {
    process.stderr.write(String(error && error.stack || error) + "\n");
    process.exit(1);
  });

// An independent TOTP implementation for the .NET tests: otplib's authenticator (RFC 6238,
// SHA-1, 6 digits, 30 s).
//   node totp.js generate <base32 secret> <unix ms>   → prints the code at that moment
//   node totp.js check <base32 secret> <unix ms> <code> → prints true/false (window ±1 step)
const { authenticator } = require('otplib');

const [command, secret, epochText, code] = process.argv.slice(2);
const epoch = Number(epochText);
authenticator.options = { epoch, window: 1 };
if (command === 'generate') {
  console.log(authenticator.generate(secret));
} else if (command === 'check') {
  console.log(authenticator.check(code, secret) ? 'true' : 'false');
} else {
  console.error('usage: node totp.js generate|check <secret> <epoch ms> [code]');
  process.exit(2);
}

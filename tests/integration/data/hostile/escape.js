// The usual escapes from Node.js: a child process, a TCP connection, the
// host's files, writing outside /box.  Every one must fail; then BLOCKED.
const fs = require('fs');
const net = require('net');
const breaches = [];

function attempt(what, fn) {
    try {
        fn();
        breaches.push(what);
    } catch (e) {
        console.error(`${what}: ${e.code || e.message}`);
    }
}

attempt('execSync', () => require('child_process').execSync('/usr/bin/id'));
attempt('read /etc/shadow', () => fs.readFileSync('/etc/shadow'));
attempt('write /usr', () => fs.writeFileSync('/usr/ojrun-hostile-pwned', 'x'));
const sock = net.connect({host: '127.0.0.1', port: 22});
sock.on('connect', () => {
    breaches.push('connect 127.0.0.1:22');
    sock.destroy();
});
sock.on('error', (e) => console.error(`connect: ${e.code}`));
sock.on('close', () => {
    console.log(breaches.length ? breaches.map((b) => 'BREACH: ' + b).join('\n') : 'BLOCKED');
});

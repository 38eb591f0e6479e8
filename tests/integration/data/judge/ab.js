// A+B reading all of stdin at once; BigInt so that 64-bit sums are exact.
const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\s+/).map(BigInt);
const v = [];
for (let i = 0; i < 1000; i++) v.push((i * 7919) % 1003);
v.sort((x, y) => x - y);
console.log((a + b).toString());

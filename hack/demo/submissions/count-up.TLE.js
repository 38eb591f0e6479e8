// A+B by counting: adds b to a one step at a time.  Fine for 1 + 2, hopeless
// for 10^18 (tests/3): the CPU limit stops it.
const data = require('fs').readFileSync(0, 'latin1').split(/\s+/).filter((s) => s.length > 0);
const t = Number(data[0]);
const out = [];
for (let i = 0; i < t; i++) {
    let a = BigInt(data[1 + 2 * i]);
    let b = BigInt(data[2 + 2 * i]);
    for (; b > 0n; b--) a++;
    for (; b < 0n; b++) a--;
    out.push(a.toString());
}
console.log(out.join('\n'));

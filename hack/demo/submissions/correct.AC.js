// A+B: correct.  Numbers above 2^53 need BigInt to stay exact.
const data = require('fs').readFileSync(0, 'latin1').split(/\s+/).filter((s) => s.length > 0);
const t = Number(data[0]);
const out = [];
for (let i = 0; i < t; i++) out.push((BigInt(data[1 + 2 * i]) + BigInt(data[2 + 2 * i])).toString());
process.stdout.write(out.join('\n') + '\n');

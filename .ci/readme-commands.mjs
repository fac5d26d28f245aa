// Prints the command lines of the README's first shell block, one per line, so CI runs exactly
// what a newcomer copies: the quick start first, the test command second.
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const block = readme.match(/```sh\n([\s\S]*?)```/)?.[1];
if (!block) throw new Error('README.md has no ```sh block on its first screen');
const lines = block.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
if (lines.length !== 2) throw new Error(`expected 2 commands in the README's first block, found ${lines.length}`);
console.log(lines.join('\n'));

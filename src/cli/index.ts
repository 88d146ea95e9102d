// `npm run doorstep -- <command>`: operations on a Doorstep database from the command line.
import { ConfigError, loadConfig } from '../config.ts';
import { DatabaseUnavailableError } from '../db/database.ts';
import { DataFolderInUseError } from '../runtime.ts';
import { commands } from './commands.ts';
import { UsageError } from './usage-error.ts';

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;

if (!command) {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  console.error(name ? `doorstep: unknown command "${name}"\n` : '');
  console.error('Usage: npm run doorstep -- <command> [options]\n\nCommands:');
  for (const [key, c] of Object.entries(commands)) console.error(`  ${key.padEnd(width)}  ${c.summary}`);
  process.exit(name ? 1 : 0);
}

try {
  const config = loadConfig();
  const code = await command.run(config, args);
  // Output to a pipe is written asynchronously: exiting at once would cut it short.
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(code);
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof DataFolderInUseError ||
    error instanceof UsageError
  ) {
    console.error(`doorstep: ${error.message}`);
  } else {
    console.error('doorstep:', error);
  }
  process.exit(1);
}

export * from './command.js';
export * from './io.js';
export * from './main.js';
export * from './commands/inspect.js';

export { EXIT, CliError, exitForStatus, type ExitCode } from './exit.js';
export { run, buildProgram } from './program.js';
export { BufferStream, processIo, type Io, type OutStream } from './io.js';
export { ApiClient, type Credentials, type RequestOptions } from './client.js';

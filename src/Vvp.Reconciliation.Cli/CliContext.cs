namespace Vvp.Reconciliation.Cli;

/// <summary>What a command may touch besides files: its output streams, the environment, and whether stderr is a terminal.</summary>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="Environment">Reads an environment variable.</param>
/// <param name="StderrIsTerminal">True when progress lines may be shown on standard error.</param>
/// <param name="InputWait">How long reading an input file may wait for data (a named pipe); <see cref="InputFiles.DefaultWait"/> when null.</param>
internal sealed record CliContext(TextWriter Stdout, TextWriter Stderr, Func<string, string?> Environment, bool StderrIsTerminal, TimeSpan? InputWait = null);

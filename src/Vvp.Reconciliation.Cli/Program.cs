using Vvp.Reconciliation.Cli;

return await CliApp.RunAsync(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable, !Console.IsErrorRedirected));

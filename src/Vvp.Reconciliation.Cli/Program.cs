using Vvp.Reconciliation.Cli;

return CliApp.Run(args, Console.Out, Console.Error);

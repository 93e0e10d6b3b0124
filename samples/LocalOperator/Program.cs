using Vvp.Reconciliation.LocalOperator;
using Vvp.Reconciliation.Operator;

// vvp-operator-local [--json-logs] [--urls URL] [--key=value]...: the operator with its own Kubernetes API stand-in and
// platform emulator, reconciling the documentation's example CR. Settings given here win over the local defaults.
if (args.Any(a => a is "--help" or "-h"))
{
    Console.WriteLine("Usage: vvp-operator-local [--json-logs] [--urls http://127.0.0.1:8080] [--key=value]... | --help | --version");
    Console.WriteLine("  Starts a Kubernetes API stand-in and the platform emulator in this process, applies the documentation's");
    Console.WriteLine("  example CR to the namespace vvp-jobs, and runs vvp-operator against both. Settings: see vvp-operator --help.");
    return 0;
}

if (args.Any(a => a is "--version"))
{
    Console.WriteLine($"vvp-operator-local {typeof(OperatorHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown"}");
    return 0;
}

await using var environment = await LocalEnvironment.StartAsync(CancellationToken.None).ConfigureAwait(false);
return await OperatorHost.RunAsync(args, environment.ForOperator).ConfigureAwait(false);
